#include "crypto/crypto.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "testing/testing.h"

namespace childsafe::crypto {
namespace {

TEST(CryptoTest, FieldCipherRoundTripsAndBindsToItsPlace) {
  SecretKey k = SecretKey::Random();
  FieldCipher cipher({{7, k}}, 7);
  std::string c = cipher.Encrypt("Em bị đe doạ tung ảnh", "contacts.summary#42");
  EXPECT_EQ(c.find("đe doạ"), std::string::npos);
  EXPECT_EQ(*cipher.Decrypt(c, "contacts.summary#42"), "Em bị đe doạ tung ảnh");
  // Moved to another row or column: refused.
  EXPECT_EQ(cipher.Decrypt(c, "contacts.summary#43").error().code, ErrorCode::kDataLoss);
  // Any flipped bit: refused.
  for (size_t i = 0; i < c.size(); i += 7) {
    std::string t = c;
    t[i] ^= 1;
    EXPECT_FALSE(cipher.Decrypt(t, "contacts.summary#42")) << i;
  }
  // Same plaintext encrypts differently each time (random nonces).
  EXPECT_NE(c, cipher.Encrypt("Em bị đe doạ tung ảnh", "contacts.summary#42"));
  EXPECT_EQ(cipher.Encrypt("", "x"), "");
  EXPECT_EQ(*cipher.Decrypt("", "x"), "");
}

TEST(CryptoTest, OldCiphertextsStayReadableAfterDataKeyRotation) {
  SecretKey k1 = SecretKey::Random(), k2 = SecretKey::Random();
  FieldCipher before({{1, k1}}, 1);
  std::string old = before.Encrypt("cũ", "ad");
  FieldCipher after({{1, k1}, {2, k2}}, 2);
  EXPECT_EQ(*after.Decrypt(old, "ad"), "cũ");
  std::string fresh = after.Encrypt("mới", "ad");
  EXPECT_FALSE(before.Decrypt(fresh, "ad"));  // key 2 unknown to the old cipher
}

TEST(CryptoTest, WrappedKeysNeedTheRightMasterKey) {
  MasterKeys m;
  m.AddRandom();
  SecretKey data = SecretKey::Random();
  auto w = Wrap(m, 3, "field", data);
  ASSERT_TRUE(w);
  EXPECT_EQ(Unwrap(m, *w)->Hex(), data.Hex());
  WrappedKey changed = *w;
  changed.purpose = "pseudonym";  // associated data binds the purpose
  EXPECT_EQ(Unwrap(m, changed).error().code, ErrorCode::kDataLoss);
  MasterKeys other;
  other.AddRandom();
  EXPECT_FALSE(Unwrap(other, *w));
  // Rotation: a new current master key still opens keys wrapped by the old one.
  m.AddRandom();
  EXPECT_TRUE(Unwrap(m, *w));
  auto rewrapped = Wrap(m, 3, "field", data);
  EXPECT_EQ(rewrapped->master_id, 2u);
}

TEST(CryptoTest, MasterKeyFileIsPrivateAndRoundTrips) {
  testing::TempDir dir;
  std::string path = dir.File("master.key");
  auto m = MasterKeys::CreateFile(path);
  ASSERT_TRUE(m);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(MasterKeys::CreateFile(path));  // never overwrites a key
  m->AddRandom();
  ASSERT_TRUE(m->SaveFile(path));
  auto loaded = MasterKeys::LoadFile(path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->current, 2u);
  EXPECT_EQ(loaded->keys.at(1).Hex(), m->keys.at(1).Hex());
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKeys::LoadFile(path).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(MasterKeys::Parse("1:zz"));
  EXPECT_FALSE(MasterKeys::Parse(""));
  EXPECT_FALSE(MasterKeys::Parse("0:" + std::string(64, 'a')));
  EXPECT_TRUE(MasterKeys::Parse("1:" + std::string(64, 'a') + ";2:" + std::string(64, 'b')));
}

TEST(CryptoTest, PseudonymsAreStableKeyedAndNormalised) {
  Pseudonymizer p(SecretKey::Random());
  EXPECT_EQ(NormalizePhone("+84 912 345 678"), "0912345678");
  EXPECT_EQ(NormalizePhone("0912.345.678"), "0912345678");
  EXPECT_EQ(NormalizePhone("84912345678"), "0912345678");
  EXPECT_EQ(NormalizePhone("a1"), "");
  EXPECT_EQ(p.Pseudonym("phone", "0912345678"), p.Pseudonym("phone", "0912345678"));
  EXPECT_NE(p.Pseudonym("phone", "0912345678"), p.Pseudonym("phone", "0912345679"));
  EXPECT_NE(p.Pseudonym("phone", "0912345678"), p.Pseudonym("email", "0912345678"));
  Pseudonymizer other(SecretKey::Random());
  EXPECT_NE(p.Pseudonym("phone", "0912345678"), other.Pseudonym("phone", "0912345678"));
}

TEST(CryptoTest, TokensAndEncodings) {
  std::string t = RandomToken();
  EXPECT_EQ(t.size(), 43u);
  EXPECT_NE(t, RandomToken());
  EXPECT_EQ(HashToken(t), HashToken(t));
  EXPECT_EQ(HashToken(t).size(), 64u);
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_EQ(*Base64UrlDecode(Base64UrlEncode("\x01\xff xin chào")), "\x01\xff xin chào");
  EXPECT_FALSE(Base64UrlDecode("***"));
  EXPECT_EQ(*FromHex(ToHex(std::string("\x00\x7f", 2))), std::string("\x00\x7f", 2));
  EXPECT_FALSE(FromHex("abc"));
}

}  // namespace
}  // namespace childsafe::crypto
