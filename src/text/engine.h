#pragma once
// The triage engine: Vietnamese-aware risk signals for a hotline message.
//
// An Engine is compiled once from a Lexicon and a teencode table (Engine::Compile) into one
// whole-word phrase matcher over the folded view of normalize.h: every pattern expands into
// literal strings (see text/pattern.h) matched as token sequences (text/matcher.h); gaps
// ("dọa * ảnh") join literal segments afterwards.
// Triage(text) then normalises the text, scans it once, applies the lexicon's context rules and
// returns a level, a score, the signals with their spans in the original text, the suggested
// categories and the entities (links, phone numbers, ...) found.
//
// What the engine decides and what it does not: it only orders and highlights. The level sets
// a queue's priority and an emergency raises a supervisor alert; a counsellor reads every
// message, sees the signals and decides. The engine never closes or downgrades anything.
//
// Scoring (details and how to tune it in docs/triage.md):
//   * each match of a signal has the lexicon weight w; context changes it: a negation just
//     before it in the same clause (but not the "không" of "nếu không", "otherwise"),
//     reported speech or the past in the same sentence, a news/fiction/lyrics/general-question
//     frame for the whole message (unless the message also discloses a case), each multiply w
//     by the category's factor; the result never goes
//     below min(w, category floor) — how self-harm is never silenced — except inside an idiom
//     ("nóng muốn chết"), where it is 0 (the signal is still listed, with the idiom flag);
//   * a context cue inside an idiom does not count ("cứu con" in "cứu con tin" is no
//     disclosure and no urgency);
//   * a "resolved" cue ("đã được hoàn tiền", "giờ ổn rồi", "đã chặn") multiplies the signals
//     told before it (earlier in its sentence or in an earlier sentence) by the category's
//     resolved factor (1 for self-harm, which the floor protects anyway);
//   * a signal inside a longer signal of another category, whose weight is at least its own, is
//     explained by it ("sẽ hại cháu" of immediate danger inside the kidnapping scam's "đòi chuyển
//     tiền ngay nếu không sẽ hại cháu"): it counts 0 (then the floor), flagged subsumed. The
//     two-part reading wins over the one-word one;
//   * a weak immediate-danger signal (lexicon weight below 0.7: "cứu em", "em sợ", "không
//     dám về") with no "physical" cue (cues.tsv: a body, a weapon, confinement, pursuit —
//     "đánh", "dao", "máu", "nhốt", "kéo lên xe", "đi theo") in its sentence or a neighbouring
//     one is multiplied by 0.5, flagged no_physical: on its own such a phrase is as often about
//     a scam, a loan app's harassment or a game; like the other contexts it keeps the signal
//     from being urgent. Strong ones and other categories (self-harm above all) are
//     untouched; a lexicon without physical cues turns the rule off;
//   * a match whose words the child wrote with diacritics that contradict the lexicon's ("từng
//     ảnh" against "tung ảnh") is not a match;
//   * per category, overlapping matches count once (the strongest), distinct ones combine as
//     s = 1 - prod(1 - w_i); if s already reaches the "suggest" threshold and one of its signals
//     (untouched by negation, genre, past or idiom) is in an urgent frame ("đang", "ngay bây
//     giờ", "tối nay", "cứu em"; same or next sentence), s becomes s + (1 - s) * urgent: urgency
//     makes an established risk an emergency, it never creates one; the message score is the
//     highest category score;
//   * the model (classifier.h, data/triage/model.tsv), when there is one, then damps a category
//     score it doubts and raises one it finds likely, which may add a category no pattern
//     matched;
//   * a category's level follows the thresholds (levels.tsv), capped by its max_level and
//     raised to its min_level when it has any live signal; the message level is the highest.
//
// Thread-safety: an Engine is immutable; Triage may be called from any number of threads at
// once (no lock is taken). Triage is O(n) in the text length plus O(m log m) in the number of
// matches, which is capped (at most 16 per pattern segment, the first in text order).
//
// To change the lexicon without a restart, compile a new Engine and publish it through an
// EngineHolder; calls in flight finish on the engine they started with.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/lexicon.h"
#include "text/normalize.h"

namespace childsafe::text {

/// Bits of Signal::context.
enum ContextFlag : uint32_t {
  kContextNegated = 1u << 0,
  kContextReported = 1u << 1,
  kContextGenre = 1u << 2,
  kContextPast = 1u << 3,
  kContextIdiom = 1u << 4,
  kContextUrgent = 1u << 5,
  kContextResolved = 1u << 6,    // told before a "resolved" cue ("đã được hoàn tiền")
  kContextSubsumed = 1u << 7,    // inside a longer, at least as strong signal of another category
  kContextNoPhysical = 1u << 8,  // a weak immediate-danger signal with no physical cue near it
};

struct Signal {
  std::string category;  // lexicon category key
  Span span;             // what to highlight, in the original text
  double weight = 0;     // the lexicon weight
  double effective = 0;  // after context (0 inside an idiom)
  uint32_t context = 0;  // ContextFlag bits
  int line = 0;          // the signals.tsv line that matched (for audit and lexicon review)
};

struct CategoryScore {
  std::string category;
  double score = 0;
  Level level = Level::kLow;
  double model = -1;    // the model's probability for it (classifier.h); -1 without a model
  bool lexicon = true;  // false: suggested by the model alone, no pattern matched
};

struct TriageResult {
  Level level = Level::kLow;
  double score = 0;                       // [0, 1]: the highest category score
  std::vector<Signal> signals;            // in text order; at most kMaxSignals
  std::vector<CategoryScore> categories;  // suggested: score >= thresholds.suggest, best first
  std::vector<Entity> entities;
  uint32_t text_flags = 0;      // TextFlag bits (invalid UTF-8, truncated, ...)
  std::string lexicon_version;  // Lexicon::version of the engine that decided
  double model_emergency = -1;  // the model's emergency head (classifier.h); -1 without one
};

class Engine {
 public:
  /// At most this many signals are listed per message (scoring sees every distinct rule).
  static constexpr size_t kMaxSignals = 256;

  /// Compiles the lexicon. Errors are kInvalidArgument naming the file and line of the first
  /// bad pattern or teencode row (kFailedPrecondition, a CPU Hyperscan could not run on, is no
  /// longer returned since the phrase matcher replaced it). Takes a few hundred milliseconds for
  /// a lexicon of a thousand patterns.
  static Result<std::shared_ptr<const Engine>> Compile(Lexicon lexicon,
                                                       const std::vector<TeencodeEntry>& teencode);

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Triages one message (any bytes; invalid UTF-8 is replaced and flagged). Never fails.
  TriageResult Triage(std::string_view text) const;

  const Normalizer& normalizer() const;
  const Lexicon& lexicon() const;
  /// The lexicon version (Lexicon::version).
  const std::string& version() const;
  /// Number of patterns (signals + cues), and of the literal strings they expand into.
  size_t pattern_count() const;
  size_t literal_count() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The engine currently in use, swappable at run time (lexicon reload without a restart).
/// Thread-safe: Get() and Set() may race freely; a caller keeps the engine it got alive for as
/// long as it holds the shared_ptr.
class EngineHolder {
 public:
  explicit EngineHolder(std::shared_ptr<const Engine> engine);
  std::shared_ptr<const Engine> Get() const;
  void Set(std::shared_ptr<const Engine> engine);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Engine> engine_;
};

}  // namespace childsafe::text
