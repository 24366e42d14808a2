#include "intake/contact_service.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/log.h"
#include "crypto/crypto.h"

namespace childsafe::intake {

namespace {

// Associated data binds each ciphertext to its contact and field.
std::string Ad(const std::string& reference, const std::string& field) {
  return "contact/" + reference + "/" + field;
}

std::string ChildAd(const std::string& reference, size_t i, const char* field) {
  return Ad(reference, "children/" + std::to_string(i) + "/" + field);
}

bool ValidIdempotencyKey(const std::string& k) {
  if (k.empty() || k.size() > 200) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

bool ValidReference(const std::string& r) {
  if (r.empty() || r.size() > 40) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

// "111-2025-000123" -> (2025, 123); nullopt for other formats.
std::optional<std::pair<int, int64_t>> ParseOwnReference(const std::string& r) {
  if (r.size() < 15 || r.compare(0, 4, "111-") != 0 || r[8] != '-') return std::nullopt;
  int year = 0;
  int64_t seq = 0;
  for (size_t i = 4; i < 8; ++i) {
    if (r[i] < '0' || r[i] > '9') return std::nullopt;
    year = year * 10 + (r[i] - '0');
  }
  for (size_t i = 9; i < r.size(); ++i) {
    if (r[i] < '0' || r[i] > '9' || seq > 1'000'000'000'000) return std::nullopt;
    seq = seq * 10 + (r[i] - '0');
  }
  return std::make_pair(year, seq);
}

std::string SequenceName(int year) { return "contact_reference_" + std::to_string(year); }

}  // namespace

ContactService::ContactService(storage::Database& db, const domain::Taxonomy& taxonomy,
                               const domain::Provinces& provinces,
                               std::shared_ptr<const auth::Keyring> keyring,
                               const auth::PermissionMatrix& permissions,
                               const auth::AuditLog& audit, const Clock& clock)
    : db_(db),
      taxonomy_(taxonomy),
      provinces_(provinces),
      keyring_(std::move(keyring)),
      permissions_(permissions),
      audit_(audit),
      clock_(clock) {}

void ContactService::AddListener(std::function<void(const storage::ContactFacts&)> listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void ContactService::Notify(const std::vector<storage::ContactFacts>& facts) {
  std::vector<std::function<void(const storage::ContactFacts&)>> copy;
  {
    std::lock_guard lock(listeners_mu_);
    copy = listeners_;
  }
  for (const auto& f : facts) {
    for (const auto& l : copy) l(f);
  }
}

storage::ContactFacts ContactService::FactsOf(const domain::Contact& c) const {
  storage::ContactFacts f;
  f.id = c.id;
  f.version = c.version;
  f.received_at = c.received_at;
  f.channel = c.channel;
  f.centre = c.centre;
  f.call_type = c.call_type;
  f.outcome = c.outcome;
  f.urgency = c.urgency;
  if (c.caller) {
    f.caller_age_band = c.caller->age_band;
    f.caller_gender = c.caller->gender;
  }
  f.online = domain::IsOnline(c, taxonomy_);
  LocalDay day = LocalDayOf(c.received_at);
  for (const auto& ch : c.children) {
    f.children.push_back(
        {ch.age, ch.gender, ch.province.empty() ? "" : provinces_.CurrentCode(ch.province, day)});
  }
  f.categories = c.categories;
  return f;
}

storage::StoredContact ContactService::Seal(const domain::Contact& c) const {
  const crypto::FieldCipher& fc = keyring_->fields();
  storage::StoredContact sc;
  sc.contact = c;
  sc.contact.summary.clear();
  sc.sealed.summary = fc.Encrypt(c.summary, Ad(c.reference, "summary"));
  if (c.caller) {
    sc.contact.caller->name.clear();
    sc.contact.caller->phone.clear();
    sc.sealed.caller_name = fc.Encrypt(c.caller->name, Ad(c.reference, "caller/name"));
    std::string phone = crypto::NormalizePhone(c.caller->phone);
    if (!phone.empty()) sc.caller_pseudonym = keyring_->pseudonyms().Pseudonym("phone", phone);
  }
  LocalDay day = LocalDayOf(c.received_at);
  for (size_t i = 0; i < c.children.size(); ++i) {
    const domain::Child& ch = c.children[i];
    sc.sealed.children.push_back(storage::SealedChild{
        fc.Encrypt(ch.name, ChildAd(c.reference, i, "name")),
        fc.Encrypt(ch.address, ChildAd(c.reference, i, "address")),
        fc.Encrypt(ch.phone, ChildAd(c.reference, i, "phone")),
        fc.Encrypt(ch.date_of_birth, ChildAd(c.reference, i, "date_of_birth"))});
    domain::Child& clear = sc.contact.children[i];
    clear.name.clear();
    clear.address.clear();
    clear.phone.clear();
    clear.date_of_birth.clear();
    sc.child_province_current.push_back(
        ch.province.empty() ? "" : provinces_.CurrentCode(ch.province, day));
  }
  sc.online = domain::IsOnline(c, taxonomy_);
  return sc;
}

Result<ContactView> ContactService::Open(const storage::StoredContact& sc, storage::ReadTxn& txn,
                                         bool with_repeat) const {
  const crypto::FieldCipher& fc = keyring_->fields();
  ContactView v;
  v.contact = sc.contact;
  const std::string& ref = sc.contact.reference;
  CS_TRY(v.contact.summary, fc.Decrypt(sc.sealed.summary, Ad(ref, "summary")));
  if (v.contact.caller) {
    CS_TRY(v.contact.caller->name, fc.Decrypt(sc.sealed.caller_name, Ad(ref, "caller/name")));
  }
  for (size_t i = 0; i < v.contact.children.size() && i < sc.sealed.children.size(); ++i) {
    domain::Child& ch = v.contact.children[i];
    const storage::SealedChild& s = sc.sealed.children[i];
    CS_TRY(ch.name, fc.Decrypt(s.name, ChildAd(ref, i, "name")));
    CS_TRY(ch.address, fc.Decrypt(s.address, ChildAd(ref, i, "address")));
    CS_TRY(ch.phone, fc.Decrypt(s.phone, ChildAd(ref, i, "phone")));
    CS_TRY(ch.date_of_birth, fc.Decrypt(s.date_of_birth, ChildAd(ref, i, "date_of_birth")));
  }
  v.extras.online = sc.online;
  v.extras.has_caller_phone = !sc.caller_pseudonym.empty();
  if (with_repeat && !sc.caller_pseudonym.empty()) {
    CS_TRY(auto info, txn.RepeatCaller(sc.caller_pseudonym, sc.contact.received_at, sc.contact.id));
    v.extras.repeat = info;
  }
  return v;
}

Status ContactService::ValidateNew(const domain::Contact& c) const {
  return domain::ValidateContact(c, domain::ValidationContext{taxonomy_, provinces_, clock_.Now()});
}

Result<CreateResult> ContactService::Create(const auth::Principal& who, domain::Contact draft,
                                            const std::optional<std::string>& idempotency_key,
                                            const std::string& request_fingerprint) {
  CS_TRY_STATUS(permissions_.Check(who, "contacts.create"));
  // A person records contacts as themself.
  if (who.kind == auth::Principal::Kind::kUser && draft.counsellor.empty())
    draft.counsellor = who.name;
  if (idempotency_key && !ValidIdempotencyKey(*idempotency_key)) {
    return Fail(Error::InvalidField("Idempotency-Key", field_codes::kInvalidFormat,
                                    "1 to 200 visible ASCII characters"));
  }
  if (draft.taxonomy_version.empty()) draft.taxonomy_version = taxonomy_.version();
  CS_TRY_STATUS(ValidateNew(draft));
  const UnixSeconds now = clock_.Now();
  draft.id = 0;
  draft.version = 1;
  draft.created_at = draft.updated_at = now;
  const int year = CivilFromDays(LocalDayOf(draft.received_at)).year;

  // Triage runs here, before the unit of work, so the database's writer only stores its result.
  std::optional<PreparedText> text;
  if (ContactTriage* triage = triage_.load()) {
    CS_TRY(text, triage->Prepare(who, draft, ContactTriage::Event::kArrival, now));
  }

  CreateResult out;
  std::optional<int64_t> replay_id;
  storage::StoredContact sealed;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    if (idempotency_key) {
      CS_TRY(auto existing, t.GetIdempotency(who.ScopeKey(), *idempotency_key));
      if (existing) {
        if (existing->request_hash != request_fingerprint) {
          return Fail(
              Error::Conflict("this Idempotency-Key was already used for a different request"));
        }
        replay_id = existing->resource_id;
        return {};
      }
    }
    CS_TRY(int64_t seq, t.NextSequence(SequenceName(year), 1));
    draft.reference = domain::FormatReference(year, seq);
    sealed = Seal(draft);
    CS_TRY(draft.id, t.InsertContact(sealed));
    if (idempotency_key) {
      CS_TRY_STATUS(t.PutIdempotency(storage::IdempotencyRecord{
          who.ScopeKey(), *idempotency_key, request_fingerprint, draft.id, now}));
    }
    CS_TRY_STATUS(
        audit_.Append(t, who, {"contact.create", "contact", std::to_string(draft.id)}, now));
    if (text) CS_TRY_STATUS(text->apply(t, draft));
    out.view.contact = draft;
    out.view.extras.online = sealed.online;
    out.view.extras.has_caller_phone = !sealed.caller_pseudonym.empty();
    if (!sealed.caller_pseudonym.empty()) {
      CS_TRY(auto info, t.RepeatCaller(sealed.caller_pseudonym, draft.received_at, draft.id));
      out.view.extras.repeat = info;
    }
    return {};
  }));
  if (replay_id) {
    CS_TRY(out.view, Get(who, *replay_id));
    out.replayed = true;
    return out;
  }
  if (out.view.contact.caller) out.view.contact.caller->phone.clear();  // never echoed back
  if (text && text->after_commit) text->after_commit();
  Notify({FactsOf(draft)});
  log::Info("contact.created", {{"id", draft.id}, {"principal", who.ScopeKey()}});
  return out;
}

Result<ContactView> ContactService::Get(const auth::Principal& who, int64_t id) {
  return ReadOne(who, [id](storage::ReadTxn& t) { return t.GetContact(id); });
}

Result<ContactView> ContactService::GetByReference(const auth::Principal& who,
                                                   const std::string& reference) {
  return ReadOne(who,
                 [&reference](storage::ReadTxn& t) { return t.GetContactByReference(reference); });
}

Result<ContactView> ContactService::ReadOne(
    const auth::Principal& who,
    const std::function<Result<std::optional<storage::StoredContact>>(storage::ReadTxn&)>& find) {
  std::optional<storage::StoredContact> sc;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(sc, find(t));
    return {};
  }));
  if (!sc) return Fail(Error::NotFound("no such contact"));
  const UnixSeconds now = clock_.Now();
  if (!permissions_.CheckObject(who, "contacts.read", ScopeOf(sc->contact))) {
    // A record the role may not reach: refused like a missing one, and recorded.
    (void)audit_.Record(db_, who,
                        {"contact.read", "contact", std::to_string(sc->contact.id), "denied"}, now);
    return Fail(Error::NotFound("no such contact"));
  }
  // Every read of a child's record is recorded before the record is shown.
  CS_TRY_STATUS(
      audit_.Record(db_, who, {"contact.read", "contact", std::to_string(sc->contact.id)}, now));
  ContactView v;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(v, Open(*sc, t, true));
    if (ContactTriage* triage = triage_.load()) {
      CS_TRY(v.extras.triage, triage->Describe(t, v.contact));
    }
    return {};
  }));
  return v;
}

