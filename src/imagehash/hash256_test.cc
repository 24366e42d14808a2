#include "imagehash/hash256.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace childsafe::imagehash {
namespace {

// misc-images/small.jpg from the upstream vectors: word w[0] = 0x03ff (DCT row 0, columns 0..9).
constexpr std::string_view kSmall =
    "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff";

TEST(Hash256Test, HexRoundTripAndWordLayoutFollowPdq) {
  auto h = Hash256::FromHex(kSmall);
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->ToHex(), kSmall);
  EXPECT_EQ(h->Word(0), 0x03ff);   // last 4 hex digits
  EXPECT_EQ(h->Word(15), 0x0007);  // first 4 hex digits
  EXPECT_EQ(h->Word(8), 0x00ff);
  EXPECT_EQ(h->Word(7), 0x01ff);
  for (int l = 0; l < 16; ++l) EXPECT_EQ(h->Bit(l), l < 10) << l;
  EXPECT_TRUE(h->Bit(16 * 15 + 0));
  EXPECT_FALSE(h->Bit(16 * 15 + 3));
}

TEST(Hash256Test, UpperCaseIsAcceptedAndPrintedLowerCase) {
  auto h = Hash256::FromHex("F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->ToHex(), "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22");
}

TEST(Hash256Test, RejectsWrongLengthAndNonHex) {
  for (std::string_view bad :
       {std::string_view(""), kSmall.substr(1),
        std::string_view("0x07001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff"
                         "03ff03ff03ff"),
        std::string_view("g007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03"
                         "ff03ff03ff03ff")}) {
    auto h = Hash256::FromHex(bad);
    ASSERT_FALSE(h) << bad;
    EXPECT_EQ(h.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(h.error().fields.size(), 1u);
    EXPECT_EQ(h.error().fields[0].field, "hash");
  }
  std::string longer(kSmall);
  longer += "0";
  EXPECT_FALSE(Hash256::FromHex(longer));
  std::string with_space(kSmall);
  with_space[10] = ' ';
  EXPECT_FALSE(Hash256::FromHex(with_space));
}

TEST(Hash256Test, BigEndianBytesMatchPythonBytesFromHex) {
  auto h = *Hash256::FromHex(kSmall);
  auto bytes = h.ToBigEndianBytes();
  EXPECT_EQ(bytes[0], 0x00);
  EXPECT_EQ(bytes[1], 0x07);
  EXPECT_EQ(bytes[30], 0x03);
  EXPECT_EQ(bytes[31], 0xff);
  EXPECT_EQ(Hash256::FromBigEndianBytes(bytes), h);
}

TEST(Hash256Test, HammingDistanceCountsDifferingBits) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 200; ++trial) {
    Hash256 a;
    for (auto& limb : a.limbs) limb = rng();
    Hash256 b = a;
    EXPECT_EQ(HammingDistance(a, b), 0);
    const int flips = static_cast<int>(rng() % 257);
    std::vector<int> bits(256);
    for (int i = 0; i < 256; ++i) bits[i] = i;
    std::shuffle(bits.begin(), bits.end(), rng);
    for (int i = 0; i < flips; ++i) b.FlipBit(bits[i]);
    EXPECT_EQ(HammingDistance(a, b), flips);
    EXPECT_EQ(HammingDistance(b, a), flips);
    // Distance via hex agrees.
    EXPECT_EQ(*Hash256::FromHex(b.ToHex()), b);
  }
}

TEST(Hash256Test, WordsAndBitsAgree) {
  Hash256 h;
  h.SetWord(5, 0xa5c3);
  EXPECT_EQ(h.Word(5), 0xa5c3);
  EXPECT_EQ(h.PopCount(), 8);
  for (int l = 0; l < 16; ++l) EXPECT_EQ(h.Bit(5 * 16 + l), ((0xa5c3 >> l) & 1) != 0);
  h.ClearBit(5 * 16);
  EXPECT_EQ(h.Word(5), 0xa5c2);
  h.SetBit(255);
  EXPECT_EQ(h.ToHex().substr(0, 1), "8");
  Hash256 zero;
  EXPECT_TRUE(zero < h);
  EXPECT_FALSE(h < zero);
}

std::vector<Hash256> ReadHashes(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Hash256> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto h = Hash256::FromHex(line);
    EXPECT_TRUE(h) << line;
    if (h) out.push_back(*h);
  }
  return out;
}

// Brute force over the upstream needles/haystack vectors reproduces the expected pairs within
// distance 31, exactly (this is the ground truth src/hamming is tested against too).
TEST(Hash256Test, NeedlesAndHaystackWithinRadius31) {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  const std::string dir = std::string(root != nullptr ? root : ".") + "/testdata/pdq/";
  const auto needles = ReadHashes(dir + "reg-test-input/needles.txt");
  const auto haystack = ReadHashes(dir + "reg-test-input/haystack.txt");
  ASSERT_EQ(needles.size(), 100u);
  ASSERT_EQ(haystack.size(), 1350u);
  std::set<std::tuple<int, int, int>> found;
  for (size_t i = 0; i < needles.size(); ++i) {
    for (size_t j = 0; j < haystack.size(); ++j) {
      const int d = HammingDistance(needles[i], haystack[j]);
      if (d <= 31) found.emplace(static_cast<int>(i) + 1, static_cast<int>(j) + 1, d);
    }
  }
  std::ifstream csv(dir + "expected-needles-haystack-d31.csv");
  std::string line;
  std::getline(csv, line);  // header
  std::set<std::tuple<int, int, int>> expected;
  while (std::getline(csv, line)) {
    std::stringstream row(line);
    std::string needle_line, needle_hash, hay_line, hay_hash, distance;
    std::getline(row, needle_line, ',');
    std::getline(row, needle_hash, ',');
    std::getline(row, hay_line, ',');
    std::getline(row, hay_hash, ',');
    std::getline(row, distance, ',');
    expected.emplace(std::stoi(needle_line), std::stoi(hay_line), std::stoi(distance));
    EXPECT_EQ(needles.at(std::stoi(needle_line) - 1).ToHex(), needle_hash);
    EXPECT_EQ(haystack.at(std::stoi(hay_line) - 1).ToHex(), hay_hash);
  }
  EXPECT_EQ(expected.size(), 250u);
  EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace childsafe::imagehash
