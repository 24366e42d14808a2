// The SQLite driver: known-image matching — hash banks, their imports and entries, and images kept
// as evidence.
#include <algorithm>

#include "storage/sqlite_txn.h"

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

namespace {

constexpr const char* kBankColumns =
    "id, name, description, source, licence, negative, enabled, created_at, created_by, "
    "updated_at, version, content_version";
constexpr const char* kImportColumns =
    "id, bank_id, state, started_at, committed_at, imported_by, file_name, file_sha256, format, "
    "labels, rows_read, added, withdrawn, duplicates, rejected";
constexpr const char* kEntryColumns =
    "e.id, e.import_id, i.bank_id, e.hash_type, e.value, e.tombstone, e.line, e.source_entry_id, "
    "e.labels, e.quality, e.media_type, e.first_seen";

BankEntry ReadEntryRow(Stmt& s) {
  BankEntry e;
  e.id = s.Int(0);
  e.import_id = s.Int(1);
  e.bank_id = s.Int(2);
  e.hash_type = s.Text(3);
  e.value = s.Blob(4);
  e.tombstone = s.Int(5) != 0;
  e.line = s.Int(6);
  e.source_entry_id = s.Text(7);
  e.labels = s.Text(8);
  e.quality = s.OptInt(9);
  e.media_type = s.Text(10);
  e.first_seen = s.Text(11);
  return e;
}

}  // namespace

HashBank SqliteTxn::ReadHashBankRow(Stmt& s) {
  HashBank b;
  b.id = s.Int(0);
  b.name = s.Text(1);
  b.description = s.Text(2);
  b.source = s.Text(3);
  b.licence = s.Text(4);
  b.negative = s.Int(5) != 0;
  b.enabled = s.Int(6) != 0;
  b.created_at = s.Int(7);
  b.created_by = s.Text(8);
  b.updated_at = s.Int(9);
  b.version = s.Int(10);
  b.content_version = s.Int(11);
  return b;
}

BankImport SqliteTxn::ReadBankImportRow(Stmt& s) {
  BankImport i;
  i.id = s.Int(0);
  i.bank_id = s.Int(1);
  i.state = s.Text(2);
  i.started_at = s.Int(3);
  i.committed_at = s.OptInt(4);
  i.imported_by = s.Text(5);
  i.file_name = s.Text(6);
  i.file_sha256 = s.Text(7);
  i.format = s.Text(8);
  i.labels = s.Text(9);
  i.rows = s.Int(10);
  i.added = s.Int(11);
  i.withdrawn = s.Int(12);
  i.duplicates = s.Int(13);
  i.rejected = s.Int(14);
  return i;
}

Result<std::vector<HashBank>> SqliteTxn::ListHashBanks() {
  CS_TRY(Stmt * s,
         c_.Prepare(std::string("SELECT ") + kBankColumns + " FROM hash_banks ORDER BY id"));
  StmtScope scope(*s);
  std::vector<HashBank> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadHashBankRow(*s));
  }
  return out;
}

Result<std::optional<HashBank>> SqliteTxn::GetHashBank(int64_t id) {
  CS_TRY(Stmt * s,
         c_.Prepare(std::string("SELECT ") + kBankColumns + " FROM hash_banks WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, id);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<HashBank>();
  return std::optional<HashBank>(ReadHashBankRow(*s));
}

Result<std::optional<HashBank>> SqliteTxn::GetHashBankByName(const std::string& name) {
  CS_TRY(Stmt * s,
         c_.Prepare(std::string("SELECT ") + kBankColumns + " FROM hash_banks WHERE name = ?"));
  StmtScope scope(*s);
  s->Bind(1, name);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<HashBank>();
  return std::optional<HashBank>(ReadHashBankRow(*s));
}

Result<std::vector<BankImport>> SqliteTxn::ListBankImports(int64_t bank_id) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kImportColumns +
                              " FROM hash_bank_imports WHERE bank_id = ? ORDER BY id"));
  StmtScope scope(*s);
  s->Bind(1, bank_id);
  std::vector<BankImport> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadBankImportRow(*s));
  }
  return out;
}

