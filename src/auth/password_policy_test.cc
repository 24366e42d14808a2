#include "auth/password_policy.h"

#include <gtest/gtest.h>

#include "testing/testing.h"

namespace childsafe::auth {
namespace {

TEST(PasswordPolicyTest, RefusesWeakPasswordsAndAcceptsStrongOnes) {
  auto p = PasswordPolicy::Load(testing::SourceDir() + "/data/auth/common-passwords.txt");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_TRUE(p->Check("ngựa-vằn-ăn-cỏ-xanh", "lan"));
  EXPECT_TRUE(p->Check(GeneratePassword(), "lan"));
  for (const char* weak : {"short", "password1234", "Matkhau@2024", "anhyeuem1234", "aaaaaaaaaaaa",
                           "123456789012", "abcdefghijkl", "098765432109", "qwertyuiop123"}) {
    auto s = p->Check(weak, "lan");
    EXPECT_FALSE(s) << weak;
    if (!s) {
      EXPECT_EQ(s.error().fields.at(0).field, "password");
    }
  }
  EXPECT_FALSE(p->Check("nguyenvanlan-2025!", "nguyenvanlan"));
  EXPECT_FALSE(p->Check(std::string(300, 'x') + "y", "lan"));
  EXPECT_FALSE(p->Check(std::string("abc\xC3") + "defghijkl", "lan"));
  EXPECT_FALSE(PasswordPolicy::Load("/nonexistent"));
}

TEST(PasswordPolicyTest, GeneratedPasswordsAreLongAndDifferent) {
  std::string a = GeneratePassword(), b = GeneratePassword();
  EXPECT_EQ(a.size(), 23u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace childsafe::auth
