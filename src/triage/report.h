#pragma once
// Terminal reports of the triage commands: `childsafe triage TEXT|--file F` (one text, its signals
// highlighted where the child typed them) and the goals line of `childsafe triage eval FILE`.
// Vietnamese first, English second. Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "text/engine.h"
#include "text/evaluation.h"
#include "triage/taxonomy_map.h"

namespace childsafe::triage {

struct ReportStyle {
  bool color = false;  // ANSI reverse video for highlights (a terminal); else ⟦brackets⟧
};

/// A readable report of `r`, computed on `text` with `engine`.
std::string FormatTriageReport(const text::TriageResult& r, std::string_view text,
                               const text::Engine& engine, const TaxonomyMap& taxonomy,
                               const ReportStyle& style);

/// The goals of issue 5 for the evaluation set.
struct EvalGoals {
  double emergency_recall = 0.95;   // emergency signals: suicidal intent, immediate danger, ...
  double overall_precision = 0.85;  // suggested categories, micro-averaged
};

/// Lines saying whether each goal is met; `met` is set to whether all are.
std::string FormatEvalGoals(const text::EvalReport& report, const EvalGoals& goals, bool* met);

}  // namespace childsafe::triage
