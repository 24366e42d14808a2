#include "triage/triage_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/log.h"
#include "common/utf8.h"
#include "text/loader.h"
#include "triage/findings.h"
#include "triage/search_terms.h"

namespace childsafe::triage {

namespace {

using nlohmann::json;

constexpr int kEmergency = static_cast<int>(text::Level::kEmergency);
// A query of more words than this is refused (each is one more index lookup).
constexpr size_t kMaxQueryWords = 16;
constexpr size_t kMaxQueryBytes = 500;

int LevelOf(text::Level l) { return static_cast<int>(l); }

json TimeOrNull(const std::optional<UnixSeconds>& t) {
  return t ? json(FormatTimestampUtc(*t)) : json(nullptr);
}

}  // namespace

// What Prepare computed, handed to Apply and after_commit.
struct TriageService::Prepared {
  bool has_text = false;
  size_t text_bytes = 0;
  text::TriageResult result;
  std::string engine_version;
  std::vector<std::string> terms;
  int64_t alert_id = 0;  // set by Apply when it raised one
  int64_t contact_id = 0;
};

TriageService::TriageService(storage::Database& db, std::shared_ptr<const auth::Keyring> keyring,
                             const auth::PermissionMatrix& permissions, const auth::AuditLog& audit,
                             const Clock& clock, TaxonomyMap taxonomy_map, TriageOptions options)
    : db_(db),
      keyring_(std::move(keyring)),
      permissions_(permissions),
      audit_(audit),
      clock_(clock),
      taxonomy_map_(std::move(taxonomy_map)),
      options_(std::move(options)) {}

TriageService::~TriageService() { Shutdown(); }

// ---- the engine ---------------------------------------------------------------------------------

Status TriageService::LoadEngine() {
  CS_TRY(auto engine, Engine());
  (void)engine;
  return {};
}

void TriageService::UseEngine(std::shared_ptr<const text::Engine> engine) {
  std::lock_guard lock(load_mu_);
  engine_.Set(std::move(engine));
}

Result<std::shared_ptr<const text::Engine>> TriageService::Engine() {
  if (auto e = engine_.Get()) return e;
  std::lock_guard lock(load_mu_);
  if (auto e = engine_.Get()) return e;  // another thread compiled it meanwhile
  const auto started = std::chrono::steady_clock::now();
  auto loaded = text::LoadEngine(options_.data_dir);
  if (!loaded) {
    log::Error("triage.engine_failed", {{"detail", loaded.error().message}});
    return Fail(Error::Unavailable("text triage is unavailable: the lexicon does not load",
                                   loaded.error().message));
  }
  engine_.Set(*loaded);
  log::Info("triage.engine_loaded",
            {{"lexicon", (*loaded)->version()},
             {"patterns", (*loaded)->pattern_count()},
             {"seconds",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
  return *loaded;
}

Result<std::string> TriageService::Reload(const auth::Principal& who) {
  CS_TRY_STATUS(permissions_.Check(who, "triage.reload"));
  std::lock_guard lock(load_mu_);
  auto before = engine_.Get();
  const std::string from = before ? before->version() : "";
  const auto started = std::chrono::steady_clock::now();
  auto loaded = text::LoadEngine(options_.data_dir);
  const UnixSeconds now = clock_.Now();
  if (!loaded) {
    // The lexicon's own error names the file and line; it holds no personal data.
    log::Error("triage.reload_refused", {{"lexicon", from}, {"detail", loaded.error().message}});
    (void)audit_.Record(db_, who, {"triage.reload", "lexicon", from, "failed", {{"running", from}}},
                        now);
    return Fail(Error::Precondition("the lexicon does not compile, the running lexicon " + from +
                                    " stays: " + loaded.error().message));
  }
  const std::string to = (*loaded)->version();
  for (const auto& c : (*loaded)->lexicon().categories) {
    if (taxonomy_map_.CodesOf(c.key).empty()) {
      log::Warn("triage.category_unmapped", {{"category", c.key}});
    }
  }
  engine_.Set(*loaded);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::Info("triage.reloaded", {{"from", from}, {"to", to}, {"seconds", seconds}});
  CS_TRY_STATUS(audit_.Record(
      db_, who, {"triage.reload", "lexicon", to, "ok", {{"from", from}, {"to", to}}}, now));
  return to;
}

// ---- a text that is not stored
// -------------------------------------------------------------------

Result<json> TriageService::Analyse(const auth::Principal& who, std::string_view text) {
  CS_TRY_STATUS(permissions_.Check(who, "triage.run"));
  if (text.size() > options_.max_text_bytes) {
    Error e = Error::TooLarge("the text is longer than " + std::to_string(options_.max_text_bytes) +
                              " bytes");
    e.fields.push_back({"text", std::string(field_codes::kTooLong),
                        "at most " + std::to_string(options_.max_text_bytes) + " bytes"});
    return Fail(std::move(e));
  }
  if (text.empty()) {
    return Fail(Error::InvalidField("text", field_codes::kRequired, "the text to triage"));
  }
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    return Fail(Error::InvalidField("text", field_codes::kInvalidUtf8,
                                    "not valid UTF-8 (byte " + std::to_string(bad) + ")"));
  }
  CS_TRY(auto engine, Engine());
  const auto started = std::chrono::steady_clock::now();
  text::TriageResult r = engine->Triage(text);
  ViewContext ctx{&engine->lexicon(), &taxonomy_map_, nullptr};
  json view = FindingsView(r, text, ctx);
  view["bytes"] = text.size();
  log::Debug(
      "triage.analysed",
      {{"level", std::string(text::LevelName(r.level))},
       {"bytes", text.size()},
       {"us", std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
                  .count()}});
  return view;
}

// ---- contacts
// ------------------------------------------------------------------------------------

Result<intake::PreparedText> TriageService::Prepare(const auth::Principal& who,
                                                    const domain::Contact& c, Event event,
                                                    UnixSeconds now) {
  auto p = std::make_shared<Prepared>();
  if (!c.summary.empty()) {
    CS_TRY(auto engine, Engine());
    p->has_text = true;
    p->text_bytes = c.summary.size();
    p->result = engine->Triage(c.summary);
    p->engine_version = engine->version();
    p->terms = HashSearchWords(SearchWords(c.summary), keyring_->pseudonyms());
  }
  intake::PreparedText out;
  out.apply = [this, p, who, event, now](storage::WriteTxn& t, const domain::Contact& stored) {
    return Apply(t, who, stored, *p, event, now);
  };
  out.after_commit = [this, p] {
    if (p->alert_id == 0) return;
    log::Warn("triage.alert_raised", {{"alert", p->alert_id}, {"contact", p->contact_id}});
    NotifyAlert();
  };
  return out;
}

Status TriageService::Apply(storage::WriteTxn& t, const auth::Principal& who,
                            const domain::Contact& stored, Prepared& p, Event event,
                            UnixSeconds now) {
  p.alert_id = 0;
  p.contact_id = stored.id;
  CS_TRY(auto prev, t.GetContactTriage(stored.id));
  if (!p.has_text && !prev) return {};  // nothing to triage, nothing triaged before
  storage::ContactTriageRecord r = prev.value_or(storage::ContactTriageRecord{});
  r.contact_id = stored.id;
  const int level = p.has_text ? LevelOf(p.result.level) : 0;
  if (!prev) {
    r.priority = level;
    if (event == Event::kArrival && stored.counsellor.empty()) {
      r.queue_state = "waiting";  // arrived with nobody handling it: a counsellor must take it
    } else if (event == Event::kArrival) {
      r.queue_state = "taken";  // recorded by the counsellor who handles it
      r.taken_by = stored.counsellor;
      r.taken_at = now;
    } else {
      r.queue_state = "none";
    }
  } else if (level > prev->level) {
    // A correction that reveals more risk raises the priority; the engine never lowers it (a
    // person may, through Decide).
    r.priority = std::max(prev->priority, level);
  }
  r.level = level;
  r.score_milli = p.has_text ? std::llround(p.result.score * 1000.0) : 0;
  r.lexicon_version = p.has_text ? p.engine_version : (prev ? prev->lexicon_version : "");
  r.triaged_at = now;
  r.findings =
      p.has_text ? Seal(stored.reference, "triage", EncodeFindings(p.result, p.text_bytes)) : "";
  CS_TRY_STATUS(t.PutContactTriage(r));
  CS_TRY_STATUS(t.ReplaceSearchTerms(stored.id, p.terms));
  // An emergency alerts supervisors once: when a contact first reaches it.
  if (event != Event::kImport && level == kEmergency && (!prev || prev->level < kEmergency)) {
    storage::TriageAlert a;
    a.contact_id = stored.id;
    a.level = level;
    a.score_milli = r.score_milli;
    a.raised_at = now;
    CS_TRY(p.alert_id, t.InsertAlert(a));
    CS_TRY_STATUS(audit_.Append(t, who,
                                {"triage.alert",
                                 "contact",
                                 std::to_string(stored.id),
                                 "ok",
                                 {{"alert", p.alert_id}, {"level", "emergency"}}},
                                now));
  }
  return {};
}

Result<json> TriageService::Describe(storage::ReadTxn& t, const domain::Contact& c) {
  CS_TRY(auto rec, t.GetContactTriage(c.id));
  if (!rec) return json(nullptr);
  json view;
  if (!rec->findings.empty()) {
    CS_TRY(std::string plain, Open(c.reference, "triage", rec->findings));
    CS_TRY(StoredFindings f, DecodeFindings(plain));
    Review review;
    if (!rec->review.empty()) {
      CS_TRY(std::string review_plain, Open(c.reference, "triage_review", rec->review));
      CS_TRY(review, DecodeReview(review_plain));
    }
    auto engine = engine_.Get();  // labels from the lexicon in use, if loaded
    ViewContext ctx{engine ? &engine->lexicon() : nullptr, &taxonomy_map_, &review};
    view = FindingsView(f.result, c.summary, ctx);
    // Computed on another text (the summary changed without triage): the spans cannot be trusted.
    view["stale"] = f.text_bytes != c.summary.size();
  } else {
    view = {{"level", std::string(LevelNameOf(rec->level))},
            {"score", static_cast<double>(rec->score_milli) / 1000.0},
            {"lexicon_version", rec->lexicon_version},
            {"signals", json::array()},
            {"suggested_categories", json::array()},
            {"entities", json::array()},
            {"flags", json::array()},
            {"stale", false}};
  }
  view["priority"] = std::string(LevelNameOf(rec->priority));
  view["priority_set_by"] =
      rec->priority_set_by.empty() ? json(nullptr) : json(rec->priority_set_by);
  view["priority_set_at"] = TimeOrNull(rec->priority_set_at);
  view["triaged_at"] = FormatTimestampUtc(rec->triaged_at);
  view["queue"] = {{"state", rec->queue_state},
                   {"taken_by", rec->taken_by.empty() ? json(nullptr) : json(rec->taken_by)},
                   {"taken_at", TimeOrNull(rec->taken_at)}};
  storage::AlertQuery aq;
  aq.contact_id = c.id;
  CS_TRY(auto alerts, t.ListAlerts(aq));
  json alert_list = json::array();
  for (const auto& a : alerts) {
    alert_list.push_back(
        {{"id", a.id},
         {"raised_at", FormatTimestampUtc(a.raised_at)},
         {"acknowledged_at", TimeOrNull(a.acknowledged_at)},
         {"acknowledged_by", a.acknowledged_by.empty() ? json(nullptr) : json(a.acknowledged_by)}});
  }
  view["alerts"] = std::move(alert_list);
  return view;
}

Result<std::vector<std::string>> TriageService::SearchTerms(std::string_view query) const {
  if (query.size() > kMaxQueryBytes) {
    return Fail(Error::InvalidField("q", field_codes::kTooLong,
                                    "at most " + std::to_string(kMaxQueryBytes) + " bytes"));
  }
  if (!IsValidUtf8(query)) {
    return Fail(Error::InvalidField("q", field_codes::kInvalidUtf8, "not valid UTF-8"));
  }
  std::vector<std::string> words = SearchWords(query);
  if (words.empty()) {
    return Fail(Error::InvalidField("q", field_codes::kRequired, "no words to search for"));
  }
  if (words.size() > kMaxQueryWords) {
    return Fail(Error::InvalidField("q", field_codes::kOutOfRange,
                                    "at most " + std::to_string(kMaxQueryWords) + " words"));
  }
  return HashSearchWords(words, keyring_->pseudonyms());
}

// ---- the queue
// -----------------------------------------------------------------------------------

Result<storage::QueuePage> TriageService::ListQueue(const auth::Principal& who,
                                                    const QueueFilter& f) {
  auto scope = permissions_.ScopeOf(who, "queue.read");
  if (!scope || *scope == auth::Scope::kAggregate || *scope == auth::Scope::kAgency) {
    return Fail(Error::PermissionDenied("your role may not see the queue"));
  }
  FieldErrors errs;
  if (f.state != "waiting" && f.state != "taken") {
    errs.Add("state", field_codes::kUnknownCode, "waiting or taken");
  }
  if (f.limit < 1 || f.limit > 500) errs.Add("limit", field_codes::kOutOfRange, "1 to 500");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid queue filter"));
  storage::QueueQuery q;
  q.state = f.state;
  q.after = f.after;
  q.limit = f.limit;
  if (*scope == auth::Scope::kCentre) {
    q.centres = {who.centre.empty() ? std::string("\x01none") : who.centre};
  } else if (*scope == auth::Scope::kOwn) {
    q.person = who.name;
  }
  storage::QueuePage page;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(page, t.ListQueue(q));
    return {};
  }));
  return page;
}

