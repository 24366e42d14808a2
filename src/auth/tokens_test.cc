#include "auth/tokens.h"

#include <gtest/gtest.h>

#include "storage/sqlite_store.h"
#include "testing/testing.h"

namespace childsafe::auth {
namespace {

TEST(TokensTest, AuthenticatesOnlyLiveTokens) {
  testing::TempDir dir;
  storage::SqliteOptions o;
  o.path = dir.File("t.db");
  o.migrate = o.create = true;
  auto db = std::move(*storage::OpenSqlite(o));

  auto first = IssueToken(*db, "script", "administrator", std::nullopt, 1000);
  ASSERT_TRUE(first);
  std::string token = first->token;
  EXPECT_EQ(token.rfind("cs_", 0), 0u);

  auto p = AuthenticateToken(*db, token, 1002);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, "administrator");
  EXPECT_EQ(p->ScopeKey(), "token:" + std::to_string(first->id));

  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(AuthenticateToken(*db, forged, 1002).error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(AuthenticateToken(*db, "", 1002));
  EXPECT_FALSE(AuthenticateToken(*db, "Bearer x", 1002));

  auto expiring = IssueToken(*db, "partner", "partner", 2000, 1500);
  ASSERT_TRUE(expiring);
  EXPECT_TRUE(AuthenticateToken(*db, expiring->token, 1999));
  EXPECT_EQ(AuthenticateToken(*db, expiring->token, 2000).error().message,
            AuthenticateToken(*db, forged, 2000).error().message);  // same answer for all
}

}  // namespace
}  // namespace childsafe::auth
