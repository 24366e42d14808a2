#include "text/engine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <tuple>
#include <utility>

#include "text/matcher.h"
#include "text/pattern.h"

namespace childsafe::text {
namespace {

// Bounds on what one message can make the engine hold, whatever it contains.
constexpr uint16_t kMaxMatchesPerRule = 16;
constexpr size_t kMaxMatches = size_t{1} << 15;

// A weak signal of this category (weight below kWeakDanger) needs a "physical" cue in its
// sentence or a neighbouring one to count in full; without one it is multiplied by
// kNoPhysicalFactor. Chosen on the tuning set (docs/triage.md, run 10): the weak phrases
// ("cứu em", "em sợ", "bị giữ lại", "không dám về") are what scams, loan-app harassment,
// betting debts and game talk share with real danger; the strong ones (>= 0.7) name the
// violence, confinement or abduction themselves.
constexpr std::string_view kPhysicalCategory = "immediate_danger";
constexpr double kWeakDanger = 0.7;
constexpr double kNoPhysicalFactor = 0.5;

struct Rule {
  bool is_signal = true;
  uint32_t index = 0;     // into Lexicon::signals or Lexicon::cues
  uint32_t category = 0;  // signals: index into Lexicon::categories
  CueKind cue = CueKind::kNegation;
  std::vector<int> gaps;       // between consecutive segments (see pattern.h); empty: one segment
  uint32_t first_segment = 0;  // index of its first segment in Impl::segment_rule
  std::vector<internal::PatternWord> words;
};

struct Match {
  uint32_t rule = 0;  // for a segment match during scanning: the global segment index
  uint32_t from = 0;  // folded offsets of the match, including its boundary spaces
  uint32_t to = 0;
  uint32_t first = 0;  // first and last token of the match
  uint32_t last = 0;
};

Level LevelOf(double score, const Thresholds& t) {
  if (score >= t.emergency) return Level::kEmergency;
  if (score >= t.high) return Level::kHigh;
  if (score >= t.medium) return Level::kMedium;
  return Level::kLow;
}

// The model compiled against the matcher's word ids (classifier.h): a word's row of weights is
// its matcher tag, pairs of word ids are in an open-addressing table, each feature counted once
// per message.
struct CompiledModel {
  // A feature's weights in thousandths (model.tsv has 3 decimals and |w| <= 32, so this is
  // exact), padded to kLanes: 32 bytes, so the rows of a model of 12,000 features (375 KB) stay
  // in a core's L2 cache; adding one is a few vector instructions.
  static constexpr size_t kLanes = 16;
  static constexpr double kScale = 1000;
  struct alignas(32) Row {
    int16_t w[kLanes] = {};
  };
  size_t categories = 0;
  std::vector<double> bias;
  std::vector<Row> weights;  // one per feature
  // One bit per pair-key hash (8 bits per pair, in L1/L2): most adjacent word pairs are no
  // feature, and this answers that without reaching into the table.
  std::vector<uint64_t> pair_filter;
  uint64_t pair_filter_mask = 0;
  // A pair's slot: PairKey in the high 40 bits, its row in the low 24; 0: empty. Eight bytes, so
  // the table of a model with 12,000 pairs is 256 KB.
  static constexpr int kRowBits = 24;
  std::vector<uint64_t> pairs;
  uint64_t pair_mask = 0;
  size_t rows = 0;

  // Word ids below 2^20 (CompileModel checks): 40 bits, never 0.
  static uint64_t PairKey(int32_t a, int32_t b) {
    return (uint64_t{static_cast<uint32_t>(a)} + 1) << 20 | static_cast<uint32_t>(b);
  }
  static uint64_t Mix(uint64_t key) {
    const uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 31);
  }
  int32_t PairRow(int32_t a, int32_t b) const {
    const uint64_t key = PairKey(a, b);
    const uint64_t hash = Mix(key);
    const uint64_t bit = (hash >> 40) & pair_filter_mask;
    if (((pair_filter[bit >> 6] >> (bit & 63)) & 1) == 0) return -1;
    for (uint64_t slot = hash & pair_mask;; slot = (slot + 1) & pair_mask) {
      const uint64_t v = pairs[slot];
      if ((v >> kRowBits) == key) return static_cast<int32_t>(v & ((1u << kRowBits) - 1));
      if (v == 0) return -1;
    }
  }
  // Adds rows[0..n) of weights to the 16 lanes of z.
  void Sum(const uint32_t* rows_to_add, size_t n, int32_t* z) const {
#if defined(__SSE2__)
    // The lanes stay in registers; each row is two loads, sign-extended to 32 bits.
    __m128i a0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z));
    __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z + 4));
    __m128i a2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z + 8));
    __m128i a3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(z + 12));
    const __m128i zero = _mm_setzero_si128();
    for (size_t k = 0; k < n; ++k) {
      const auto* w = reinterpret_cast<const __m128i*>(weights[rows_to_add[k]].w);
      const __m128i lo = _mm_load_si128(w);
      const __m128i hi = _mm_load_si128(w + 1);
      const __m128i lo_sign = _mm_cmpgt_epi16(zero, lo);
      const __m128i hi_sign = _mm_cmpgt_epi16(zero, hi);
      a0 = _mm_add_epi32(a0, _mm_unpacklo_epi16(lo, lo_sign));
      a1 = _mm_add_epi32(a1, _mm_unpackhi_epi16(lo, lo_sign));
      a2 = _mm_add_epi32(a2, _mm_unpacklo_epi16(hi, hi_sign));
      a3 = _mm_add_epi32(a3, _mm_unpackhi_epi16(hi, hi_sign));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(z), a0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(z + 4), a1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(z + 8), a2);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(z + 12), a3);