Result<ContactView> ContactService::Update(const auth::Principal& who, int64_t id,
                                           int64_t expected_version, domain::Contact r) {
  const UnixSeconds now = clock_.Now();
  if (r.taxonomy_version.empty()) r.taxonomy_version = taxonomy_.version();
  std::optional<PreparedText> text;
  if (ContactTriage* triage = triage_.load()) {
    CS_TRY(text, triage->Prepare(who, r, ContactTriage::Event::kCorrection, now));
  }
  storage::ContactFacts facts;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto existing, t.GetContact(id));
    if (!existing) return Fail(Error::NotFound("no contact with this id"));
    CS_TRY_STATUS(permissions_.CheckObject(who, "contacts.update", ScopeOf(existing->contact)));
    CS_TRY(auto protection, t.ContactProtection(id));
    if (protection.second)
      return Fail(Error::Precondition("this contact's personal data was erased"));
    if (existing->contact.version != expected_version) {
      return Fail(Error::Conflict("the contact was changed by someone else (now version " +
                                  std::to_string(existing->contact.version) +
                                  "); reload it and apply your change again"));
    }
    r.id = id;
    r.reference = existing->contact.reference;
    r.created_at = existing->contact.created_at;
    r.version = expected_version;
    r.updated_at = now;
    CS_TRY_STATUS(ValidateNew(r));
    storage::StoredContact sc = Seal(r);
    if (sc.caller_pseudonym.empty() && r.caller) sc.caller_pseudonym = existing->caller_pseudonym;
    CS_TRY_STATUS(t.UpdateContact(sc, expected_version));
    if (text) CS_TRY_STATUS(text->apply(t, r));
    r.version = expected_version + 1;
    facts = FactsOf(r);
    return audit_.Append(
        t, who, {"contact.update", "contact", std::to_string(id), "ok", {{"version", r.version}}},
        now);
  }));
  if (text && text->after_commit) text->after_commit();
  Notify({facts});
  ContactView v;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(auto sc, t.GetContact(id));
    if (!sc) return Fail(Error::NotFound("no contact with this id"));
    CS_TRY(v, Open(*sc, t, true));
    if (ContactTriage* triage = triage_.load()) {
      CS_TRY(v.extras.triage, triage->Describe(t, v.contact));
    }
    return {};
  }));
  return v;
}

