#include "auth/keyring.h"

#include <gtest/gtest.h>

#include "storage/sqlite_store.h"
#include "testing/testing.h"

namespace childsafe::auth {
namespace {

std::unique_ptr<storage::Database> OpenDb(const testing::TempDir& dir) {
  storage::SqliteOptions o;
  o.path = dir.File("k.db");
  o.migrate = o.create = true;
  o.read_connections = 2;
  return std::move(*storage::OpenSqlite(o));
}

TEST(KeyringTest, CreatesKeysOnceAndReopensThem) {
  testing::TempDir dir;
  auto db = OpenDb(dir);
  auto master = LoadMasterKeys(dir.File("master.key"), true);
  ASSERT_TRUE(master);
  auto ring = Keyring::Open(*db, *master, 1700000000);
  ASSERT_TRUE(ring) << ring.error().ToString();
  std::string sealed = (*ring)->fields().Encrypt("bí mật", "t.c#1");
  std::string pseudo = (*ring)->pseudonyms().Pseudonym("phone", "0912345678");

  auto again = Keyring::Open(*db, *LoadMasterKeys(dir.File("master.key"), false), 1700000001);
  ASSERT_TRUE(again);
  EXPECT_EQ(*(*again)->fields().Decrypt(sealed, "t.c#1"), "bí mật");
  EXPECT_EQ((*again)->pseudonyms().Pseudonym("phone", "0912345678"), pseudo);
}

TEST(KeyringTest, RefusesAWrongMasterKeyInsteadOfMakingNewKeys) {
  testing::TempDir dir;
  auto db = OpenDb(dir);
  ASSERT_TRUE(Keyring::Open(*db, *LoadMasterKeys(dir.File("master.key"), true), 1));
  crypto::MasterKeys wrong;
  wrong.AddRandom();
  auto r = Keyring::Open(*db, wrong, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_FALSE(LoadMasterKeys(dir.File("absent.key"), false));
}

TEST(KeyringTest, MasterKeyRotationKeepsDataReadable) {
  testing::TempDir dir;
  auto db = OpenDb(dir);
  std::string file = dir.File("master.key");
  auto ring = Keyring::Open(*db, *LoadMasterKeys(file, true), 1);
  ASSERT_TRUE(ring);
  std::string sealed = (*ring)->fields().Encrypt("giữ nguyên", "x#1");
  auto old_master = *LoadMasterKeys(file, false);

  auto rotated = RotateMasterKey(*db, file);
  ASSERT_TRUE(rotated) << rotated.error().ToString();
  EXPECT_EQ(*rotated, 2u);
  auto now_master = LoadMasterKeys(file, false);
  ASSERT_TRUE(now_master);
  EXPECT_EQ(now_master->keys.size(), 1u);  // the old key is gone from the file
  auto reopened = Keyring::Open(*db, *now_master, 2);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*(*reopened)->fields().Decrypt(sealed, "x#1"), "giữ nguyên");
  // The old master key no longer opens the database.
  EXPECT_FALSE(Keyring::Open(*db, old_master, 3));
}

}  // namespace
}  // namespace childsafe::auth