#else
    for (size_t k = 0; k < n; ++k) {
      const int16_t* w = weights[rows_to_add[k]].w;
      for (size_t c = 0; c < kLanes; ++c) z[c] += w[c];
    }
#endif
  }

  // The features of one message, gathered from the word ids the matcher found for its tokens
  // (PhraseMatcher::Scan), then summed and turned into probabilities (Finish).
  class Scorer {
   public:
    Scorer(const CompiledModel& model, const internal::PhraseMatcher& matcher)
        : model_(model), matcher_(matcher) {
      const size_t words = (model.rows + 1 + 63) / 64;
      if (words > kStackWords) {
        heap_ = std::make_unique<uint64_t[]>(words);
        seen_ = heap_.get();
      } else {
        std::fill_n(stack_, words, uint64_t{0});
      }
      // "No feature" (the row of zeros) counts as seen from the start: Gather then tells a
      // fresh feature by its bit alone.
      seen_[model.rows >> 6] |= uint64_t{1} << (model.rows & 63);
    }
    // The tokens of the message have matcher ids ids[0..count) (-1: punctuation, or a word no
    // literal or feature has); called once per message. One loop after the matcher's, its state
    // in registers.
    void Add(const int32_t* ids, size_t count) {
      size_t n = n_;
      int32_t previous = -1;
      uint64_t* const seen = seen_;
      const auto none = static_cast<uint32_t>(model_.rows);  // the row of zeros: no feature
      // Each feature counts once: a row is gathered without branches (an absent or repeated
      // feature is written and not counted: whether a word repeats or is a feature is as
      // unpredictable as it gets), and the batch is summed kBatch rows at a time.
      const auto gather = [&](int32_t row) {
        const uint32_t r = row < 0 ? none : static_cast<uint32_t>(row);
        uint64_t& bits = seen[r >> 6];
        const uint64_t fresh = ((bits >> (r & 63)) & 1) ^ 1;
        bits |= uint64_t{1} << (r & 63);
        batch_[n] = r;
        n += fresh;
      };
      for (size_t t = 0; t < count; ++t) {
        const int32_t id = ids[t];
        if (id < 0) {
          previous = id;
          continue;
        }
        gather(matcher_.WordTag(id));
        // A pair: the previous token a word with an id (every pair feature's words have one).
        if (previous >= 0) gather(model_.PairRow(previous, id));
        previous = id;
        if (n >= kBatch) {
          model_.Sum(batch_, n, z_);
          n = 0;
        }
      }
      n_ = n;
    }
    void Finish(double* out) {
      model_.Sum(batch_, n_, z_);
      n_ = 0;
      for (size_t c = 0; c < model_.categories; ++c) {
        const double logit = model_.bias[c] + z_[c] / kScale;
        out[c] = 1.0 / (1.0 + std::exp(-std::clamp(logit, -30.0, 30.0)));
      }
    }

   private:
    static constexpr size_t kStackWords = 512;  // models of up to 32,767 features: no heap
    static constexpr size_t kBatch = 256;
    const CompiledModel& model_;
    const internal::PhraseMatcher& matcher_;
    alignas(16) int32_t z_[kLanes] = {};
    uint64_t stack_[kStackWords];
    std::unique_ptr<uint64_t[]> heap_;
    uint64_t* seen_ = stack_;
    uint32_t batch_[kBatch + 2];
    size_t n_ = 0;
  };
};

