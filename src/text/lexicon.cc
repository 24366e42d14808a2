#include "text/lexicon.h"

#include <cstdio>
#include <set>

#include "text/tsv.h"
#include "text/utf8.h"

namespace childsafe::text {
namespace {

using internal::ParseNumber;
using internal::RowError;
using internal::SplitTsv;
using Row = internal::TsvRow;

bool IsSnakeCase(std::string_view key) {
  if (key.empty() || !(key[0] >= 'a' && key[0] <= 'z')) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= 0xFF;  // separator, so that moving bytes between files changes the hash
  h *= 1099511628211ULL;
  return h;
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kLow:
      return "low";
    case Level::kMedium:
      return "medium";
    case Level::kHigh:
      return "high";
    case Level::kEmergency:
      return "emergency";
  }
  return "low";
}

std::optional<Level> ParseLevel(std::string_view name) {
  if (name == "low") return Level::kLow;
  if (name == "medium") return Level::kMedium;
  if (name == "high") return Level::kHigh;
  if (name == "emergency") return Level::kEmergency;
  return std::nullopt;
}

std::string_view CueKindName(CueKind kind) {
  switch (kind) {
    case CueKind::kNegation:
      return "negation";
    case CueKind::kReported:
      return "reported";
    case CueKind::kGenre:
      return "genre";
    case CueKind::kDisclosure:
      return "disclosure";
    case CueKind::kPast:
      return "past";
    case CueKind::kIdiom:
      return "idiom";
    case CueKind::kResolved:
      return "resolved";
    case CueKind::kPhysical:
      return "physical";
    case CueKind::kConditional:
      return "conditional";
    case CueKind::kUrgent:
      return "urgent";
  }
  return "negation";
}

std::optional<CueKind> ParseCueKind(std::string_view name) {
  for (CueKind k : {CueKind::kNegation, CueKind::kReported, CueKind::kGenre, CueKind::kDisclosure,
                    CueKind::kPast, CueKind::kIdiom, CueKind::kConditional, CueKind::kUrgent,
                    CueKind::kResolved, CueKind::kPhysical}) {
    if (CueKindName(k) == name) return k;
  }
  return std::nullopt;
}

Result<Lexicon> ParseLexicon(const LexiconSources& sources) {
  Lexicon lexicon;
  for (const std::string* s : {&sources.categories_tsv, &sources.signals_tsv, &sources.cues_tsv,
                               &sources.levels_tsv, &sources.model_tsv}) {
    if (std::optional<size_t> bad = FindInvalidUtf8(*s)) {
      return Fail(
          Error::Invalid("lexicon source is not valid UTF-8 (byte " + std::to_string(*bad) + ")"));
    }
  }

  // categories.tsv
  constexpr std::string_view kCategories = "categories.tsv";
  std::set<std::string, std::less<>> keys;
  for (const Row& row : SplitTsv(sources.categories_tsv)) {
    if (row.cells.size() != 12) {
      return Fail(RowError(kCategories, row.line,
                           "expected 12 columns: key max_level min_level negation reported genre "
                           "past resolved urgent floor label_vi label_en"));
    }
    CategoryDef def;
    def.key = std::string(row.cells[0]);
    if (!IsSnakeCase(def.key))
      return Fail(RowError(kCategories, row.line, "key not lower_snake_case"));
    if (!keys.insert(def.key).second) return Fail(RowError(kCategories, row.line, "duplicate key"));
    auto max_level = ParseLevel(row.cells[1]);
    auto min_level = ParseLevel(row.cells[2]);
    if (!max_level || !min_level || *min_level > *max_level) {
      return Fail(
          RowError(kCategories, row.line, "bad levels (low|medium|high|emergency, min <= max)"));
    }
    def.max_level = *max_level;
    def.min_level = *min_level;
    double* factors[] = {&def.negation, &def.reported, &def.genre, &def.past,
                         &def.resolved, &def.urgent,   &def.floor};
    for (int k = 0; k < 7; ++k) {
      auto v = ParseNumber(row.cells[3 + k]);
      if (!v || *v < 0 || *v > 1) {
        return Fail(RowError(kCategories, row.line, "factors must be numbers in [0, 1]"));
      }
      *factors[k] = *v;
    }
    def.label_vi = std::string(row.cells[10]);
    def.label_en = std::string(row.cells[11]);
    if (lexicon.categories.size() == kMaxCategories) {
      return Fail(RowError(kCategories, row.line, "at most 32 categories"));
    }
    lexicon.categories.push_back(std::move(def));
  }
  if (lexicon.categories.empty()) {
    return Fail(Error::Invalid(std::string(kCategories) + ": no categories"));
  }

  // signals.tsv
  constexpr std::string_view kSignals = "signals.tsv";
  for (const Row& row : SplitTsv(sources.signals_tsv)) {
    if (row.cells.size() < 3 || row.cells.size() > 4) {
      return Fail(
          RowError(kSignals, row.line, "expected category<TAB>weight<TAB>pattern[<TAB>note]"));
    }
    SignalDef def;
    def.category = std::string(row.cells[0]);
    if (!keys.contains(def.category)) return Fail(RowError(kSignals, row.line, "unknown category"));
    auto weight = ParseNumber(row.cells[1]);
    if (!weight || *weight <= 0 || *weight > 1) {
      return Fail(RowError(kSignals, row.line, "weight must be in (0, 1]"));
    }
    def.weight = *weight;
    def.pattern = std::string(row.cells[2]);
    if (def.pattern.empty()) return Fail(RowError(kSignals, row.line, "empty pattern"));
    if (row.cells.size() == 4) def.note = std::string(row.cells[3]);
    def.line = row.line;
    lexicon.signals.push_back(std::move(def));
  }

  // cues.tsv
  constexpr std::string_view kCues = "cues.tsv";
  for (const Row& row : SplitTsv(sources.cues_tsv)) {
    if (row.cells.size() < 2 || row.cells.size() > 3) {
      return Fail(RowError(kCues, row.line, "expected kind<TAB>pattern[<TAB>note]"));
    }
    auto kind = ParseCueKind(row.cells[0]);
    if (!kind) {
      return Fail(RowError(kCues, row.line,
                           "kind must be negation|reported|genre|disclosure|past|idiom|"
                           "conditional|urgent|resolved|physical"));
    }
    CueDef def;
    def.kind = *kind;
    def.pattern = std::string(row.cells[1]);
    if (def.pattern.empty()) return Fail(RowError(kCues, row.line, "empty pattern"));
    if (row.cells.size() == 3) def.note = std::string(row.cells[2]);
    def.line = row.line;
    lexicon.cues.push_back(std::move(def));
  }

  // levels.tsv
  constexpr std::string_view kLevels = "levels.tsv";
  std::set<std::string, std::less<>> seen;
  for (const Row& row : SplitTsv(sources.levels_tsv)) {
    if (row.cells.size() != 2) return Fail(RowError(kLevels, row.line, "expected name<TAB>value"));
    auto value = ParseNumber(row.cells[1]);
    if (!value || *value <= 0 || *value > 1) {
      return Fail(RowError(kLevels, row.line, "value must be in (0, 1]"));
    }
    const std::string_view name = row.cells[0];
    if (name == "emergency") {
      lexicon.thresholds.emergency = *value;
    } else if (name == "high") {
      lexicon.thresholds.high = *value;
    } else if (name == "medium") {
      lexicon.thresholds.medium = *value;
    } else if (name == "suggest") {
      lexicon.thresholds.suggest = *value;
    } else {
      return Fail(RowError(kLevels, row.line, "name must be emergency|high|medium|suggest"));
    }
    if (!seen.insert(std::string(name)).second)
      return Fail(RowError(kLevels, row.line, "duplicate"));
  }
  const Thresholds& t = lexicon.thresholds;
  if (!(t.medium < t.high && t.high < t.emergency)) {
    return Fail(Error::Invalid(std::string(kLevels) + ": need medium < high < emergency"));
  }

  CS_TRY(lexicon.model, ParseModel(sources.model_tsv, lexicon.categories));

  uint64_t h = 1469598103934665603ULL;
  h = Fnv1a(h, sources.categories_tsv);
  h = Fnv1a(h, sources.signals_tsv);
  h = Fnv1a(h, sources.cues_tsv);
  h = Fnv1a(h, sources.levels_tsv);
  if (!sources.model_tsv.empty()) h = Fnv1a(h, sources.model_tsv);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  lexicon.version = hex;
  return lexicon;
}

}  // namespace childsafe::text
