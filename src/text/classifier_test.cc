#include "text/classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "text/engine.h"
#include "text/evaluation.h"
#include "text/lexicon.h"
#include "text/loader.h"

namespace childsafe::text {
namespace {

LexiconSources Sources(std::string model) {
  LexiconSources s;
  s.categories_tsv =
      "self\temergency\tmedium\t0.5\t0.9\t0.3\t0.6\t1\t0.5\t0.3\tTự hại\tSelf-harm\n"
      "scam\thigh\tlow\t0.3\t1\t0.25\t0.8\t0.5\t0\t0\tLừa đảo\tFraud\n";
  s.signals_tsv = "self\t0.9\tmuốn tự tử\nscam\t0.6\tchuyển tiền\n";
  s.cues_tsv = "";
  s.levels_tsv = "emergency\t0.8\nhigh\t0.55\nmedium\t0.3\nsuggest\t0.35\n";
  s.model_tsv = std::move(model);
  return s;
}

std::shared_ptr<const Engine> Build(std::string model) {
  auto lexicon = ParseLexicon(Sources(std::move(model)));
  EXPECT_TRUE(lexicon.has_value()) << lexicon.error().ToString();
  if (!lexicon) return nullptr;
  auto engine = Engine::Compile(std::move(*lexicon), {{"ko", "không", 1}});
  EXPECT_TRUE(engine.has_value()) << engine.error().ToString();
  return engine ? *engine : nullptr;
}

const CategoryScore* Find(const TriageResult& r, std::string_view key) {
  for (const CategoryScore& c : r.categories) {
    if (c.category == key) return &c;
  }
  return nullptr;
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

constexpr std::string_view kHeader =
    "param\tboost\t1\nparam\tmin\t0.3\nparam\tdoubt\t0.05\nparam\tdamp\t0.5\n"
    "feature\tself\tscam\n";

TEST(ClassifierTest, ParsesTheFormatAndNamesTheLineOfEveryProblem) {
  auto lexicon = ParseLexicon(Sources(""));
  ASSERT_TRUE(lexicon.has_value());
  EXPECT_TRUE(lexicon->model.empty());
  const auto& cats = lexicon->categories;

  // Columns may come in any order; weights land on the right category.
  auto m = ParseModel("feature\tscam\tself\n<bias>\t-1\t-2\nchuyen tien\t3\t0.5\n", cats);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_DOUBLE_EQ(m->bias[0], -2);  // self
  EXPECT_DOUBLE_EQ(m->bias[1], -1);  // scam
  ASSERT_EQ(m->features.size(), 1u);
  EXPECT_EQ(m->features[0].first, "chuyen");
  EXPECT_EQ(m->features[0].second, "tien");
  EXPECT_FLOAT_EQ(m->features[0].weights[1], 3);

  const std::map<std::string, std::string> bad = {
      {"feature\tself\n<bias>\t0\n", "line 1: the header must name every category"},
      {"feature\tself\tscam\tother\n", "line 1: unknown category other"},
      {"feature\tself\tself\n", "line 1: duplicate category"},
      {"<bias>\t0\t0\n", "line 1: expected the header"},
      {"feature\tself\tscam\n<bias>\t0\n", "line 2: expected 3 columns"},
      {"feature\tself\tscam\n<bias>\t0\tnan\n", "line 2: weights must be finite"},
      {"feature\tself\tscam\n<bias>\t0\t1e9\n", "line 2: weights must be finite"},
      {"feature\tself\tscam\n<bias>\t0\t0\na  b\t1\t1\n", "line 3: a feature is one word"},
      {"feature\tself\tscam\n<bias>\t0\t0\na\t1\t1\na\t1\t1\n", "line 4: duplicate feature"},
      {"param\tboost\t2\n", "line 1: a param's value must be a number in [0, 1]"},
      {"param\tspeed\t0.5\n", "line 1: param must be boost|min|doubt|damp"},
      {"param\tmin\t0.5\nparam\tmin\t0.5\n", "line 2: duplicate param"},
      {"feature\tself\tscam\n", "no <bias> row"},
  };
  for (const auto& [tsv, message] : bad) {
    auto r = ParseModel(tsv, cats);
    ASSERT_FALSE(r.has_value()) << tsv;
    EXPECT_NE(r.error().message.find(message), std::string::npos)
        << tsv << " -> " << r.error().message;
  }
  // Through ParseLexicon too, so a bad model stops a reload.
  EXPECT_FALSE(ParseLexicon(Sources("feature\tself\n")).has_value());
}

TEST(ClassifierTest, TheEngineScoresExactlyWhatTheFeaturesSay) {
  // A model over words and word pairs, each counted once per message: the engine's
  // probability must be the logistic of the bias plus the weights of the features the
  // definition (ForEachFeature over the folded view) finds.
  std::string model(kHeader);
  model +=
      "<bias>\t-2\t-3\n"
      "khong\t0.25\t0.5\n"
      "song\t1\t-1\n"
      "khong song\t0.5\t0\n"
      "tien\t0\t1.5\n"
      "<url>\t0\t0.75\n";
  auto engine = Build(model);
  ASSERT_NE(engine, nullptr);
  const std::map<std::string, std::set<std::string>> texts = {
      {"em ko muốn sống nữa", {"khong", "song"}},
      {"không, sống", {"khong", "song"}},  // a clause mark: no pair
      {"không sống không sống không sống", {"khong", "song", "khong song"}},
      {"chuyển tiền vào https://x.example/a", {"tien", "<url>"}},
      {"xin chào", {}},
  };
  std::map<std::string, std::pair<double, double>> weights = {
      {"khong", {0.25, 0.5}}, {"song", {1, -1}},    {"khong song", {0.5, 0}},
      {"tien", {0, 1.5}},     {"<url>", {0, 0.75}},
  };
  for (const auto& [text, expected] : texts) {
    // The feature definition itself, on the normaliser's folded view.
    const NormalizedText norm = engine->normalizer().Normalize(text, {.canonical = false});
    std::set<std::string> found;
    ForEachFeature(norm.folded, norm.tokens, [&](std::string_view a, std::string_view b) {
      const std::string f = b.empty() ? std::string(a) : std::string(a) + " " + std::string(b);
      if (weights.contains(f)) found.insert(f);
    });
    EXPECT_EQ(found, expected) << text;
    double z_self = -2, z_scam = -3;
    for (const std::string& f : found) {
      z_self += weights[f].first;
      z_scam += weights[f].second;
    }
    const TriageResult r = engine->Triage(text);
    // The model's probability is reported on every suggested category; find one through a
    // category that is suggested, or check that none is when both are small.
    for (const CategoryScore& c : r.categories) {
      const double want = c.category == "self" ? Sigmoid(z_self) : Sigmoid(z_scam);
      EXPECT_NEAR(c.model, want, 1e-6) << text << " " << c.category;
    }
  }
}

TEST(ClassifierTest, DoubtDampsRaisesAndNeverSilencesSelfHarm) {
  // doubt 0.05, damp 0.5, boost 1, min 0.3.
  std::string model(kHeader);
  model +=
      "<bias>\t-6\t-6\n"
      "lo\t0\t8\n"     // "lo" (lô: a lottery lot) makes the scam likely: p(scam) ~ 0.88
      "game\t0\t-4\n"  // game talk makes it very unlikely
      "ve\t8\t0\n";    // "về" here: the self category, with no pattern at all
  auto engine = Build(model);
  ASSERT_NE(engine, nullptr);

  // The lexicon alone: scam 0.6 (high).
  auto base = Build("");
  ASSERT_NE(base, nullptr);
  const TriageResult plain = base->Triage("chuyển tiền đi");
  ASSERT_NE(Find(plain, "scam"), nullptr);
  EXPECT_DOUBLE_EQ(Find(plain, "scam")->score, 0.6);
  EXPECT_EQ(Find(plain, "scam")->model, -1);  // no model

  // Doubted (p = sigmoid(-6) < 0.05): 0.6 x 0.5 = 0.3, below "suggest": not suggested.
  const TriageResult doubted = engine->Triage("chuyển tiền đi");
  EXPECT_EQ(Find(doubted, "scam"), nullptr);
  EXPECT_LT(doubted.level, Level::kHigh);  // 0.3 is medium at most

  // Raised: p = sigmoid(2) = 0.881; 0.6 + 0.4 x 0.881 = 0.952, capped at the category's high.
  const TriageResult raised = engine->Triage("chuyển tiền mua lo đi");
  ASSERT_NE(Find(raised, "scam"), nullptr);
  EXPECT_NEAR(Find(raised, "scam")->score, 0.6 + 0.4 * Sigmoid(2), 1e-9);
  EXPECT_EQ(Find(raised, "scam")->level, Level::kHigh);
  EXPECT_TRUE(Find(raised, "scam")->lexicon);

  // The model alone suggests a category no pattern matched, and says so.
  const TriageResult alone = engine->Triage("em muốn về");
  const CategoryScore* self = Find(alone, "self");
  ASSERT_NE(self, nullptr);
  EXPECT_FALSE(self->lexicon);
  EXPECT_NEAR(self->score, Sigmoid(2), 1e-9);
  EXPECT_EQ(self->level, Level::kEmergency);  // 0.88 >= 0.8
  EXPECT_TRUE(alone.signals.empty());

  // Self-harm is never silenced: a doubted live self-harm signal keeps its floor (0.3) and
  // the category's min_level (medium).
  const TriageResult sh = engine->Triage("em muốn tự tử");
  EXPECT_GE(sh.level, Level::kMedium);
  EXPECT_GE(sh.score, 0.3);
}

TEST(ClassifierTest, TheEmergencyHeadRaisesOnlyEmergencyCategories) {
  // Columns self, scam, <emergency>; the head's threshold 0.5.
  const std::string head =
      "param\tboost\t1\nparam\tmin\t0.3\nparam\tdoubt\t0.05\nparam\tdamp\t0.5\n"
      "param\temergency\t0.5\n"
      "feature\tself\tscam\t<emergency>\n"
      "<bias>\t-6\t-6\t-6\n"
      "gap\t0\t0\t8\n"     // "gấp": the head is sure (p = 0.88)
      "met\t4\t0\t0\n"     // "mệt": self-harm not doubted (p(self) = 0.12)
      "chan\t6.5\t0\t0\n"  // "chán": self-harm likely (p = 0.62)
      "tien\t0\t6\t0\n";   // "tiền": the scam not doubted (p = 0.5)
  auto lexicon = ParseLexicon(Sources(head));
  ASSERT_TRUE(lexicon.has_value()) << lexicon.error().ToString();
  EXPECT_TRUE(lexicon->model.emergency_head);
  EXPECT_DOUBLE_EQ(lexicon->model.params.emergency, 0.5);
  auto engine = Build(head);
  ASSERT_NE(engine, nullptr);

  // A suggested emergency category (self: 1 x 0.62 -> high by the model alone, under the 0.8
  // threshold) becomes an emergency when the head is sure.
  const TriageResult calm = engine->Triage("em chán lắm");
  ASSERT_NE(Find(calm, "self"), nullptr);
  EXPECT_EQ(calm.level, Level::kHigh);  // 0.62: high, under the 0.8 of emergency
  EXPECT_LT(calm.model_emergency, 0.01);
  const TriageResult urgent = engine->Triage("em chán lắm, gấp");
  ASSERT_NE(Find(urgent, "self"), nullptr);
  EXPECT_EQ(Find(urgent, "self")->level, Level::kEmergency);
  EXPECT_EQ(urgent.level, Level::kEmergency);
  EXPECT_NEAR(urgent.model_emergency, Sigmoid(2), 1e-9);

  // A high-only category (scam) is never raised; with no emergency category suggested, the one
  // the model finds likeliest is added, marked as the model's, unless the model doubts it.
  const TriageResult scam = engine->Triage("chuyển tiền gấp");
  ASSERT_NE(Find(scam, "scam"), nullptr);
  EXPECT_EQ(Find(scam, "scam")->level, Level::kHigh);
  EXPECT_EQ(Find(scam, "self"), nullptr);  // p(self) = 0.0025 < doubt: not added
  EXPECT_EQ(scam.level, Level::kHigh);
  const TriageResult tired = engine->Triage("chuyển tiền gấp, mệt");
  const CategoryScore* added = Find(tired, "self");
  ASSERT_NE(added, nullptr);
  EXPECT_FALSE(added->lexicon);
  EXPECT_EQ(added->level, Level::kEmergency);
  EXPECT_EQ(tired.level, Level::kEmergency);

  // Threshold 1 turns the head off.
  std::string off = head;
  off.replace(off.find("emergency\t0.5"), 13, "emergency\t1");
  auto quiet = Build(off);
  ASSERT_NE(quiet, nullptr);
  EXPECT_EQ(quiet->Triage("chuyển tiền gấp, mệt").level, Level::kHigh);
  EXPECT_LT(quiet->Triage("em chán lắm, gấp").level, Level::kEmergency);

  // The column at most once.
  auto twice = ParseModel("feature\tself\tscam\t<emergency>\t<emergency>\n", lexicon->categories);
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message.find("duplicate category"), std::string::npos);
}

TEST(ClassifierTest, TrainingLearnsSeparatesAndIsDeterministic) {
  auto lexicon = ParseLexicon(Sources(""));
  ASSERT_TRUE(lexicon.has_value());
  auto normalizer = Normalizer::Create({{"ko", "không", 1}});
  ASSERT_TRUE(normalizer.has_value());
  std::vector<EvalExample> examples;
  const char* self[] = {"em không muốn sống", "chán sống lắm rồi", "em muốn chết",
                        "ko muốn sống nữa", "sống làm gì nữa"};
  const char* scam[] = {"chuyển tiền nạp game", "nạp thẻ nhận quà", "chuyển khoản trúng thưởng",
                        "đưa tiền nạp thẻ", "trúng thưởng iphone"};
  const char* none[] = {"hôm nay trời đẹp", "em đi học", "bài tập khó quá", "cảm ơn chị",
                        "mai em thi"};
  int id = 0;
  auto add = [&](const char* text, std::vector<std::string> cats) {
    EvalExample ex;
    ex.id = "x" + std::to_string(id++);
    ex.text = text;
    ex.categories = std::move(cats);
    examples.push_back(ex);
  };
  for (const char* t : self) add(t, {"self"});
  for (const char* t : scam) add(t, {"scam"});
  for (const char* t : none) add(t, {});

  TrainOptions options;
  options.prune = 0;
  auto model = TrainModel(*normalizer, lexicon->categories, examples, options);
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  auto again = TrainModel(*normalizer, lexicon->categories, examples, options);
  ASSERT_TRUE(again.has_value());
  const std::string tsv = FormatModel(*model, lexicon->categories);
  EXPECT_EQ(tsv, FormatModel(*again, lexicon->categories));  // deterministic

  // What it writes, it reads back, and the engine then separates the training set.
  auto engine = Build(tsv);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->lexicon().model.features.size(), model->features.size());
  for (const EvalExample& ex : examples) {
    const TriageResult r = engine->Triage(ex.text);
    for (const char* key : {"self", "scam"}) {
      const CategoryScore* c = Find(r, key);
      const bool want = !ex.categories.empty() && ex.categories[0] == key;
      if (want) {
        ASSERT_NE(c, nullptr) << ex.text << " " << key;
        EXPECT_GT(c->model, 0.5) << ex.text;
      } else if (c != nullptr) {
        EXPECT_LT(c->model, 0.5) << ex.text << " " << key;
      }
    }
  }