Status SqliteTxn::ScanBankHashes(int64_t import_id, const std::string& hash_type,
                                 const std::function<Status(const BankHashRef&)>& fn) {
  // Two statements rather than "(? = '' OR hash_type = ?)", so that both follow the index
  // (import_id, hash_type, id): ordering by id alone would sort ten million rows in a temporary
  // B-tree first (measured: seconds and hundreds of megabytes at 10M).
  CS_TRY(Stmt * s, c_.Prepare(hash_type.empty()
                                  ? "SELECT id, hash_type, value, tombstone FROM hash_bank_entries "
                                    "WHERE import_id = ? ORDER BY hash_type, id"
                                  : "SELECT id, hash_type, value, tombstone FROM hash_bank_entries "
                                    "WHERE import_id = ? AND hash_type = ? ORDER BY id"));
  StmtScope scope(*s);
  s->Bind(1, import_id);
  if (!hash_type.empty()) s->Bind(2, hash_type);
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    BankHashRef ref;
    ref.id = s->Int(0);
    ref.hash_type = s->BlobView(1);
    ref.value = s->BlobView(2);
    ref.tombstone = s->Int(3) != 0;
    CS_TRY_STATUS(fn(ref));
  }
  return {};
}

Status SqliteTxn::ScanBankEntries(int64_t import_id,
                                  const std::function<Status(const BankEntry&)>& fn) {
  CS_TRY(Stmt * s,
         c_.Prepare(std::string("SELECT ") + kEntryColumns +
                    " FROM hash_bank_entries e JOIN hash_bank_imports i ON "
                    "i.id = e.import_id WHERE e.import_id = ? ORDER BY e.hash_type, e.id"));
  StmtScope scope(*s);
  s->Bind(1, import_id);
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    CS_TRY_STATUS(fn(ReadEntryRow(*s)));
  }
  return {};
}

Result<std::vector<BankEntry>> SqliteTxn::GetBankEntries(const std::vector<int64_t>& ids) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kEntryColumns +
                              " FROM hash_bank_entries e JOIN hash_bank_imports i ON "
                              "i.id = e.import_id WHERE e.id = ?"));
  std::vector<BankEntry> out;
  std::vector<int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (int64_t id : sorted) {
    StmtScope scope(*s);
    s->Bind(1, id);
    CS_TRY(bool row, s->Step());
    if (row) out.push_back(ReadEntryRow(*s));
  }
  return out;
}

Result<std::optional<MatchEvidence>> SqliteTxn::GetMatchEvidence(int64_t id) {
  CS_TRY(Stmt * s, c_.Prepare("SELECT id, created_at, created_by, format, width, height, bytes, "
                              "sha256, matched, details, image, preview FROM match_evidence "
                              "WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, id);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<MatchEvidence>();
  MatchEvidence e;
  e.id = s->Int(0);
  e.created_at = s->Int(1);
  e.created_by = s->Text(2);
  e.format = s->Text(3);
  e.width = s->Int(4);
  e.height = s->Int(5);
  e.bytes = s->Int(6);
  e.sha256 = s->Text(7);
  e.matched = s->Int(8) != 0;
  e.details = s->Text(9);
  e.image = s->Blob(10);
  e.preview = s->Blob(11);
  return std::optional<MatchEvidence>(std::move(e));
}

Result<int64_t> SqliteTxn::InsertHashBank(const HashBank& b) {
  CS_TRY(auto existing, GetHashBankByName(b.name));
  if (existing) return Fail(Error::AlreadyExists("a bank with this name exists"));
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO hash_banks (name, description, source, licence, "
                              "negative, enabled, created_at, created_by, updated_at, version, "
                              "content_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, b.name).Bind(2, b.description).Bind(3, b.source).Bind(4, b.licence);
  s->Bind(5, int64_t{b.negative}).Bind(6, int64_t{b.enabled}).Bind(7, b.created_at);
  s->Bind(8, b.created_by).Bind(9, b.updated_at).Bind(10, b.version).Bind(11, b.content_version);
  CS_TRY_STATUS(s->Run());
  return c_.LastInsertId();
}

Status SqliteTxn::UpdateHashBank(const HashBank& b, int64_t expected_version) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE hash_banks SET description = ?, source = ?, licence = ?, "
                              "negative = ?, enabled = ?, updated_at = ?, version = ?, "
                              "content_version = ? WHERE id = ? AND version = ?"));
  StmtScope scope(*s);
  s->Bind(1, b.description).Bind(2, b.source).Bind(3, b.licence).Bind(4, int64_t{b.negative});
  s->Bind(5, int64_t{b.enabled}).Bind(6, b.updated_at).Bind(7, expected_version + 1);
  s->Bind(8, b.content_version).Bind(9, b.id).Bind(10, expected_version);
  CS_TRY_STATUS(s->Run());
  if (c_.Changes() == 1) return {};
  CS_TRY(auto existing, GetHashBank(b.id));
  if (!existing) return Fail(Error::NotFound("no such bank"));
  return Fail(Error::Conflict("the bank was changed meanwhile; try again"));
}

