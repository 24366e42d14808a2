#pragma once
// The triage lexicon as data: categories, weighted signals, context cues and level thresholds.
//
// It lives in data/triage/ as four small TSV files (see docs/triage.md for how to edit them):
//   categories.tsv  key, max_level, min_level, negation, reported, genre, past, resolved, urgent,
//                   floor,
//                   label_vi, label_en — one row per risk category and how context changes its
//                   weight
//   signals.tsv     category, weight, pattern[, note] — what to look for
//   cues.tsv        kind, pattern[, note] — context: negation, reported, genre, past,
//                   disclosure, idiom, conditional, urgent, resolved, physical
//   levels.tsv      name, value — score thresholds for emergency, high, medium and "suggest"
// Patterns are written in ordinary Vietnamese with full diacritics (a word's marks are part of
// it: "tung" does not match "từng" when the child wrote the marks; text typed without any marks
// matches either), English or teencode, in a small syntax:
//   words            matched after normalisation, so "tự tử" also matches "tu tu", "t.ự t.ử",
//                    "tựtử" and "tuuu tuuu"
//   {a|b c|}         alternatives; an empty one makes the group optional
//   *  or  *N        a gap of 0..3 (or 0..N, N <= 6) words within the sentence
//   <url> <email> <phone> <handle>   an entity of that kind
// Parsing checks the shape of every row and reports the file and line of the first problem;
// patterns are compiled (and checked further) by Engine::Compile. Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/classifier.h"

namespace childsafe::text {

enum class Level : uint8_t { kLow = 0, kMedium = 1, kHigh = 2, kEmergency = 3 };

/// "low", "medium", "high", "emergency".
std::string_view LevelName(Level level);
std::optional<Level> ParseLevel(std::string_view name);

/// At most this many categories (the engine keeps per-category scores on the stack).
inline constexpr size_t kMaxCategories = 32;

struct CategoryDef {
  std::string key;                 // stable lower_snake_case key, e.g. "suicide_self_harm"
  Level max_level = Level::kHigh;  // the most this category alone can raise a message to
  Level min_level = Level::kLow;   // the least a message with any live signal of it gets
  // Weight multipliers when a signal is negated ("không muốn chết"), reported ("nó bảo..."),
  // framed as news/fiction/lyrics/a general question, or in the past ("năm ngoái").
  double negation = 0.3;
  double reported = 0.8;
  double genre = 0.3;
  double past = 0.7;
  // A resolved case ("đã được hoàn tiền", "giờ ổn rồi", "đã chặn nó"): signals told before the
  // resolution (earlier in its sentence or in an earlier sentence) are multiplied by this. 1 for
  // self-harm and the other categories where an ended episode is still a case.
  double resolved = 1.0;
  // An urgent frame ("đang", "ngay bây giờ", "tối nay", "cứu em") raises the category's score s,
  // once s reaches the "suggest" threshold, to s + (1 - s) * urgent: imminence is what makes an
  // established risk an emergency (it never creates a risk from weak cues).
  double urgent = 0.0;
  // Context never takes a signal's weight below min(weight, floor): how self-harm is never
  // silenced. Only an idiom ("nóng muốn chết") takes it to zero.
  double floor = 0.0;
  std::string label_vi;
  std::string label_en;
};

struct SignalDef {
  std::string category;
  double weight = 0;  // (0, 1]: how strongly this alone indicates the category
  std::string pattern;
  std::string note;
  int line = 0;  // line in signals.tsv
};

enum class CueKind : uint8_t {
  kNegation,  // "không", "chưa bao giờ": a signal right after it, same clause, is negated
  kReported,  // "nó bảo", "nghe nói": signals after it in the sentence are someone's words
  kGenre,     // "bài hát", "báo đưa tin", "làm sao để phòng tránh": the whole message is
              // news, fiction, lyrics or a general question...
  kDisclosure,  // ..."em đang bị", "con tôi bị": ...unless it also discloses a real case
  kPast,        // "năm ngoái", "hồi trước": signals in the sentence are in the past
  kIdiom,       // "nóng muốn chết", "cười chết": signals inside it are a figure of speech
  kConditional,  // "nếu không", "không thì": the "không" inside is "otherwise", not a negation
  kUrgent,       // "đang", "ngay bây giờ", "tối nay", "cứu em": the risk is happening now
  kResolved,  // "đã được hoàn tiền", "giờ ổn rồi", "đã chặn": what was told before it is over
  kPhysical,  // "đánh", "nhốt", "dao", "máu", "kéo lên xe": a body, a weapon, confinement or
              // pursuit nearby; a weak immediate-danger signal without one counts less
};

/// "negation", "reported", "genre", "disclosure", "past", "idiom", "conditional", "urgent",
/// "resolved", "physical".
std::string_view CueKindName(CueKind kind);
std::optional<CueKind> ParseCueKind(std::string_view name);

struct CueDef {
  CueKind kind = CueKind::kNegation;
  std::string pattern;
  std::string note;
  int line = 0;  // line in cues.tsv
};

struct Thresholds {
  double emergency = 0.80;
  double high = 0.55;
  double medium = 0.30;
  double suggest = 0.35;  // a category is suggested to the counsellor from this score up
};

struct Lexicon {
  std::vector<CategoryDef> categories;
  std::vector<SignalDef> signals;
  std::vector<CueDef> cues;
  Thresholds thresholds;
  ModelDef model;       // the learned second opinion (classifier.h); empty: none
  std::string version;  // 16 hex digits of a hash of the four sources: logged with each result
};

/// The four files' contents.
struct LexiconSources {
  std::string categories_tsv;
  std::string signals_tsv;
  std::string cues_tsv;
  std::string levels_tsv;
  std::string model_tsv;  // triage/model.tsv; empty: no model
};

/// Parses and checks the sources: every row well-formed, weights and factors in range, every
/// signal's category defined, keys lower_snake_case and unique, thresholds ordered, the model
/// (ParseModel) over the same categories. Errors are kInvalidArgument with
/// "<file> line N: <problem>".
Result<Lexicon> ParseLexicon(const LexiconSources& sources);

}  // namespace childsafe::text
