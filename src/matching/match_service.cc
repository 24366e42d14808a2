// MatchService: matching, bank listing and switching, evidence. Imports and exports are in
// bank_import.cc.
#include "matching/match_service.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/log.h"
#include "crypto/crypto.h"
#include "matching/preview.h"

namespace childsafe::matching {

namespace {

using nlohmann::json;

// At most this many matches per lookup are returned (closest first); the total is reported.
constexpr size_t kMaxHitsPerLookup = 100;
// The audit entry of one request lists at most this many matches (and counts all of them).
constexpr size_t kMaxAuditedHits = 1000;

std::vector<std::string> SplitLabels(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    size_t bar = joined.find('|', start);
    std::string label = joined.substr(start, bar == std::string::npos ? bar : bar - start);
    if (!label.empty()) out.push_back(std::move(label));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

std::string RawFromHex(std::string_view hex) {
  auto raw = crypto::FromHex(hex);
  return raw ? *raw : std::string();
}

std::string ContentTypeOf(const std::string& format) {
  if (format == "ppm") return "image/x-portable-anymap";
  return "image/" + format;
}

}  // namespace

std::optional<EvidencePolicy> ParseEvidencePolicy(std::string_view s) {
  if (s == "off") return EvidencePolicy::kOff;
  if (s == "matched") return EvidencePolicy::kMatched;
  if (s == "all") return EvidencePolicy::kAll;
  return std::nullopt;
}

std::string_view MatchStatusName(MatchStatus s) {
  switch (s) {
    case MatchStatus::kMatch:
      return "match";
    case MatchStatus::kNoMatch:
      return "no_match";
    case MatchStatus::kLowQuality:
      return "low_quality";
    case MatchStatus::kSuppressed:
      return "suppressed";
  }
  return "no_match";
}

Result<HashQuery> ParseHashArgument(std::string_view text, HashType default_64,
                                    const std::string& field) {
  auto bad = [&](std::string_view code, std::string message) {
    return Fail(
        Error::Invalid("not a valid hash", {{field, std::string(code), std::move(message)}}));
  };
  HashQuery q;
  std::string_view hex = text;
  std::optional<HashType> declared;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    declared = hashlist::ParseHashType(text.substr(0, colon));
    if (!declared)
      return bad(field_codes::kUnknownCode, "unknown hash type: use pdq, md5, sha1 or sha256");
    hex = text.substr(colon + 1);
  }
  if (hex.empty() || hex.size() > 64 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return bad(field_codes::kInvalidFormat, "not a hash: 32, 40 or 64 hexadecimal digits");
  }
  if (declared) {
    q.type = *declared;
  } else if (hex.size() == 32) {
    q.type = HashType::kMd5;
  } else if (hex.size() == 40) {
    q.type = HashType::kSha1;
  } else if (hex.size() == 64) {
    q.type = default_64;
  } else {
    return bad(field_codes::kInvalidFormat,
               "wrong length: 32 (MD5), 40 (SHA-1) or 64 (PDQ, SHA-256) hex digits");
  }
  if (static_cast<int>(hex.size()) != hashlist::HexLength(q.type)) {
    static constexpr const char* kNames[] = {"a PDQ", "an MD5", "a SHA-1", "a SHA-256"};
    return bad(field_codes::kInvalidFormat,
               std::string(kNames[static_cast<int>(q.type)]) + " hash has " +
                   std::to_string(hashlist::HexLength(q.type)) + " hex digits");
  }
  q.hex.assign(hex);
  std::transform(q.hex.begin(), q.hex.end(), q.hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return q;
}

bool MatchService::Slots::Acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait, [&] { return free_ > 0; })) return false;
  --free_;
  return true;
}

void MatchService::Slots::Release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

MatchService::MatchService(storage::Database& db, const auth::PermissionMatrix& permissions,
                           const auth::AuditLog& audit,
                           std::shared_ptr<const auth::Keyring> keyring, const Clock& clock,
                           MatchOptions options)
    : db_(db),
      permissions_(permissions),
      audit_(audit),
      keyring_(std::move(keyring)),
      clock_(clock),
      options_(std::move(options)),
      index_(BankIndexOptions{options_.cache_dir}),
      slots_(std::max(1, options_.hash_workers)) {}

