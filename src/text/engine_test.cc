#include "text/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "text/loader.h"

namespace childsafe::text {
namespace {

// A small lexicon whose numbers are easy to check by hand.
LexiconSources Sources(std::string signals, std::string cues = "") {
  LexiconSources s;
  s.categories_tsv =
      "self\temergency\tmedium\t0.5\t0.9\t0.3\t0.6\t1\t0.5\t0.3\tTự hại\tSelf-harm\n"
      "threat\temergency\tlow\t0.3\t1\t0.25\t0.65\t1\t0.5\t0\tĐe dọa\tThreat\n"
      "scam\thigh\tlow\t0.3\t1\t0.25\t0.8\t0.5\t0\t0\tLừa đảo\tFraud\n";
  s.signals_tsv = std::move(signals);
  s.cues_tsv = std::move(cues);
  s.levels_tsv = "emergency\t0.8\nhigh\t0.55\nmedium\t0.3\nsuggest\t0.35\n";
  return s;
}

std::shared_ptr<const Engine> Build(std::string signals, std::string cues = "") {
  auto lexicon = ParseLexicon(Sources(std::move(signals), std::move(cues)));
  EXPECT_TRUE(lexicon.has_value()) << lexicon.error().ToString();
  auto engine = Engine::Compile(std::move(*lexicon), {{"mún", "muốn", 1}, {"e", "em", 2}});
  EXPECT_TRUE(engine.has_value()) << engine.error().ToString();
  return *engine;
}

std::string Highlight(std::string_view text, const Signal& s) {
  return std::string(text.substr(s.span.begin, s.span.end - s.span.begin));
}

TEST(EngineTest, MatchesEveryWayOfWritingIt) {
  auto engine = Build("self\t0.9\tmuốn tự tử\n");
  for (std::string_view text :
       {"Em muốn tự tử.", "em muon tu tu", "e mún t.ự t.ử", "EM MUỐN TỰ TỬ", "em muốnnn tự tửửử",
        "em muốn t ự t ử", "em muốn tựtử", "em muo\u0302\u0301n tự tử", "em m\u200Buốn tự tử"}) {
    const TriageResult r = engine->Triage(text);
    EXPECT_EQ(r.level, Level::kEmergency) << text;
    ASSERT_EQ(r.categories.size(), 1u) << text;
    EXPECT_EQ(r.categories[0].category, "self");
    EXPECT_NEAR(r.score, 0.9, 1e-9);
  }
  const std::string text = "Em muốnnn t.ự t.ử!!";
  const TriageResult r = engine->Triage(text);
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_EQ(Highlight(text, r.signals[0]), "muốnnn t.ự t.ử");
  EXPECT_EQ(r.signals[0].line, 1);
}

TEST(EngineTest, WholeWordsOnly) {
  auto engine = Build("scam\t0.5\tlừa\n");
  EXPECT_TRUE(engine->Triage("bị lừa rồi").categories.size() == 1);
  EXPECT_TRUE(engine->Triage("con lừa kéo xe").categories.size() == 1);  // same word: lexicon's job
  EXPECT_TRUE(engine->Triage("lựa chọn").signals.empty());
  EXPECT_TRUE(engine->Triage("lừalọc").signals.empty());
}

TEST(EngineTest, DiacriticsTheChildWroteMustAgree) {
  auto engine = Build("threat\t0.9\tdọa tung ảnh\nthreat\t0.3\tthi\n");
  EXPECT_EQ(engine->Triage("nó dọa tung ảnh").level, Level::kEmergency);
  EXPECT_EQ(engine->Triage("no doa tung anh").level, Level::kEmergency);  // no marks: can't tell
  EXPECT_TRUE(engine->Triage("nó dọa từng ảnh").signals.empty());         // "each photo"
  EXPECT_EQ(engine->Triage("nó dọa tüng ảnh").level, Level::kEmergency);  // foreign mark: bare
  EXPECT_EQ(engine->Triage("no doạ tung ảnh").level, Level::kEmergency);  // other tone placement
  EXPECT_TRUE(engine->Triage("em thì sao").signals.empty());              // "thi" is exact
  EXPECT_FALSE(engine->Triage("mai em thi").signals.empty());
  // A missing tone is a slip, a wrong vowel mark is another word.
  EXPECT_FALSE(engine->Triage("nó dơa tung ảnh").signals.empty() &&
               engine->Triage("nó dọa tung ảnh").signals.empty());
}

TEST(EngineTest, NegationLowersButNeverSilencesSelfHarm) {
  auto engine = Build("self\t0.9\tmuốn chết\nthreat\t0.9\tdọa tung ảnh\n",
                      "negation\tkhông\nconditional\tnếu không\n");
  const TriageResult r = engine->Triage("em không muốn chết đâu");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextNegated);
  EXPECT_NEAR(r.signals[0].effective, 0.45, 1e-9);  // 0.9 * 0.5
  EXPECT_EQ(r.level, Level::kMedium);
  ASSERT_EQ(r.categories.size(), 1u);  // still suggested to the counsellor

