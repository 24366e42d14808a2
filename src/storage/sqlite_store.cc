#include "storage/sqlite_store.h"

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "storage/migrations.h"
#include "storage/sqlite.h"
#include "storage/sqlite_txn.h"

namespace childsafe::storage {

namespace {

using sqlite::Conn;
using sqlite::Stmt;
using sqlite::StmtScope;

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// ---- the database ------------------------------------------------------------------------------

Status ApplyPragmas(Conn& c, const SqliteOptions& o, bool writer) {
  CS_TRY_STATUS(c.Exec("PRAGMA busy_timeout = " + std::to_string(o.busy_timeout_ms)));
  CS_TRY_STATUS(c.Exec("PRAGMA foreign_keys = ON"));
  CS_TRY_STATUS(
      c.Exec("PRAGMA cache_size = -" + std::to_string(writer ? o.cache_kib * 4 : o.cache_kib)));
  CS_TRY_STATUS(c.Exec("PRAGMA temp_store = MEMORY"));
  if (writer) {
    CS_TRY(Stmt * s, c.Prepare("PRAGMA journal_mode = WAL"));
    StmtScope scope(*s);
    CS_TRY(bool row, s->Step());
    if (!row || s->Text(0) != "wal") {
      return Fail(Error::Precondition("the database cannot use write-ahead logging"));
    }
  }
  // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
  CS_TRY_STATUS(c.Exec("PRAGMA synchronous = FULL"));
  return {};
}

Result<int> ReadSchemaVersion(Conn& c) {
  CS_TRY(int64_t has_table,
         c.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'schema_migrations'"));
  if (!has_table) {
    CS_TRY(int64_t tables, c.QueryInt("SELECT COUNT(*) FROM sqlite_master"));
    if (tables > 0) {
      return Fail(
          Error::Precondition("this file is not a childsafe database (it has other tables)"));
    }
    return 0;
  }
  CS_TRY(int64_t v, c.QueryInt("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(v);
}

Status Migrate(Conn& c, int from) {
  CS_TRY_STATUS(
      c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
             "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  for (const Migration& m : Migrations()) {
    if (m.version <= from) continue;
    CS_TRY_STATUS(c.Exec("BEGIN IMMEDIATE"));
    auto st = c.Exec(RenderSql(m.sql, Dialect::kSqlite));
    if (st) {
      auto ins =
          c.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!ins) {
        st = Fail(ins.error());
      } else {
        StmtScope scope(**ins);
        (*ins)->Bind(1, int64_t{m.version}).Bind(2, m.name).Bind(3, SystemClock::Instance().Now());
        st = (*ins)->Run();
      }
    }
    if (!st) {
      (void)c.Exec("ROLLBACK");
      st.error().message =
          "migration " + std::to_string(m.version) + " failed: " + st.error().message;
      return st;
    }
    CS_TRY_STATUS(c.Exec("COMMIT"));
    log::Info("storage.migrated", {{"version", m.version}, {"name", std::string(m.name)}});
  }
  return {};
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(SqliteOptions o, std::unique_ptr<Conn> writer,
                 std::vector<std::unique_ptr<Conn>> readers)
      : options_(std::move(o)), writer_(std::move(writer)) {
    for (auto& r : readers) free_readers_.push_back(r.get());
    readers_ = std::move(readers);
    thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteDatabase() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    // Fold the WAL back into the main file on a clean shutdown.
    (void)writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  Status Read(const std::function<Status(ReadTxn&)>& fn) override {
    Conn* c = Checkout();
    struct Return {
      SqliteDatabase* db;
      Conn* c;
      ~Return() { db->Checkin(c); }
    } ret{this, c};
    CS_TRY_STATUS(c->Exec("BEGIN"));
    SqliteTxn txn(*c);
    Status st;
    try {
      st = fn(txn);
    } catch (const std::exception& e) {
      st = Fail(Error::Internal(std::string("exception in read: ") + e.what()));
    }
    (void)c->Exec(st ? "COMMIT" : "ROLLBACK");
    return st;
  }

  Status Write(const std::function<Status(WriteTxn&)>& fn) override {
    Job job{&fn, {}};
    std::future<Status> done = job.done.get_future();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Fail(Error::Unavailable("the database is shutting down"));
      queue_.push_back(&job);
    }
    cv_.notify_one();
    return done.get();
  }

  Result<DatabaseInfo> Info() override {
    DatabaseInfo info;
    info.driver = "sqlite " + std::string(sqlite3_libversion());
    info.file_bytes = FileSize(options_.path);
    info.wal_bytes = FileSize(options_.path + "-wal");
    info.write_batches = batches_.load();
    info.write_jobs = jobs_.load();
    Conn* c = Checkout();
    auto pages = c->QueryInt("PRAGMA page_count");
    auto freelist = c->QueryInt("PRAGMA freelist_count");
    auto version = ReadSchemaVersion(*c);
    Checkin(c);
    if (!pages) return Fail(pages.error());
    info.page_count = *pages;
    info.freelist_count = freelist.value_or(0);
    info.schema_version = version.value_or(0);
    return info;
  }

  Status CheckIntegrity() override {
    Conn* c = Checkout();
    struct Return {
      SqliteDatabase* db;
      Conn* c;
      ~Return() { db->Checkin(c); }
    } ret{this, c};
    CS_TRY(Stmt * s, c->Prepare("PRAGMA integrity_check"));
    StmtScope scope(*s);
    std::string problems;
    while (true) {
      CS_TRY(bool row, s->Step());
      if (!row) break;
      std::string line = s->Text(0);
      if (line != "ok") problems += line + "; ";
    }
    CS_TRY(Stmt * fk, c->Prepare("PRAGMA foreign_key_check"));
    StmtScope fk_scope(*fk);
    CS_TRY(bool fk_row, fk->Step());
    if (fk_row) problems += "foreign key violations in " + fk->Text(0) + "; ";
    if (!problems.empty()) return Fail(Error::DataLoss("integrity check failed", problems));
    return {};
  }

  Status Optimize() override {
    return Write([](WriteTxn&) -> Status { return {}; }).and_then([&]() -> Status {
      std::lock_guard lock(writer_mu_);
      return writer_->Exec("ANALYZE");
    });
  }

 private:
  struct Job {
    const std::function<Status(WriteTxn&)>* fn;
    std::promise<Status> done;
  };

  Conn* Checkout() {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !free_readers_.empty(); });
    Conn* c = free_readers_.back();
    free_readers_.pop_back();
    return c;
  }

  void Checkin(Conn* c) {
    {
      std::lock_guard lock(readers_mu_);
      free_readers_.push_back(c);
    }
    readers_cv_.notify_one();
  }

  void WriterLoop() {
    std::vector<Job*> batch;
    while (true) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      batch.clear();
    }
  }