MatchService::~MatchService() { Stop(); }

Status MatchService::Load() { return index_.Refresh(db_); }

void MatchService::StartRefresh(std::chrono::milliseconds every) {
  std::lock_guard guard(refresh_mu_);
  if (refresher_.joinable()) return;
  stopping_ = false;
  refresher_ = std::thread([this, every] {
    std::unique_lock lock(refresh_mu_);
    while (!refresh_cv_.wait_for(lock, every, [&] { return stopping_; })) {
      lock.unlock();
      auto st = index_.Refresh(db_);
      if (!st) {
        log::Warn("matching.refresh_failed", {{"code", std::string(ErrorCodeName(st.error().code))},
                                              {"detail", st.error().detail}});
      }
      lock.lock();
    }
  });
}

void MatchService::Stop() {
  std::thread t;
  {
    std::lock_guard lock(refresh_mu_);
    stopping_ = true;
    t = std::move(refresher_);
  }
  refresh_cv_.notify_all();
  if (t.joinable()) t.join();
}

Status MatchService::CheckRadius(int radius) const {
  if (radius < 0 || radius > options_.max_radius) {
    return Fail(
        Error::InvalidField("radius", field_codes::kOutOfRange,
                            "must be between 0 and " + std::to_string(options_.max_radius)));
  }
  return {};
}

Result<std::vector<int64_t>> MatchService::BankIds(const std::vector<std::string>& names) const {
  std::vector<int64_t> ids;
  if (names.empty()) return ids;
  FieldErrors errs;
  for (size_t i = 0; i < names.size(); ++i) {
    auto id = index_.EnabledBankId(names[i]);
    if (!id) {
      errs.Add("banks/" + std::to_string(i), field_codes::kUnknownCode,
               "not an enabled bank (see GET /api/v1/banks)");
    } else {
      ids.push_back(*id);
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("unknown bank"));
  return ids;
}

LookupOptions MatchService::ToLookupOptions(const MatchRequest& r,
                                            std::vector<int64_t> bank_ids) const {
  LookupOptions o;
  o.radius = r.radius;
  o.min_quality = options_.min_quality;
  o.banks = std::move(bank_ids);
  return o;
}

Result<std::map<int64_t, storage::BankEntry>> MatchService::Entries(
    const std::vector<LookupResult>& found) {
  std::vector<int64_t> ids;
  for (const auto& f : found) {
    for (size_t i = 0; i < f.hits.size() && i < kMaxHitsPerLookup; ++i) {
      ids.push_back(f.hits[i].entry_id);
    }
  }
  std::map<int64_t, storage::BankEntry> out;
  if (ids.empty()) return out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(auto entries, t.GetBankEntries(ids));
    for (auto& e : entries) out.emplace(e.id, std::move(e));
    return {};
  }));
  return out;
}

Result<MatchOutcome> MatchService::Resolve(
    const LookupResult& found, bool pdq_low_quality,
    const std::map<int64_t, storage::BankEntry>& entries) const {
  MatchOutcome o;
  o.suppressed = found.suppressed.size();
  o.total = found.hits.size();
  for (size_t i = 0; i < found.hits.size() && i < kMaxHitsPerLookup; ++i) {
    const Hit& h = found.hits[i];
    MatchHit m;
    m.bank_id = h.bank_id;
    if (auto bank = index_.Bank(h.bank_id)) m.bank = bank->bank.name;
    m.entry_id = h.entry_id;
    m.hash_type = h.type;
    m.distance = h.distance;
    m.variant = h.variant;
    if (auto e = entries.find(h.entry_id); e != entries.end()) {
      m.source_entry_id = e->second.source_entry_id;
      m.labels = SplitLabels(e->second.labels);
    }
    o.matches.push_back(std::move(m));
  }
  o.status = !o.matches.empty() ? MatchStatus::kMatch
             : o.suppressed > 0 ? MatchStatus::kSuppressed
             : pdq_low_quality  ? MatchStatus::kLowQuality
                                : MatchStatus::kNoMatch;
  return o;
}

