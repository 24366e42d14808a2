#include "text/lexicon.h"

#include <gtest/gtest.h>

namespace childsafe::text {
namespace {

LexiconSources Valid() {
  LexiconSources s;
  s.categories_tsv =
      "# comment\n"
      "self_harm\temergency\tmedium\t0.5\t0.9\t0.3\t0.6\t1\t0.5\t0.3\tTự hại\tSelf-harm\n"
      "fraud\thigh\tlow\t0.3\t1\t0.25\t0.8\t1\t0\t0\tLừa đảo\tFraud\n";
  s.signals_tsv = "self_harm\t0.9\tmuốn {tự tử|chết}\tnote\nfraud\t0.4\tlừa đảo\n";
  s.cues_tsv = "negation\tkhông\nidiom\tnóng muốn chết\tcomment\n";
  s.levels_tsv = "emergency\t0.8\nhigh\t0.55\nmedium\t0.3\nsuggest\t0.35\n";
  return s;
}

TEST(LexiconTest, ParsesAllFour) {
  auto lexicon = ParseLexicon(Valid());
  ASSERT_TRUE(lexicon.has_value()) << lexicon.error().ToString();
  ASSERT_EQ(lexicon->categories.size(), 2u);
  EXPECT_EQ(lexicon->categories[0].key, "self_harm");
  EXPECT_EQ(lexicon->categories[0].max_level, Level::kEmergency);
  EXPECT_EQ(lexicon->categories[0].min_level, Level::kMedium);
  EXPECT_DOUBLE_EQ(lexicon->categories[0].negation, 0.5);
  EXPECT_DOUBLE_EQ(lexicon->categories[0].urgent, 0.5);
  EXPECT_DOUBLE_EQ(lexicon->categories[0].floor, 0.3);
  EXPECT_EQ(lexicon->categories[1].label_en, "Fraud");
  ASSERT_EQ(lexicon->signals.size(), 2u);
  EXPECT_EQ(lexicon->signals[0].note, "note");
  EXPECT_EQ(lexicon->signals[1].line, 2);
  ASSERT_EQ(lexicon->cues.size(), 2u);
  EXPECT_EQ(lexicon->cues[1].kind, CueKind::kIdiom);
  EXPECT_DOUBLE_EQ(lexicon->thresholds.suggest, 0.35);
  EXPECT_EQ(lexicon->version.size(), 16u);
}

TEST(LexiconTest, VersionFollowsContent) {
  LexiconSources a = Valid(), b = Valid();
  b.signals_tsv += "fraud\t0.3\tscam\n";
  EXPECT_NE(ParseLexicon(a)->version, ParseLexicon(b)->version);
  EXPECT_EQ(ParseLexicon(a)->version, ParseLexicon(Valid())->version);
}

void ExpectError(const LexiconSources& s, std::string_view where) {
  auto r = ParseLexicon(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
}

TEST(LexiconTest, ErrorsNameFileAndLine) {
  LexiconSources s = Valid();
  s.signals_tsv = "self_harm\t0.9\tmuốn chết\nunknown_key\t0.5\tx\n";
  ExpectError(s, "signals.tsv line 2: unknown category");

  s = Valid();
  s.signals_tsv = "self_harm\t1.5\tmuốn chết\n";
  ExpectError(s, "signals.tsv line 1: weight");

  s = Valid();
  s.categories_tsv += "Bad-Key\thigh\tlow\t0.3\t1\t0.25\t0.8\t1\t0\t0\tx\ty\n";
  ExpectError(s, "categories.tsv line 4: key");

  s = Valid();
  s.categories_tsv += "fraud\thigh\tlow\t0.3\t1\t0.25\t0.8\t1\t0\t0\tx\ty\n";
  ExpectError(s, "duplicate key");

  s = Valid();
  s.categories_tsv = "x\tlow\thigh\t0.3\t1\t0.25\t0.8\t1\t0\t0\tx\ty\n";
  ExpectError(s, "bad levels");

  s = Valid();
  s.cues_tsv = "sarcasm\tkhông\n";
  ExpectError(s, "cues.tsv line 1: kind");

  s = Valid();
  s.levels_tsv = "emergency\t0.5\nhigh\t0.6\n";
  ExpectError(s, "medium < high < emergency");

  s = Valid();
  s.signals_tsv = "self_harm\t0.9\n";
  ExpectError(s, "signals.tsv line 1");

  s = Valid();
  s.categories_tsv = "";
  ExpectError(s, "no categories");

  s = Valid();
  s.signals_tsv = "self_harm\t0.9\tch\xC3\n";
  ExpectError(s, "UTF-8");
}

TEST(LexiconTest, NamesRoundTrip) {
  for (Level l : {Level::kLow, Level::kMedium, Level::kHigh, Level::kEmergency}) {
    EXPECT_EQ(ParseLevel(LevelName(l)), l);
  }
  for (CueKind k : {CueKind::kNegation, CueKind::kReported, CueKind::kGenre, CueKind::kDisclosure,
                    CueKind::kPast, CueKind::kIdiom, CueKind::kConditional, CueKind::kUrgent,
                    CueKind::kResolved, CueKind::kPhysical}) {
    EXPECT_EQ(ParseCueKind(CueKindName(k)), k);
  }
  EXPECT_EQ(ParseLevel("urgent"), std::nullopt);
}

}  // namespace
}  // namespace childsafe::text