  // Pruning leaves out the small weights only.
  options.prune = 1.0;
  auto pruned = TrainModel(*normalizer, lexicon->categories, examples, options);
  ASSERT_TRUE(pruned.has_value());
  EXPECT_LT(pruned->features.size(), model->features.size());
  for (const ModelFeature& f : pruned->features) {
    EXPECT_GE(std::max(std::fabs(f.weights[0]), std::fabs(f.weights[1])), 1.0f);
  }

  // Bad input.
  EXPECT_FALSE(TrainModel(*normalizer, lexicon->categories, {}, options).has_value());
  examples[0].categories = {"unknown"};
  auto unknown = TrainModel(*normalizer, lexicon->categories, examples, options);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("x0"), std::string::npos);
}

TEST(ClassifierTest, CrossValidationHoldsEachFoldOut) {
  // Every example is evaluated exactly once, by a model that did not see it.
  auto lexicon = ParseLexicon(Sources(""));
  ASSERT_TRUE(lexicon.has_value());
  EvalSet set;
  for (int i = 0; i < 12; ++i) {
    EvalExample ex;
    ex.id = "cv" + std::to_string(i);
    ex.text = i % 2 == 0 ? "em muốn tự tử" : "chào chị";
    if (i % 2 == 0) ex.categories = {"self"};
    ex.level = i % 2 == 0 ? Level::kEmergency : Level::kLow;
    ex.variant = "dia";
    set.examples.push_back(ex);
  }
  auto report = CrossValidate(*lexicon, {}, set, 3, TrainOptions{});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->examples, 12u);
  EXPECT_EQ(report->overall.tp, 6);
  EXPECT_EQ(report->emergency.support(), 6);
  EXPECT_FALSE(CrossValidate(*lexicon, {}, set, 1, TrainOptions{}).has_value());
  EXPECT_FALSE(CrossValidate(*lexicon, {}, set, 13, TrainOptions{}).has_value());
}

}  // namespace
}  // namespace childsafe::text
