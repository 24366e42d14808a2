#include "text/evaluation.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "text/loader.h"

namespace childsafe::text {
namespace {

std::string Root() {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  EXPECT_NE(root, nullptr);
  return root != nullptr ? root : ".";
}

TEST(EvaluationTest, ParsesTheFormat) {
  auto set = ParseEvalSet(
      "# comment\n"
      "id\tlevel\tcategories\tvariant\ttext\n"
      "a1\temergency\tself,threat\tdia\tEm muốn chết\n"
      "a2\tlow\t-\tneg\tNóng muốn chết\r\n"
      "a3\tlow\t-\tneutral\tcột\tthứ sáu\n");  // the text is the rest of the line, tabs too
  ASSERT_TRUE(set.has_value()) << set.error().ToString();
  ASSERT_EQ(set->examples.size(), 3u);
  EXPECT_EQ(set->examples[1].text, "Nóng muốn chết");
  EXPECT_EQ(set->examples[2].text, "cột\tthứ sáu");
  EXPECT_EQ(set->examples[0].categories, (std::vector<std::string>{"self", "threat"}));
  EXPECT_TRUE(set->examples[1].categories.empty());
  EXPECT_EQ(set->examples[1].line, 4);
}

TEST(EvaluationTest, RejectsBadRows) {
  const std::string header = "id\tlevel\tcategories\tvariant\ttext\n";
  for (auto [body, where] : std::initializer_list<std::pair<std::string, const char*>>{
           {"a\turgent\t-\tdia\tx\n", "line 2: level"},
           {"a\tlow\tSelf\tdia\tx\n", "line 2: category"},
           {"a\tlow\t-\tdia\tx\na\tlow\t-\tdia\ty\n", "line 3: empty or duplicate id"},
           {"a\tlow\t-\tdia\n", "line 2: expected 5"},
           {"a\tlow\t-\tdia\t\n", "line 2: empty text"},
       }) {
    auto r = ParseEvalSet(header + body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(ParseEvalSet("a\tlow\t-\tdia\tx\n").has_value());  // no header
}

TEST(EvaluationTest, CountsWhatItSays) {
  LexiconSources s;
  s.categories_tsv =
      "self\temergency\tmedium\t0.5\t0.9\t0.3\t0.6\t1\t0.5\t0.3\tx\tx\n"
      "scam\thigh\tlow\t0.3\t1\t0.25\t0.8\t1\t0\t0\tx\tx\n";
  s.signals_tsv = "self\t0.9\tmuốn chết\nscam\t0.5\tbị lừa\n";
  s.levels_tsv = "emergency\t0.8\nhigh\t0.55\nmedium\t0.3\nsuggest\t0.35\n";
  auto engine = Engine::Compile(*ParseLexicon(s), {});
  ASSERT_TRUE(engine.has_value());
  auto set = ParseEvalSet(
      "id\tlevel\tcategories\tvariant\ttext\n"
      "tp\temergency\tself\tdia\tem muốn chết\n"           // TP self, TP emergency
      "fn\temergency\tself\tplain\tem het chiu noi roi\n"  // FN self, FN emergency
      "fp\tlow\t-\tneg\tbị lừa vào tròng thôi mà\n"        // FP scam
      "tn\tlow\t-\tneutral\tchào chị\n");
  ASSERT_TRUE(set.has_value());
  const EvalReport report = Evaluate(**engine, *set);
  EXPECT_EQ(report.examples, 4u);
  ASSERT_EQ(report.categories.size(), 2u);
  EXPECT_EQ(report.categories[0].first, "self");
  EXPECT_EQ(report.categories[0].second.tp, 1);
  EXPECT_EQ(report.categories[0].second.fn, 1);
  EXPECT_EQ(report.categories[1].second.fp, 1);
  EXPECT_EQ(report.overall.tp, 1);
  EXPECT_EQ(report.overall.fp, 1);
  EXPECT_EQ(report.overall.fn, 1);
  EXPECT_DOUBLE_EQ(report.overall.Precision(), 0.5);
  EXPECT_EQ(report.emergency.tp, 1);
  EXPECT_EQ(report.emergency.fn, 1);
  EXPECT_EQ(report.confusion[3][3], 1);  // expected emergency, got emergency
  EXPECT_EQ(report.confusion[3][0], 1);  // expected emergency, got low
  EXPECT_EQ(report.misses.size(), 3u);   // fn self, fn emergency, fp scam
  const std::string text = FormatEvalReport(report);
  EXPECT_NE(text.find("self"), std::string::npos);
  EXPECT_NE(text.find("missed emergency (got low)"), std::string::npos);
  EXPECT_DOUBLE_EQ(Counts{}.Precision(), 1.0);
}

// Issue 5's goals on eval.tsv (a development set: the lexicon was tuned with it in view; the model
// never trained on it) and regression floors. Goal: emergency recall >= 0.95 and category
// precision >= 0.85; both are met here (docs/triage.md, run 12: emergency recall 0.993, category
// precision 0.942). The floors sit just under the measured values, so a regression fails
// `make test`. Never lower them to get green; raise them when the engine improves. Runs 11 and
// 12 moved them on purpose, and said so: the model (classifier.h) traded category recall here
// (0.947 -> 0.914) for precision (0.889 -> 0.942) and for recall on unseen writers (blind
// sets below, where category recall went 0.65-0.68 -> 0.94).
constexpr double kGoalCategoryPrecision = 0.85;
constexpr double kGoalEmergencyRecall = 0.95;
constexpr double kFloorEmergencyRecall = 0.99;    // measured 0.993
constexpr double kFloorCategoryRecall = 0.91;     // measured 0.914
constexpr double kFloorFlaggedRecall = 0.97;      // measured 0.976
constexpr double kFloorCategoryPrecision = 0.94;  // measured 0.942 (run 12)

struct BlindFloors {
  const char* file;
  double emergency_recall;
  double category_precision;
  double category_recall;
};
// The blind held-out sets, each written by someone who saw neither the lexicon, the model, its
// training data nor the other sets. heldout3.tsv was measured once, with the configuration of
// run 12 chosen by cross-validation: both goals are met there. heldout2.tsv was the blind set of
// run 11 (measured then) and is measured again here; its precision is under the goal. The
// floors sit just under the measurements (docs/triage.md).
constexpr BlindFloors kBlindSets[] = {
    {"heldout3.tsv", 0.98, 0.93, 0.93},  // measured 0.988, 0.936, 0.936
    {"heldout2.tsv", 0.97, 0.83, 0.93},  // measured 0.976, 0.836, 0.935
};

TEST(EvaluationTest, BlindHeldOutSetsKeepTheirFigures) {
  auto engine = LoadEngine(Root() + "/data");
  ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
  ASSERT_FALSE((*engine)->lexicon().model.empty());
  for (const BlindFloors& b : kBlindSets) {
    auto set = LoadEvalSet(Root() + "/data/triage/eval/" + b.file);
    ASSERT_TRUE(set.has_value()) << set.error().ToString();
    ASSERT_GE(set->examples.size(), 280u);
    const EvalReport report = Evaluate(**engine, *set);
    const std::string summary = FormatEvalReport(report, /*list_misses=*/false);
    EXPECT_GE(report.overall.Precision(), b.category_precision) << b.file << "\n" << summary;
    EXPECT_GE(report.overall.Recall(), b.category_recall) << b.file << "\n" << summary;
    EXPECT_GE(report.emergency.Recall(), b.emergency_recall) << b.file << "\n" << summary;
  }
  // The goals, on the set measured once.
  auto set = LoadEvalSet(Root() + "/data/triage/eval/heldout3.tsv");
  ASSERT_TRUE(set.has_value());
  const EvalReport report = Evaluate(**engine, *set);
  EXPECT_GE(report.overall.Precision(), kGoalCategoryPrecision);
  EXPECT_GE(report.emergency.Recall(), kGoalEmergencyRecall);
}

TEST(EvaluationTest, HeldOutSetMeetsTheGoals) {
  auto engine = LoadEngine(Root() + "/data");
  ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
  auto set = LoadEvalSet(Root() + "/data/triage/eval/eval.tsv");
  ASSERT_TRUE(set.has_value()) << set.error().ToString();

  // The set itself: large enough, every category, every way of writing, hard negatives.
  ASSERT_GE(set->examples.size(), 400u);
  std::set<std::string> variants;
  for (const EvalExample& ex : set->examples) variants.insert(ex.variant);
  for (const char* v : {"dia", "plain", "teen", "obf", "en", "neg"}) {
    EXPECT_TRUE(variants.contains(v)) << v;
  }

  const EvalReport report = Evaluate(**engine, *set);
  for (const auto& [key, counts] : report.categories) {
    EXPECT_GE(counts.support(), 30) << key;
  }
  EXPECT_GE(report.emergency.support(), 100);
  const std::string summary = FormatEvalReport(report, /*list_misses=*/false);
  EXPECT_GE(report.overall.Precision(), kGoalCategoryPrecision) << summary;
  EXPECT_GE(report.emergency.Recall(), kGoalEmergencyRecall) << summary;
  EXPECT_GE(report.emergency.Recall(), kFloorEmergencyRecall) << summary;
  EXPECT_GE(report.overall.Recall(), kFloorCategoryRecall) << summary;
  EXPECT_GE(report.flagged.Recall(), kFloorFlaggedRecall) << summary;
  EXPECT_GE(report.overall.Precision(), kFloorCategoryPrecision) << summary;
}

}  // namespace
}  // namespace childsafe::text