  const TriageResult t = engine->Triage("nó không dọa tung ảnh");
  EXPECT_NEAR(t.signals[0].effective, 0.27, 1e-9);  // 0.9 * 0.3: not suggested
  EXPECT_TRUE(t.categories.empty());

  // Too far away or in another clause: not a negation of the signal.
  EXPECT_EQ(engine->Triage("không ai hiểu em, em muốn chết").level, Level::kEmergency);
  EXPECT_EQ(engine->Triage("không ai hiểu hết em muốn chết").level, Level::kEmergency);
  // "nếu không" is "otherwise": the threat after it is not negated.
  EXPECT_EQ(engine->Triage("nếu không chuyển tiền nó dọa tung ảnh").level, Level::kEmergency);
}

TEST(EngineTest, IdiomsAreListedButDoNotCount) {
  auto engine = Build("self\t0.85\tmuốn chết\n", "idiom\t{nóng|mệt} muốn chết\n");
  const TriageResult r = engine->Triage("trời nóng muốn chết");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextIdiom);
  EXPECT_EQ(r.signals[0].effective, 0);
  EXPECT_EQ(r.level, Level::kLow);
  EXPECT_TRUE(r.categories.empty());
  // The idiom covers only its own words.
  EXPECT_EQ(engine->Triage("mệt muốn chết, em muốn chết thật").level, Level::kEmergency);
}

// An idiom with an optional tail covers the tail too: of its matches at one start the longest
// counts ("nóng muốn chết luôn" once came out an emergency through "muốn chết luôn").
TEST(EngineTest, AnIdiomCoversItsLongestReading) {
  auto engine = Build("self\t0.9\tmuốn chết {luôn|thật}\nself\t0.85\tmuốn chết\n",
                      "idiom\t{nóng|mệt} muốn chết {luôn|mất|}\n");
  EXPECT_EQ(engine->Triage("trời nóng muốn chết luôn á").level, Level::kLow);
  EXPECT_EQ(engine->Triage("mệt muốn chết thật").level, Level::kEmergency);  // not the idiom's
}

TEST(EngineTest, CuesInsideAnIdiomDoNotCount) {
  // "cứu con" (a disclosure, and urgent) inside "cứu con tin" (a game mission) is neither: the
  // game frame stays and nothing is raised.
  const std::string cues =
      "genre\ttrong game\ndisclosure\tcứu con\nurgent\tcứu con\nidiom\tcứu con tin\n"
      "negation\tkhông\nconditional\tkhông thì\nidiom\tkhông thì thôi\n";
  auto engine = Build("threat\t0.8\tbắn chết\n", cues);
  TriageResult r = engine->Triage("trong game phải cứu con tin rồi bắn chết trùm");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextGenre);
  EXPECT_FALSE(r.signals[0].context & kContextUrgent);
  EXPECT_NEAR(r.score, 0.8 * 0.25, 1e-9);
  // Outside the idiom the same words are a disclosure: no genre damping, and urgent.
  r = engine->Triage("trong game nó dọa thật, cứu con, nó bắn chết con mất");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_FALSE(r.signals[0].context & kContextGenre);
  EXPECT_TRUE(r.signals[0].context & kContextUrgent);
  // A cue spanning the whole idiom says what it is: it stays.
  auto framed = Build("threat\t0.8\tbắn chết\n", cues + "genre\tcứu con tin\n");
  r = framed->Triage("phải cứu con tin rồi bắn chết trùm");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextGenre);
  // A conditional inside an idiom no longer cancels the negation it holds.
  r = engine->Triage("không thì thôi, không bắn chết");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextNegated);
}

