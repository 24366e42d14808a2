#include "text/evaluation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "text/tsv.h"
#include "text/utf8.h"

namespace childsafe::text {
namespace {

Error LineError(int line, std::string_view problem) {
  return Error::Invalid("eval line " + std::to_string(line) + ": " + std::string(problem));
}

bool IsKey(std::string_view key) {
  if (key.empty() || !(key[0] >= 'a' && key[0] <= 'z')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string Percent(double v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.3f", v);
  return buf;
}

std::string Pad(std::string s, size_t width, bool right = false) {
  // Keys and numbers are ASCII, so byte length is display width.
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string Row(const std::string& name, const Counts& c) {
  return Pad(name, 28) + Pad(std::to_string(c.support()), 8, true) +
         Pad(std::to_string(c.tp), 6, true) + Pad(std::to_string(c.fp), 6, true) +
         Pad(std::to_string(c.fn), 6, true) + Pad(Percent(c.Precision()), 11, true) +
         Pad(Percent(c.Recall()), 9, true) + "\n";
}

}  // namespace

double Counts::Precision() const {
  return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / (tp + fp);
}
double Counts::Recall() const { return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / (tp + fn); }

Result<EvalSet> ParseEvalSet(std::string_view tsv) {
  if (std::optional<size_t> bad = FindInvalidUtf8(tsv)) {
    return Fail(Error::Invalid("eval set is not valid UTF-8 (byte " + std::to_string(*bad) + ")"));
  }
  EvalSet set;
  std::set<std::string, std::less<>> ids;
  bool header = false;
  for (internal::TsvRow& row : internal::SplitTsv(tsv)) {
    const int line_number = row.line;
    std::vector<std::string_view>& cells = row.cells;
    if (cells.size() > 5) {  // the text is the rest of the line, tabs and all
      cells[4] = internal::CellsFrom(row, 4);
      cells.resize(5);
    }
    if (cells.size() != 5) return Fail(LineError(line_number, "expected 5 tab-separated columns"));
    if (!header) {
      if (cells[0] != "id" || cells[1] != "level" || cells[2] != "categories" ||
          cells[3] != "variant" || cells[4] != "text") {
        return Fail(LineError(line_number, "expected the header id level categories variant text"));
      }
      header = true;
      continue;
    }
    EvalExample ex;
    ex.id = std::string(cells[0]);
    if (ex.id.empty() || !ids.insert(ex.id).second) {
      return Fail(LineError(line_number, "empty or duplicate id"));
    }
    auto level = ParseLevel(cells[1]);
    if (!level) return Fail(LineError(line_number, "level must be low|medium|high|emergency"));
    ex.level = *level;
    if (cells[2] != "-") {
      size_t s = 0;
      while (s <= cells[2].size()) {
        size_t comma = cells[2].find(',', s);
        if (comma == std::string_view::npos) comma = cells[2].size();
        std::string_view key = cells[2].substr(s, comma - s);
        if (!IsKey(key)) return Fail(LineError(line_number, "category keys are lower_snake_case"));
        ex.categories.emplace_back(key);
        s = comma + 1;
      }
    }
    ex.variant = std::string(cells[3]);
    ex.text = std::string(cells[4]);
    if (ex.text.empty()) return Fail(LineError(line_number, "empty text"));
    ex.line = line_number;
    set.examples.push_back(std::move(ex));
  }
  if (!header) return Fail(Error::Invalid("eval set has no header"));
  return set;
}

EvalReport Evaluate(const Engine& engine, const EvalSet& set) {
  EvalReport report;
  report.examples = set.examples.size();
  report.lexicon_version = engine.version();
  std::map<std::string, Counts> per_category;
  std::vector<std::string> order;
  for (const CategoryDef& c : engine.lexicon().categories) {
    per_category[c.key];
    order.push_back(c.key);
  }
  std::map<std::string, Counts> per_variant;
  std::vector<std::string> variant_order;

  for (const EvalExample& ex : set.examples) {
    const TriageResult r = engine.Triage(ex.text);
    std::set<std::string> got, want(ex.categories.begin(), ex.categories.end());
    for (const CategoryScore& c : r.categories) got.insert(c.category);
    if (!per_variant.contains(ex.variant)) variant_order.push_back(ex.variant);
    Counts& variant = per_variant[ex.variant];
    std::set<std::string> all = got;
    all.insert(want.begin(), want.end());
    for (const std::string& key : all) {
      if (!per_category.contains(key)) order.push_back(key);
      Counts& c = per_category[key];
      const bool g = got.contains(key), w = want.contains(key);
      Counts delta;
      if (g && w) delta.tp = 1;
      if (g && !w) {
        delta.fp = 1;
        report.misses.push_back({ex.id, "false category " + key});
      }
      if (!g && w) {
        delta.fn = 1;
        report.misses.push_back({ex.id, "missed category " + key});
      }
      c.Add(delta);
      variant.Add(delta);
    }
    const bool want_emergency = ex.level == Level::kEmergency;
    const bool got_emergency = r.level == Level::kEmergency;
    if (want_emergency && got_emergency) ++report.emergency.tp;
    if (!want_emergency && got_emergency) {
      ++report.emergency.fp;
      report.misses.push_back(
          {ex.id, "false emergency (expected " + std::string(LevelName(ex.level)) + ")"});
    }
    if (want_emergency && !got_emergency) {
      ++report.emergency.fn;
      report.misses.push_back(
          {ex.id, "missed emergency (got " + std::string(LevelName(r.level)) + ")"});
    }
    const bool want_flag = ex.level >= Level::kMedium, got_flag = r.level >= Level::kMedium;
    if (want_flag && got_flag) ++report.flagged.tp;
    if (!want_flag && got_flag) ++report.flagged.fp;
    if (want_flag && !got_flag) ++report.flagged.fn;
    ++report.confusion[static_cast<int>(ex.level)][static_cast<int>(r.level)];
  }
  for (const std::string& key : order) {
    report.categories.emplace_back(key, per_category[key]);
    report.overall.Add(per_category[key]);
  }
  for (const std::string& v : variant_order) report.variants.emplace_back(v, per_variant[v]);
  return report;
}

std::string FormatEvalReport(const EvalReport& report, bool list_misses) {
  std::string out;
  out += "Triage evaluation: " + std::to_string(report.examples) + " messages, lexicon " +
         report.lexicon_version + "\n\n";
  const std::string header = Pad("", 28) + Pad("support", 8, true) + Pad("TP", 6, true) +
                             Pad("FP", 6, true) + Pad("FN", 6, true) + Pad("precision", 11, true) +
                             Pad("recall", 9, true) + "\n";
  out += header;
  for (const auto& [key, c] : report.categories) out += Row(key, c);
  out += Row("all categories (micro)", report.overall);
  out += "\nPer message:\n" + header;
  out += Row("emergency level", report.emergency);
  out += Row("flagged (level >= medium)", report.flagged);
  out += "\nCategories by how the message is written:\n" + header;
  for (const auto& [variant, c] : report.variants) out += Row(variant, c);
  out += "\nLevels (rows: expected, columns: engine):\n" + Pad("", 12);
  const Level levels[] = {Level::kLow, Level::kMedium, Level::kHigh, Level::kEmergency};
  for (Level l : levels) out += Pad(std::string(LevelName(l)), 11, true);
  out += "\n";
  for (Level e : levels) {
    out += Pad(std::string(LevelName(e)), 12);
    for (Level g : levels) {
      out +=
          Pad(std::to_string(report.confusion[static_cast<int>(e)][static_cast<int>(g)]), 11, true);
    }
    out += "\n";
  }
  if (list_misses && !report.misses.empty()) {
    out += "\nMisses (" + std::to_string(report.misses.size()) + "):\n";
    for (const EvalMiss& m : report.misses) out += "  " + m.id + "  " + m.what + "\n";
  }
  return out;
}

void MergeEvalReport(EvalReport& into, const EvalReport& more) {
  into.examples += more.examples;
  auto merge = [](std::vector<std::pair<std::string, Counts>>& a,
                  const std::vector<std::pair<std::string, Counts>>& b) {
    for (const auto& entry : b) {  // no structured binding: clang 14 cannot capture one
      const std::string& key = entry.first;
      auto it = std::find_if(a.begin(), a.end(), [&](const auto& e) { return e.first == key; });
      if (it == a.end()) {
        a.push_back(entry);
      } else {
        it->second.Add(entry.second);
      }
    }
  };
  merge(into.categories, more.categories);
  merge(into.variants, more.variants);
  into.overall.Add(more.overall);
  into.emergency.Add(more.emergency);
  into.flagged.Add(more.flagged);
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 4; ++j) into.confusion[i][j] += more.confusion[i][j];
  }
  into.misses.insert(into.misses.end(), more.misses.begin(), more.misses.end());
}

Result<EvalReport> CrossValidate(const Lexicon& lexicon, const std::vector<TeencodeEntry>& teencode,
                                 const EvalSet& set, int folds, const TrainOptions& options,
                                 const std::vector<int>* groups) {
  if (groups != nullptr) {
    if (groups->size() != set.examples.size()) {
      return Fail(Error::Invalid("one group per example"));
    }
    if (std::any_of(groups->begin(), groups->end(), [](int g) { return g < 0; })) {
      return Fail(Error::Invalid("groups must not be negative"));
    }
    folds = groups->empty() ? 0 : *std::max_element(groups->begin(), groups->end()) + 1;
  }
  if (folds < 2 || static_cast<size_t>(folds) > set.examples.size()) {
    return Fail(Error::Invalid("folds must be at least 2 and at most the number of examples"));
  }
  CS_TRY(Normalizer normalizer, Normalizer::Create(teencode));
  EvalReport report;
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<EvalExample> train;
    EvalSet test;
    for (size_t i = 0; i < set.examples.size(); ++i) {
      const int of = groups != nullptr ? (*groups)[i] : static_cast<int>(i % folds);
      (of == fold ? test.examples : train).push_back(set.examples[i]);
    }
    Lexicon with_model = lexicon;
    CS_TRY(with_model.model, TrainModel(normalizer, lexicon.categories, train, options));
    CS_TRY(std::shared_ptr<const Engine> engine, Engine::Compile(std::move(with_model), teencode));
    if (test.examples.empty()) continue;
    const EvalReport part = Evaluate(*engine, test);
    if (fold == 0) report.lexicon_version = part.lexicon_version;
    MergeEvalReport(report, part);
  }
  return report;
}

}  // namespace childsafe::text
