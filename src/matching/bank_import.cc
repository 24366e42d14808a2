// MatchService: importing hash lists into banks, and exporting them.
//
// An import reads the file twice. The first pass validates every record and counts what would
// be written (a dry run stops there; a file with bad rows is refused there unless the user asked
// to keep the good rows), so nothing is written for a file that will be refused. The second pass
// writes the entries in units of work of `chunk_rows` under a "pending" import, which the last
// unit of work commits together with the bank's new content version and the audit entry: the
// entries become visible all at once, and intake never waits behind a ten-million-row
// transaction. If anything fails on the way, the import is marked abandoned and its entries are
// deleted.
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/csv.h"
#include "common/log.h"
#include "common/utf8.h"
#include "crypto/crypto.h"
#include "matching/match_service.h"

namespace childsafe::matching {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxLabels = 32;
constexpr size_t kMaxLabelBytes = 64;
constexpr int64_t kPurgeChunk = 50000;

bool ValidBankName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool ValidLabel(std::string_view label) {
  return !label.empty() && label.size() <= kMaxLabelBytes && IsValidUtf8(label) &&
         std::none_of(label.begin(), label.end(), [](char c) {
           return c == '|' || c == ';' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
}

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& l : labels) {
    if (!out.empty()) out += '|';
    out += l;
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return crypto::ToHex(std::string_view(reinterpret_cast<const char*>(md), len));
}

// A set of 128-bit fingerprints of (type, value), open addressing: 16 bytes a slot instead of a
// node per value, so deduplicating a ten-million-row file costs ~320 MB rather than ~1 GB. Two
// distinct values share a fingerprint with probability ~n^2 / 2^129 (1e-25 at 10 million).
class SeenSet {
 public:
  // Returns true if it was already there.
  bool Insert(HashType type, std::string_view raw) {
    auto [a, b] = Fingerprint(type, raw);
    if (size_ * 10 >= slots_.size() * 7) Grow();
    return InsertKey(a, b);
  }
  bool Contains(HashType type, std::string_view raw) const {
    if (slots_.empty()) return false;
    auto [a, b] = Fingerprint(type, raw);
    for (size_t i = a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].first == 0 && slots_[i].second == 0) return false;
      if (slots_[i].first == a && slots_[i].second == b) return true;
    }
  }

 private:
  static uint64_t Mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
  }
  static std::pair<uint64_t, uint64_t> Fingerprint(HashType type, std::string_view raw) {
    uint64_t a = 0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(type) + 1);
    uint64_t b = 0xc2b2ae3d27d4eb4full * (static_cast<uint64_t>(type) + 7);
    for (size_t i = 0; i < raw.size(); i += 8) {
      uint64_t w = 0;
      std::memcpy(&w, raw.data() + i, std::min<size_t>(8, raw.size() - i));
      a = Mix(a ^ w);
      b = Mix(b + w * 0x9e3779b97f4a7c15ull);
    }
    if (a == 0 && b == 0) b = 1;  // (0, 0) marks an empty slot
    return {a, b};
  }
  bool InsertKey(uint64_t a, uint64_t b) {
    for (size_t i = a & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].first == 0 && slots_[i].second == 0) {
        slots_[i] = {a, b};
        ++size_;
        return false;
      }
      if (slots_[i].first == a && slots_[i].second == b) return true;
    }
  }
  void Grow() {
    std::vector<std::pair<uint64_t, uint64_t>> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), {0, 0});
    size_ = 0;
    for (const auto& k : old) {
      if (k.first || k.second) InsertKey(k.first, k.second);
    }
  }
  std::vector<std::pair<uint64_t, uint64_t>> slots_;
  size_t size_ = 0;
};

std::string_view MediaTypeName(hashlist::MediaType m) {
  switch (m) {
    case hashlist::MediaType::kImage:
      return "image";
    case hashlist::MediaType::kVideo:
      return "video";
    case hashlist::MediaType::kUnspecified:
      return "";
  }
  return "";
}

