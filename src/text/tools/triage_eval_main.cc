// text_triage_eval DATA_DIR EVAL_FILE [--quiet]: prints the triage evaluation report for a
// labelled set (see src/text/evaluation.h). Exit status 0 on success, 1 on a load error.
// With a single argument TEXT_FILE after DATA_DIR and --triage, prints each line's triage.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "text/evaluation.h"
#include "text/loader.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s DATA_DIR EVAL_FILE [--quiet]\n"
                 "       %s DATA_DIR --triage TEXT...\n",
                 argv[0], argv[0]);
    return 2;
  }
  auto engine = childsafe::text::LoadEngine(argv[1]);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().ToString().c_str());
    return 1;
  }
  if (std::strcmp(argv[2], "--triage") == 0) {
    for (int i = 3; i < argc; ++i) {
      const auto r = (*engine)->Triage(argv[i]);
      std::printf("%s  score=%.2f  ", std::string(childsafe::text::LevelName(r.level)).c_str(),
                  r.score);
      for (const auto& c : r.categories) std::printf("[%s %.2f] ", c.category.c_str(), c.score);
      std::printf("\n");
      const std::string text = argv[i];
      for (const auto& s : r.signals) {
        std::printf("    %-24s w=%.2f eff=%.2f ctx=%u line=%d  \"%s\"\n", s.category.c_str(),
                    s.weight, s.effective, s.context, s.line,
                    text.substr(s.span.begin, s.span.end - s.span.begin).c_str());
      }
      const auto n = (*engine)->normalizer().Normalize(argv[i]);
      std::printf("    canonical: %s\n    folded:   %s\n", n.canonical.c_str(), n.folded.c_str());
    }
    return 0;
  }
  auto set = childsafe::text::LoadEvalSet(argv[2]);
  if (!set) {
    std::fprintf(stderr, "%s\n", set.error().ToString().c_str());
    return 1;
  }
  const bool quiet = argc > 3 && std::strcmp(argv[3], "--quiet") == 0;
  const auto report = childsafe::text::Evaluate(**engine, *set);
  std::fputs(childsafe::text::FormatEvalReport(report, !quiet).c_str(), stdout);
  return 0;
}
