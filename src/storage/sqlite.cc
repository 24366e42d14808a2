#include "storage/sqlite.h"

namespace childsafe::storage::sqlite {

Error ToError(sqlite3* db, int rc, std::string_view what) {
  std::string detail = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db) detail += " (" + std::string(sqlite3_errmsg(db)) + ")";
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Unavailable("the database is busy; try again", detail);
    case SQLITE_FULL:
      return Error::Unavailable("the database disk is full", detail);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Error::Unavailable("the database cannot be read or written", detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::DataLoss("the database file is damaged", detail);
    case SQLITE_CONSTRAINT: {
      Error e = Error::Conflict("the change conflicts with stored data");
      e.detail = detail;
      return e;
    }
    case SQLITE_READONLY:
      return Error::Precondition("the database is read-only");
    default:
      return Error::Internal(detail);
  }
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view t) {
  sqlite3_bind_text(s_, i, t.data() ? t.data() : "", static_cast<int>(t.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view b) {
  if (b.empty()) return BindNull(i);
  sqlite3_bind_blob(s_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}
Stmt& Stmt::BindOptText(int i, std::string_view t) { return t.empty() ? BindNull(i) : Bind(i, t); }
Stmt& Stmt::BindOpt(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(ToError(db_, rc, "step"));
}

Status Stmt::Run() {
  while (true) {
    CS_TRY(bool row, Step());
    if (!row) return {};
  }
}

void Stmt::Reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::optional<int64_t> Stmt::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  if (!p) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& path, Mode mode) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE |
              (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = ToError(db, rc, "open");
    sqlite3_close(db);
    e.message = "cannot open the database " + path;
    return Fail(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Conn>(new Conn(db));
}

Conn::~Conn() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

Status Conn::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return Fail(ToError(db_, rc, "exec"));
  return {};
}

Result<Stmt*> Conn::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return Fail(ToError(db_, rc, "prepare"));
  auto [pos, _] = cache_.emplace(sql, std::make_unique<Stmt>(s, db_));
  return pos->second.get();
}

Result<int64_t> Conn::QueryInt(const std::string& sql) {
  CS_TRY(Stmt * s, Prepare(sql));
  StmtScope scope(*s);
  CS_TRY(bool row, s->Step());
  if (!row) return Fail(Error::Internal("no row for: " + sql));
  return s->Int(0);
}

}  // namespace childsafe::storage::sqlite