// Turns parsed rows into bank entries, deduplicating and counting; used by both passes.
class EntrySink : public hashlist::HashListSink {
 public:
  EntrySink(const ImportRequest& request, const LoadedBank* existing, ImportReport& report,
            size_t max_errors, std::function<Status(std::vector<storage::BankEntry>&)> flush)
      : request_(request),
        existing_(existing),
        report_(report),
        max_errors_(max_errors),
        flush_(std::move(flush)),
        default_labels_(JoinLabels(request.labels)) {}

  void OnRow(hashlist::HashListRow&& row) override {
    if (!status_) return;
    ++report_.rows;
    // Labels are codes: refuse ones that could not be stored or shown safely.
    for (const auto& l : row.labels) {
      if (!ValidLabel(l)) {
        OnError(hashlist::RowError{row.line,
                                   {{"labels", std::string(field_codes::kInvalidFormat),
                                     "a label may not contain control characters, ';' or '|'"}},
                                   row.raw.substr(0, hashlist::kMaxRawErrorBytes)});
        --report_.rows;  // OnError counted it
        return;
      }
    }
    if (row.deleted) ++report_.withdrawn;
    for (const auto& h : row.hashes) {
      auto raw = crypto::FromHex(h.hex);
      if (!raw || raw->size() != RawLength(h.type)) continue;  // the parser checked the hex
      if (!row.deleted) {
        const bool in_file = seen_.Insert(h.type, *raw);
        const bool in_bank = !request_.replace && existing_ && !withdrawn_.Contains(h.type, *raw) &&
                             existing_->Contains(h.type, *raw);
        if (in_file || in_bank) {
          ++report_.duplicates;
          continue;
        }
        ++report_.added;
      } else {
        withdrawn_.Insert(h.type, *raw);
      }
      if (!flush_) continue;
      storage::BankEntry e;
      e.hash_type = std::string(hashlist::HashTypeName(h.type));
      e.value = std::move(*raw);
      e.tombstone = row.deleted;
      e.line = static_cast<int64_t>(row.line);
      e.source_entry_id = row.source_entry_id;
      e.labels = row.labels.empty() ? default_labels_ : JoinLabels(row.labels);
      if (h.type == HashType::kPdq && row.quality) e.quality = *row.quality;
      e.media_type = std::string(MediaTypeName(row.media_type));
      e.first_seen = row.first_seen;
      pending_.push_back(std::move(e));
      if (pending_.size() >= request_.chunk_rows) Flush();
    }
  }

  void OnError(hashlist::RowError&& error) override {
    ++report_.rows;
    ++report_.rejected;
    if (report_.errors.size() < max_errors_) report_.errors.push_back(std::move(error));
  }

  Status Finish() {
    if (status_ && !pending_.empty()) Flush();
    return status_;
  }

 private:
  void Flush() {
    if (!flush_ || !status_) return;
    status_ = flush_(pending_);
    pending_.clear();
  }

  const ImportRequest& request_;
  const LoadedBank* existing_;
  ImportReport& report_;
  size_t max_errors_;
  std::function<Status(std::vector<storage::BankEntry>&)> flush_;
  std::string default_labels_;
  SeenSet seen_, withdrawn_;
  std::vector<storage::BankEntry> pending_;
  Status status_;
};

Status Parse(std::string_view text, const ImportRequest& request, hashlist::HashListSink& sink,
             ImportReport& report) {
  hashlist::ParseOptions po;
  po.default_type = request.default_type;
  report.format = hashlist::DetectFormat(text);
  report.warnings.clear();
  size_t blank = 0;
  return report.format == hashlist::HashListFormat::kCsv
             ? hashlist::ParseCsv(text, po, sink, &report.warnings, &blank)
             : hashlist::ParseJsonLines(text, po, sink, &report.warnings, &blank);
}

}  // namespace