Status MatchService::AuditMatches(const auth::Principal& who, const std::string& source,
                                  const std::vector<MatchOutcome>& outcomes,
                                  std::optional<int64_t> evidence_id) {
  json hits = json::array();
  json suppressed = json::array();
  size_t total = 0, withheld = 0;
  std::string first_entry;
  std::set<int64_t> banks;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    for (const auto& m : outcomes[i].matches) {
      ++total;
      banks.insert(m.bank_id);
      if (first_entry.empty()) first_entry = std::to_string(m.entry_id);
      if (hits.size() < kMaxAuditedHits) {
        hits.push_back({{"lookup", i},
                        {"bank", m.bank_id},
                        {"entry", m.entry_id},
                        {"type", std::string(hashlist::HashTypeName(m.hash_type))},
                        {"distance", m.distance},
                        {"labels", m.labels}});
      }
    }
    total += outcomes[i].total - outcomes[i].matches.size();  // beyond what was returned
    withheld += outcomes[i].suppressed;
    if (outcomes[i].suppressed)
      suppressed.push_back({{"lookup", i}, {"count", outcomes[i].suppressed}});
  }
  if (total == 0 && withheld == 0) return {};
  auth::AuditRecord r;
  r.action = total > 0 ? "match.found" : "match.suppressed";
  r.object_type = total > 0 ? "bank_entry" : "";
  r.object_id = total > 0 ? first_entry : "";
  r.details = {{"source", source},
               {"lookups", outcomes.size()},
               {"matches", total},
               {"hits", hits},
               {"banks", std::vector<int64_t>(banks.begin(), banks.end())}};
  if (hits.size() < total) r.details["hits_truncated"] = true;
  if (withheld) r.details["suppressed"] = suppressed;
  if (evidence_id) r.details["evidence_id"] = *evidence_id;
  const UnixSeconds now = clock_.Now();
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) { return audit_.Append(t, who, r, now); }));
  if (total > 0) {
    log::Info("match.found", {{"source", source},
                              {"matches", total},
                              {"banks", std::vector<int64_t>(banks.begin(), banks.end())},
                              {"request_id", who.request_id}});
  }
  return {};
}

