#include "text/engine.h"

#include <hs/hs.h>

#include <algorithm>
#include <functional>
#include <tuple>
#include <utility>

#include "text/pattern.h"

namespace childsafe::text {
namespace {

// Bounds on what one message can make the engine hold, whatever it contains.
constexpr uint16_t kMaxMatchesPerRule = 16;
constexpr size_t kMaxMatches = size_t{1} << 15;

struct Rule {
  bool is_signal = true;
  uint32_t index = 0;     // into Lexicon::signals or Lexicon::cues
  uint32_t category = 0;  // signals: index into Lexicon::categories
  CueKind cue = CueKind::kNegation;
  std::vector<int> gaps;       // between consecutive segments (see pattern.h); empty: one segment
  uint32_t first_segment = 0;  // index of its first segment in Impl::segment_rule
  std::vector<internal::PatternWord> words;
};

// One literal of the Hyperscan database: which rule and segment it belongs to, and its length
// (a literal's start is its end minus its length).
struct Literal {
  uint32_t segment = 0;  // global segment index
  uint32_t length = 0;
};

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};

// One hs_scratch_t per concurrent scan. Scratches are cloned on demand and kept for reuse, so a
// pool grows to the number of threads that ever scan at once (an HTTP pool's size).
class ScratchPool {
 public:
  explicit ScratchPool(hs_scratch_t* prototype) : prototype_(prototype) {}
  ~ScratchPool() {
    for (hs_scratch_t* s : free_) hs_free_scratch(s);
    hs_free_scratch(prototype_);
  }
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  // Runs f(scratch) with a scratch nobody else uses meanwhile.
  template <class F>
  void With(F&& f) {
    hs_scratch_t* scratch = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        scratch = free_.back();
        free_.pop_back();
      }
    }
    if (scratch == nullptr && hs_clone_scratch(prototype_, &scratch) != HS_SUCCESS) {
      // Out of memory for another scratch: share the prototype, one scan at a time.
      std::lock_guard<std::mutex> lock(prototype_mu_);
      f(prototype_);
      return;
    }
    f(scratch);
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(scratch);
  }

 private:
  std::mutex mu_;
  std::mutex prototype_mu_;
  hs_scratch_t* prototype_;
  std::vector<hs_scratch_t*> free_;
};

struct Match {
  uint32_t rule = 0;  // for a segment match during scanning: the global segment index
  uint32_t from = 0;  // folded offsets of the match, including its boundary spaces
  uint32_t to = 0;
  uint32_t first = 0;  // first and last token of the match
  uint32_t last = 0;
};

struct ScanState {
  const std::vector<Literal>* literals;
  std::vector<Match>* matches;
  std::vector<uint16_t>* per_segment;
};

int OnMatch(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
            void* context) {
  auto* state = static_cast<ScanState*>(context);
  const Literal& literal = (*state->literals)[id];
  uint16_t& count = (*state->per_segment)[literal.segment];
  if (count >= kMaxMatchesPerRule) return 0;
  ++count;
  const auto end = static_cast<uint32_t>(to);
  state->matches->push_back({literal.segment, end - literal.length, end, 0, 0});
  return state->matches->size() >= kMaxMatches ? 1 : 0;
}

Level LevelOf(double score, const Thresholds& t) {
  if (score >= t.emergency) return Level::kEmergency;
  if (score >= t.high) return Level::kHigh;
  if (score >= t.medium) return Level::kMedium;
  return Level::kLow;
}

}  // namespace