Result<storage::ContactQuery> ContactService::ToQuery(const ContactFilter& f) const {
  storage::ContactQuery q;
  FieldErrors errs;
  if (f.from) q.from = LocalDayStart(*f.from);
  if (f.to) q.to = LocalDayStart(*f.to);
  if (f.from && f.to && *f.to <= *f.from)
    errs.Add("to", field_codes::kOutOfRange, "must be after from");
  auto codes = [&](const char* field, const std::vector<std::string>& in,
                   const domain::CodeSet& set, std::vector<std::string>& out) {
    for (const auto& c : in) {
      if (!set.Contains(c)) errs.Add(field, field_codes::kUnknownCode, "unknown code '" + c + "'");
      out.push_back(c);
    }
  };
  codes("channel", f.channels, taxonomy_.channels(), q.channels);
  codes("call_type", f.call_types, taxonomy_.call_types(), q.call_types);
  codes("outcome", f.outcomes, taxonomy_.outcomes(), q.outcomes);
  codes("centre", f.centres, taxonomy_.centres(), q.centres);
  for (const auto& c : f.categories) {
    if (taxonomy_.FindSubcategory(c)) {
      q.categories.push_back(c);
    } else if (auto top = taxonomy_.categories().Find(c)) {
      for (const auto& s : taxonomy_.subcategories()) {
        if (s.parent == *top) q.categories.push_back(s.code);
      }
    } else {
      errs.Add("category", field_codes::kUnknownCode, "unknown category '" + c + "'");
    }
  }
  for (const auto& p : f.provinces) {
    if (!provinces_.Find(domain::ProvinceScheme::k34, p)) {
      errs.Add("province", field_codes::kUnknownCode,
               "unknown province '" + p + "' (filters use the 34 units from 01/07/2025)");
    }
    q.provinces.push_back(p);
  }
  q.online = f.online;
  q.after = f.after;
  q.limit = f.limit;
  if (f.limit < 1 || f.limit > 500) errs.Add("limit", field_codes::kOutOfRange, "must be 1 to 500");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid filter"));
  return q;
}