Result<storage::ContactTriageRecord> TriageService::Take(const auth::Principal& who,
                                                         int64_t contact_id) {
  const UnixSeconds now = clock_.Now();
  storage::ContactTriageRecord out;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto sc, t.GetContact(contact_id));
    if (!sc) return Fail(Error::NotFound("no such queue entry"));
    CS_TRY_STATUS(permissions_.CheckObject(who, "queue.take",
                                           {sc->contact.centre, sc->contact.counsellor, ""}));
    CS_TRY(auto rec, t.GetContactTriage(contact_id));
    if (!rec || rec->queue_state == "none") return Fail(Error::NotFound("no such queue entry"));
    CS_TRY(bool taken, t.TakeQueueItem(contact_id, who.name, now));
    if (!taken) return Fail(Error::Conflict("someone has already taken this contact"));
    CS_TRY_STATUS(
        audit_.Append(t, who, {"queue.take", "contact", std::to_string(contact_id)}, now));
    CS_TRY(auto after, t.GetContactTriage(contact_id));
    if (after) out = std::move(*after);
    return {};
  }));
  out.findings.clear();
  out.review.clear();
  log::Info("triage.taken", {{"contact", contact_id}, {"principal", who.ScopeKey()}});
  return out;
}

Result<json> TriageService::Decide(const auth::Principal& who, int64_t contact_id,
                                   const Decision& d) {
  FieldErrors errs;
  if (!d.priority && d.verdicts.empty()) {
    errs.Add("priority", field_codes::kRequired, "a priority or verdicts on suggestions");
  }
  for (const auto& [key, verdict] : d.verdicts) {
    if (verdict != "right" && verdict != "wrong" && !verdict.empty()) {
      errs.Add("suggestions/" + key.substr(0, 64), field_codes::kUnknownCode,
               "right, wrong or null");
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid decision"));
  const UnixSeconds now = clock_.Now();
  json out;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto sc, t.GetContact(contact_id));
    if (!sc) return Fail(Error::NotFound("no such contact"));
    CS_TRY_STATUS(permissions_.CheckObject(who, "triage.review",
                                           {sc->contact.centre, sc->contact.counsellor, ""}));
    CS_TRY(auto rec, t.GetContactTriage(contact_id));
    if (!rec) return Fail(Error::Precondition("this contact has no triage to decide on"));
    const std::string& ref = sc->contact.reference;
    json details = json::object();
    if (!d.verdicts.empty()) {
      if (rec->findings.empty()) {
        return Fail(Error::Precondition("this contact's personal data was erased"));
      }
      CS_TRY(std::string plain, Open(ref, "triage", rec->findings));
      CS_TRY(StoredFindings f, DecodeFindings(plain));
      Review review;
      if (!rec->review.empty()) {
        CS_TRY(std::string rp, Open(ref, "triage_review", rec->review));
        CS_TRY(review, DecodeReview(rp));
      }
      FieldErrors unknown;
      int right = 0, wrong = 0, withdrawn = 0;
      for (const auto& entry : d.verdicts) {
        // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those.
        const std::string& key = entry.first;
        const auto& verdict = entry.second;
        bool suggested =
            std::any_of(f.result.categories.begin(), f.result.categories.end(),
                        [&](const text::CategoryScore& c) { return c.category == key; });
        if (!suggested) {
          unknown.Add("suggestions/" + key.substr(0, 64), field_codes::kUnknownCode,
                      "not one of this contact's suggested categories");
          continue;
        }
        if (verdict.empty()) {
          withdrawn += review.verdicts.erase(key) ? 1 : 0;
        } else {
          review.verdicts[key] = verdict;
          (verdict == "right" ? right : wrong)++;
        }
      }
      CS_TRY_STATUS(std::move(unknown).ToStatus("invalid decision"));
      rec->review = review.verdicts.empty() ? std::string()
                                            : Seal(ref, "triage_review", EncodeReview(review));
      details["right"] = right;
      details["wrong"] = wrong;
      if (withdrawn) details["withdrawn"] = withdrawn;
    }
    if (d.priority) {
      details["priority_from"] = std::string(LevelNameOf(rec->priority));
      details["priority_to"] = std::string(text::LevelName(*d.priority));
      rec->priority = LevelOf(*d.priority);
      rec->priority_set_by = who.ScopeKey();
      rec->priority_set_at = now;
    }
    CS_TRY_STATUS(t.PutContactTriage(*rec));
    CS_TRY_STATUS(audit_.Append(
        t, who, {"triage.decision", "contact", std::to_string(contact_id), "ok", details}, now));
    out = {{"contact_id", contact_id},
           {"priority", std::string(LevelNameOf(rec->priority))},
           {"priority_set_by",
            rec->priority_set_by.empty() ? json(nullptr) : json(rec->priority_set_by)},
           {"level", std::string(LevelNameOf(rec->level))}};
    if (!rec->review.empty()) {
      CS_TRY(std::string rp, Open(ref, "triage_review", rec->review));
      CS_TRY(Review review, DecodeReview(rp));
      out["verdicts"] = review.verdicts;
    } else {
      out["verdicts"] = json::object();
    }
    return {};
  }));
  log::Info("triage.decided", {{"contact", contact_id}, {"principal", who.ScopeKey()}});
  return out;
}