TEST(EngineTest, ResolvedCasesAreDampedButSelfHarmIsNot) {
  const std::string cues = "resolved\tđã được hoàn tiền\nresolved\tgiờ ổn rồi\n";
  auto engine = Build("scam\t0.6\tbị lừa\nself\t0.85\tmuốn chết\n", cues);
  // Told before the resolution, in its sentence or an earlier one: damped by scam's 0.5.
  for (std::string_view text : {"em bị lừa 2 triệu nhưng đã được hoàn tiền",
                                "em bị lừa 2 triệu. hôm qua em đã được hoàn tiền rồi"}) {
    const TriageResult r = engine->Triage(text);
    ASSERT_EQ(r.signals.size(), 1u) << text;
    EXPECT_TRUE(r.signals[0].context & kContextResolved) << text;
    EXPECT_NEAR(r.signals[0].effective, 0.3, 1e-9) << text;
    EXPECT_TRUE(r.categories.empty()) << text;
  }
  // After the resolution it is a new case.
  TriageResult r = engine->Triage("em đã được hoàn tiền. nhưng hôm nay em lại bị lừa");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_FALSE(r.signals[0].context & kContextResolved);
  EXPECT_NEAR(r.score, 0.6, 1e-9);
  // Self-harm's resolved factor is 1: "giờ ổn rồi" never silences it.
  r = engine->Triage("em muốn chết lắm. giờ ổn rồi");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextResolved);
  EXPECT_NEAR(r.signals[0].effective, 0.85, 1e-9);
  EXPECT_EQ(r.level, Level::kEmergency);
}

TEST(EngineTest, ALongerSignalOfAnotherCategoryExplainsAShorterOne) {
  auto engine = Build(
      "threat\t0.6\tsẽ hại cháu\nscam\t0.9\tđòi tiền * sẽ hại cháu\n"
      "scam\t0.6\tbị lừa\nthreat\t0.45\tbị lừa sang biên giới\n"
      "self\t0.9\tmuốn chết\nthreat\t0.95\tdọa nếu không muốn chết\n");
  // The two-part reading wins: the one-part threat inside it counts 0.
  TriageResult r = engine->Triage("họ đòi tiền ngay nếu không sẽ hại cháu");
  ASSERT_EQ(r.signals.size(), 2u);
  for (const Signal& s : r.signals) {
    EXPECT_EQ((s.context & kContextSubsumed) != 0, s.category == "threat") << s.category;
  }
  ASSERT_EQ(r.categories.size(), 1u);
  EXPECT_EQ(r.categories[0].category, "scam");
  // Alone, it counts.
  r = engine->Triage("nó nói sẽ hại cháu");
  ASSERT_EQ(r.categories.size(), 1u);
  EXPECT_EQ(r.categories[0].category, "threat");
  // A weaker longer signal explains nothing: both stay.
  r = engine->Triage("em bị lừa sang biên giới");
  EXPECT_EQ(r.categories.size(), 2u);
  // Self-harm keeps its floor.
  r = engine->Triage("nó dọa nếu không muốn chết thì");
  for (const Signal& s : r.signals) {
    if (s.category == "self") {
      EXPECT_NEAR(s.effective, 0.3, 1e-9);
    }
  }
}

TEST(EngineTest, GenreFrameUnlessItIsAlsoADisclosure) {
  auto engine = Build("self\t0.9\ttự tử\nthreat\t0.9\tdọa tung ảnh\n",
                      "genre\t{bài hát|báo đưa tin}\ndisclosure\tem bị\n");
  const TriageResult news = engine->Triage("báo đưa tin một học sinh bị dọa tung ảnh");
  EXPECT_TRUE(news.categories.empty());
  EXPECT_EQ(news.level, Level::kLow);
  // Self-harm keeps its floor: the counsellor still sees it at medium.
  const TriageResult song = engine->Triage("bài hát nói về tự tử");
  EXPECT_EQ(song.level, Level::kMedium);
  EXPECT_TRUE(song.signals[0].context & kContextGenre);
  EXPECT_NEAR(song.signals[0].effective, 0.3, 1e-9);
  const TriageResult real = engine->Triage("báo đưa tin vụ đó, giờ em bị dọa tung ảnh y như vậy");
  EXPECT_EQ(real.level, Level::kEmergency);
}

