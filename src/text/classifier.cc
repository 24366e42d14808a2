#include "text/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "text/evaluation.h"
#include "text/lexicon.h"
#include "text/tsv.h"

namespace childsafe::text {
namespace {

using internal::ParseNumber;
using internal::RowError;
using internal::SplitTsv;

constexpr std::string_view kFile = "model.tsv";
// Weights have 3 decimals and |w| <= 32: the engine adds them as exact 16-bit thousandths.
constexpr double kMaxWeight = 32;

// A feature word: what a folded-view token can be (no space, tab or control byte, not empty).
bool IsFeatureWord(std::string_view w) {
  if (w.empty() || w.size() > 64) return false;
  return std::none_of(w.begin(), w.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

std::string FormatWeight(double w) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", w);
  std::string s = buf;
  if (s == "-0.000") s = "0.000";
  return s;
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-std::clamp(z, -30.0, 30.0))); }

}  // namespace

Result<ModelDef> ParseModel(std::string_view tsv, const std::vector<CategoryDef>& categories) {
  ModelDef model;
  if (tsv.empty()) return model;
  const size_t n = categories.size();
  std::vector<int> column_category;  // header column (after "feature") -> lexicon category
  bool have_header = false;
  std::set<std::string, std::less<>> params_seen;
  std::set<std::pair<std::string, std::string>> features_seen;
  for (const internal::TsvRow& row : SplitTsv(tsv)) {
    if (row.cells[0] == "param") {
      if (row.cells.size() != 3)
        return Fail(RowError(kFile, row.line, "param needs a name and a value"));
      auto v = ParseNumber(row.cells[2]);
      if (!v || !(*v >= 0 && *v <= 1)) {
        return Fail(RowError(kFile, row.line, "a param's value must be a number in [0, 1]"));
      }
      const std::string_view name = row.cells[1];
      if (name == "boost") {
        model.params.boost = *v;
      } else if (name == "min") {
        model.params.min = *v;
      } else if (name == "doubt") {
        model.params.doubt = *v;
      } else if (name == "damp") {
        model.params.damp = *v;
      } else if (name == "emergency") {
        model.params.emergency = *v;
      } else {
        return Fail(RowError(kFile, row.line, "param must be boost|min|doubt|damp|emergency"));
      }
      if (!params_seen.insert(std::string(name)).second) {
        return Fail(RowError(kFile, row.line, "duplicate param"));
      }
      continue;
    }
    if (row.cells[0] == "feature") {
      if (have_header) return Fail(RowError(kFile, row.line, "second header"));
      have_header = true;
      std::set<int> seen;
      for (size_t k = 1; k < row.cells.size(); ++k) {
        if (row.cells[k] == "<emergency>") {
          if (model.emergency_head) {
            return Fail(RowError(kFile, row.line, "duplicate category"));
          }
          model.emergency_head = true;
          column_category.push_back(static_cast<int>(n));
          continue;
        }
        auto it = std::find_if(categories.begin(), categories.end(),
                               [&](const CategoryDef& c) { return c.key == row.cells[k]; });
        if (it == categories.end()) {
          return Fail(RowError(
              kFile, row.line,
              "unknown category " + std::string(row.cells[k]) + " (not in categories.tsv)"));
        }
        const int index = static_cast<int>(it - categories.begin());
        if (!seen.insert(index).second)
          return Fail(RowError(kFile, row.line, "duplicate category"));
        column_category.push_back(index);
      }
      if (column_category.size() != n + (model.emergency_head ? 1 : 0)) {
        return Fail(
            RowError(kFile, row.line, "the header must name every category of categories.tsv"));
      }
      continue;
    }
    if (!have_header) {
      return Fail(RowError(kFile, row.line, "expected the header \"feature <categories>\" first"));
    }
    const size_t outputs = column_category.size();
    if (row.cells.size() != outputs + 1) {
      return Fail(
          RowError(kFile, row.line,
                   "expected " + std::to_string(outputs + 1) + " columns: feature and weights"));
    }
    std::vector<double> weights(outputs, 0.0);
    for (size_t k = 0; k < outputs; ++k) {
      auto v = ParseNumber(row.cells[k + 1]);
      if (!v || !std::isfinite(*v) || std::fabs(*v) > kMaxWeight) {
        return Fail(RowError(kFile, row.line, "weights must be finite numbers within ±32"));
      }
      weights[column_category[k]] = std::round(*v * 1000) / 1000;  // 3 decimals (see above)
    }
    const std::string_view name = row.cells[0];
    if (name == "<bias>") {
      if (!model.bias.empty()) return Fail(RowError(kFile, row.line, "duplicate <bias>"));
      model.bias = std::move(weights);
      continue;
    }
    ModelFeature feature;
    const size_t space = name.find(' ');
    feature.first = std::string(name.substr(0, space));
    if (space != std::string_view::npos) feature.second = std::string(name.substr(space + 1));
    if (!IsFeatureWord(feature.first) ||
        (space != std::string_view::npos && !IsFeatureWord(feature.second))) {
      return Fail(RowError(kFile, row.line, "a feature is one word or two separated by a space"));
    }
    if (!features_seen.emplace(feature.first, feature.second).second) {
      return Fail(RowError(kFile, row.line, "duplicate feature"));
    }
    feature.weights.assign(weights.begin(), weights.end());
    model.features.push_back(std::move(feature));
  }
  if (!have_header) return Fail(Error::Invalid("model.tsv: no header row"));
  if (model.bias.empty()) return Fail(Error::Invalid("model.tsv: no <bias> row"));
  return model;
}