Result<ImportReport> MatchService::Import(const auth::Principal& who, const ImportRequest& request,
                                          std::string_view text) {
  CS_TRY_STATUS(permissions_.Check(who, "banks.manage"));
  const auto started = SteadyClock::now();
  FieldErrors errs;
  if (!ValidBankName(request.bank)) {
    errs.Add("name", field_codes::kInvalidFormat,
             "1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit");
  }
  for (const auto* f : {&request.source, &request.licence, &request.description}) {
    if (f->size() > 500 || !IsValidUtf8(*f)) {
      errs.Add(f == &request.source    ? "source"
               : f == &request.licence ? "licence"
                                       : "description",
               field_codes::kTooLong, "at most 500 characters of UTF-8");
    }
  }
  if (request.labels.size() > kMaxLabels) {
    errs.Add("label", field_codes::kTooLong, "at most 32 labels");
  }
  for (const auto& l : request.labels) {
    if (!ValidLabel(l)) {
      errs.Add("label", field_codes::kInvalidFormat,
               "a label is 1 to 64 characters without control characters, ';' or '|'");
    }
  }
  if (request.chunk_rows == 0) errs.Add("chunk_rows", field_codes::kOutOfRange, "at least 1");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid import"));

  std::optional<storage::HashBank> bank;
  std::vector<storage::BankImport> imports;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(bank, t.GetHashBankByName(request.bank));
    if (bank) {
      CS_TRY(imports, t.ListBankImports(bank->id));
    }
    return {};
  }));
  const std::string file_sha256 = Sha256Hex(text);
  if (bank) {
    if (bank->negative != request.negative) {
      return Fail(Error::InvalidField(
          "negative", field_codes::kNotAllowed,
          bank->negative ? "this bank holds known false positives (a negative bank)"
                         : "this bank is not a negative bank; create another one"));
    }
    for (const auto& i : imports) {
      if (i.state == "committed" && i.file_sha256 == file_sha256 && !request.replace) {
        return Fail(Error::AlreadyExists(
            "this file was imported into the bank already (import " + std::to_string(i.id) + ", " +
            FormatDateTimeVi(i.committed_at.value_or(i.started_at)) +
            "); use --replace to load it again as the bank's full list"));
      }
    }
  } else {
    // A new bank must say where its list comes from and under what terms.
    if (request.source.empty()) errs.Add("source", field_codes::kRequired, "who supplied the list");
    if (request.licence.empty()) {
      errs.Add("licence", field_codes::kRequired, "the licence or agreement it is used under");
    }
    CS_TRY_STATUS(std::move(errs).ToStatus("a new bank needs its provenance"));
  }

  // Pass 1: validate and count against what the bank holds.
  std::shared_ptr<const LoadedBank> existing;
  if (bank && !request.replace) {
    CS_TRY(existing, index_.LoadOne(db_, bank->id));
  }
  ImportReport report;
  report.bank = request.bank;
  report.bank_id = bank ? bank->id : 0;
  {
    EntrySink check(request, existing.get(), report, 10000, nullptr);
    CS_TRY_STATUS(Parse(text, request, check, report));
    CS_TRY_STATUS(check.Finish());
  }
  report.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (request.dry_run) return report;
  if (report.rejected > 0 && !request.keep_good_rows) return report;  // refused: nothing written
  if (report.added == 0 && report.withdrawn == 0) return report;      // nothing to write

  // Pass 2: write under a pending import, then commit.
  const UnixSeconds now = clock_.Now();
  storage::BankImport imp;
  imp.state = "pending";
  imp.started_at = now;
  imp.imported_by = who.ScopeKey() + (who.name.empty() ? "" : " (" + who.name + ")");
  imp.file_name = std::filesystem::path(request.file_name).filename().string().substr(0, 200);
  imp.file_sha256 = file_sha256;
  imp.format = report.format == hashlist::HashListFormat::kCsv ? "csv" : "jsonl";
  imp.labels = JoinLabels(request.labels);
  bool created = false;
  std::vector<int64_t> abandoned;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto current, t.GetHashBankByName(request.bank));
    if (!current) {
      storage::HashBank b;
      b.name = request.bank;
      b.description = request.description;
      b.source = request.source;
      b.licence = request.licence;
      b.negative = request.negative;
      b.enabled = true;
      b.created_at = b.updated_at = now;
      b.created_by = imp.imported_by;
      b.version = 1;
      CS_TRY(b.id, t.InsertHashBank(b));
      current = b;
      created = true;
    }
    // An earlier import of this bank that never finished (its process died) is abandoned now.
    CS_TRY(auto earlier, t.ListBankImports(current->id));
    for (auto& i : earlier) {
      if (i.state != "pending") continue;
      i.state = "abandoned";
      CS_TRY_STATUS(t.UpdateBankImport(i));
      abandoned.push_back(i.id);
    }
    bank = current;
    imp.bank_id = current->id;
    CS_TRY(imp.id, t.InsertBankImport(imp));
    return {};
  }));
  report.bank_id = bank->id;
  report.import_id = imp.id;
  report.bank_created = created;

  ImportReport written;  // pass 2 counts (the same as pass 1's, or the file changed under us)
  EntrySink write(request, existing.get(), written, 0, [&](std::vector<storage::BankEntry>& es) {
    for (auto& e : es) e.import_id = imp.id;
    return db_.Write([&](storage::WriteTxn& t) { return t.InsertBankEntries(es); });
  });
  Status st = Parse(text, request, write, written);
  if (st) st = write.Finish();
  if (st && (written.added != report.added || written.rejected != report.rejected)) {
    st = Fail(Error::Internal("the two passes of an import disagree"));
  }
  if (st) {
    st = db_.Write([&](storage::WriteTxn& t) -> Status {
      CS_TRY(auto list, t.ListBankImports(bank->id));
      bool still_pending = false;
      for (auto& i : list) {
        if (i.id == imp.id) still_pending = i.state == "pending";
      }
      if (!still_pending) {
        return Fail(Error::Conflict("another import of this bank started meanwhile and took over"));
      }
      if (request.replace) {
        for (auto& i : list) {
          if (i.state != "committed") continue;
          i.state = "superseded";
          CS_TRY_STATUS(t.UpdateBankImport(i));
          abandoned.push_back(i.id);
        }
      }
      imp.state = "committed";
      imp.committed_at = clock_.Now();
      imp.rows = static_cast<int64_t>(report.rows);
      imp.added = static_cast<int64_t>(report.added);
      imp.withdrawn = static_cast<int64_t>(report.withdrawn);
      imp.duplicates = static_cast<int64_t>(report.duplicates);
      imp.rejected = static_cast<int64_t>(report.rejected);
      CS_TRY_STATUS(t.UpdateBankImport(imp));
      CS_TRY(auto current, t.GetHashBank(bank->id));
      if (!current) return Fail(Error::NotFound("the bank was deleted meanwhile"));
      storage::HashBank b = *current;
      if (!request.source.empty()) b.source = request.source;
      if (!request.licence.empty()) b.licence = request.licence;
      if (!request.description.empty()) b.description = request.description;
      b.content_version = current->content_version + 1;
      b.updated_at = *imp.committed_at;
      CS_TRY_STATUS(t.UpdateHashBank(b, current->version));
      auth::AuditRecord r;
      r.action = "bank.import";
      r.object_type = "bank";
      r.object_id = std::to_string(bank->id);
      r.details = {{"import", imp.id},
                   {"format", imp.format},
                   {"rows", report.rows},
                   {"added", report.added},
                   {"duplicates", report.duplicates},
                   {"withdrawn", report.withdrawn},
                   {"rejected", report.rejected},
                   {"replace", request.replace},
                   {"bank_created", created},
                   {"file_sha256", file_sha256}};
      return audit_.Append(t, who, r, *imp.committed_at);
    });
  }
  if (!st) {
    // Leave nothing visible behind: the import is abandoned and its entries deleted.
    log::Warn("bank.import_failed", {{"bank_id", bank->id},
                                     {"import", imp.id},
                                     {"code", std::string(ErrorCodeName(st.error().code))}});
    (void)db_.Write([&](storage::WriteTxn& t) -> Status {
      imp.state = "abandoned";
      return t.UpdateBankImport(imp);
    });
    abandoned = {imp.id};
  }
  // Entries of superseded or abandoned imports are deleted in bounded steps; the import rows stay
  // as the bank's history.
  for (int64_t id : abandoned) {
    for (int64_t deleted = kPurgeChunk; deleted == kPurgeChunk;) {
      auto purge = db_.Write([&](storage::WriteTxn& t) -> Status {
        CS_TRY(deleted, t.DeleteBankEntries(id, kPurgeChunk));
        return {};
      });
      if (!purge) break;
    }
  }
  if (!st) {
    if (created) {
      (void)db_.Write([&](storage::WriteTxn& t) -> Status {
        CS_TRY_STATUS(t.DeleteBankImport(imp.id));
        return t.DeleteHashBank(bank->id);
      });
    }
    return Fail(st.error());
  }
  report.committed = true;
  report.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  log::Info("bank.imported", {{"bank_id", bank->id},
                              {"import", imp.id},
                              {"added", report.added},
                              {"rejected", report.rejected},
                              {"seconds", report.seconds}});
  // This process matches with the new entries at once (others at their next refresh).
  if (index_.loaded()) CS_TRY_STATUS(index_.Refresh(db_));
  return report;
}

