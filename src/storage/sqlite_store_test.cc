#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "storage/conformance.h"
#include "storage/migrations.h"

namespace childsafe::storage {

namespace {
std::unique_ptr<Database> MakeSqlite(const testing::TempDir& dir) {
  SqliteOptions o;
  o.path = dir.File("test.db");
  o.migrate = o.create = true;
  o.read_connections = 4;
  auto db = OpenSqlite(o);
  if (!db) throw std::runtime_error(db.error().ToString());
  return std::move(*db);
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformance, ::testing::Values(&MakeSqlite));

namespace {

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, RefusesMissingUnmigratedForeignAndFutureDatabases) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("x.db");
  auto missing = OpenSqlite(o);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("childsafe migrate"), std::string::npos);

  // A file another program made.
  RawExec(dir.File("foreign.db"), "CREATE TABLE t (x)");
  o.path = dir.File("foreign.db");
  o.migrate = o.create = true;
  EXPECT_EQ(OpenSqlite(o).error().code, ErrorCode::kFailedPrecondition);

  // Migrate, then pretend a newer childsafe migrated it further.
  o.path = dir.File("x.db");
  ASSERT_TRUE(OpenSqlite(o));
  EXPECT_EQ(*SqliteSchemaVersion(o.path), LatestSchemaVersion());
  RawExec(o.path, "INSERT INTO schema_migrations VALUES (999, 'from the future', 0)");
  auto future = OpenSqlite(o);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(future.error().message.find("newer than this childsafe"), std::string::npos);

  // A database behind this binary is refused unless asked to migrate.
  RawExec(o.path, "DELETE FROM schema_migrations WHERE version >= 1");
  o.migrate = false;
  auto behind = OpenSqlite(o);
  ASSERT_FALSE(behind);
  EXPECT_NE(behind.error().message.find("needs migrating"), std::string::npos);
}

TEST(SqliteStoreTest, UsesWalWithForeignKeysAndSurvivesReopening) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("x.db");
  o.migrate = o.create = true;
  {
    auto db = OpenSqlite(o);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Write([](WriteTxn& t) { return t.PutSetting("k", "v"); }));
    auto info = (*db)->Info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->schema_version, LatestSchemaVersion());
    EXPECT_GT(info->page_count, 0);
    EXPECT_EQ(info->write_jobs, 1u);
    // Foreign keys are enforced: a child row without its contact is refused.
    auto st = (*db)->Write([](WriteTxn& t) -> Status {
      StoredContact sc;
      sc.contact.reference = "r";
      sc.contact.taxonomy_version = "v";
      sc.contact.children = {domain::Child{}};
      CS_TRY(int64_t id, t.InsertContact(sc));
      (void)id;
      return {};
    });
    EXPECT_TRUE(st);  // the insert itself is consistent
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(o.path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_exec(raw, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  EXPECT_NE(sqlite3_exec(raw, "INSERT INTO contact_children (contact_id, position) VALUES (999, 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  o.migrate = false;
  auto db = OpenSqlite(o);
  ASSERT_TRUE(db);
  std::optional<std::string> v;
  ASSERT_TRUE((*db)->Read([&](ReadTxn& t) -> Status {
    CS_TRY(v, t.GetSetting("k"));
    return {};
  }));
  EXPECT_EQ(v, "v");
}

TEST(SqliteStoreTest, ConcurrentWritesShareCommits) {
  testing::TempDir dir;
  auto db = MakeSqlite(dir);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(db->Write([&](WriteTxn& txn) {
          return txn.PutSetting("k" + std::to_string(t) + "-" + std::to_string(i), "v");
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  auto info = db->Info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->write_jobs, 400u);
  // Group commit: with 16 concurrent writers, some commits carried several units of work.
  EXPECT_LT(info->write_batches, info->write_jobs);
}

TEST(SqliteStoreTest, RenderSqlPerDialect) {
  EXPECT_EQ(RenderSql("id {id}, b {blob}", Dialect::kSqlite), "id INTEGER PRIMARY KEY, b BLOB");
  EXPECT_EQ(RenderSql("b {blob}", Dialect::kPostgres), "b BYTEA");
  int expected = 1;
  for (const auto& m : Migrations()) EXPECT_EQ(m.version, expected++);
}

}  // namespace
}  // namespace childsafe::storage