std::string FormatModel(const ModelDef& model, const std::vector<CategoryDef>& categories) {
  std::string out =
      "# The triage model: one logistic regression per category over the words and word pairs\n"
      "# of the folded view (src/text/classifier.h, docs/triage.md). Written by\n"
      "# `childsafe triage train`; do not edit by hand, retrain.\n";
  const ModelParams& p = model.params;
  for (const auto& [name, value] : {std::pair<const char*, double>{"boost", p.boost},
                                    {"min", p.min},
                                    {"doubt", p.doubt},
                                    {"damp", p.damp},
                                    {"emergency", p.emergency}}) {
    out += "param\t";
    out += name;
    out += '\t' + FormatWeight(value) + '\n';
  }
  out += "feature";
  for (const CategoryDef& c : categories) out += '\t' + c.key;
  if (model.emergency_head) out += "\t<emergency>";
  out += "\n<bias>";
  for (double b : model.bias) out += '\t' + FormatWeight(b);
  out += '\n';
  for (const ModelFeature& f : model.features) {
    out += f.first;
    if (!f.second.empty()) out += ' ' + f.second;
    for (float w : f.weights) out += '\t' + FormatWeight(w);
    out += '\n';
  }
  return out;
}

Result<ModelDef> TrainModel(const Normalizer& normalizer,
                            const std::vector<CategoryDef>& categories,
                            const std::vector<EvalExample>& examples, const TrainOptions& options) {
  if (examples.empty()) return Fail(Error::Invalid("no training examples"));
  // One output per category, then the emergency head (the example's level is emergency).
  const size_t n = categories.size() + 1;
  std::map<std::pair<std::string, std::string>, uint32_t> index;  // ordered: stable output
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<std::vector<uint32_t>> features(examples.size());
  std::vector<std::vector<uint8_t>> labels(examples.size(), std::vector<uint8_t>(n, 0));
  for (size_t e = 0; e < examples.size(); ++e) {
    const EvalExample& ex = examples[e];
    for (const std::string& key : ex.categories) {
      auto it = std::find_if(categories.begin(), categories.end(),
                             [&](const CategoryDef& c) { return c.key == key; });
      if (it == categories.end()) {
        return Fail(Error::Invalid("example " + ex.id + ": unknown category " + key));
      }
      labels[e][it - categories.begin()] = 1;
    }
    labels[e][n - 1] = ex.level == Level::kEmergency ? 1 : 0;
    const NormalizedText norm = normalizer.Normalize(ex.text, {.canonical = false});
    std::vector<uint32_t>& f = features[e];
    ForEachFeature(norm.folded, norm.tokens, [&](std::string_view a, std::string_view b) {
      if (!options.pairs && !b.empty()) return;
      auto [it, inserted] =
          index.try_emplace({std::string(a), std::string(b)}, static_cast<uint32_t>(names.size()));
      if (inserted) names.push_back(it->first);
      f.push_back(it->second);
    });
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
  }

  // Plain SGD on the log loss, one category at a time, examples in a seeded order.
  std::vector<double> w(names.size() * n, 0.0);
  std::vector<double> bias(n, 0.0);
  std::vector<size_t> order(examples.size());
  for (size_t c = 0; c < n; ++c) {
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::mt19937_64 rng(options.seed + c);
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
      for (size_t k = order.size(); k > 1; --k) {  // Fisher-Yates: the same on every library
        std::swap(order[k - 1], order[rng() % k]);
      }
      for (size_t e : order) {
        double z = bias[c];
        for (uint32_t f : features[e]) z += w[f * n + c];
        const double g = (Sigmoid(z) - labels[e][c]) * (labels[e][c] ? options.positive : 1.0);
        bias[c] -= options.rate * g;
        for (uint32_t f : features[e]) {
          double& wf = w[f * n + c];
          wf -= options.rate * (g + options.l2 * wf);
        }
      }
    }
  }

  ModelDef model;
  model.params = options.params;
  model.bias = bias;
  model.emergency_head = true;
  for (size_t f = 0; f < names.size(); ++f) {
    double largest = 0;
    for (size_t c = 0; c < n; ++c) largest = std::max(largest, std::fabs(w[f * n + c]));
    if (largest < options.prune) continue;
    ModelFeature feature{names[f].first, names[f].second, {}};
    for (size_t c = 0; c < n; ++c) {
      feature.weights.push_back(
          static_cast<float>(std::clamp(w[f * n + c], -kMaxWeight, kMaxWeight)));
    }
    model.features.push_back(std::move(feature));
  }
  return model;
}

}  // namespace childsafe::text