Result<std::vector<MatchOutcome>> MatchService::MatchHashes(const auth::Principal& who,
                                                            const std::vector<HashQuery>& hashes,
                                                            const MatchRequest& request) {
  CS_TRY_STATUS(permissions_.Check(who, "match.query"));
  if (!ready()) return Fail(Error::Unavailable("the hash banks are still loading; try again soon"));
  if (hashes.empty()) {
    return Fail(Error::InvalidField("hashes", field_codes::kRequired, "give at least one hash"));
  }
  if (hashes.size() > options_.max_hashes) {
    return Fail(Error::InvalidField(
        "hashes", field_codes::kTooLong,
        "at most " + std::to_string(options_.max_hashes) + " hashes per request"));
  }
  CS_TRY_STATUS(CheckRadius(request.radius));
  CS_TRY(auto bank_ids, BankIds(request.banks));
  const LookupOptions lo = ToLookupOptions(request, std::move(bank_ids));
  std::vector<LookupResult> found;
  found.reserve(hashes.size());
  FieldErrors errs;
  for (size_t i = 0; i < hashes.size(); ++i) {
    const HashQuery& h = hashes[i];
    const std::string field = "hashes/" + std::to_string(i);
    Lookup q;
    if (static_cast<int>(h.hex.size()) != hashlist::HexLength(h.type)) {
      errs.Add(field + "/value", field_codes::kInvalidFormat, "wrong length for its type");
      continue;
    }
    switch (h.type) {
      case HashType::kPdq: {
        auto pdq = imagehash::Hash256::FromHex(h.hex);
        if (!pdq) {
          errs.Add(field + "/value", field_codes::kInvalidFormat, "not 64 hex digits");
          continue;
        }
        q.pdq.push_back(*pdq);
        q.pdq_quality = h.quality;
        break;
      }
      case HashType::kMd5:
        q.md5 = RawFromHex(h.hex);
        break;
      case HashType::kSha1:
        q.sha1 = RawFromHex(h.hex);
        break;
      case HashType::kSha256:
        q.sha256 = RawFromHex(h.hex);
        break;
    }
    if (errs.empty()) {
      CS_TRY(auto r, index_.Find(q, lo));
      found.push_back(std::move(r));
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid hashes"));
  CS_TRY(auto entries, Entries(found));
  std::vector<MatchOutcome> outcomes;
  outcomes.reserve(found.size());
  size_t matched = 0;
  for (const auto& f : found) {
    CS_TRY(auto o, Resolve(f, f.low_quality, entries));
    if (o.status == MatchStatus::kMatch) ++matched;
    outcomes.push_back(std::move(o));
  }
  CS_TRY_STATUS(AuditMatches(who, "hashes", outcomes, std::nullopt));
  lookups_ += hashes.size();
  matched_ += matched;
  return outcomes;
}

Result<ImageMatch> MatchService::MatchImage(const auth::Principal& who,
                                            std::span<const uint8_t> bytes,
                                            const ImageMatchRequest& request) {
  CS_TRY_STATUS(permissions_.Check(who, "match.query"));
  if (!ready()) return Fail(Error::Unavailable("the hash banks are still loading; try again soon"));
  if (bytes.empty()) {
    return Fail(Error::InvalidField("image", field_codes::kRequired, "send an image file"));
  }
  CS_TRY_STATUS(CheckRadius(request.match.radius));
  CS_TRY(auto bank_ids, BankIds(request.match.banks));
  if (!slots_.Acquire(options_.hash_wait)) {
    Error e;
    e.code = ErrorCode::kResourceExhausted;
    e.message = "too many images are being hashed at once; try again in a moment";
    e.retry_after_seconds = 2;
    return Fail(std::move(e));
  }
  struct Release {
    Slots& s;
    ~Release() { s.Release(); }
  } release{slots_};

  imagehash::HashOptions ho;
  ho.mode = request.fast ? imagehash::HashMode::kFast : imagehash::HashMode::kExact;
  ho.dihedral = request.dihedral;
  ho.digests = true;
  ho.limits = options_.decode_limits;
  auto hashed = imagehash::HashImage(bytes, ho);
  if (!hashed) {
    Error e = hashed.error();
    // The decoder's words stay in the log; the field is the upload.
    if (e.code == ErrorCode::kInvalidArgument && e.fields.empty()) {
      e.fields.push_back({"image", std::string(field_codes::kInvalidFormat), e.message});
    }
    if (e.code == ErrorCode::kPayloadTooLarge && e.fields.empty()) {
      e.fields.push_back({"image", std::string(field_codes::kOutOfRange), e.message});
    }
    log::Info("match.image_refused", {{"code", std::string(ErrorCodeName(e.code))},
                                      {"bytes", bytes.size()},
                                      {"request_id", who.request_id}});
    return Fail(std::move(e));
  }
  ImageMatch out;
  out.hashes = std::move(*hashed);
  Lookup q;
  if (request.dihedral && out.hashes.has_dihedral) {
    q.pdq.assign(out.hashes.dihedral.begin(), out.hashes.dihedral.end());
  } else {
    q.pdq.push_back(out.hashes.pdq);
  }
  q.pdq_quality = out.hashes.quality;
  q.md5 = RawFromHex(out.hashes.digests.md5);
  q.sha1 = RawFromHex(out.hashes.digests.sha1);
  q.sha256 = RawFromHex(out.hashes.digests.sha256);
  CS_TRY(auto found, index_.Find(q, ToLookupOptions(request.match, std::move(bank_ids))));
  CS_TRY(auto entries, Entries({found}));
  CS_TRY(out.outcome, Resolve(found, found.low_quality, entries));

  // Evidence, if this deployment keeps it: sealed before storage sees it, written in the same
  // unit of work as the audit entry.
  std::function<Status(storage::WriteTxn&)> keep;
  storage::MatchEvidence ev;
  const bool keep_it =
      options_.keep_evidence == EvidencePolicy::kAll ||
      (options_.keep_evidence == EvidencePolicy::kMatched && !out.outcome.matches.empty());
  if (keep_it) {
    auto preview = BlurredPreviewPng(bytes, options_.decode_limits);
    ev.created_at = clock_.Now();
    ev.created_by = who.ScopeKey();
    ev.format = std::string(imagehash::ImageFormatName(out.hashes.info.format));
    ev.width = out.hashes.info.width;
    ev.height = out.hashes.info.height;
    ev.bytes = static_cast<int64_t>(bytes.size());
    ev.sha256 = out.hashes.digests.sha256;
    ev.matched = !out.outcome.matches.empty();
    json details = json::array();
    for (const auto& m : out.outcome.matches) {
      details.push_back({{"bank", m.bank_id}, {"entry", m.entry_id}, {"distance", m.distance}});
    }
    ev.details = json{{"matches", details}}.dump();
    keep = [&, preview = preview ? *preview : std::string()](storage::WriteTxn& t) -> Status {
      CS_TRY(ev.id, t.NextSequence("match_evidence", 1));
      const std::string id = std::to_string(ev.id);
      std::string_view image(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      ev.image = keyring_->fields().Encrypt(image, "match_evidence.image#" + id);
      ev.preview = keyring_->fields().Encrypt(preview, "match_evidence.preview#" + id);
      return t.InsertMatchEvidence(ev);
    };
  }
  if (keep) {
    // The evidence id is only known inside the unit of work; the audit entry names it there.
    std::vector<MatchOutcome> outcomes{out.outcome};
    const UnixSeconds now = clock_.Now();
    CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
      CS_TRY_STATUS(keep(t));
      auth::AuditRecord r;
      r.action = "evidence.kept";
      r.object_type = "evidence";
      r.object_id = std::to_string(ev.id);
      r.details = {{"format", ev.format}, {"bytes", ev.bytes}, {"matched", ev.matched}};
      return audit_.Append(t, who, r, now);
    }));
    out.evidence_id = ev.id;
  }
  CS_TRY_STATUS(AuditMatches(who, "image", {out.outcome}, out.evidence_id));
  ++lookups_;
  if (out.outcome.status == MatchStatus::kMatch) ++matched_;
  return out;
}