// ---- alerts
// --------------------------------------------------------------------------------------

Result<std::vector<std::string>> TriageService::AlertCentres(const auth::Principal& who) const {
  auto scope = permissions_.ScopeOf(who, "alerts.read");
  if (!scope || (*scope != auth::Scope::kAll && *scope != auth::Scope::kCentre)) {
    return Fail(Error::PermissionDenied("your role may not see alerts"));
  }
  if (*scope == auth::Scope::kAll) return std::vector<std::string>{};
  return std::vector<std::string>{who.centre.empty() ? std::string("\x01none") : who.centre};
}

Result<std::vector<storage::TriageAlert>> TriageService::ListAlerts(const auth::Principal& who,
                                                                    const AlertFilter& f) {
  CS_TRY(auto centres, AlertCentres(who));
  if (f.limit < 1 || f.limit > 500) {
    return Fail(Error::InvalidField("limit", field_codes::kOutOfRange, "1 to 500"));
  }
  storage::AlertQuery q;
  q.open_only = f.open_only;
  q.centres = std::move(centres);
  q.before_id = f.before_id;
  q.limit = f.limit;
  std::vector<storage::TriageAlert> out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(out, t.ListAlerts(q));
    return {};
  }));
  return out;
}

Result<storage::TriageAlert> TriageService::Acknowledge(const auth::Principal& who,
                                                        int64_t alert_id) {
  const UnixSeconds now = clock_.Now();
  storage::TriageAlert out;
  bool first = false;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto a, t.GetAlert(alert_id));
    if (!a) return Fail(Error::NotFound("no such alert"));
    CS_TRY_STATUS(permissions_.CheckObject(who, "alerts.ack", {a->centre, a->counsellor, ""}));
    CS_TRY(first, t.AcknowledgeAlert(alert_id, who.name, now));
    if (first) {
      CS_TRY_STATUS(audit_.Append(
          t, who,
          {"alert.ack", "contact", std::to_string(a->contact_id), "ok", {{"alert", alert_id}}},
          now));
    }
    CS_TRY(auto after, t.GetAlert(alert_id));
    if (after) out = std::move(*after);
    return {};
  }));
  if (first) log::Info("triage.alert_acknowledged", {{"alert", alert_id}});
  return out;
}