  void RunBatch(std::vector<Job*>& batch) {
    std::lock_guard lock(writer_mu_);
    std::vector<Status> results(batch.size());
    auto begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin) {
      for (Job* j : batch) j->done.set_value(Fail(begin.error()));
      return;
    }
    SqliteTxn txn(*writer_);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto sp = writer_->Exec("SAVEPOINT job");
      if (!sp) {
        results[i] = Fail(sp.error());
        continue;
      }
      try {
        results[i] = (*batch[i]->fn)(txn);
      } catch (const std::exception& e) {
        results[i] = Fail(Error::Internal(std::string("exception in write: ") + e.what()));
      }
      if (!results[i]) (void)writer_->Exec("ROLLBACK TO job");
      (void)writer_->Exec("RELEASE job");
    }
    auto commit = writer_->Exec("COMMIT");
    if (!commit) {
      (void)writer_->Exec("ROLLBACK");
      log::Error("storage.commit_failed",
                 {{"detail", commit.error().detail}, {"jobs", batch.size()}});
      for (Job* j : batch) j->done.set_value(Fail(commit.error()));
      return;
    }
    batches_.fetch_add(1);
    jobs_.fetch_add(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }

  SqliteOptions options_;
  std::unique_ptr<Conn> writer_;
  std::mutex writer_mu_;  // the writer connection: writer thread, Optimize
  std::vector<std::unique_ptr<Conn>> readers_;
  std::vector<Conn*> free_readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> batches_{0}, jobs_{0};
};

}  // namespace

Result<int> SqliteSchemaVersion(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  CS_TRY(auto c, Conn::Open(path, Conn::Mode::kReadOnly));
  return ReadSchemaVersion(*c);
}

Result<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& o) {
  struct stat st {};
  bool exists = ::stat(o.path.c_str(), &st) == 0;
  if (!exists && !(o.migrate && o.create)) {
    return Fail(
        Error::NotFound("no database at " + o.path + "; run: childsafe migrate --db " + o.path));
  }
  CS_TRY(auto writer, Conn::Open(o.path, Conn::Mode::kReadWrite));
  CS_TRY_STATUS(ApplyPragmas(*writer, o, true));
  CS_TRY(int version, ReadSchemaVersion(*writer));
  const int latest = LatestSchemaVersion();
  if (version > latest) {
    return Fail(Error::Precondition("the database " + o.path + " has schema version " +
                                    std::to_string(version) + ", newer than this childsafe (" +
                                    std::to_string(latest) + "); upgrade childsafe"));
  }
  if (version < latest) {
    if (!o.migrate) {
      return Fail(Error::Precondition("the database " + o.path + " has schema version " +
                                      std::to_string(version) + " and needs migrating to " +
                                      std::to_string(latest) + "; run: childsafe migrate --db " +
                                      o.path));
    }
    CS_TRY_STATUS(Migrate(*writer, version));
  }
  std::vector<std::unique_ptr<Conn>> readers;
  for (int i = 0; i < o.read_connections; ++i) {
    CS_TRY(auto r, Conn::Open(o.path, Conn::Mode::kReadOnly));
    CS_TRY_STATUS(ApplyPragmas(*r, o, false));
    readers.push_back(std::move(r));
  }
  return std::unique_ptr<Database>(new SqliteDatabase(o, std::move(writer), std::move(readers)));
}

}  // namespace childsafe::storage