Result<BankSummary> MatchService::Summarise(const storage::HashBank& bank) {
  BankSummary s;
  s.bank = bank;
  std::vector<storage::BankImport> imports;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(imports, t.ListBankImports(bank.id));
    return {};
  }));
  for (const auto& i : imports) {
    if (i.state != "committed") continue;
    ++s.imports;
    s.entries += i.added;
    if (!s.last_import_at || i.committed_at.value_or(0) >= *s.last_import_at) {
      s.last_import_at = i.committed_at;
      s.last_import_by = i.imported_by;
    }
  }
  if (auto loaded = index_.Bank(bank.id)) {
    s.loaded = true;
    s.pdq = loaded->pdq ? static_cast<int64_t>(loaded->pdq->size()) : 0;
    s.md5 = loaded->md5 ? static_cast<int64_t>(loaded->md5->size()) : 0;
    s.sha1 = loaded->sha1 ? static_cast<int64_t>(loaded->sha1->size()) : 0;
    s.sha256 = loaded->sha256 ? static_cast<int64_t>(loaded->sha256->size()) : 0;
    s.entries = s.pdq + s.md5 + s.sha1 + s.sha256;
  }
  return s;
}

Result<std::vector<BankSummary>> MatchService::ListBanks(const auth::Principal& who) {
  CS_TRY_STATUS(permissions_.Check(who, "banks.read"));
  std::vector<storage::HashBank> banks;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(banks, t.ListHashBanks());
    return {};
  }));
  std::vector<BankSummary> out;
  for (const auto& b : banks) {
    CS_TRY(auto s, Summarise(b));
    out.push_back(std::move(s));
  }
  return out;
}

