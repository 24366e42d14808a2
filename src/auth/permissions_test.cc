#include "auth/permissions.h"

#include <gtest/gtest.h>

#include "testing/testing.h"

namespace childsafe::auth {
namespace {

TEST(PermissionsTest, RealMatrixDeniesUnlessGranted) {
  auto m = PermissionMatrix::Load(testing::SourceDir() + "/data/auth/permissions.json");
  ASSERT_TRUE(m) << m.error().ToString();
  Principal admin = Principal::Make(Principal::Kind::kUser, 1, "a", "administrator");
  Principal manager = Principal::Make(Principal::Kind::kUser, 2, "m", "manager");
  Principal nobody = Principal::Make(Principal::Kind::kUser, 3, "n", "no-such-role");
  EXPECT_TRUE(m->Check(admin, "contacts.read"));
  EXPECT_EQ(m->ScopeOf(manager, "stats.read"), Scope::kAggregate);
  EXPECT_EQ(m->Check(manager, "contacts.read").error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(m->Check(nobody, "taxonomy.read"));
  EXPECT_FALSE(m->Check(admin, "no.such.permission"));
  for (const char* role :
       {"administrator", "supervisor", "counsellor", "content_analyst", "partner", "manager"}) {
    EXPECT_TRUE(m->HasRole(role)) << role;
  }
}

TEST(PermissionsTest, RefusesGrantsOfUnknownPermissionsOrScopes) {
  EXPECT_FALSE(PermissionMatrix::Parse(
      R"({"permissions": {"a": {}}, "roles": {"r": {"vi": "x", "en": "x", "grants": {"b": "all"}}}})"));
  EXPECT_FALSE(PermissionMatrix::Parse(
      R"({"permissions": {"a": {}}, "roles": {"r": {"vi": "x", "en": "x", "grants": {"a": "some"}}}})"));
  EXPECT_FALSE(PermissionMatrix::Parse("[]"));
  EXPECT_TRUE(PermissionMatrix::Parse(
      R"({"permissions": {"a": {}}, "roles": {"r": {"vi": "x", "en": "x", "grants": {"a": "own"}}}})"));
}

}  // namespace
}  // namespace childsafe::auth