Result<ContactList> ContactService::List(const auth::Principal& who, const ContactFilter& filter) {
  auto scope = permissions_.ScopeOf(who, "contacts.list");
  if (!scope || *scope == auth::Scope::kAggregate || *scope == auth::Scope::kAgency) {
    return Fail(Error::PermissionDenied("your role may not list contacts"));
  }
  CS_TRY(storage::ContactQuery q, ToQuery(filter));
  if (!filter.text.empty()) {
    ContactTriage* triage = triage_.load();
    if (!triage) return Fail(Error::Unavailable("text search is not available"));
    CS_TRY(q.search_terms, triage->SearchTerms(filter.text));
  }
  if (*scope == auth::Scope::kCentre) {
    // Only the principal's own centre, whatever was asked.
    bool asked_other = !q.centres.empty() &&
                       std::find(q.centres.begin(), q.centres.end(), who.centre) == q.centres.end();
    q.centres = {asked_other ? std::string("\x01none") : who.centre};
  } else if (*scope == auth::Scope::kOwn) {
    q.counsellors = {who.name};
  }
  ContactList out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(auto page, t.ListContacts(q));
    for (auto& sc : page.items) {
      ContactView v;
      v.contact = std::move(sc.contact);  // coded fields only: nothing is decrypted for lists
      v.extras.online = sc.online;
      v.extras.has_caller_phone = !sc.caller_pseudonym.empty();
      out.items.push_back(std::move(v));
    }
    out.next = page.next;
    return {};
  }));
  if (!filter.text.empty()) {
    // A search is recorded (how many words and results, never the words: they may be a name).
    CS_TRY_STATUS(audit_.Record(db_, who,
                                {"contacts.search",
                                 "",
                                 "",
                                 "ok",
                                 {{"words", q.search_terms.size()}, {"results", out.items.size()}}},
                                clock_.Now()));
  }
  log::Debug("contact.listed", {{"count", out.items.size()}, {"principal", who.ScopeKey()}});
  return out;
}

