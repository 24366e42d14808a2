#include "text/fold.h"

#include <gtest/gtest.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>

#include <vector>

#include "text/utf8.h"

namespace childsafe::text {
namespace {

TEST(FoldTest, VietnameseFoldsToPlainLetters) {
  EXPECT_EQ(FoldForSearch("Xâm hại"), "xam hai");
  EXPECT_EQ(FoldForSearch("xam hai"), FoldForSearch("XÂM HẠI"));
  EXPECT_EQ(FoldForSearch("Đường Nguyễn Trãi"), "duong nguyen trai");
  EXPECT_EQ(FoldForSearch("ĐĂNG KÝ"), "dang ky");
  EXPECT_EQ(FoldForSearch("Người yêu ở Hà Nội"), "nguoi yeu o ha noi");
}

TEST(FoldTest, EveryTonePlacementFoldsAlike) {
  EXPECT_EQ(FoldForSearch("hoà"), FoldForSearch("hòa"));
  EXPECT_EQ(FoldForSearch("thuỷ"), FoldForSearch("thủy"));
  EXPECT_EQ(FoldForSearch("Khánh Hoà"), "khanh hoa");
}

TEST(FoldTest, DecomposedInputFoldsLikeComposed) {
  // "ệ" as e + dot below + circumflex (NFD order), and as a mix of composed and combining.
  EXPECT_EQ(FoldForSearch("Vi\u0065\u0323\u0302t"), "viet");
  EXPECT_EQ(FoldForSearch("Vi\u00EA\u0323t"), "viet");
  EXPECT_EQ(FoldForSearch("Vi\u1EC7t"), "viet");
}

TEST(FoldTest, InvisibleCharactersAndSpacing) {
  EXPECT_EQ(FoldForSearch("x\u200Bâm\u200D h\u00ADại"), "xam hai");
  EXPECT_EQ(FoldForSearch("\u202Eabc\u202C"), "abc");
  EXPECT_EQ(FoldForSearch("  xâm \t\n\u00A0 hại  "), "xam hai");
  EXPECT_EQ(FoldForSearch(""), "");
  EXPECT_EQ(FoldForSearch(" \n\t "), "");
}

TEST(FoldTest, KeepsDigitsPunctuationSymbolsAndOtherScripts) {
  EXPECT_EQ(FoldForSearch("Số 111, gọi ngay!"), "so 111, goi ngay!");
  EXPECT_EQ(FoldForSearch("ＡＢＣ１２３"), "abc123");  // fullwidth forms
  EXPECT_EQ(FoldForSearch("😂"), "😂");
  EXPECT_EQ(FoldForSearch("ภาษาไทย"), "ภาษาไทย");  // Thai marks are not diacritics to drop
  EXPECT_EQ(FoldForSearch("Crème Brûlée"), "creme brulee");
}

TEST(FoldTest, InvalidUtf8IsReplaced) {
  const std::string folded = FoldForSearch("ch\xFF\xFEết");
  EXPECT_EQ(folded, "ch\uFFFD\uFFFDet");
  EXPECT_EQ(FindInvalidUtf8(folded), std::nullopt);
}

TEST(FoldTest, IdempotentForEveryBmpCharacter) {
  for (char32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s = "a";
    AppendUtf8(s, cp);
    s += "b";
    const std::string once = FoldForSearch(s);
    ASSERT_EQ(FoldForSearch(once), once) << "U+" << std::hex << static_cast<uint32_t>(cp);
    ASSERT_LE(once.size(), 3 * s.size());
  }
}

// Regression (fuzz/triage_search_fuzz.cc): a compatibility form folded to a combining mark
// (halfwidth ﾞ U+FF9E -> U+3099, class 8) after another mark (U+0656, class 220) came out in the
// wrong canonical order, so folding the result again reordered it; halfwidth Hangul letters after a
// syllable composed with it. Every BMP character between two marks, or after a syllable, now folds
// idempotently.
TEST(FoldTest, IdempotentNextToCombiningMarks) {
  EXPECT_EQ(FoldForSearch(FoldForSearch("\x81\xd9\x96\xef\xbe\x9e"
                                        "2")),
            FoldForSearch("\x81\xd9\x96\xef\xbe\x9e"
                          "2"));
  // And after a Hangul syllable: halfwidth ﾭ (U+FFAD) must not become a jamo that composes with it.
  const std::string hangul = FoldForSearch("\x0do\x86\xec\x90\x90\xef\xbe\xad");
  EXPECT_EQ(FoldForSearch(hangul), hangul);
  for (char32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s = "\xec\x90\x90";  // 쐐 U+C410, a Hangul LV syllable
    AppendUtf8(s, cp);
    const std::string once = FoldForSearch(s);
    ASSERT_EQ(FoldForSearch(once), once) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s = "x\u0656";  // Arabic subscript alef, combining class 220
    AppendUtf8(s, cp);
    s += "\u0656";
    const std::string once = FoldForSearch(s);
    ASSERT_EQ(FoldForSearch(once), once) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
}

// Regression (fuzz/triage_search_fuzz.cc): ﺁ (U+FE81) folds to ا, and a hamza above (U+0654)
// after it was kept; NFC composes ا with it into أ on a second fold, whose fold is ا. The same
// happened when dropped diacritics had kept such a mark apart from its letter. A mark the fold
// keeps never composes with the starter before it now: for every BMP character the fold changes,
// followed by each mark that composes with something (NFC_Quick_Check Maybe), directly or after
// a dropped diacritic, folding is idempotent.
TEST(FoldTest, IdempotentWhenAKeptMarkCouldCompose) {
  EXPECT_EQ(FoldForSearch("\xe5\xba\x86\xef\xba\x81\xd9\x94"), "\xe5\xba\x86\xd8\xa7");
  EXPECT_EQ(FoldForSearch("\xd8\xa7 \xd9\x94"), "\xd8\xa7 \xd9\x94");  // a space keeps it
  std::vector<char32_t> composing;
  for (char32_t cp = 0x300; cp < 0x10000; ++cp) {
    if (u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_NFC_QUICK_CHECK) == UNORM_MAYBE) {
      composing.push_back(cp);
    }
  }
  ASSERT_GT(composing.size(), 50U);
  size_t checked = 0;
  for (char32_t cp = 0x80; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string x;
    AppendUtf8(x, cp);
    if (FoldForSearch(x) == x) continue;
    for (const char32_t mark : composing) {
      for (const bool with_diacritic : {false, true}) {
        std::string s = x;
        if (with_diacritic) s += "\u0301";
        AppendUtf8(s, mark);
        const std::string once = FoldForSearch(s);
        ASSERT_EQ(FoldForSearch(once), once) << "U+" << std::hex << static_cast<uint32_t>(cp)
                                             << " U+" << static_cast<uint32_t>(mark);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000U);
}

TEST(FoldTest, OffsetsPointBackAtTheOriginal) {
  const std::string original = "Em bị XÂM   HẠI";
  const FoldedText f = FoldForSearchWithOffsets(original);
  EXPECT_EQ(f.text, "em bi xam hai");
  ASSERT_EQ(f.spans.size(), f.text.size());
  const size_t hit = f.text.find("hai");
  ASSERT_NE(hit, std::string::npos);
  const Span first = f.spans[hit], last = f.spans[hit + 2];
  EXPECT_EQ(original.substr(first.begin, last.end - first.begin), "HẠI");
  for (size_t i = 1; i < f.spans.size(); ++i) {
    EXPECT_LE(f.spans[i - 1].begin, f.spans[i].begin);
    EXPECT_LE(f.spans[i].end, original.size());
  }
}

TEST(FoldTest, OffsetsSurviveNfdAndInvalidBytes) {
  const std::string original = "\xFFVi\u0065\u0323\u0302t";
  const FoldedText f = FoldForSearchWithOffsets(original);
  EXPECT_EQ(f.text, "\uFFFDviet");
  ASSERT_EQ(f.spans.size(), f.text.size());
  // 'e' came from e + two combining marks: five original bytes.
  const size_t e = f.text.find('e');
  EXPECT_EQ(f.spans[e].end - f.spans[e].begin, 5u);
  EXPECT_EQ(f.spans[0].begin, 0u);  // the replacement maps to the bad byte
  EXPECT_EQ(f.spans[0].end, 1u);
}

}  // namespace
}  // namespace childsafe::text
