#include "crypto/secrets.h"

#include <gtest/gtest.h>

namespace childsafe::crypto {
namespace {

TEST(SecretsTest, PasswordsHashWithArgon2idAndVerify) {
  auto h = HashPassword("một mật khẩu dài và khó đoán");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("một mật khẩu dài và khó đoán", *h));
  EXPECT_FALSE(VerifyPassword("một mật khẩu dài và khó đoáN", *h));
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$garbage"));
  EXPECT_NE(*HashPassword("same"), *HashPassword("same"));  // salted
  EXPECT_FALSE(PasswordNeedsRehash(*h));
}

TEST(SecretsTest, TotpMatchesRfc6238Vectors) {
  // RFC 6238 Appendix B (8 digits), SHA-1 / SHA-256 / SHA-512 seeds.
  const std::string sha1 = "12345678901234567890";
  const std::string sha256 = "12345678901234567890123456789012";
  const std::string sha512 = "1234567890123456789012345678901234567890123456789012345678901234";
  struct V {
    int64_t t;
    const char *c1, *c256, *c512;
  };
  for (const V& v : {V{59, "94287082", "46119246", "90693936"},
                     V{1111111109, "07081804", "68084774", "25091201"},
                     V{1111111111, "14050471", "67062674", "99943326"},
                     V{1234567890, "89005924", "91819424", "93441116"},
                     V{2000000000, "69279037", "90698825", "38618901"},
                     V{20000000000, "65353130", "77737706", "47863826"}}) {
    EXPECT_EQ(Totp(sha1, v.t, 8, TotpHash::kSha1), v.c1) << v.t;
    EXPECT_EQ(Totp(sha256, v.t, 8, TotpHash::kSha256), v.c256) << v.t;
    EXPECT_EQ(Totp(sha512, v.t, 8, TotpHash::kSha512), v.c512) << v.t;
  }
}

TEST(SecretsTest, VerifiesWithinOneStepOfDriftAndReportsTheStep) {
  std::string secret = NewTotpSecret();
  EXPECT_EQ(secret.size(), 20u);
  int64_t now = 1749956400;
  std::string code = Totp(secret, now);
  EXPECT_EQ(VerifyTotp(secret, code, now), now / 30);
  EXPECT_TRUE(VerifyTotp(secret, code, now + 30));   // a step late
  EXPECT_FALSE(VerifyTotp(secret, code, now + 90));  // too late
  EXPECT_FALSE(VerifyTotp(secret, "12345", now));
  EXPECT_FALSE(VerifyTotp(secret, "abcdef", now));
}

TEST(SecretsTest, Base32RoundTripsAndBuildsOtpauthUris) {
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");  // RFC 4648 test vector (unpadded)
  EXPECT_EQ(*Base32Decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(*Base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_FALSE(Base32Decode("1!"));
  std::string uri = TotpUri("nguyen.van.a", "12345678901234567890");
  EXPECT_EQ(uri, "otpauth://totp/childsafe:nguyen.van.a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                 "&issuer=childsafe&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace childsafe::crypto