Result<size_t> ContactService::InsertMany(std::vector<domain::Contact> contacts, bool triage_text) {
  std::stable_sort(contacts.begin(), contacts.end(),
                   [](const domain::Contact& a, const domain::Contact& b) {
                     return a.received_at < b.received_at;
                   });
  const UnixSeconds prepared_at = clock_.Now();
  std::vector<std::optional<PreparedText>> texts(contacts.size());
  if (ContactTriage* triage = triage_text ? triage_.load() : nullptr) {
    for (size_t i = 0; i < contacts.size(); ++i) {
      CS_TRY(texts[i], triage->Prepare(auth::Principal::System(), contacts[i],
                                       ContactTriage::Event::kImport, prepared_at));
    }
  }
  std::map<int, int64_t> need;       // year -> contacts without a reference
  std::map<int, int64_t> max_given;  // year -> highest imported sequence of our own format
  for (const auto& c : contacts) {
    if (c.reference.empty()) {
      need[CivilFromDays(LocalDayOf(c.received_at)).year]++;
    } else if (auto own = ParseOwnReference(c.reference)) {
      max_given[own->first] = std::max(max_given[own->first], own->second);
    }
  }
  const UnixSeconds now = clock_.Now();
  std::vector<storage::ContactFacts> facts;
  facts.reserve(contacts.size());
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    facts.clear();
    for (auto& [year, top] : max_given) CS_TRY_STATUS(t.RaiseSequence(SequenceName(year), top));
    std::map<int, int64_t> next;
    for (auto& [year, count] : need) {
      CS_TRY(int64_t last, t.NextSequence(SequenceName(year), count));
      next[year] = last - count + 1;
    }
    for (size_t i = 0; i < contacts.size(); ++i) {
      domain::Contact& c = contacts[i];
      if (c.reference.empty()) {
        int year = CivilFromDays(LocalDayOf(c.received_at)).year;
        c.reference = domain::FormatReference(year, next[year]++);
      }
      if (c.taxonomy_version.empty()) c.taxonomy_version = taxonomy_.version();
      if (!c.created_at) c.created_at = now;
      c.updated_at = now;
      c.version = 1;
      CS_TRY(c.id, t.InsertContact(Seal(c)));
      if (texts[i]) CS_TRY_STATUS(texts[i]->apply(t, c));
      facts.push_back(FactsOf(c));
    }
    return {};
  }));
  Notify(facts);
  return contacts.size();
}