Result<BankSummary> MatchService::SetBankEnabled(const auth::Principal& who,
                                                 const std::string& name, bool enabled) {
  CS_TRY_STATUS(permissions_.Check(who, "banks.manage"));
  std::optional<storage::HashBank> bank;
  const UnixSeconds now = clock_.Now();
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(bank, t.GetHashBankByName(name));
    if (!bank) return Fail(Error::NotFound("no such bank"));
    if (bank->enabled == enabled) return {};
    storage::HashBank changed = *bank;
    changed.enabled = enabled;
    changed.updated_at = now;
    CS_TRY_STATUS(t.UpdateHashBank(changed, bank->version));
    auth::AuditRecord r;
    r.action = enabled ? "bank.enable" : "bank.disable";
    r.object_type = "bank";
    r.object_id = std::to_string(bank->id);
    CS_TRY_STATUS(audit_.Append(t, who, r, now));
    changed.version = bank->version + 1;
    bank = changed;
    return {};
  }));
  // This process follows at once; others at their next refresh.
  CS_TRY_STATUS(index_.Refresh(db_, bank->id));
  log::Info(enabled ? "bank.enabled" : "bank.disabled", {{"bank_id", bank->id}});
  return Summarise(*bank);
}

Result<EvidenceImage> MatchService::Evidence(const auth::Principal& who, int64_t id, bool reveal) {
  CS_TRY_STATUS(permissions_.Check(who, reveal ? "evidence.reveal" : "evidence.preview"));
  if (reveal && who.reason.find_first_not_of(" \t") == std::string::npos) {
    return Fail(Error::InvalidField("reason", field_codes::kRequired,
                                    "say why the image itself must be seen (X-Access-Reason)"));
  }
  std::optional<storage::MatchEvidence> ev;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(ev, t.GetMatchEvidence(id));
    return {};
  }));
  if (!ev) return Fail(Error::NotFound("no such evidence"));
  const std::string ad = std::to_string(ev->id);
  EvidenceImage out;
  out.revealed = reveal;
  if (reveal) {
    CS_TRY(out.bytes, keyring_->fields().Decrypt(ev->image, "match_evidence.image#" + ad));
    out.content_type = ContentTypeOf(ev->format);
  } else {
    CS_TRY(out.bytes, keyring_->fields().Decrypt(ev->preview, "match_evidence.preview#" + ad));
    if (out.bytes.empty()) return Fail(Error::NotFound("this image has no preview"));
    out.content_type = "image/png";
  }
  // Recorded before anything is shown: no record, no image.
  auth::AuditRecord r;
  r.action = reveal ? "evidence.reveal" : "evidence.preview";
  r.object_type = "evidence";
  r.object_id = ad;
  CS_TRY_STATUS(audit_.Record(db_, who, r, clock_.Now()));
  if (reveal) log::Info("evidence.revealed", {{"id", ev->id}, {"request_id", who.request_id}});
  return out;
}

Result<int64_t> MatchService::PurgeEvidence(const auth::Principal& who, int days) {
  CS_TRY_STATUS(permissions_.Check(who, "banks.manage"));
  if (days < 0) return Fail(Error::InvalidField("days", field_codes::kOutOfRange, "0 or more"));
  const UnixSeconds now = clock_.Now();
  int64_t deleted = 0;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(deleted, t.DeleteMatchEvidenceBefore(now - int64_t{days} * 86400));
    auth::AuditRecord r;
    r.action = "evidence.purge";
    r.details = {{"deleted", deleted}, {"older_than_days", days}};
    return audit_.Append(t, who, r, now);
  }));
  return deleted;
}

}  // namespace childsafe::matching
