#pragma once
// Honest evaluation of the triage engine on a labelled set (data/triage/eval/eval.tsv).
//
// The set is TSV: a header "id level categories variant text", then one message per row with
// its expected level (low|medium|high|emergency), expected categories (comma-separated keys, or
// "-"), a variant tag (how it is written: dia, plain, teen, obf, en; neg for a hard negative;
// neutral) and the text. '#' lines are comments.
//
// Evaluate() triages every message and counts, per category, true positives (the engine
// suggested a category the label has), false positives and false negatives; the micro-average
// over all categories ("overall"); the emergency level as a yes/no decision; "flagged" (level
// medium or above) as a yes/no decision; a level confusion matrix; the same counts per variant;
// and the list of every miss so a lexicon editor can see why. `childsafe triage eval FILE`
// prints FormatEvalReport(). Pure functions (the engine is the only input besides the set).

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "text/engine.h"

namespace childsafe::text {

struct EvalExample {
  std::string id;
  Level level = Level::kLow;
  std::vector<std::string> categories;
  std::string variant;
  std::string text;
  int line = 0;
};

struct EvalSet {
  std::vector<EvalExample> examples;
};

/// Parses the format above. Errors name the line: wrong column count, unknown level, a
/// category key that is not lower_snake_case, empty text, a duplicate id, invalid UTF-8.
Result<EvalSet> ParseEvalSet(std::string_view tsv);

struct Counts {
  int tp = 0;
  int fp = 0;
  int fn = 0;
  int support() const { return tp + fn; }
  /// tp / (tp + fp); 1 when nothing was predicted.
  double Precision() const;
  /// tp / (tp + fn); 1 when nothing was expected.
  double Recall() const;
  void Add(const Counts& o) {
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
  }
};

struct EvalMiss {
  std::string id;
  std::string what;  // e.g. "missed emergency (got high)", "false category fraud"
};

struct EvalReport {
  size_t examples = 0;
  std::string lexicon_version;
  std::vector<std::pair<std::string, Counts>> categories;  // lexicon order, then unknown keys
  Counts overall;                                          // micro-average over categories
  Counts emergency;  // level == emergency, as a yes/no decision per message
  Counts flagged;    // level >= medium, as a yes/no decision per message
  std::array<std::array<int, 4>, 4> confusion{};         // [expected level][engine level]
  std::vector<std::pair<std::string, Counts>> variants;  // category counts per variant
  std::vector<EvalMiss> misses;
};

/// Triages every example with `engine`. O(total text length).
EvalReport Evaluate(const Engine& engine, const EvalSet& set);

/// Adds `more` (another part of the same kind of set) into `into`: counts, confusion, misses.
void MergeEvalReport(EvalReport& into, const EvalReport& more);

/// k-fold cross-validation of the lexicon with a model (classifier.h): example i is in fold
/// i % folds, or in fold groups[i] when `groups` is given (one fold per writer: how the model
/// does on a writer it has not seen); each fold is triaged by the lexicon plus a model trained
/// with `options` on the other folds. The lexicon's own model is not used. The report is the
/// merge of the folds'. Errors: fewer than 2 folds or more folds than examples, groups not one
/// per example or negative, and TrainModel's and Engine::Compile's.
Result<EvalReport> CrossValidate(const Lexicon& lexicon, const std::vector<TeencodeEntry>& teencode,
                                 const EvalSet& set, int folds, const TrainOptions& options,
                                 const std::vector<int>* groups = nullptr);

/// A plain-text report for a terminal: the tables above and, when `list_misses`, every miss.
std::string FormatEvalReport(const EvalReport& report, bool list_misses = true);

}  // namespace childsafe::text
