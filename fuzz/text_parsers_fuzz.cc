// Fuzzes the parsers of the text engine's data files (teencode table, lexicon, model, evaluation
// set)
// and, for small lexicons that parse, the pattern compiler and Hyperscan compilation. The input
// is split at NUL bytes into categories / signals / cues / levels / teencode; the shipped
// categories and levels are used when a part is empty, so most inputs reach the compiler.
// Any crash, sanitizer report or uncaught exception is a bug; errors must be Results.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/engine.h"
#include "text/evaluation.h"
#include "text/lexicon.h"
#include "text/loader.h"
#include "text/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace childsafe::text;  // NOLINT: test harness
  static const LexiconSources shipped = [] {
    auto s = ReadLexiconSources(CHILDSAFE_DATA_DIR);
    return s ? *s : LexiconSources{};
  }();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() < 4) {
    const size_t nul = input.find('\0', start);
    if (nul == std::string_view::npos) break;
    parts.emplace_back(input.substr(start, nul - start));
    start = nul + 1;
  }
  parts.emplace_back(input.substr(std::min(start, input.size())));
  parts.resize(5);

  (void)ParseEvalSet(input);

  // The whole input as a model over the shipped categories; a small one that parses is compiled
  // with a one-signal lexicon and scores the input: probabilities and scores stay in [0, 1].
  static const std::vector<CategoryDef> categories = [] {
    LexiconSources s = shipped;
    s.model_tsv.clear();
    auto l = ParseLexicon(s);
    return l ? l->categories : std::vector<CategoryDef>{};
  }();
  if (auto model = ParseModel(input, categories); model && model->features.size() <= 64) {
    LexiconSources s = shipped;
    s.signals_tsv = "suicide_self_harm\t0.9\tmuốn tự tử\n";
    s.cues_tsv.clear();
    s.model_tsv.clear();
    if (auto small = ParseLexicon(s)) {
      small->model = std::move(*model);
      if (auto engine = Engine::Compile(std::move(*small), {})) {
        const TriageResult r = (*engine)->Triage(input);
        if (r.model_emergency > 1 || r.score < 0 || r.score > 1) __builtin_trap();
        for (const CategoryScore& c : r.categories) {
          if (c.score < 0 || c.score > 1 || c.model > 1) __builtin_trap();
        }
      }
    }
  }
  auto teencode = ParseTeencodeTsv(parts[4]);
  std::vector<TeencodeEntry> table;
  if (teencode && teencode->size() <= 64) {
    if (auto n = Normalizer::Create(*teencode)) table = *teencode;
  }

  LexiconSources sources;
  sources.categories_tsv = parts[0].empty() ? shipped.categories_tsv : parts[0];
  sources.signals_tsv = parts[1];
  sources.cues_tsv = parts[2];
  sources.levels_tsv = parts[3].empty() ? shipped.levels_tsv : parts[3];
  sources.model_tsv.clear();
  auto lexicon = ParseLexicon(sources);
  if (!lexicon || lexicon->signals.size() + lexicon->cues.size() > 16) return 0;
  auto engine = Engine::Compile(std::move(*lexicon), table);
  if (!engine) return 0;
  const TriageResult r = (*engine)->Triage(input);
  for (const Signal& s : r.signals) {
    if (s.span.end > size) __builtin_trap();
  }
  return 0;
}
