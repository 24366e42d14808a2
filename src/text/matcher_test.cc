#include "text/matcher.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "text/loader.h"
#include "text/pattern.h"

namespace childsafe::text::internal {
namespace {

using Hit = std::tuple<uint32_t, uint32_t, uint32_t>;  // id, folded from, folded to

std::set<Hit> Scan(const PhraseMatcher& matcher, const NormalizedText& n) {
  std::set<Hit> hits;
  std::vector<int32_t> ids;
  matcher.Scan(n.folded, n.tokens, ids, [&](uint32_t id, uint32_t first, uint32_t last) {
    hits.insert({id, n.tokens[first].begin - 1, n.tokens[last].end + 1});
    return true;
  });
  return hits;
}

TEST(MatcherTest, WholeTokensOnly) {
  const Normalizer normalizer;
  PhraseMatcher m;
  m.Add(" tu tu ", 0);
  m.Add(" tutu ", 0);
  m.Add(" tu ", 1);
  m.Add(" tu tu ", 2);  // the same literal for another segment: both are reported
  m.Add(" <phone> ", 3);
  m.Add(" muon chet di ", 4);
  m.Build();
  const NormalizedText n = normalizer.Normalize("Em muốn tự tử, tựtử tutu! tuổi 0912345678");
  // " em muon tu tu , tutu tutu . tuoi <phone> "
  const std::set<Hit> hits = Scan(m, n);
  const auto at = [&](std::string_view needle, size_t from = 0) {
    return static_cast<uint32_t>(n.folded.find(needle, from));
  };
  const uint32_t tu = at(" tu tu ");
  EXPECT_EQ(hits, (std::set<Hit>{{0, tu, tu + 7},
                                 {2, tu, tu + 7},
                                 {1, tu, tu + 4},
                                 {1, tu + 3, tu + 7},
                                 {0, at(" tutu "), at(" tutu ") + 6},
                                 {0, at(" tutu ", at(" tutu ") + 1), at(" tutu ") + 11},
                                 {3, at(" <phone> "), at(" <phone> ") + 9}}));
  // "tuoi" is not "tu", and a phrase does not run across a clause or sentence mark.
  EXPECT_TRUE(Scan(m, normalizer.Normalize("tuổi tu, tu. muốn chết. đi")).size() == 2);
}

TEST(MatcherTest, EmptyMatcherFindsNothing) {
  PhraseMatcher m;
  m.Build();
  const Normalizer normalizer;
  EXPECT_TRUE(Scan(m, normalizer.Normalize("em muốn chết")).empty());
  EXPECT_TRUE(Scan(m, normalizer.Normalize("")).empty());
}

TEST(MatcherTest, StopsWhenAsked) {
  PhraseMatcher m;
  m.Add(" a ", 0);
  m.Build();
  const Normalizer normalizer;
  const NormalizedText n = normalizer.Normalize("a, a, a, a");
  std::vector<int32_t> ids;
  int calls = 0;
  m.Scan(n.folded, n.tokens, ids, [&](uint32_t, uint32_t, uint32_t) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
}

// The phrase matcher must report exactly what a multi-literal byte matcher (Hyperscan, which the
// engine used before) reports for the shipped lexicon's 77,000 literals, on the tuning set and
// on random splices of it with separators, look-alikes and entities.
TEST(MatcherTest, AgreesWithHyperscanOnTheShippedLexicon) {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  auto sources = ReadLexiconSources(std::string(root) + "/data");
  ASSERT_TRUE(sources.has_value());
  auto lexicon = ParseLexicon(*sources);
  ASSERT_TRUE(lexicon.has_value());
  auto teencode = ReadTeencode(std::string(root) + "/data");
  ASSERT_TRUE(teencode.has_value());
  auto normalizer = Normalizer::Create(*teencode);
  ASSERT_TRUE(normalizer.has_value());

  PhraseMatcher matcher;
  std::vector<std::string> literals;
  std::vector<uint32_t> literal_segment;
  uint32_t segment = 0;
  auto add = [&](const std::string& pattern) {
    auto compiled = CompilePattern(pattern, *normalizer);
    ASSERT_TRUE(compiled.has_value()) << pattern;
    for (const auto& alternatives : compiled->segments) {
      for (const std::string& literal : alternatives) {
        matcher.Add(literal, segment);
        literals.push_back(literal);
        literal_segment.push_back(segment);
      }
      ++segment;
    }
  };
  for (const SignalDef& s : lexicon->signals) add(s.pattern);
  for (const CueDef& c : lexicon->cues) add(c.pattern);
  matcher.Build();
  ASSERT_GT(literals.size(), 10000u);

  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned int> flags, ids;
  for (size_t i = 0; i < literals.size(); ++i) {
    expressions.push_back(literals[i].data());
    lengths.push_back(literals[i].size());
    flags.push_back(0);
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  ASSERT_EQ(hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                                 static_cast<unsigned int>(expressions.size()), HS_MODE_BLOCK,
                                 nullptr, &db, &error),
            HS_SUCCESS);
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);

  struct Context {
    const std::vector<std::string>* literals;
    const std::vector<uint32_t>* segments;
    std::set<Hit>* hits;
  };
  auto hyperscan = [&](const NormalizedText& n) {
    std::set<Hit> hits;
    Context context{&literals, &literal_segment, &hits};
    hs_scan(
        db, n.folded.data(), static_cast<unsigned int>(n.folded.size()), 0, scratch,
        [](unsigned int id, unsigned long long, unsigned long long to, unsigned int, void* c) {
          auto* ctx = static_cast<Context*>(c);
          const auto end = static_cast<uint32_t>(to);
          ctx->hits->insert({(*ctx->segments)[id],
                             end - static_cast<uint32_t>((*ctx->literals)[id].size()), end});
          return 0;
        },
        &context);
    return hits;
  };

  auto tuning = LoadEvalSet(std::string(root) + "/data/triage/tuning/tuning.tsv");
  ASSERT_TRUE(tuning.has_value());
  std::vector<std::string> texts;
  for (const EvalExample& ex : tuning->examples) texts.push_back(ex.text);
  const char* const kGlue[] = {" ", ". ",  ", ", "-",  ".",  "_",         " 0912345678 ", "@",
                               "4", " e ", "k",  "\n", "!!", " t.ự t.ử ", "uuu",          ""};
  uint64_t state = 111;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  const size_t tuning_count = texts.size();
  for (int i = 0; i < 1500; ++i) {
    std::string text;
    for (int k = 0, pieces = 1 + static_cast<int>(next() % 6); k < pieces; ++k) {
      const std::string& t = texts[next() % tuning_count];
      size_t a = next() % (t.size() + 1);
      while (a > 0 && (static_cast<unsigned char>(t[a]) & 0xC0) == 0x80) --a;
      text += t.substr(a, 10 + next() % 60);
      text += kGlue[next() % std::size(kGlue)];
    }
    texts.push_back(text);
  }
  size_t total = 0;
  for (const std::string& text : texts) {
    const NormalizedText n = normalizer->Normalize(text, {.canonical = false});
    const std::set<Hit> expected = hyperscan(n);
    ASSERT_EQ(Scan(matcher, n), expected) << text;
    total += expected.size();
  }
  EXPECT_GT(total, 10000u);  // the comparison covered plenty of matches
  hs_free_scratch(scratch);
  hs_free_database(db);
}

}  // namespace
}  // namespace childsafe::text::internal