struct Engine::Impl {
  Lexicon lexicon;
  Normalizer normalizer;
  std::vector<Rule> rules;
  std::vector<uint32_t> segment_rule;  // global segment index -> rule
  std::vector<Literal> literals;       // Hyperscan id -> literal
  std::unique_ptr<hs_database_t, DatabaseDeleter> db;
  std::unique_ptr<ScratchPool> scratch;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

const Normalizer& Engine::normalizer() const { return impl_->normalizer; }
const Lexicon& Engine::lexicon() const { return impl_->lexicon; }
const std::string& Engine::version() const { return impl_->lexicon.version; }
size_t Engine::pattern_count() const { return impl_->rules.size(); }
size_t Engine::literal_count() const { return impl_->literals.size(); }

Result<std::shared_ptr<const Engine>> Engine::Compile(Lexicon lexicon,
                                                      const std::vector<TeencodeEntry>& teencode) {
  if (hs_valid_platform() != HS_SUCCESS) {
    return Fail(Error::Precondition("this CPU cannot run Hyperscan (SSSE3 is required)"));
  }
  auto impl = std::make_unique<Impl>();
  CS_TRY(impl->normalizer, Normalizer::Create(teencode));

  std::vector<std::string> strings;  // the literals, in Hyperscan id order
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
    for (auto& segment : compiled->segments) {
      const auto segment_index = static_cast<uint32_t>(impl->segment_rule.size());
      impl->segment_rule.push_back(rule_index);
      for (auto& literal : segment) {
        impl->literals.push_back({segment_index, static_cast<uint32_t>(literal.size())});
        strings.push_back(std::move(literal));
      }
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
  if (strings.empty()) return Fail(Error::Invalid("the lexicon has no patterns"));

  // One literal database: Hyperscan's fastest matchers, and no start-of-match tracking needed.
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned int> flags, ids;
  for (size_t i = 0; i < strings.size(); ++i) {
    expressions.push_back(strings[i].data());
    lengths.push_back(strings[i].size());
    flags.push_back(0);
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned int>(expressions.size()), HS_MODE_BLOCK, nullptr,
                           &db, &error) != HS_SUCCESS) {
    std::string where = "lexicon";
    if (error != nullptr && error->expression >= 0 &&
        static_cast<size_t>(error->expression) < impl->literals.size()) {
      const Rule& r = impl->rules[impl->segment_rule[impl->literals[error->expression].segment]];
      where = r.is_signal ? "signals.tsv line " + std::to_string(lexicon.signals[r.index].line)
                          : "cues.tsv line " + std::to_string(lexicon.cues[r.index].line);
    }
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return Fail(Error::Invalid(where + ": pattern rejected by the matcher: " + message));
  }
  impl->db.reset(db);
  hs_scratch_t* prototype = nullptr;
  if (hs_alloc_scratch(db, &prototype) != HS_SUCCESS) {
    return Fail(Error::Internal("hs_alloc_scratch failed"));
  }
  impl->scratch = std::make_unique<ScratchPool>(prototype);
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

  std::vector<Match> segments;
  std::vector<uint16_t> per_segment(impl.segment_rule.size(), 0);
  ScanState state{&impl.literals, &segments, &per_segment};
  impl.scratch->With([&](hs_scratch_t* scratch) {
    hs_scan(impl.db.get(), norm.folded.data(), static_cast<unsigned int>(norm.folded.size()), 0,
            scratch, OnMatch, &state);
  });
  if (segments.empty()) return result;

  // Tokens of each segment match (literals start and end on a space, so on token boundaries).
  const std::vector<Token>& tokens = norm.tokens;
  for (Match& m : segments) {
    const uint32_t begin = m.from + 1, end = m.to - 1;
    auto first = std::lower_bound(tokens.begin(), tokens.end(), begin,
                                  [](const Token& t, uint32_t pos) { return t.begin < pos; });
    auto last = std::lower_bound(tokens.begin(), tokens.end(), end,
                                 [](const Token& t, uint32_t pos) { return t.end < pos; });
    m.first = static_cast<uint32_t>(first - tokens.begin());
    m.last = static_cast<uint32_t>(last - tokens.begin());
  }
  std::sort(segments.begin(), segments.end(), [](const Match& a, const Match& b) {
    return std::tie(a.rule, a.from, a.to) < std::tie(b.rule, b.from, b.to);
  });

  // Whole matches: a one-segment rule's segment matches; for a rule with gaps, chains of its
  // segments each starting at most `gap` words after the previous one, in the same sentence.
  // One match per (rule, start): the one that ends first.
  std::vector<Match> matches;
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
    } else if (segment == rule.first_segment) {
      for (auto m = it; m != end; ++m) {
        // Extend through the later segments; depth-first, keeping the earliest end.
        Match best{rule_index, m->from, 0, m->first, 0};
        const std::function<void(size_t, const Match&)> extend = [&](size_t k, const Match& prev) {
          if (k == rule.gaps.size() + 1) {
            if (best.to == 0 || prev.to < best.to) {
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
            extend(k + 1, *next);
          }
        };
        extend(1, *m);
        if (best.to != 0) matches.push_back(best);
      }
    }
    it = end;
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    return std::tie(a.rule, a.from, a.to) < std::tie(b.rule, b.from, b.to);
  });
  matches.erase(std::unique(matches.begin(), matches.end(),
                            [](const Match& a, const Match& b) {
                              return a.rule == b.rule && a.from == b.from;
                            }),
                matches.end());

  // The diacritic check.
  std::vector<Match> live;
  live.reserve(matches.size());
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
    if (agree) live.push_back(m);
  }

  // Context cues.
  bool genre = false, disclosure = false;
  std::vector<const Match*> negations, reported, past, idioms, conditionals, urgent;
  for (const Match& m : live) {
    const Rule& rule = impl.rules[m.rule];
    if (rule.is_signal) continue;
    switch (rule.cue) {
      case CueKind::kNegation:
        negations.push_back(&m);
        break;
      case CueKind::kReported:
        reported.push_back(&m);
        break;
      case CueKind::kGenre:
        genre = true;
        break;
      case CueKind::kDisclosure:
        disclosure = true;
        break;
      case CueKind::kPast:
        past.push_back(&m);
        break;
      case CueKind::kIdiom:
        idioms.push_back(&m);
        break;
      case CueKind::kConditional:
        conditionals.push_back(&m);
        break;
      case CueKind::kUrgent:
        urgent.push_back(&m);
        break;
    }
  }
  // "nếu không ... tung ảnh" is a threat ("otherwise"), not a negation.
  std::erase_if(negations, [&](const Match* n) {
    return std::any_of(conditionals.begin(), conditionals.end(),
                       [&](const Match* c) { return c->from <= n->from && n->to <= c->to; });
  });
  const bool genre_frame = genre && !disclosure;

  struct Scored {
    uint32_t category;
    uint32_t rule;
    uint32_t begin;  // folded content range, without boundary spaces
    uint32_t end;
    double effective;
    bool urgent;
  };
  std::vector<Scored> scored;
  for (const Match& m : live) {
    const Rule& rule = impl.rules[m.rule];
    if (!rule.is_signal) continue;
    const SignalDef& def = lexicon.signals[rule.index];
    const CategoryDef& cat = lexicon.categories[rule.category];
    const Token& first = tokens[m.first];
    uint32_t context = 0;
    for (const Match* n : negations) {
      // The negation ends at most two words before the signal, in the same clause.
      if (n->last < m.first && m.first - n->last - 1 <= 2 &&
          tokens[n->last].clause == first.clause) {
        context |= kContextNegated;
        break;
      }
    }
    for (const Match* r : reported) {
      if (r->last < m.first && tokens[r->last].sentence == first.sentence) {
        context |= kContextReported;
        break;
      }
    }
    for (const Match* p : past) {
      if (tokens[p->first].sentence == first.sentence) {
        context |= kContextPast;
        break;
      }
    }
    if (genre_frame) context |= kContextGenre;
    // Urgency raises only a signal no other context touched (reported speech aside: a
    // perpetrator's threat is reported speech and the most urgent thing there is).
    if ((context & ~uint32_t{kContextReported}) == 0) {
      for (const Match* u : urgent) {
        // Same sentence or a neighbouring one: "Họ bắt em thuê khách sạn. Giờ em đang ở đó."
        const uint32_t s = tokens[u->first].sentence;
        if (s + 1 >= first.sentence && s <= first.sentence + 1) {
          context |= kContextUrgent;
          break;
        }
      }
    }
    for (const Match* i : idioms) {
      if (i->from <= m.from && m.to <= i->to) {
        context |= kContextIdiom;
        break;
      }
    }
    double effective = def.weight;
    if (context & kContextNegated) effective *= cat.negation;
    if (context & kContextReported) effective *= cat.reported;
    if (context & kContextPast) effective *= cat.past;
    if (context & kContextGenre) effective *= cat.genre;
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
    Level level = std::min(LevelOf(score, thresholds), cat.max_level);
    level = std::max(level, cat.min_level);  // it has a live signal
    result.level = std::max(result.level, level);
    result.score = std::max(result.score, score);
    if (score >= thresholds.suggest) result.categories.push_back({cat.key, score, level});
  }
  std::sort(result.categories.begin(), result.categories.end(),
            [](const CategoryScore& a, const CategoryScore& b) {
              if (a.score != b.score) return a.score > b.score;
              if (a.level != b.level) return a.level > b.level;
              return a.category < b.category;
            });
  return result;
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