Result<ImportReport> ContactService::Import(const auth::Principal& who, std::vector<ImportRow> rows,
                                            const ImportOptions& options) {
  CS_TRY_STATUS(permissions_.Check(who, "contacts.import"));
  ImportReport report;
  report.rows = rows.size();
  const domain::ValidationContext ctx{taxonomy_, provinces_, clock_.Now()};
  std::vector<std::pair<size_t, domain::Contact>> good;
  std::set<std::string> seen_refs;
  for (auto& row : rows) {
    if (!row.contact) {
      report.errors.emplace_back(row.line, row.contact.error());
      continue;
    }
    domain::Contact& c = *row.contact;
    if (c.taxonomy_version.empty()) c.taxonomy_version = taxonomy_.version();
    auto st = domain::ValidateContact(c, ctx);
    if (!st) {
      report.errors.emplace_back(row.line, st.error());
      continue;
    }
    if (!c.reference.empty()) {
      if (!ValidReference(c.reference)) {
        report.errors.emplace_back(row.line,
                                   Error::InvalidField("reference", field_codes::kInvalidFormat,
                                                       "letters, digits and '-', at most 40"));
        continue;
      }
      if (!seen_refs.insert(c.reference).second) {
        report.errors.emplace_back(row.line,
                                   Error::InvalidField("reference", field_codes::kDuplicate,
                                                       "the file has this reference twice"));
        continue;
      }
    }
    good.emplace_back(row.line, std::move(c));
  }
  // References that already exist.
  std::vector<std::pair<size_t, domain::Contact>> fresh;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    for (auto& [line, c] : good) {
      if (!c.reference.empty()) {
        CS_TRY(auto existing, t.GetContactByReference(c.reference));
        if (existing) {
          if (options.skip_existing) {
            report.skipped_existing++;
          } else {
            report.errors.emplace_back(line,
                                       Error::InvalidField("reference", field_codes::kDuplicate,
                                                           "a contact with this reference exists"));
          }
          continue;
        }
      }
      fresh.emplace_back(line, std::move(c));
    }
    return {};
  }));
  std::sort(report.errors.begin(), report.errors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (options.dry_run || (!report.errors.empty() && !options.skip_invalid)) return report;
  for (size_t start = 0; start < fresh.size(); start += options.chunk) {
    std::vector<domain::Contact> chunk;
    for (size_t i = start; i < std::min(fresh.size(), start + options.chunk); ++i) {
      chunk.push_back(std::move(fresh[i].second));
    }
    CS_TRY(size_t n, InsertMany(std::move(chunk), /*triage_text=*/true));
    report.written += n;
  }
  CS_TRY_STATUS(audit_.Record(
      db_, who,
      {"contacts.import",
       "",
       "",
       "ok",
       {{"rows", report.rows}, {"written", report.written}, {"errors", report.errors.size()}}},
      clock_.Now()));
  return report;
}

Status ContactService::Export(const auth::Principal& who, const ContactFilter& filter,
                              bool with_sensitive,
                              const std::function<Status(const ContactView&)>& sink) {
  auto scope = permissions_.ScopeOf(who, "contacts.export");
  if (!scope || *scope != auth::Scope::kAll)
    return Fail(Error::PermissionDenied("your role may not export"));
  CS_TRY_STATUS(audit_.Record(
      db_, who, {"contacts.export", "", "", "ok", {{"sensitive", with_sensitive}}}, clock_.Now()));
  ContactFilter f = filter;
  f.limit = 500;
  CS_TRY(storage::ContactQuery q, ToQuery(f));
  size_t count = 0;
  while (true) {
    std::vector<ContactView> views;
    std::optional<storage::ContactCursor> next;
    CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
      CS_TRY(auto page, t.ListContacts(q));
      for (auto& sc : page.items) {
        if (with_sensitive) {
          CS_TRY(auto v, Open(sc, t, false));
          views.push_back(std::move(v));
        } else {
          ContactView v;
          v.contact = std::move(sc.contact);
          v.extras.online = sc.online;
          v.extras.has_caller_phone = !sc.caller_pseudonym.empty();
          views.push_back(std::move(v));
        }
      }
      next = page.next;
      return {};
    }));
    for (const auto& v : views) CS_TRY_STATUS(sink(v));
    count += views.size();
    if (!next) break;
    q.after = next;
  }
  log::Info("contact.exported",
            {{"count", count}, {"sensitive", with_sensitive}, {"principal", who.ScopeKey()}});
  return {};
}

Status ContactService::SetLegalHold(const auth::Principal& who, int64_t id, bool hold) {
  const UnixSeconds now = clock_.Now();
  return db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto sc, t.GetContact(id));
    if (!sc) return Fail(Error::NotFound("no contact with this id"));
    CS_TRY_STATUS(permissions_.CheckObject(who, "contacts.hold", ScopeOf(sc->contact)));
    CS_TRY_STATUS(t.SetLegalHold(id, hold));
    return audit_.Append(
        t, who, {hold ? "contact.hold" : "contact.release", "contact", std::to_string(id)}, now);
  });
}