TEST(EngineTest, ReportedAndPastContext) {
  auto engine = Build("threat\t0.9\tdọa tung ảnh\nself\t0.9\tmuốn chết\n",
                      "reported\tbạn em nói\npast\tnăm ngoái\n");
  const TriageResult friend_ = engine->Triage("bạn em nói nó muốn chết");
  EXPECT_TRUE(friend_.signals[0].context & kContextReported);
  EXPECT_NEAR(friend_.signals[0].effective, 0.81, 1e-9);  // 0.9 * 0.9: still an emergency
  EXPECT_EQ(friend_.level, Level::kEmergency);
  const TriageResult past = engine->Triage("năm ngoái em bị dọa tung ảnh");
  EXPECT_TRUE(past.signals[0].context & kContextPast);
  EXPECT_EQ(past.level, Level::kHigh);  // 0.9 * 0.65
  EXPECT_EQ(engine->Triage("năm ngoái em ổn. giờ nó dọa tung ảnh").level, Level::kEmergency);
}

TEST(EngineTest, UrgencyRaisesEstablishedRisksOnly) {
  auto engine = Build("threat\t0.6\tcầm dao\nthreat\t0.3\tngười lạ\n",
                      "urgent\t{đang|ngay bây giờ}\nnegation\tkhông\n");
  EXPECT_EQ(engine->Triage("bố em cầm dao").level, Level::kHigh);
  const TriageResult now = engine->Triage("bố em đang cầm dao");
  EXPECT_EQ(now.level, Level::kEmergency);  // 0.6 + 0.4 * 0.5
  EXPECT_NEAR(now.score, 0.8, 1e-9);
  EXPECT_TRUE(now.signals[0].context & kContextUrgent);
  // Weak evidence stays weak; a negated signal is not made urgent.
  const TriageResult weak = engine->Triage("đang có người lạ");
  EXPECT_TRUE(weak.categories.empty());
  EXPECT_NE(weak.level, Level::kEmergency);
  EXPECT_EQ(engine->Triage("bố em đang không cầm dao").level, Level::kLow);
}

TEST(EngineTest, AWeakDangerSignalNeedsAPhysicalWordNearIt) {
  LexiconSources sources = Sources("");
  sources.categories_tsv +=
      "immediate_danger\temergency\tlow\t0.3\t1\t0.25\t0.65\t0.7\t0.5\t0\tNguy hiểm\tDanger\n";
  sources.signals_tsv =
      "immediate_danger\t0.6\tcứu em\nimmediate_danger\t0.8\tbị nhốt\n"
      "self\t0.5\tmuốn chết\n";
  sources.cues_tsv = "physical\t{đánh|nhốt|dao}\nurgent\tđang\n";
  auto lexicon = ParseLexicon(sources);
  ASSERT_TRUE(lexicon.has_value()) << lexicon.error().ToString();
  auto compiled = Engine::Compile(std::move(*lexicon), {});
  ASSERT_TRUE(compiled.has_value()) << compiled.error().ToString();
  const auto& engine = *compiled;
  // Without a physical word nearby (a loan app's harassment), the weak signal counts half.
  TriageResult r = engine->Triage("app vay gọi cho cả nhà. cứu em với");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextNoPhysical);
  EXPECT_NEAR(r.signals[0].effective, 0.3, 1e-9);
  EXPECT_TRUE(r.categories.empty());
  // Nor is it made urgent: it is no established risk.
  r = engine->Triage("đang chơi game. cứu em với");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_EQ(r.signals[0].context, uint32_t{kContextNoPhysical});
  // With one in the same sentence or the next, it counts in full.
  for (std::string_view text :
       {"bố đánh em, cứu em với", "cứu em với. bố cầm dao ngoài cửa", "bố đánh em. cứu em"}) {
    r = engine->Triage(text);
    ASSERT_EQ(r.signals.size(), 1u) << text;
    EXPECT_FALSE(r.signals[0].context & kContextNoPhysical) << text;
    EXPECT_NEAR(r.signals[0].effective, 0.6, 1e-9) << text;
  }
  // Two sentences away is not near.
  r = engine->Triage("bố đánh em. em trốn rồi. giờ em ổn. cứu em");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_TRUE(r.signals[0].context & kContextNoPhysical);
  // A strong signal and a self-harm signal are untouched.
  r = engine->Triage("em bị nhốt");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_FALSE(r.signals[0].context & kContextNoPhysical);
  EXPECT_NEAR(r.signals[0].effective, 0.8, 1e-9);
  r = engine->Triage("em muốn chết");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_FALSE(r.signals[0].context & kContextNoPhysical);
  EXPECT_NEAR(r.signals[0].effective, 0.5, 1e-9);
  // A lexicon without physical cues keeps the rule off.
  auto plain = Build("threat\t0.6\tcứu em\n");
  EXPECT_NEAR(plain->Triage("cứu em với").score, 0.6, 1e-9);
}

