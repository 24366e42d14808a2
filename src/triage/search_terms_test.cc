#include "triage/search_terms.h"

#include <gtest/gtest.h>

namespace childsafe::triage {
namespace {

using Words = std::vector<std::string>;

TEST(SearchWords, FoldMarksCaseAndTonePlacement) {
  EXPECT_EQ(SearchWords("Xâm hại"), (Words{"xam", "hai"}));
  EXPECT_EQ(SearchWords("XÂM HẠI"), (Words{"xam", "hai"}));
  EXPECT_EQ(SearchWords("xa\xCC\x82m ha\xCC\xA3i"), (Words{"xam", "hai"}));  // decomposed (NFD)
  EXPECT_EQ(SearchWords("hoà hòa"), (Words{"hoa"}));  // both tone placements, counted once
  EXPECT_EQ(SearchWords("Đường đi"), (Words{"duong", "di"}));
}

TEST(SearchWords, SplitAtPunctuationSymbolsAndInvisibleCharacters) {
  EXPECT_EQ(SearchWords("em, bị... đánh!! (hôm qua)"), (Words{"em", "bi", "danh", "hom", "qua"}));
  EXPECT_EQ(SearchWords("“ngoặc” — gạch… «kép» 😢 khóc"), (Words{"ngoac", "gach", "kep", "khoc"}));
  EXPECT_EQ(SearchWords("a\xE2\x80\x8B"
                        "b"),
            (Words{"ab"}));  // a zero-width space is not a break
  EXPECT_EQ(SearchWords("0912 345 678"), (Words{"0912", "345", "678"}));
  EXPECT_TRUE(SearchWords("").empty());
  EXPECT_TRUE(SearchWords(" .,;!? \n\t").empty());
}

TEST(SearchWords, BoundedForHostileInput) {
  // Invalid UTF-8 becomes a separator, never a crash.
  EXPECT_EQ(SearchWords("ab\xFF"
                        "cd"),
            (Words{"ab", "cd"}));
  // One enormous word is cut at a character boundary.
  Words one = SearchWords(std::string(100000, 'x'));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].size(), kMaxWordBytes);
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_EQ(SearchWords(many).size(), kMaxIndexedWords);
  std::string accented;
  for (int i = 0; i < 40; ++i) accented += "ữ";
  Words cut = SearchWords(accented + "ữ");
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_LE(cut[0].size(), kMaxWordBytes);
}

TEST(HashSearchWords, KeyedDeterministicAndShort) {
  crypto::Pseudonymizer a(*crypto::SecretKey::FromBytes(std::string(32, 'a')));
  crypto::Pseudonymizer b(*crypto::SecretKey::FromBytes(std::string(32, 'b')));
  auto ha = HashSearchWords({"xam", "hai"}, a);
  ASSERT_EQ(ha.size(), 2u);
  EXPECT_EQ(ha[0].size(), kSearchTermBytes);
  EXPECT_EQ(ha, HashSearchWords({"xam", "hai"}, a));
  EXPECT_NE(ha[0], ha[1]);
  EXPECT_NE(ha, HashSearchWords({"xam", "hai"}, b));  // another key, other terms
  // Not the phone pseudonym of the same text: a domain of its own.
  EXPECT_NE(ha[0], a.Pseudonym("phone", "xam").substr(0, kSearchTermBytes));
}

}  // namespace
}  // namespace childsafe::triage
