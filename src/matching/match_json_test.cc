#include "matching/match_json.h"

#include <gtest/gtest.h>

#include <set>

namespace childsafe::matching {
namespace {

using nlohmann::json;

std::set<std::string> Fields(const Result<HashMatchBody>& r) {
  std::set<std::string> out;
  if (!r) {
    for (const auto& f : r.error().fields) out.insert(f.field);
  }
  return out;
}

TEST(MatchJsonTest, DecodesObjectsStringsAndDefaults) {
  const std::string pdq(64, 'a'), md5(32, 'B');
  auto body = DecodeHashMatchBody(json{{"hashes",
                                        {{{"type", "pdq"}, {"value", pdq}, {"quality", 80}},
                                         "md5:" + md5,
                                         pdq,
                                         std::string(40, 'c')}},
                                       {"radius", 20},
                                       {"banks", {"IWF"}}});
  ASSERT_TRUE(body) << body.error().ToString();
  ASSERT_EQ(body->hashes.size(), 4u);
  EXPECT_EQ(body->hashes[0].quality, 80);
  EXPECT_EQ(body->hashes[1].type, HashType::kMd5);
  EXPECT_EQ(body->hashes[1].hex, std::string(32, 'b'));
  EXPECT_EQ(body->hashes[2].type, HashType::kPdq);
  EXPECT_EQ(body->hashes[3].type, HashType::kSha1);
  EXPECT_EQ(body->request.radius, 20);
  EXPECT_EQ(body->request.banks, (std::vector<std::string>{"IWF"}));
  auto sha = DecodeHashMatchBody(json{{"type", "sha256"}, {"hashes", {pdq}}});
  ASSERT_TRUE(sha);
  EXPECT_EQ(sha->hashes[0].type, HashType::kSha256);
}

TEST(MatchJsonTest, EveryProblemNamesItsField) {
  const std::string pdq(64, 'a');
  EXPECT_EQ(Fields(DecodeHashMatchBody(json::array())), (std::set<std::string>{""}));
  EXPECT_EQ(Fields(DecodeHashMatchBody(json::object())), (std::set<std::string>{"hashes"}));
  auto bad = DecodeHashMatchBody(
      json{{"hashes",
            {"xyz",                                   // 0: not hex
             std::string(50, 'a'),                    // 1: no such length
             {{"type", "photodna"}, {"value", pdq}},  // 2: unknown type
             {{"type", "md5"}, {"value", pdq}},       // 3: wrong length for md5
             {{"type", "md5"}, {"value", std::string(32, 'a')}, {"quality", 80}},  // 4: quality
             {{"value", pdq}},                                                     // 5: no type
             {{"type", "pdq"}, {"value", pdq}, {"colour", 1}},  // 6: unknown member
             42}},                                              // 7: not a hash
           {"radius", "wide"},
           {"banks", {1}},
           {"type", "md5"},
           {"extra", true}});
  EXPECT_EQ(Fields(bad),
            (std::set<std::string>{"hashes/0", "hashes/1", "hashes/2/type", "hashes/3/value",
                                   "hashes/4/quality", "hashes/5/type", "hashes/6/colour",
                                   "hashes/7", "radius", "banks/0", "type", "extra"}));
}

}  // namespace
}  // namespace childsafe::matching