TEST(EngineTest, ScoresCombineAndCap) {
  auto engine = Build(
      "self\t0.9\tmuốn tự tử\nself\t0.7\ttự tử\nscam\t0.5\tbị lừa\nscam\t0.5\tmất tiền\n"
      "scam\t0.99\tlừa đảo\n");
  // Overlapping matches of one category count once.
  EXPECT_NEAR(engine->Triage("em muốn tự tử").score, 0.9, 1e-9);
  // Distinct ones combine as 1 - (1 - 0.5)(1 - 0.5).
  const TriageResult two = engine->Triage("em bị lừa, mất tiền");
  EXPECT_NEAR(two.score, 0.75, 1e-9);
  EXPECT_EQ(two.level, Level::kHigh);
  // A category's max_level caps it: fraud is never an emergency by itself.
  EXPECT_EQ(engine->Triage("lừa đảo").level, Level::kHigh);
  // The same words twice are one piece of evidence.
  EXPECT_NEAR(engine->Triage("bị lừa. bị lừa. bị lừa.").score, 0.5, 1e-9);
  // Suggested categories are sorted by score.
  const TriageResult both = engine->Triage("em muốn tự tử vì bị lừa");
  ASSERT_EQ(both.categories.size(), 2u);
  EXPECT_EQ(both.categories[0].category, "self");
}

TEST(EngineTest, EntitiesAndFlagsComeBack) {
  auto engine = Build("scam\t0.5\tbấm vào <url>\n");
  const std::string text = "bấm vào https://qua-tang.xyz/nhan đi, sdt 0912345678";
  const TriageResult r = engine->Triage(text);
  ASSERT_EQ(r.entities.size(), 2u);
  EXPECT_EQ(r.entities[1].value, "+84912345678");
  ASSERT_EQ(r.signals.size(), 1u);
  EXPECT_EQ(Highlight(text, r.signals[0]), "bấm vào https://qua-tang.xyz/nhan");
  EXPECT_EQ(r.lexicon_version, engine->version());
  EXPECT_TRUE(engine->Triage("ch\xFF").text_flags & kFlagInvalidUtf8);
}

TEST(EngineTest, BadInputNeverBreaksIt) {
  auto engine = Build("self\t0.9\tmuốn chết\nthreat\t0.5\t{chết|giết} * {chết|giết}\n");
  EXPECT_EQ(engine->Triage("").level, Level::kLow);
  EXPECT_TRUE(engine->Triage("").signals.empty());
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(engine->Triage(big).level, Level::kLow);
  std::string repeated;
  while (repeated.size() < (1 << 20)) repeated += "muốn chết ";
  const TriageResult r = engine->Triage(repeated);
  EXPECT_EQ(r.level, Level::kEmergency);
  EXPECT_LE(r.signals.size(), Engine::kMaxSignals);
  for (const Signal& s : r.signals) EXPECT_LE(s.span.end, repeated.size());
  EXPECT_EQ(engine->Triage("\u202Emuốn chết\u202C").level, Level::kEmergency);
  EXPECT_EQ(engine->Triage(std::string("mu\xC3\xB4\xCC\x81n ch\xFF\xFE")).level, Level::kLow);
}