Status MatchService::Export(const auth::Principal& who, const std::string& name,
                            ExportFormat format, std::ostream& out) {
  CS_TRY_STATUS(permissions_.Check(who, "banks.manage"));
  std::optional<storage::HashBank> bank;
  std::vector<storage::BankImport> imports;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(bank, t.GetHashBankByName(name));
    if (bank) {
      CS_TRY(imports, t.ListBankImports(bank->id));
    }
    return {};
  }));
  if (!bank) return Fail(Error::NotFound("no such bank"));
  // Record first: an export that is not in the audit trail must not happen.
  auth::AuditRecord r;
  r.action = "bank.export";
  r.object_type = "bank";
  r.object_id = std::to_string(bank->id);
  r.details = {{"format", format == ExportFormat::kCsv ? "csv" : "jsonl"}};
  CS_TRY_STATUS(audit_.Record(db_, who, r, clock_.Now()));
  size_t written = 0;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    // Tombstones first (a withdrawn entry is not exported), then the live entries.
    std::unordered_map<std::string, int64_t> tombstones;
    for (const auto& i : imports) {
      if (i.state != "committed") continue;
      CS_TRY_STATUS(t.ScanBankHashes(i.id, "", [&](const storage::BankHashRef& h) -> Status {
        if (h.tombstone) {
          int64_t& id = tombstones[std::string(h.hash_type) + ":" + std::string(h.value)];
          id = std::max(id, h.id);
        }
        return {};
      }));
    }
    if (format == ExportFormat::kCsv) {
      out << "hash_type,hash,id,quality,labels,media_type,first_seen\n";
    }
    for (const auto& i : imports) {
      if (i.state != "committed") continue;
      CS_TRY_STATUS(t.ScanBankEntries(i.id, [&](const storage::BankEntry& e) -> Status {
        if (e.tombstone) return {};
        if (auto it = tombstones.find(e.hash_type + ":" + e.value);
            it != tombstones.end() && it->second > e.id) {
          return {};
        }
        std::string labels = e.labels;
        std::replace(labels.begin(), labels.end(), '|', ';');
        const std::string hex = crypto::ToHex(e.value);
        if (format == ExportFormat::kCsv) {
          out << CsvLine({e.hash_type, hex, e.source_entry_id,
                          e.quality ? std::to_string(*e.quality) : "", labels, e.media_type,
                          e.first_seen})
              << "\n";
        } else {
          json j = {{"hash_type", e.hash_type}, {"hash", hex}};
          if (!e.source_entry_id.empty()) j["id"] = e.source_entry_id;
          if (e.quality) j["quality"] = *e.quality;
          std::vector<std::string> ls;
          for (size_t s = 0; s < e.labels.size();) {
            size_t bar = e.labels.find('|', s);
            ls.push_back(e.labels.substr(s, bar == std::string::npos ? bar : bar - s));
            if (bar == std::string::npos) break;
            s = bar + 1;
          }
          if (!ls.empty()) j["labels"] = ls;
          if (!e.media_type.empty()) j["media_type"] = e.media_type;
          if (!e.first_seen.empty()) j["first_seen"] = e.first_seen;
          out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        }
        ++written;
        if (!out) return Fail(Error::Unavailable("cannot write the export"));
        return {};
      }));
    }
    return {};
  }));
  log::Info("bank.exported", {{"bank_id", bank->id}, {"entries", written}});
  return {};
}

}  // namespace childsafe::matching