Result<std::vector<storage::TriageAlert>> TriageService::AlertsAfter(const auth::Principal& who,
                                                                     int64_t after_id, int limit) {
  CS_TRY(auto centres, AlertCentres(who));
  storage::AlertQuery q;
  q.centres = std::move(centres);
  q.after_id = after_id;
  q.limit = limit;
  std::vector<storage::TriageAlert> out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(out, t.ListAlerts(q));
    return {};
  }));
  return out;
}

Result<int64_t> TriageService::LatestAlertId(const auth::Principal& who) {
  CS_TRY(auto centres, AlertCentres(who));
  storage::AlertQuery q;
  q.centres = std::move(centres);
  q.limit = 1;
  std::vector<storage::TriageAlert> newest;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(newest, t.ListAlerts(q));
    return {};
  }));
  return newest.empty() ? int64_t{0} : newest.front().id;
}

Result<std::shared_ptr<StreamSlot>> TriageService::OpenStream() {
  if (shutdown_.load()) return Fail(Error::Unavailable("the server is stopping"));
  if (open_streams_.fetch_add(1) >= options_.max_streams) {
    open_streams_.fetch_sub(1);
    Error e;
    e.code = ErrorCode::kResourceExhausted;
    e.message = "too many alert streams are open; try again shortly";
    e.retry_after_seconds = 10;
    return Fail(std::move(e));
  }
  return std::make_shared<StreamSlot>(open_streams_);
}

