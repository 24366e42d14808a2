#pragma once
// A thin RAII layer over the SQLite C API: connections with a statement cache and statements with
// typed binding. SQLite error codes map to ErrorCode here, once; the SQLite message goes to
// Error::detail only (it names tables and columns, never values).
//
// A Conn is used by one thread at a time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace childsafe::storage::sqlite {

Error ToError(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s, sqlite3* db) : s_(s), db_(db) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, std::string_view text);  // TEXT (empty string binds '')
  Stmt& BindBlob(int i, std::string_view bytes);  // BLOB; empty binds NULL
  Stmt& BindNull(int i);
  Stmt& BindOptText(int i, std::string_view text);  // empty binds NULL
  Stmt& BindOpt(int i, const std::optional<int64_t>& v);

  /// Steps once: true = a row is available, false = done.
  Result<bool> Step();
  /// Steps to completion (for statements without rows).
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<int64_t> OptInt(int col) const;
  std::string Text(int col) const;  // NULL -> ""
  std::string Blob(int col) const;   // NULL -> ""
  /// The column's bytes without a copy; valid until the next Step/Reset. NULL -> "".
  std::string_view BlobView(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string_view(static_cast<const char*>(p),
                                static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string_view();
  }

 private:
  sqlite3_stmt* s_;
  sqlite3* db_;
};

/// Resets a cached statement when the scope ends (so it never holds a read snapshot open).
class StmtScope {
 public:
  explicit StmtScope(Stmt& s) : s_(s) {}
  ~StmtScope() { s_.Reset(); }
  Stmt* operator->() { return &s_; }
  Stmt& operator*() { return s_; }

 private:
  Stmt& s_;
};

class Conn {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, Mode mode);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  Status Exec(std::string_view sql);
  /// A cached prepared statement (reset and unbound on return); valid while the Conn lives.
  Result<Stmt*> Prepare(const std::string& sql);
  /// A single-value query (first column of first row), e.g. PRAGMA page_count.
  Result<int64_t> QueryInt(const std::string& sql);
  sqlite3* raw() { return db_; }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
};

}  // namespace childsafe::storage::sqlite
