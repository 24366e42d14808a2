#pragma once
// The SQLite driver of storage::Database.
//
// Durability: WAL journal with synchronous=FULL, so a commit is on disk (fsync of the WAL) before
// Write() returns. Throughput: one writer thread takes every queued unit of work, runs each in its
// own SAVEPOINT inside one transaction and commits them together (group commit: one fsync for many
// clients). A unit of work that fails is rolled back to its savepoint without touching the others.
// Reads use a pool of read-only connections, each read in its own snapshot (WAL lets readers run
// beside the writer).

#include <memory>
#include <string>

#include "common/result.h"
#include "storage/store.h"

namespace childsafe::storage {

struct SqliteOptions {
  std::string path;
  /// Apply pending migrations when opening (what `childsafe migrate` does). When false, a database
  /// behind this binary is refused with a hint to run `childsafe migrate`.
  bool migrate = false;
  /// Create the file if missing (only with migrate).
  bool create = false;
  int read_connections = 8;
  int busy_timeout_ms = 5000;
  /// Page cache per connection, KiB (the writer gets four times this).
  int cache_kib = 4096;
  /// Most units of work in one group commit.
  int max_batch = 512;
};

/// Opens (and optionally creates/migrates) a database. Refuses a database whose schema is newer
/// than this binary (kFailedPrecondition) and a file that is not a childsafe database.
Result<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& options);

/// The schema version recorded in a database file, without migrating (0 = empty database).
Result<int> SqliteSchemaVersion(const std::string& path);

}  // namespace childsafe::storage
