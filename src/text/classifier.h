#pragma once
// A learned second opinion for the triage lexicon: one logistic regression per category over
// the words and word pairs of the folded view (data/triage/model.tsv).
//
// Why: the lexicon finds the phrasings its authors wrote down. A blind held-out set showed it
// misses many that they did not (docs/triage.md, run 11) and that single words of it fire on
// messages that are about something else. A linear model over the whole message, trained on the
// tuning data, generalises over rephrasing ("đang giữ cháu, đòi 200 triệu") and knows which
// words go with which harm, but it cannot point at a span, and it is only as good as its
// training data. So it is a second opinion on the lexicon's category scores, never the first
// word:
//   * a category the lexicon scores s > 0 but the model gives a probability p < doubt is
//     damped: s × damp (never below min(s, floor), so self-harm is still never silenced);
//   * a category the model gives p >= min is raised: s + (1 - s) × boost × p, which may suggest
//     a category no pattern matched (the counsellor sees it marked "model");
//   * the category's level then follows the thresholds and its max_level, as before.
// The four parameters are in model.tsv ("param" rows), chosen by cross-validation
// (`childsafe triage cv`), never on a test set.
//
// Features: every word (and entity placeholder) of the folded view, and every pair of words
// next to each other in the same clause, counted once per message. TrainModel and the engine's
// scoring use the same definition (ForEachFeature); engine_test checks that the two agree.
//
// model.tsv: '#' comments; "param\t<name>\t<value>" rows (boost, min, doubt, damp, emergency); a
// header "feature\t<category key>..." naming every lexicon category once, and optionally the
// column "<emergency>" (the emergency head); a row "<bias>\t<weights>";
// then one row per feature: "<word>" or "<word> <word>", then one weight per category in the
// header's order. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/normalize.h"

namespace childsafe::text {

struct CategoryDef;
struct EvalExample;

struct ModelParams {
  double boost = 0.9;   // how far a probability p >= min raises a category's score
  double min = 0.3;     // the least probability that raises a score
  double doubt = 0.05;  // below this probability a lexicon score is damped...
  double damp = 0.3;    // ...by this factor
  // The emergency head (a model of "this message is an emergency", whatever its category):
  // from this probability up, a message whose best suggested category can be an emergency is
  // made one. 1: never.
  double emergency = 1;
};

struct ModelFeature {
  std::string first;
  std::string second;          // empty for a single word
  std::vector<float> weights;  // one per lexicon category, in lexicon order
};

struct ModelDef {
  ModelParams params;
  // One per lexicon category, in lexicon order, then one for the emergency head when there is
  // one (emergency_head); empty: no model. Each feature's weights are laid out the same way.
  std::vector<double> bias;
  bool emergency_head = false;
  std::vector<ModelFeature> features;
  bool empty() const { return bias.empty(); }
};

/// Calls f(first, second) for every feature occurrence of a folded view (second is empty for a
/// single word). Occurrences repeat when words do; callers count each feature once.
template <class F>
void ForEachFeature(std::string_view folded, const TokenVector& tokens, F&& f) {
  auto is_word = [](const Token& t) {
    return t.kind == TokenKind::kWord || t.kind == TokenKind::kEntity;
  };
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (!is_word(tokens[t])) continue;
    const std::string_view a = folded.substr(tokens[t].begin, tokens[t].end - tokens[t].begin);
    f(a, std::string_view{});
    if (t + 1 < tokens.size() && is_word(tokens[t + 1])) {
      f(a, folded.substr(tokens[t + 1].begin, tokens[t + 1].end - tokens[t + 1].begin));
    }
  }
}

/// Parses model.tsv against the lexicon's categories. An empty source is "no model". Errors are
/// kInvalidArgument "model.tsv line N: ..." (bad parameter, unknown or missing category, wrong
/// column count, a weight that is not a finite number within ±32, a malformed feature). Weights
/// are read to 3 decimals (the engine adds them as exact thousandths).
Result<ModelDef> ParseModel(std::string_view tsv, const std::vector<CategoryDef>& categories);

/// Writes a model in the format ParseModel reads (weights rounded to 3 decimals).
std::string FormatModel(const ModelDef& model, const std::vector<CategoryDef>& categories);

struct TrainOptions {
  int epochs = 30;
  double rate = 0.2;    // SGD step
  double l2 = 1e-3;     // weight decay, applied to the features of each example
  double prune = 0.02;  // features whose largest |weight| is below this are left out
  double positive = 1;  // weight of a positive example's error (> 1: recall over precision)
  bool pairs = true;    // word pairs as features too (false: single words only)
  uint64_t seed = 1;    // the order examples are visited in (deterministic)
  ModelParams params;
};

/// Trains one logistic regression per category on `examples` (their texts through
/// `normalizer`, their labels). Deterministic for the same inputs. Errors: kInvalidArgument
/// naming the example whose category is not a lexicon category; no examples.
Result<ModelDef> TrainModel(const Normalizer& normalizer,
                            const std::vector<CategoryDef>& categories,
                            const std::vector<EvalExample>& examples, const TrainOptions& options);

}  // namespace childsafe::text
