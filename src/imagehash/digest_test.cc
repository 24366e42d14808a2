#include "imagehash/digest.h"

#include <gtest/gtest.h>

#include <string_view>

namespace childsafe::imagehash {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// FIPS 180 / RFC 1321 test vectors.
TEST(DigestTest, KnownVectors) {
  const FileDigests abc = ComputeDigests(Bytes("abc"));
  EXPECT_EQ(abc.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(abc.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(abc.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const FileDigests empty = ComputeDigests({});
  EXPECT_EQ(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(empty.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(empty.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace childsafe::imagehash
