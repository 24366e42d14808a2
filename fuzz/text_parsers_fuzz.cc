// Fuzzes the parsers of the text engine's data files (teencode table, lexicon, evaluation set)
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
