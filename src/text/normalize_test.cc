#include "text/normalize.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "text/loader.h"
#include "text/utf8.h"

namespace childsafe::text {
namespace {

Normalizer SmallTable() {
  auto n = Normalizer::Create({{"ko", "không", 1},
                               {"k", "không", 2},
                               {"mun", "muốn", 3},
                               {"e", "em", 4},
                               {"ny", "người yêu", 5},
                               {"1", "một", 6}});
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  return std::move(*n);
}

const Normalizer& Real() {
  static const Normalizer normalizer = [] {
    const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
    EXPECT_NE(root, nullptr);
    auto table = ReadTeencode(std::string(root) + "/data");
    EXPECT_TRUE(table.has_value()) << table.error().ToString();
    auto n = Normalizer::Create(*table);
    EXPECT_TRUE(n.has_value()) << n.error().ToString();
    return std::move(*n);
  }();
  return normalizer;
}

std::string Canonical(const Normalizer& n, std::string_view text) {
  return n.Normalize(text).canonical;
}

// The invariants every normalisation keeps (the fuzz target checks the same on random input).
void ExpectInvariants(const Normalizer& n, std::string_view text) {
  SCOPED_TRACE(std::string(text.substr(0, 60)));
  const NormalizedText r = n.Normalize(text);
  ASSERT_EQ(r.folded.size(), r.folded_spans.size());
  ASSERT_EQ(r.folded.size(), r.folded_marks.size());
  ASSERT_EQ(r.canonical.size(), r.canonical_spans.size());
  EXPECT_EQ(FindInvalidUtf8(r.canonical), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8(r.folded), std::nullopt);
  for (const auto* spans : {&r.folded_spans, &r.canonical_spans}) {
    for (size_t i = 0; i < spans->size(); ++i) {
      const Span s = (*spans)[i];
      ASSERT_LE(s.begin, s.end);
      ASSERT_LE(s.end, r.original_size);
      if (i > 0) {
        ASSERT_LE((*spans)[i - 1].begin, s.begin);
        ASSERT_LE((*spans)[i - 1].end, s.end);
      }
    }
  }
  for (const Token& t : r.tokens) {
    ASSERT_LT(t.begin, t.end);
    ASSERT_LE(t.end, r.folded.size());
    ASSERT_EQ(r.folded[t.begin - 1], ' ');
    ASSERT_EQ(r.folded[t.end], ' ');
  }
  for (const Entity& e : r.entities) ASSERT_LE(e.span.end, r.original_size);
  const NormalizedText again = n.Normalize(r.canonical);
  EXPECT_EQ(again.canonical, r.canonical);
}

TEST(NormalizeTest, OneTonePlacement) {
  const Normalizer n;
  EXPECT_EQ(Canonical(n, "hoà"), Canonical(n, "hòa"));
  EXPECT_EQ(Canonical(n, "hoà"), "hòa");
  EXPECT_EQ(Canonical(n, "Thuỷ"), "thủy");
  EXPECT_EQ(Canonical(n, "khoẻ"), "khỏe");
  EXPECT_EQ(Canonical(n, "Khánh Hoà"), "khánh hòa");
  // With a final consonant, or a marked vowel, both styles agree and nothing moves.
  EXPECT_EQ(Canonical(n, "hoàng tiến người quả giữa mía"), "hoàng tiến người quả giữa mía");
  EXPECT_EQ(Canonical(n, "hoàng"), Canonical(n, "hòang"));
  // Not a Vietnamese syllable: left alone.
  EXPECT_EQ(Canonical(n, "café"), "café");
}

TEST(NormalizeTest, NfcCaseAndFolding) {
  const Normalizer n;
  const NormalizedText r = n.Normalize("XÂM HẠI Tình Dục");
  EXPECT_EQ(r.canonical, "xâm hại tình dục");
  EXPECT_EQ(r.folded, " xam hai tinh duc ");
  const NormalizedText nfd = n.Normalize("Vi\u0065\u0323\u0302t");
  EXPECT_EQ(nfd.canonical, "việt");
  EXPECT_TRUE(nfd.flags & kFlagNotNfc);
  EXPECT_EQ(nfd.folded_spans[1 + 2].end - nfd.folded_spans[1 + 2].begin, 5u);  // e+2 marks
  EXPECT_EQ(n.Normalize("Đi đâu").folded, " di dau ");
}

TEST(NormalizeTest, RepeatedLettersCollapse) {
  const Normalizer n;
  EXPECT_EQ(Canonical(n, "cứuuuu emmmm"), "cứu em");
  EXPECT_EQ(Canonical(n, "chếtttt đii"), "chết đi");
  // Unaccented "cuuu" (typed without diacritics) folds like "cứu": uu is spelling, not emphasis.
  EXPECT_EQ(n.Normalize("cuuuu").folded, n.Normalize("cứu").folded);
  EXPECT_EQ(n.Normalize("cuu").folded, " cuu ");
  // One marked letter typed again and again is that letter once.
  EXPECT_EQ(Canonical(n, "tửửử"), "tử");
  // Known limit: after a single u, a run of bare u's reads as "uu" ("tửuuu" -> "tửu").
  EXPECT_EQ(Canonical(n, "tửuuu"), "tửu");
  EXPECT_EQ(Canonical(n, "khônggggg"), "không");
  // The span of the collapsed letter covers the whole run the child typed.
  const NormalizedText r = n.Normalize("emmmm");
  EXPECT_EQ(r.folded_spans[2].end, 5u);
}

TEST(NormalizeTest, SplitWordsAreJoined) {
  const Normalizer n;
  EXPECT_EQ(Canonical(n, "t.ự t.ử"), "tự tử");
  EXPECT_EQ(Canonical(n, "c h ế t"), "chết");
  EXPECT_EQ(Canonical(n, "c-h-ế-t đi"), "chết đi");
  EXPECT_EQ(Canonical(n, "tự_tử"), "tự tử");
  EXPECT_EQ(Canonical(n, "tự.tử"), "tự tử");
  EXPECT_EQ(Canonical(n, "chế\u200Bt"), "chết");
  EXPECT_TRUE(n.Normalize("c h ế t").flags & kFlagSplitWords);
  EXPECT_TRUE(n.Normalize("chế\u200Bt").flags & kFlagZeroWidth);
  // Two one-letter words are ordinary text, not a split word.
  EXPECT_EQ(Canonical(n, "a b"), "a b");
}

TEST(NormalizeTest, LookalikeDigitsAndSymbols) {
  const Normalizer n;
  EXPECT_EQ(Canonical(n, "n0 d0a tung 4nh"), "no doa tung anh");
  EXPECT_EQ(Canonical(n, "$ex"), "sex");
  EXPECT_EQ(Canonical(n, "ch3t"), "chet");
  EXPECT_TRUE(n.Normalize("4nh").flags & kFlagLookalikes);
  // Numbers, amounts and numbers with units stay numbers.
  EXPECT_EQ(Canonical(n, "17tr 500k 2024 500.000"), "17tr 500k 2024 500.000");
  // Cyrillic "с" inside a Latin word.
  const NormalizedText r = n.Normalize("\u0441h\u1EBFt");
  EXPECT_EQ(r.canonical, "chết");
  EXPECT_TRUE(r.flags & kFlagMixedScripts);
  // A word wholly in Cyrillic is Russian, not a disguise.
  EXPECT_EQ(Canonical(n, "\u0441\u0435\u043A\u0441"), "\u0441\u0435\u043A\u0441");
}

TEST(NormalizeTest, TeencodeExpandsWithSpansOnWhatWasTyped) {
  const Normalizer n = SmallTable();
  const std::string text = "e ko mun song nua, ny";
  const NormalizedText r = n.Normalize(text);
  EXPECT_EQ(r.canonical, "em không muốn song nua, người yêu");
  EXPECT_EQ(r.folded, " em khong muon song nua , nguoi yeu ");
  EXPECT_TRUE(r.flags & kFlagTeencode);
  // "khong" highlights "ko"; both words of "nguoi yeu" highlight "ny".
  const size_t k = r.folded.find("khong");
  const Span ko = r.OriginalSpan(k, k + 5);
  EXPECT_EQ(text.substr(ko.begin, ko.end - ko.begin), "ko");
  const size_t ny = r.folded.find("nguoi");
  const Span both = r.OriginalSpan(ny, ny + 9);
  EXPECT_EQ(text.substr(both.begin, both.end - both.begin), "ny");
  EXPECT_EQ(Canonical(n, "1 mình"), "một mình");
}

TEST(NormalizeTest, RealTeencodeTable) {
  const Normalizer& n = Real();
  EXPECT_GT(n.teencode_size(), 100u);
  EXPECT_EQ(Canonical(n, "ko mun song nua"), "không muốn song nua");
  EXPECT_EQ(Canonical(n, "e hok bít lm s"), "em không biết làm sao");
  EXPECT_EQ(Canonical(n, "KHUMMM"), "không");
}

// A run of one-letter teencode words is teencode, not a word spelt out: "e r k" is not joined
// into "erk" (which hid "không cho em về" from the lexicon), while runs that spell syllables
// ("c h e t") or hold a letter that is no teencode key ("t ự t ử") still are.
TEST(NormalizeTest, OneLetterTeencodeRunsAreNotJoined) {
  const Normalizer& n = Real();
  EXPECT_EQ(Canonical(n, "giữ cccd của e r k cho e về"), "giữ cd của em rồi không cho em về");
  EXPECT_EQ(Canonical(n, "a e b"), "anh em bạn");
  EXPECT_EQ(Canonical(n, "c h e t"), "chet");
  EXPECT_EQ(Canonical(n, "c h ế t"), "chết");
  EXPECT_EQ(Canonical(n, "t ự t ử"), "tựtử");
  for (const char* text : {"e r k", "c h e t", "e k m t", "k k k e", "m t t ử"}) {
    const std::string once = n.Normalize(text).canonical;
    EXPECT_EQ(n.Normalize(once).canonical, once) << text;
  }
}

TEST(NormalizeTest, SentencesClausesAndTokens) {
  const Normalizer n;
  const NormalizedText r = n.Normalize("Em sợ.   Nó dọa, em khóc!!! Sao vậy?");
  EXPECT_EQ(r.canonical, "em sợ. nó dọa, em khóc! sao vậy");
  EXPECT_EQ(r.folded, " em so . no doa , em khoc . sao vay ");
  ASSERT_EQ(r.tokens.size(), 11u);
  EXPECT_EQ(r.tokens[2].kind, TokenKind::kSentence);
  EXPECT_EQ(r.tokens[5].kind, TokenKind::kClause);
  EXPECT_EQ(r.tokens[3].sentence, 1u);   // "no"
  EXPECT_EQ(r.tokens[6].clause, 2u);     // "em" after the comma
  EXPECT_EQ(r.tokens[10].sentence, 2u);  // "vay"
}

TEST(NormalizeTest, EntitiesBecomePlaceholders) {
  const Normalizer n;
  const std::string text = "Gọi 0912 345 678 hoặc vào https://lua-dao.xyz/qua nhé @be_na.";
  const NormalizedText r = n.Normalize(text);
  EXPECT_EQ(r.folded, " goi <phone> hoac vao <url> nhe <handle> ");
  ASSERT_EQ(r.entities.size(), 3u);
  EXPECT_EQ(r.entities[0].value, "+84912345678");
  EXPECT_EQ(
      text.substr(r.entities[1].span.begin, r.entities[1].span.end - r.entities[1].span.begin),
      "https://lua-dao.xyz/qua");
  EXPECT_EQ(r.entities[2].value, "@be_na");
  // Canonical keeps the entity as typed, so normalising it again finds it again.
  EXPECT_NE(r.canonical.find("0912 345 678"), std::string::npos);
}

// The sixteen-byte check of clean text must see a bad byte or an invisible character at any
// offset, also across block boundaries and inside a Vietnamese letter.
TEST(NormalizeTest, EveryBadByteIsSeenWhereverItIs) {
  const Normalizer n;
  const std::string text = "Mẹ ơi con xin lỗi, tiếng Việt có dấu: ầ ẩ ẫ ậ ề ể ễ ệ ố ồ ổ ỗ ộ.";
  EXPECT_EQ(n.Normalize(text).flags & (kFlagInvalidUtf8 | kFlagZeroWidth), 0u);
  for (size_t at = 0; at <= text.size(); ++at) {
    std::string bad = text;
    bad.insert(at, "\xE2\x80\x8B");  // U+200B: at a character boundary or not, it is seen
    EXPECT_NE(n.Normalize(bad).flags & (kFlagInvalidUtf8 | kFlagZeroWidth), 0u) << at;
    for (const char* byte : {"\xFF", "\x80", "\xC3", "\xE1", "\xE1\xBA"}) {
      std::string broken = text;
      broken.insert(at, byte);
      const bool valid = !FindInvalidUtf8(broken).has_value();
      EXPECT_EQ((n.Normalize(broken).flags & kFlagInvalidUtf8) == 0, valid) << at << " " << byte;
    }
  }
}

TEST(NormalizeTest, BadInputIsBoundedAndSensible) {
  const Normalizer& n = Real();
  const NormalizedText empty = n.Normalize("");
  EXPECT_TRUE(empty.folded.empty());
  EXPECT_TRUE(empty.tokens.empty());

  const std::string big(1 << 20, 'a');
  const NormalizedText one = n.Normalize(big);
  EXPECT_EQ(one.canonical, "anh");  // one letter 'a' after collapsing, then teencode a -> anh
  EXPECT_EQ(one.folded_spans[1].end, big.size());

  std::string viet;
  while (viet.size() < (1 << 20)) viet += "ếếế";
  EXPECT_EQ(n.Normalize(viet).canonical, "ế");

  std::string alternating;
  for (int i = 0; i < 200000; ++i) alternating += "a.";
  ExpectInvariants(n, alternating);

  const NormalizedText bad = n.Normalize(
      "em mu\xF4\x90n ch\xC3"
      "ết");
  EXPECT_TRUE(bad.flags & kFlagInvalidUtf8);
  EXPECT_EQ(FindInvalidUtf8(bad.canonical), std::nullopt);

  const NormalizedText rtl = n.Normalize("\u202Etext\u202C muốn chết");
  EXPECT_TRUE(rtl.flags & kFlagBidiControl);
  EXPECT_EQ(rtl.canonical, "text muốn chết");

  const NormalizedText cut = n.Normalize("xâm hại", {.canonical = true, .max_bytes = 2});
  EXPECT_TRUE(cut.flags & kFlagTruncated);
  EXPECT_EQ(cut.canonical, "x");  // cut at a character boundary, never inside "â"
  EXPECT_EQ(n.Normalize("xâm hại", {.canonical = true, .max_bytes = 3}).canonical, "xâ");
}

TEST(NormalizeTest, InvariantsOnTrickyInput) {
  const Normalizer& n = Real();
  for (std::string_view text : {"t.ự t.ử",
                                "c h ế t",
                                "a b c d e",
                                "e k b",
                                "hoà thuỷ khoẻ",
                                "cứuuuu",
                                "ch\xC3"
                                "ết",
                                "500.000đ, 17tr",
                                "@nh $ex n0",
                                "...!!!",
                                ", . ,",
                                "a.b.c.d",
                                "TP.HCM v.v...",
                                "Vi\u0065\u0323\u0302t Nam",
                                "\u202E\u200B\u200D",
                                "😂😂 chết 😂",
                                "1 2 3 4",
                                "mail a.b@gmail.com, web abc.com.",
                                "+84 912 345 678 0912345678 111",
                                "\u0441\u0430\u0441h",
                                "ＡＢＣ",
                                "b\u0301",
                                "x\u0301\u0302\u0303",
                                "\xFF\xFE\xFD",
                                "k.o m.u.n",
                                "đc đk dc",
                                "uuuuuu",
                                "cứuuu tửuuu",
                                "180056 \xCD\x87"
                                "80.4"}) {
    ExpectInvariants(n, text);
  }
}

// Regression (found by fuzz/text_normalize_fuzz.cc): a combining mark typed in the space between
// two digit groups has nothing to sit on and is dropped, but it kept the first pass from reading
// a phone number there. The groups stay apart in the canonical view, or a second pass would read
// one ("18005680") and the normaliser would not be idempotent.
TEST(NormalizeTest, AMarkInTheGapKeepsDigitGroupsApart) {
  const Normalizer& n = Real();
  const NormalizedText r = n.Normalize(
      "180056 \xCD\x87"
      "80.4");
  EXPECT_EQ(r.canonical, "180056, 80.4");
  EXPECT_TRUE(r.entities.empty());
  const NormalizedText again = n.Normalize(r.canonical);
  EXPECT_EQ(again.canonical, r.canonical);
  EXPECT_TRUE(again.entities.empty());
}

TEST(NormalizeTest, TeencodeTableIsChecked) {
  EXPECT_FALSE(Normalizer::Create({{"ko", "không", 1}, {"kooo", "không", 2}}).has_value());
  EXPECT_FALSE(Normalizer::Create({{"ko", "không", 1}, {"khong", "ko", 2}}).has_value());
  EXPECT_FALSE(Normalizer::Create({{"bao h", "bao giờ", 1}}).has_value());
  EXPECT_FALSE(Normalizer::Create({{"x", "a b", 1}}).has_value());
  auto parsed = ParseTeencodeTsv("# comment\nko\tkhông\tnote\n\ndc\tđược\n");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].line, 4);
  EXPECT_EQ((*parsed)[0].to, "không");                               // the note is not part of it
  const auto bad_note = ParseTeencodeTsv("ko\tkhông\tnote \xff\n");  // the whole line is checked
  ASSERT_FALSE(bad_note.has_value());
  EXPECT_NE(bad_note.error().message.find("UTF-8"), std::string::npos);
  const auto bad = ParseTeencodeTsv("ko không\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace childsafe::text