TEST(EngineTest, CompileErrorsNameTheLine) {
  auto compile = [](std::string signals, std::string cues = "") {
    auto lexicon = ParseLexicon(Sources(std::move(signals), std::move(cues)));
    EXPECT_TRUE(lexicon.has_value());
    return Engine::Compile(std::move(*lexicon), {});
  };
  for (auto [signals, where] : std::initializer_list<std::pair<const char*, const char*>>{
           {"self\t0.9\tmuốn chết\nself\t0.9\t{muốn|định chết\n", "signals.tsv line 2"},
           {"self\t0.9\t* chết\n", "signals.tsv line 1"},
           {"self\t0.9\tchết <address>\n", "unknown entity"},
           {"self\t0.9\tchết *9 đi\n", "gap"},
           {"self\t0.9\t{a|}\n", "without any word"},
           {"self\t0.9\tchết, đi\n", "punctuation"},
       }) {
    auto r = compile(signals);
    ASSERT_FALSE(r.has_value()) << signals;
    EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  }
  auto cue = compile("self\t0.9\tchết\n", "idiom\tx}\n");
  ASSERT_FALSE(cue.has_value());
  EXPECT_NE(cue.error().message.find("cues.tsv line 1"), std::string::npos);
}

TEST(EngineTest, SafeFromManyThreadsAndSwappable) {
  auto v1 = Build("self\t0.9\tmuốn chết\n");
  auto v2 = Build("self\t0.9\tmuốn chết\nscam\t0.5\tbị lừa\n");
  const std::vector<std::string> texts = {"em muốn chết", "em bị lừa", "chào chị", "muon chet"};
  std::vector<Level> expected;
  for (const auto& t : texts) expected.push_back(v1->Triage(t).level);

  EngineHolder holder(v1);
  std::atomic<bool> stop{false};
  std::atomic<int> mismatches{0}, calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load() || i < 200; ++i) {
        const auto engine = holder.Get();
        const size_t k = (i + t) % texts.size();
        const TriageResult r = engine->Triage(texts[k]);
        const bool is_v2 = r.lexicon_version == v2->version();
        if (!is_v2 && r.level != expected[k]) ++mismatches;
        if (r.lexicon_version != v1->version() && !is_v2) ++mismatches;
        ++calls;
        if (i > 5000) break;
      }
    });
  }
  for (int i = 0; i < 20; ++i) holder.Set(i % 2 == 0 ? v2 : v1);
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GE(calls.load(), 800);
  EXPECT_EQ(holder.Get()->version(), v1->version());
}

// The shipped lexicon, on messages written to show what it must and must not do. (The honest
// measurement is evaluation_test.cc on data/triage/eval/.)
TEST(EngineTest, ShippedLexiconLoadsAndBehaves) {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  auto engine = LoadEngine(std::string(root) + "/data");
  ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
  const Engine& e = **engine;
  EXPECT_GT(e.pattern_count(), 300u);
  EXPECT_EQ(e.Triage("Bài kiểm tra này giết tôi mất.").level, Level::kLow);
  EXPECT_EQ(e.Triage("trời ơi nóng chết đi được").level, Level::kLow);
  EXPECT_EQ(e.Triage("em khong muon song nua").level, Level::kEmergency);
  EXPECT_EQ(e.Triage("nó dọa tung ảnh nóng của em nếu em không chuyển tiền").level,
            Level::kEmergency);
  const TriageResult kidnap = e.Triage(
      "Có người xưng là công an bắt em thuê khách sạn ở một mình, không được báo bố mẹ. "
      "Giờ em đang ở khách sạn.");
  EXPECT_EQ(kidnap.level, Level::kEmergency);
  ASSERT_FALSE(kidnap.categories.empty());
  EXPECT_EQ(kidnap.categories[0].category, "online_kidnapping_scam");
  EXPECT_NE(e.Triage("Em đang ở khách sạn với bố mẹ, ngày mai về.").level, Level::kEmergency);
  EXPECT_EQ(e.Triage("Làm sao để bảo vệ con khỏi bị dụ dỗ trên mạng?").level, Level::kLow);
  // "dui" is đùi (thigh) as well as vui: no teencode row reads it as vui.
  const TriageResult thigh = e.Triage("ong ay so dui em");
  ASSERT_FALSE(thigh.categories.empty());
  EXPECT_EQ(thigh.categories[0].category, "sexual_abuse_disclosure");
  EXPECT_EQ(e.Triage("e nghi moi nguoi se dui hon neu ko co e").level, Level::kEmergency);
}

}  // namespace
}  // namespace childsafe::text