Result<RetentionReport> ContactService::RunRetention(const auth::Principal& who, int max_age_days,
                                                     bool dry_run) {
  if (who.kind != auth::Principal::Kind::kSystem) {
    return Fail(Error::PermissionDenied("retention runs from the command line"));
  }
  if (max_age_days < 30) {
    return Fail(Error::InvalidField("max_age_days", field_codes::kOutOfRange, "at least 30 days"));
  }
  const UnixSeconds now = clock_.Now();
  RetentionReport report;
  report.cutoff = LocalDayStart(LocalDayOf(now) - max_age_days);
  while (true) {
    std::vector<int64_t> due;
    CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
      CS_TRY(due, t.ContactsDueForErasure(report.cutoff, dry_run ? 1000000000 : 1000));
      return {};
    }));
    report.due += static_cast<int64_t>(due.size());
    if (dry_run || due.empty()) break;
    CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
      for (int64_t id : due) {
        CS_TRY_STATUS(t.EraseContact(id, now));
        CS_TRY_STATUS(audit_.Append(t, who,
                                    {"contact.erase",
                                     "contact",
                                     std::to_string(id),
                                     "ok",
                                     {{"why", "retention"}, {"max_age_days", max_age_days}}},
                                    now));
      }
      return {};
    }));
    report.erased += static_cast<int64_t>(due.size());
  }
  return report;
}

Result<std::vector<int64_t>> ContactService::SubjectContacts(const SubjectQuery& q) {
  if (q.phone.empty() && q.references.empty()) {
    return Fail(Error::InvalidField("phone", field_codes::kRequired,
                                    "a phone number or contact references"));
  }
  std::vector<int64_t> ids;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    if (!q.phone.empty()) {
      std::string phone = crypto::NormalizePhone(q.phone);
      if (phone.empty())
        return Fail(
            Error::InvalidField("phone", field_codes::kInvalidFormat, "not a phone number"));
      CS_TRY(ids, t.ContactsByPseudonym(keyring_->pseudonyms().Pseudonym("phone", phone)));
    }
    for (const auto& ref : q.references) {
      CS_TRY(auto sc, t.GetContactByReference(ref));
      if (!sc)
        return Fail(Error::InvalidField("references", field_codes::kUnknownCode,
                                        "no contact " + ref.substr(0, 40)));
      if (std::find(ids.begin(), ids.end(), sc->contact.id) == ids.end())
        ids.push_back(sc->contact.id);
    }
    return {};
  }));
  return ids;
}

Result<std::vector<ContactView>> ContactService::SubjectExport(const auth::Principal& who,
                                                               const SubjectQuery& q) {
  CS_TRY_STATUS(permissions_.Check(who, "subjects.request"));
  CS_TRY(auto ids, SubjectContacts(q));
  const UnixSeconds now = clock_.Now();
  std::vector<ContactView> out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    for (int64_t id : ids) {
      CS_TRY(auto sc, t.GetContact(id));
      if (!sc) continue;
      CS_TRY(auto v, Open(*sc, t, false));
      // What triage derived from the text is data held about the person too.
      if (ContactTriage* triage = triage_.load()) {
        CS_TRY(v.extras.triage, triage->Describe(t, v.contact));
      }
      out.push_back(std::move(v));
    }
    return {};
  }));
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& v : out) refs.push_back(v.contact.id);
    return audit_.Append(t, who, {"subject.export", "subject", "", "ok", {{"contacts", refs}}},
                         now);
  }));
  return out;
}

Result<std::pair<int64_t, int64_t>> ContactService::SubjectErase(const auth::Principal& who,
                                                                 const SubjectQuery& q) {
  CS_TRY_STATUS(permissions_.Check(who, "subjects.request"));
  CS_TRY(auto ids, SubjectContacts(q));
  const UnixSeconds now = clock_.Now();
  std::pair<int64_t, int64_t> out{0, 0};
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    for (int64_t id : ids) {
      CS_TRY(auto protection, t.ContactProtection(id));
      if (protection.first) {
        out.second++;
        continue;
      }
      CS_TRY_STATUS(t.EraseContact(id, now));
      CS_TRY_STATUS(audit_.Append(t, who,
                                  {"contact.erase",
                                   "contact",
                                   std::to_string(id),
                                   "ok",
                                   {{"why", "request of the person concerned"}}},
                                  now));
      out.first++;
    }
    return {};
  }));
  return out;
}

}  // namespace childsafe::intake