// Model rows compiled into `model`, words interned in `matcher` (before its Build()).
void CompileModel(const ModelDef& def, size_t categories, internal::PhraseMatcher& matcher,
                  CompiledModel& model) {
  model.categories = categories;
  model.bias = def.bias;
  model.rows = def.features.size();
  model.weights.resize(model.rows + 1);  // and a row of zeros: "no feature"
  std::vector<std::pair<int32_t, int32_t>> unigrams;
  std::vector<std::pair<uint64_t, int32_t>> pairs;
  for (size_t r = 0; r < def.features.size(); ++r) {
    const ModelFeature& f = def.features[r];
    for (size_t c = 0; c < f.weights.size(); ++c) {
      model.weights[r].w[c] =
          static_cast<int16_t>(std::lround(f.weights[c] * CompiledModel::kScale));
    }
    const int32_t a = matcher.AddWord(f.first);
    if (f.second.empty()) {
      unigrams.emplace_back(a, static_cast<int32_t>(r));
    } else {
      pairs.emplace_back(CompiledModel::PairKey(a, matcher.AddWord(f.second)),
                         static_cast<int32_t>(r));
    }
  }
  for (const auto& [word, row] : unigrams) matcher.SetWordTag(word, row);
  uint64_t filter_bits = 64;
  while (filter_bits < pairs.size() * 8) filter_bits <<= 1;
  model.pair_filter.assign(filter_bits / 64, 0);
  model.pair_filter_mask = filter_bits - 1;
  uint64_t size = 16;
  while (size < pairs.size() * 2) size <<= 1;
  model.pairs.assign(size, 0);
  model.pair_mask = size - 1;
  for (const auto& [key, row] : pairs) {
    uint64_t slot = CompiledModel::Mix(key) & model.pair_mask;
    while (model.pairs[slot] != 0) slot = (slot + 1) & model.pair_mask;
    model.pairs[slot] = key << CompiledModel::kRowBits | static_cast<uint64_t>(row);
    const uint64_t bit = (CompiledModel::Mix(key) >> 40) & model.pair_filter_mask;
    model.pair_filter[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

// The category scores of the lexicon (`lexicon_score`, -1 where no signal scored, `live` where
// one is live) and of the model (`probability`, null without one) become the result's levels,
// score and suggested categories.
void Conclude(const Lexicon& lexicon, const double* lexicon_score, const uint8_t* live,
              const double* probability, TriageResult& result) {
  const Thresholds& thresholds = lexicon.thresholds;
  const ModelParams& params = lexicon.model.params;
  for (size_t c = 0; c < lexicon.categories.size(); ++c) {
    const CategoryDef& cat = lexicon.categories[c];
    const bool scored = lexicon_score[c] >= 0;
    double score = scored ? lexicon_score[c] : 0.0;
    if (probability != nullptr) {
      const double p = probability[c];
      // Doubted: damped, never below the floor (self-harm is never silenced).
      if (score > 0 && p < params.doubt)
        score = std::max(score * params.damp, std::min(score, cat.floor));
      if (p >= params.min) score += (1.0 - score) * params.boost * p;
    }
    if (!scored && score < thresholds.suggest) continue;
    Level level = std::min(LevelOf(score, thresholds), cat.max_level);
    if (live[c]) level = std::max(level, cat.min_level);
    result.level = std::max(result.level, level);
    result.score = std::max(result.score, score);
    if (score >= thresholds.suggest) {
      result.categories.push_back(
          {cat.key, score, level, probability != nullptr ? probability[c] : -1.0, scored});
    }
  }
  // The emergency head: when the model is confident the message is an emergency, the best
  // suggested category that can be one (self-harm, danger, sextortion, the kidnapping scam)
  // makes it one; when none is suggested, the one of them the model finds likeliest is
  // suggested (source "model") at emergency level. Other categories are never raised.
  if (probability != nullptr && lexicon.model.emergency_head) {
    const double p = probability[lexicon.categories.size()];
    result.model_emergency = p;
    if (p >= params.emergency && params.emergency < 1 && result.level < Level::kEmergency) {
      CategoryScore* best = nullptr;
      for (CategoryScore& c : result.categories) {
        const auto def = std::find_if(lexicon.categories.begin(), lexicon.categories.end(),
                                      [&](const CategoryDef& d) { return d.key == c.category; });
        if (def->max_level != Level::kEmergency) continue;
        if (best == nullptr || c.score > best->score) best = &c;
      }
      if (best == nullptr) {
        // No emergency category suggested: the one the model finds likeliest, unless it
        // doubts that one too.
        size_t top = lexicon.categories.size();
        for (size_t c = 0; c < lexicon.categories.size(); ++c) {
          if (lexicon.categories[c].max_level != Level::kEmergency) continue;
          if (top == lexicon.categories.size() || probability[c] > probability[top]) top = c;
        }
        if (top < lexicon.categories.size() && probability[top] >= params.doubt) {
          const double score = std::max(lexicon_score[top], 0.0);
          result.categories.push_back({lexicon.categories[top].key, score, Level::kEmergency,
                                       probability[top], lexicon_score[top] >= 0});
          best = &result.categories.back();
        }
      }
      if (best != nullptr) {
        best->level = Level::kEmergency;
        result.level = Level::kEmergency;
      }
    }
  }
  std::sort(result.categories.begin(), result.categories.end(),
            [](const CategoryScore& a, const CategoryScore& b) {
              if (a.score != b.score) return a.score > b.score;
              if (a.level != b.level) return a.level > b.level;
              return a.category < b.category;
            });
}

}  // namespace

struct Engine::Impl {
  Lexicon lexicon;
  CompiledModel model;  // categories == 0: no model
  Normalizer normalizer;
  std::vector<Rule> rules;
  std::vector<uint32_t> segment_rule;  // global segment index -> rule
  std::vector<uint8_t> segment_first;  // 1 when the segment is its rule's first
  internal::PhraseMatcher matcher;     // every literal, reporting its global segment index
  size_t literal_count = 0;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

const Normalizer& Engine::normalizer() const { return impl_->normalizer; }
const Lexicon& Engine::lexicon() const { return impl_->lexicon; }
const std::string& Engine::version() const { return impl_->lexicon.version; }
size_t Engine::pattern_count() const { return impl_->rules.size(); }
size_t Engine::literal_count() const { return impl_->literal_count; }

Result<std::shared_ptr<const Engine>> Engine::Compile(Lexicon lexicon,
                                                      const std::vector<TeencodeEntry>& teencode) {
  auto impl = std::make_unique<Impl>();
  CS_TRY(impl->normalizer, Normalizer::Create(teencode));

  auto add = [&](Rule rule, std::string_view pattern, std::string_view file, int line) -> Status {
    auto compiled = internal::CompilePattern(pattern, impl->normalizer);
    if (!compiled) {
      return Fail(Error::Invalid(std::string(file) + " line " + std::to_string(line) + ": " +
                                 compiled.error().message));
    }
    rule.words = std::move(compiled->words);
    rule.gaps = std::move(compiled->gaps);
    rule.first_segment = static_cast<uint32_t>(impl->segment_rule.size());
    const auto rule_index = static_cast<uint32_t>(impl->rules.size());
    for (const auto& segment : compiled->segments) {
      const auto segment_index = static_cast<uint32_t>(impl->segment_rule.size());
      impl->segment_rule.push_back(rule_index);
      impl->segment_first.push_back(segment_index == rule.first_segment ? 1 : 0);
      for (const std::string& literal : segment) impl->matcher.Add(literal, segment_index);
      impl->literal_count += segment.size();
    }
    impl->rules.push_back(std::move(rule));
    return {};
  };
  for (size_t i = 0; i < lexicon.signals.size(); ++i) {
    const SignalDef& s = lexicon.signals[i];
    Rule rule;
    rule.is_signal = true;
    rule.index = static_cast<uint32_t>(i);
    const auto it = std::find_if(lexicon.categories.begin(), lexicon.categories.end(),
                                 [&](const CategoryDef& c) { return c.key == s.category; });
    if (it == lexicon.categories.end()) {
      return Fail(
          Error::Invalid("signals.tsv line " + std::to_string(s.line) + ": unknown category"));
    }
    rule.category = static_cast<uint32_t>(it - lexicon.categories.begin());
    CS_TRY_STATUS(add(std::move(rule), s.pattern, "signals.tsv", s.line));
  }
  for (size_t i = 0; i < lexicon.cues.size(); ++i) {
    const CueDef& c = lexicon.cues[i];
    Rule rule;
    rule.is_signal = false;
    rule.index = static_cast<uint32_t>(i);
    rule.cue = c.kind;
    CS_TRY_STATUS(add(std::move(rule), c.pattern, "cues.tsv", c.line));
  }
  if (impl->literal_count == 0) return Fail(Error::Invalid("the lexicon has no patterns"));
  if (!lexicon.model.empty()) {
    if (lexicon.categories.size() + (lexicon.model.emergency_head ? 1 : 0) >
        CompiledModel::kLanes) {
      return Fail(Error::Invalid("model.tsv: a model supports at most 16 categories"));
    }
    if (lexicon.model.features.size() >= (size_t{1} << CompiledModel::kRowBits)) {
      return Fail(Error::Invalid("model.tsv: too many features (at most 16,777,215)"));
    }
    CompileModel(lexicon.model, lexicon.categories.size() + (lexicon.model.emergency_head ? 1 : 0),
                 impl->matcher, impl->model);
    if (impl->matcher.word_count() >= (size_t{1} << 20)) {
      return Fail(Error::Invalid("model.tsv and the lexicon: too many distinct words"));
    }
  }
  impl->matcher.Build();
  impl->lexicon = std::move(lexicon);
  return std::shared_ptr<const Engine>(new Engine(std::move(impl)));
}

TriageResult Engine::Triage(std::string_view text) const {
  const Impl& impl = *impl_;
  const Lexicon& lexicon = impl.lexicon;
  TriageResult result;
  result.lexicon_version = lexicon.version;
  NormalizedText norm = impl.normalizer.Normalize(text, {.canonical = false});
  result.text_flags = norm.flags;
  result.entities = std::move(norm.entities);
  if (norm.folded.empty()) return result;

  // Segment matches: literals start and end on a space, so on token boundaries. A later segment
  // of a rule with gaps can only extend a chain its previous segment started earlier in the text
  // (the matcher reports in text order), so its other matches are not kept: " ảnh " of
  // "dọa * ảnh" is in most messages, "dọa" in few. At most kMaxMatchesPerRule per segment are
  // kept (the first in text order) and kMaxMatches in all, so a hostile message cannot make the
  // engine hold or chain unbounded numbers of matches.
  const TokenVector& tokens = norm.tokens;
  std::vector<Match> found;
  found.reserve(128);
  // The segments that matched (a bit each) and, for those only, how many matches were kept and
  // then where they go: the per-segment arrays are not cleared for every message (a few
  // thousand bytes each time), a segment's entries are read only once its bit is set.
  const size_t segment_count = impl.segment_rule.size();
  const auto per_segment = std::make_unique_for_overwrite<uint32_t[]>(2 * segment_count);
  uint32_t* const count_of = per_segment.get();
  uint32_t* const slot_of = per_segment.get() + segment_count;
  std::vector<uint64_t> used((segment_count + 63) / 64, 0);
  const auto matched = [&](size_t segment) {
    return ((used[segment >> 6] >> (segment & 63)) & 1) != 0;
  };
  std::vector<int32_t> token_ids;
  const bool modelled = impl.model.categories != 0;
  std::optional<CompiledModel::Scorer> scorer;
  if (modelled) scorer.emplace(impl.model, impl.matcher);
  impl.matcher.Scan(
      norm.folded, tokens, token_ids, [&](uint32_t segment, uint32_t first, uint32_t last) {
        if (impl.segment_first[segment] == 0 && !matched(segment - 1)) return true;
        if (!matched(segment)) {
          used[segment >> 6] |= uint64_t{1} << (segment & 63);
          count_of[segment] = 0;
        }
        uint32_t& count = count_of[segment];
        if (count >= kMaxMatchesPerRule) return true;
        ++count;
        found.push_back({segment, tokens[first].begin - 1, tokens[last].end + 1, first, last});
        return found.size() < kMaxMatches;
      });
  const size_t category_count = lexicon.categories.size();
  // Per category, on the stack (ParseLexicon allows at most kMaxCategories).
  std::array<double, kMaxCategories + 1> probability;  // and the emergency head
  if (modelled) {
    scorer->Add(token_ids.data(), token_ids.size());
    scorer->Finish(probability.data());
  }
  std::array<double, kMaxCategories> lexicon_score;
  std::fill_n(lexicon_score.begin(), category_count, -1.0);
  std::array<uint8_t, kMaxCategories> live_category{};
  auto conclude = [&] {
    Conclude(lexicon, lexicon_score.data(), live_category.data(),
             modelled ? probability.data() : nullptr, result);
    return result;
  };
  if (found.empty()) return conclude();
  // By segment (a counting sort over the segments that matched); within a segment they came in
  // text order, i.e. by (from, to).
  uint32_t placed = 0;
  for (size_t w = 0; w < used.size(); ++w) {
    for (uint64_t bits = used[w]; bits != 0; bits &= bits - 1) {
      const size_t segment = w * 64 + static_cast<size_t>(__builtin_ctzll(bits));
      slot_of[segment] = placed;
      placed += count_of[segment];
    }
  }
  std::vector<Match> segments(found.size());
  for (const Match& m : found) segments[slot_of[m.rule]++] = m;

  // An idiom silences the signals inside it, so of its matches at one start the longest counts
  // ("nóng muốn chết luôn" holds "muốn chết luôn"); of any other rule's, the shortest.
  const auto longest = [](const Rule& rule) {
    return !rule.is_signal && rule.cue == CueKind::kIdiom;
  };
  // Whole matches: a one-segment rule's segment matches; for a rule with gaps, chains of its
  // segments each starting at most `gap` words after the previous one, in the same sentence.
  // One match per (rule, start): the one that ends first.
  std::vector<Match> matches;
  matches.reserve(segments.size());  // (at most one per first-segment match)
  const auto segment_range = [&](uint32_t segment) {
    auto lo = std::lower_bound(segments.begin(), segments.end(), segment,
                               [](const Match& m, uint32_t s) { return m.rule < s; });
    auto hi = std::upper_bound(segments.begin(), segments.end(), segment,
                               [](uint32_t s, const Match& m) { return s < m.rule; });
    return std::make_pair(lo, hi);
  };
  const auto no_sentence_end = [&](uint32_t after, uint32_t before) {
    for (uint32_t t = after + 1; t < before; ++t) {
      if (tokens[t].kind == TokenKind::kSentence) return false;
    }
    return true;
  };
  for (auto it = segments.begin(); it != segments.end();) {
    const uint32_t segment = it->rule;
    const uint32_t rule_index = impl.segment_rule[segment];
    const Rule& rule = impl.rules[rule_index];
    auto end = it;
    while (end != segments.end() && end->rule == segment) ++end;
    if (segment == rule.first_segment && rule.gaps.empty()) {
      for (auto m = it; m != end; ++m)
        matches.push_back({rule_index, m->from, m->to, m->first, m->last});
    } else if (segment == rule.first_segment && matched(rule.first_segment + rule.gaps.size())) {
      // (A chain needs a match of the rule's last segment; most first segments have none.)
      for (auto m = it; m != end; ++m) {
        // Extend through the later segments; depth-first, keeping the earliest end (the
        // latest for an idiom, see below).
        Match best{rule_index, m->from, 0, m->first, 0};
        const auto extend = [&](const auto& self, size_t k, const Match& prev) -> void {
          if (k == rule.gaps.size() + 1) {
            if (best.to == 0 || (longest(rule) ? prev.to > best.to : prev.to < best.to)) {
              best.to = prev.to;
              best.last = prev.last;
            }
            return;
          }
          auto [lo, hi] = segment_range(rule.first_segment + static_cast<uint32_t>(k));
          for (auto next = lo; next != hi; ++next) {
            if (next->first <= prev.last) continue;
            if (next->first - prev.last - 1 > static_cast<uint32_t>(rule.gaps[k - 1])) continue;
            if (!no_sentence_end(prev.last, next->first)) continue;
            self(self, k + 1, *next);
          }
        };
        extend(extend, 1, *m);
        if (best.to != 0) matches.push_back(best);
      }
    }
    it = end;
  }
  // `matches` is in (rule, from) order already: segments are numbered rule by rule, each
  // segment's matches are in text order and chains start from first-segment matches in that
  // order. Matches of a rule at the same start are adjacent; keep the one that ends first (for
  // an idiom, last).
  size_t kept = 0;
  for (size_t i = 0; i < matches.size(); ++i) {
    if (kept > 0 && matches[kept - 1].rule == matches[i].rule &&
        matches[kept - 1].from == matches[i].from) {
      const bool replace = longest(impl.rules[matches[i].rule])
                               ? matches[i].to > matches[kept - 1].to
                               : matches[i].to < matches[kept - 1].to;
      if (replace) matches[kept - 1] = matches[i];
      continue;
    }
    matches[kept++] = matches[i];
  }
  matches.resize(kept);

  // The diacritic check (in place: `matches` keeps the live ones).
  size_t live_count = 0;
  for (const Match& m : matches) {
    const Rule& rule = impl.rules[m.rule];
    bool agree = true;
    for (uint32_t t = m.first; t <= m.last && agree; ++t) {
      const uint8_t* marks = norm.folded_marks.data() + tokens[t].begin;
      if (std::all_of(marks, marks + (tokens[t].end - tokens[t].begin),
                      [](uint8_t x) { return x == 0; })) {
        continue;  // written without marks: agrees with anything
      }
      const std::string_view word(norm.folded.data() + tokens[t].begin,
                                  tokens[t].end - tokens[t].begin);
      bool seen = false, any = false;
      for (const internal::PatternWord& pw : rule.words) {
        if (pw.folded != word) continue;
        seen = true;
        if (internal::MarksAgree(norm.folded_marks.data() + tokens[t].begin, pw.marks)) {
          any = true;
          break;
        }
      }
      agree = !seen || any;
    }
    if (agree) matches[live_count++] = m;
  }
  matches.resize(live_count);
  const std::vector<Match>& live = matches;

  // Context cues: the live cue matches, by kind (one array, a few per message).
  struct Cue {
    CueKind kind;
    const Match* match;
    bool active;
  };
  std::vector<Cue> cues;
  cues.reserve(live.size());
  for (const Match& m : live) {
    const Rule& rule = impl.rules[m.rule];
    if (rule.is_signal) continue;
    cues.push_back({rule.cue, &m, true});
  }
  const auto in_idiom = [&](const Match& m) {
    return std::any_of(cues.begin(), cues.end(), [&](const Cue& i) {
      return i.kind == CueKind::kIdiom && i.match->from <= m.from && m.to <= i.match->to &&
             &m != i.match;
    });
  };
  // A cue inside an idiom is part of the figure of speech: "cứu con" in "cứu con tin" (a game
  // mission) discloses nothing and is not urgent. A cue spanning the whole idiom says what the
  // idiom is ("giải cứu con tin" is also a game frame) and stays.
  bool genre = false, disclosure = false;
  for (Cue& c : cues) {
    if (c.kind != CueKind::kIdiom && in_idiom(*c.match) &&
        std::none_of(cues.begin(), cues.end(), [&](const Cue& i) {
          return i.kind == CueKind::kIdiom && i.match->from == c.match->from &&
                 i.match->to == c.match->to;
        })) {
      c.active = false;
    }
    genre |= c.active && c.kind == CueKind::kGenre;
    disclosure |= c.active && c.kind == CueKind::kDisclosure;
  }
  // "nếu không ... tung ảnh" is a threat ("otherwise"), not a negation.
  for (Cue& n : cues) {
    if (n.kind != CueKind::kNegation) continue;
    n.active = n.active && std::none_of(cues.begin(), cues.end(), [&](const Cue& c) {
                 return c.kind == CueKind::kConditional && c.active &&
                        c.match->from <= n.match->from && n.match->to <= c.match->to;
               });
  }
  const bool genre_frame = genre && !disclosure;
  const auto any_cue = [&](CueKind kind, const auto& holds) {
    return std::any_of(cues.begin(), cues.end(),
                       [&](const Cue& c) { return c.kind == kind && c.active && holds(*c.match); });
  };

  struct Scored {
    uint32_t category;
    uint32_t rule;
    uint32_t begin;  // folded content range, without boundary spaces
    uint32_t end;
    double effective;
    bool urgent;
  };
  // Signals that a longer signal of another category explains: of the live signals outside
  // idioms, one inside another's tokens (strictly shorter) whose weight is at least its own.
  // Checked pairwise among at most kMaxSubsumeCheck signal matches (a message has a few dozen;
  // a hostile one with more is scored without this check, never with unbounded work).
  constexpr size_t kMaxSubsumeCheck = 512;
  struct Plain {
    const Match* match;
    uint32_t category;
    double weight;
  };
  std::vector<Plain> plain;
  plain.reserve(live.size());
  for (const Match& m : live) {
    const Rule& rule = impl.rules[m.rule];
    if (!rule.is_signal || in_idiom(m)) continue;
    plain.push_back({&m, rule.category, lexicon.signals[rule.index].weight});
  }
  const bool check_subsumed = plain.size() <= kMaxSubsumeCheck;
  const auto subsumed = [&](const Match& m, uint32_t category, double weight) {
    if (!check_subsumed) return false;
    return std::any_of(plain.begin(), plain.end(), [&](const Plain& o) {
      return o.category != category && o.weight >= weight && o.match->first <= m.first &&
             m.last <= o.match->last && o.match->last - o.match->first > m.last - m.first;
    });
  };

  // The physical-context rule is on when the lexicon has the category and any physical cue.
  const auto physical_it =
      std::find_if(lexicon.categories.begin(), lexicon.categories.end(),
                   [](const CategoryDef& c) { return c.key == kPhysicalCategory; });
  const bool physical_rule =
      physical_it != lexicon.categories.end() &&
      std::any_of(lexicon.cues.begin(), lexicon.cues.end(),
                  [](const CueDef& c) { return c.kind == CueKind::kPhysical; });
  const auto physical_category = static_cast<uint32_t>(physical_it - lexicon.categories.begin());

  std::vector<Scored> scored;
  scored.reserve(live.size());
  for (const Match& m : live) {
    const Rule& rule = impl.rules[m.rule];
    if (!rule.is_signal) continue;
    const SignalDef& def = lexicon.signals[rule.index];
    const CategoryDef& cat = lexicon.categories[rule.category];
    const Token& first = tokens[m.first];
    uint32_t context = 0;
    // The negation ends at most two words before the signal, in the same clause.
    if (any_cue(CueKind::kNegation, [&](const Match& n) {
          return n.last < m.first && m.first - n.last - 1 <= 2 &&
                 tokens[n.last].clause == first.clause;
        })) {
      context |= kContextNegated;
    }
    if (any_cue(CueKind::kReported, [&](const Match& r) {
          return r.last < m.first && tokens[r.last].sentence == first.sentence;
        })) {
      context |= kContextReported;
    }
    if (any_cue(CueKind::kPast,
                [&](const Match& p) { return tokens[p.first].sentence == first.sentence; })) {
      context |= kContextPast;
    }
    // Resolved: the resolution comes after what it ends ("em bị lừa ... nhưng đã được hoàn
    // tiền"); a signal after it in its sentence is still live ("đã chặn nhưng nó vẫn dọa").
    if (any_cue(CueKind::kResolved, [&](const Match& r) {
          const uint32_t s = tokens[r.first].sentence;
          return s > first.sentence || (s == first.sentence && r.first > m.last);
        })) {
      context |= kContextResolved;
    }
    if (subsumed(m, rule.category, def.weight)) context |= kContextSubsumed;
    if (genre_frame) context |= kContextGenre;
    // Before urgency, which it blocks like the other contexts: "cứu em" and "chặn em lại" in
    // game talk are no established risk for "đang" or "cứu em" to raise.
    if (physical_rule && rule.category == physical_category && def.weight < kWeakDanger &&
        !any_cue(CueKind::kPhysical, [&](const Match& p) {
          const uint32_t s = tokens[p.first].sentence;
          return s + 1 >= first.sentence && s <= first.sentence + 1;
        })) {
      context |= kContextNoPhysical;
    }
    // Urgency raises only a signal no other context touched (reported speech aside: a
    // perpetrator's threat is reported speech and the most urgent thing there is). Same
    // sentence or a neighbouring one: "Họ bắt em thuê khách sạn. Giờ em đang ở đó."
    if ((context & ~uint32_t{kContextReported}) == 0 &&
        any_cue(CueKind::kUrgent, [&](const Match& u) {
          const uint32_t s = tokens[u.first].sentence;
          return s + 1 >= first.sentence && s <= first.sentence + 1;
        })) {
      context |= kContextUrgent;
    }
    if (in_idiom(m)) context |= kContextIdiom;
    double effective = def.weight;
    if (context & kContextNegated) effective *= cat.negation;
    if (context & kContextReported) effective *= cat.reported;
    if (context & kContextPast) effective *= cat.past;
    if (context & kContextResolved) effective *= cat.resolved;
    if (context & kContextGenre) effective *= cat.genre;
    if (context & kContextNoPhysical) effective *= kNoPhysicalFactor;
    if (context & kContextSubsumed) effective = 0;
    effective = std::max(effective, std::min(def.weight, cat.floor));
    if (context & kContextIdiom) effective = 0;

    if (result.signals.size() < kMaxSignals) {
      Signal signal;
      signal.category = cat.key;
      signal.span = norm.OriginalSpan(m.from + 1, m.to - 1);
      signal.weight = def.weight;
      signal.effective = effective;
      signal.context = context;
      signal.line = def.line;
      result.signals.push_back(std::move(signal));
    }
    if (effective > 0) {
      scored.push_back({rule.category, m.rule, m.from + 1, m.to - 1, effective,
                        (context & kContextUrgent) != 0});
    }
  }
  std::sort(result.signals.begin(), result.signals.end(), [](const Signal& a, const Signal& b) {
    return std::tie(a.span.begin, a.span.end, a.line) < std::tie(b.span.begin, b.span.end, b.line);
  });

  // Category scores: the strongest match per rule, overlapping matches count once, distinct
  // ones combine as 1 - prod(1 - w).
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return std::tie(a.category, a.rule, b.effective) < std::tie(b.category, b.rule, a.effective);
  });
  scored.erase(std::unique(scored.begin(), scored.end(),
                           [](const Scored& a, const Scored& b) {
                             return a.category == b.category && a.rule == b.rule;
                           }),
               scored.end());
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return std::tie(a.category, a.begin, a.end) < std::tie(b.category, b.begin, b.end);
  });
  const Thresholds& thresholds = lexicon.thresholds;
  size_t k = 0;
  while (k < scored.size()) {
    const uint32_t category = scored[k].category;
    double complement = 1.0, cluster = 0.0;
    uint32_t cluster_end = 0;
    bool urgent_signal = false;
    for (; k < scored.size() && scored[k].category == category; ++k) {
      const Scored& s = scored[k];
      urgent_signal |= s.urgent;
      if (cluster > 0 && s.begin < cluster_end) {
        cluster = std::max(cluster, s.effective);
        cluster_end = std::max(cluster_end, s.end);
      } else {
        complement *= 1.0 - cluster;
        cluster = s.effective;
        cluster_end = s.end;
      }
    }
    complement *= 1.0 - cluster;
    const CategoryDef& cat = lexicon.categories[category];
    double score = 1.0 - complement;
    // Urgency makes an established risk more pressing; it does not create one from weak cues.
    if (urgent_signal && score >= thresholds.suggest) score += (1.0 - score) * cat.urgent;
    lexicon_score[category] = score;
    live_category[category] = 1;  // it has a live signal
  }
  return conclude();
}

EngineHolder::EngineHolder(std::shared_ptr<const Engine> engine) : engine_(std::move(engine)) {}

std::shared_ptr<const Engine> EngineHolder::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_;
}

void EngineHolder::Set(std::shared_ptr<const Engine> engine) {
  std::lock_guard<std::mutex> lock(mu_);
  engine_.swap(engine);
  // The old engine (now in `engine`) is released outside the lock when this returns, unless a
  // caller still holds it.
}

}  // namespace childsafe::text