uint64_t TriageService::WaitForAlert(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(alert_mu_);
  alert_cv_.wait_for(lock, timeout, [&] { return alert_epoch_ != seen || shutdown_.load(); });
  return alert_epoch_;
}

uint64_t TriageService::AlertEpoch() const {
  std::lock_guard lock(alert_mu_);
  return alert_epoch_;
}

void TriageService::NotifyAlert() {
  {
    std::lock_guard lock(alert_mu_);
    ++alert_epoch_;
  }
  alert_cv_.notify_all();
}

void TriageService::Shutdown() {
  {
    std::lock_guard lock(alert_mu_);
    shutdown_ = true;
  }
  alert_cv_.notify_all();
}

// ---- sealing
// -------------------------------------------------------------------------------------

// Bound to the contact and field like the summary ("contact/<reference>/triage"): a ciphertext
// copied to another contact will not open.
std::string TriageService::Seal(const std::string& reference, const char* field,
                                const std::string& plain) const {
  return keyring_->fields().Encrypt(plain, "contact/" + reference + "/" + field);
}

Result<std::string> TriageService::Open(const std::string& reference, const char* field,
                                        const std::string& sealed) const {
  return keyring_->fields().Decrypt(sealed, "contact/" + reference + "/" + field);
}

}  // namespace childsafe::triage