Result<int64_t> SqliteTxn::InsertBankImport(const BankImport& i) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO hash_bank_imports (bank_id, state, started_at, "
                              "committed_at, imported_by, file_name, file_sha256, format, labels, "
                              "rows_read, added, withdrawn, duplicates, rejected) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, i.bank_id).Bind(2, i.state).Bind(3, i.started_at).BindOpt(4, i.committed_at);
  s->Bind(5, i.imported_by).Bind(6, i.file_name).Bind(7, i.file_sha256).Bind(8, i.format);
  s->Bind(9, i.labels).Bind(10, i.rows).Bind(11, i.added).Bind(12, i.withdrawn);
  s->Bind(13, i.duplicates).Bind(14, i.rejected);
  CS_TRY_STATUS(s->Run());
  return c_.LastInsertId();
}

Status SqliteTxn::UpdateBankImport(const BankImport& i) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE hash_bank_imports SET state = ?, committed_at = ?, "
                              "rows_read = ?, added = ?, withdrawn = ?, duplicates = ?, "
                              "rejected = ? WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, i.state).BindOpt(2, i.committed_at).Bind(3, i.rows).Bind(4, i.added);
  s->Bind(5, i.withdrawn).Bind(6, i.duplicates).Bind(7, i.rejected).Bind(8, i.id);
  CS_TRY_STATUS(s->Run());
  if (c_.Changes() != 1) return Fail(Error::NotFound("no such import"));
  return {};
}

Status SqliteTxn::InsertBankEntries(const std::vector<BankEntry>& entries) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO hash_bank_entries (import_id, hash_type, value, "
                              "tombstone, line, source_entry_id, labels, quality, media_type, "
                              "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const BankEntry& e : entries) {
    StmtScope scope(*s);
    s->Bind(1, e.import_id).Bind(2, e.hash_type).BindBlob(3, e.value);
    s->Bind(4, int64_t{e.tombstone}).Bind(5, e.line).BindOptText(6, e.source_entry_id);
    s->BindOptText(7, e.labels).BindOpt(8, e.quality).BindOptText(9, e.media_type);
    s->BindOptText(10, e.first_seen);
    CS_TRY_STATUS(s->Run());
  }
  return {};
}

Result<int64_t> SqliteTxn::DeleteBankEntries(int64_t import_id, int64_t limit) {
  CS_TRY(Stmt * s, c_.Prepare("DELETE FROM hash_bank_entries WHERE id IN (SELECT id FROM "
                              "hash_bank_entries WHERE import_id = ? ORDER BY id LIMIT ?)"));
  StmtScope scope(*s);
  s->Bind(1, import_id).Bind(2, std::max<int64_t>(limit, 1));
  CS_TRY_STATUS(s->Run());
  return static_cast<int64_t>(c_.Changes());
}

Status SqliteTxn::DeleteBankImport(int64_t import_id) {
  CS_TRY(Stmt * s, c_.Prepare("DELETE FROM hash_bank_imports WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, import_id);
  return s->Run();
}

Status SqliteTxn::DeleteHashBank(int64_t bank_id) {
  CS_TRY(Stmt * s, c_.Prepare("DELETE FROM hash_banks WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, bank_id);
  return s->Run();
}

Status SqliteTxn::InsertMatchEvidence(const MatchEvidence& e) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO match_evidence (id, created_at, created_by, format, "
                              "width, height, bytes, sha256, matched, details, image, preview) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, e.id).Bind(2, e.created_at).Bind(3, e.created_by).Bind(4, e.format);
  s->Bind(5, e.width).Bind(6, e.height).Bind(7, e.bytes).Bind(8, e.sha256);
  s->Bind(9, int64_t{e.matched}).Bind(10, e.details);
  s->BindBlob(11, e.image).BindBlob(12, e.preview);
  return s->Run();
}

Result<int64_t> SqliteTxn::DeleteMatchEvidenceBefore(UnixSeconds before) {
  CS_TRY(Stmt * s, c_.Prepare("DELETE FROM match_evidence WHERE created_at < ?"));
  StmtScope scope(*s);
  s->Bind(1, before);
  CS_TRY_STATUS(s->Run());
  return static_cast<int64_t>(c_.Changes());
}

}  // namespace childsafe::storage
