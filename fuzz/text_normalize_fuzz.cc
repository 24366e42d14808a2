// Fuzzes the text normaliser, the search fold and triage with the shipped teencode table and
// lexicon, and checks their invariants on every input:
//   * normalisation is idempotent on the canonical view;
//   * the streaming fast path gives exactly what the full machinery gives (both views, spans,
//     marks, tokens, entities, flags);
//   * every span is inside the text, and spans are non-decreasing along each view;
//   * both views are valid UTF-8, one span and (folded) one mark per byte, tokens sit between
//     spaces, entities are inside the text;
//   * FoldForSearch is idempotent and valid UTF-8;
//   * every triage signal's span is inside the text and the level agrees with the score.
// A violation aborts with a message (libFuzzer keeps the input as a reproducer).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "text/fold.h"
#include "text/loader.h"
#include "text/normalize.h"
#include "text/utf8.h"

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "text_normalize invariant violated: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

struct State {
  childsafe::text::Normalizer normalizer;
  std::shared_ptr<const childsafe::text::Engine> engine;
};

const State& GetState() {
  static const State state = [] {
    State s;
    auto engine = childsafe::text::LoadEngine(CHILDSAFE_DATA_DIR);
    if (!engine) Die("cannot load the shipped engine");
    s.engine = *engine;
    auto table = childsafe::text::ReadTeencode(CHILDSAFE_DATA_DIR);
    if (!table) Die("cannot read teencode");
    auto normalizer = childsafe::text::Normalizer::Create(*table);
    if (!normalizer) Die("cannot build normalizer");
    s.normalizer = std::move(*normalizer);
    return s;
  }();
  return state;
}

template <class Spans>  // a SpanVector (Normalize) or a std::vector<Span> (FoldForSearch)
void CheckSpans(const Spans& spans, uint32_t size) {
  for (size_t i = 0; i < spans.size(); ++i) {
    Check(spans[i].begin <= spans[i].end, "span begin <= end");
    Check(spans[i].end <= size, "span inside the text");
    if (i > 0) {
      Check(spans[i - 1].begin <= spans[i].begin, "span begins are monotonic");
      Check(spans[i - 1].end <= spans[i].end, "span ends are monotonic");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace childsafe::text;  // NOLINT: test harness
  const State& state = GetState();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const NormalizedText r = state.normalizer.Normalize(text);
  Check(r.original_size == size, "whole input read");
  Check(r.canonical.size() == r.canonical_spans.size(), "one canonical span per byte");
  Check(r.folded.size() == r.folded_spans.size(), "one folded span per byte");
  Check(r.folded.size() == r.folded_marks.size(), "one mark per folded byte");
  Check(!FindInvalidUtf8(r.canonical), "canonical is UTF-8");
  Check(!FindInvalidUtf8(r.folded), "folded is UTF-8");
  CheckSpans(r.canonical_spans, r.original_size);
  CheckSpans(r.folded_spans, r.original_size);
  Check(r.folded.empty() || (r.folded.front() == ' ' && r.folded.back() == ' '),
        "folded starts and ends with a space");
  for (const Token& t : r.tokens) {
    Check(t.begin > 0 && t.begin < t.end && t.end < r.folded.size(), "token inside folded");
    Check(r.folded[t.begin - 1] == ' ' && r.folded[t.end] == ' ', "tokens between spaces");
  }
  for (const Entity& e : r.entities) {
    Check(e.span.begin < e.span.end && e.span.end <= size, "entity inside the text");
  }
  const NormalizedText again = state.normalizer.Normalize(r.canonical);
  Check(again.canonical == r.canonical, "normalisation is idempotent");
  const NormalizedText full = internal::NormalizeWithoutFastPath(state.normalizer, text);
  Check(full.canonical == r.canonical && full.canonical_spans == r.canonical_spans,
        "fast path: canonical view");
  Check(full.folded == r.folded && full.folded_spans == r.folded_spans &&
            full.folded_marks == r.folded_marks,
        "fast path: folded view");
  Check(
      full.tokens.size() == r.tokens.size() && full.entities == r.entities && full.flags == r.flags,
      "fast path: tokens, entities, flags");
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    const Token& a = r.tokens[i];
    const Token& b = full.tokens[i];
    Check(a.begin == b.begin && a.end == b.end && a.sentence == b.sentence &&
              a.clause == b.clause && a.kind == b.kind,
          "fast path: tokens");
  }

  const std::string folded = FoldForSearch(text);
  Check(!FindInvalidUtf8(folded), "fold is UTF-8");
  Check(FoldForSearch(folded) == folded, "fold is idempotent");
  const FoldedText with_spans = FoldForSearchWithOffsets(text);
  Check(with_spans.text == folded, "fold with offsets gives the same text");
  Check(with_spans.spans.size() == folded.size(), "one fold span per byte");
  CheckSpans(with_spans.spans, static_cast<uint32_t>(size));

  const TriageResult t = state.engine->Triage(text);
  for (const Signal& s : t.signals) {
    Check(s.span.begin < s.span.end && s.span.end <= size, "signal inside the text");
  }
  Check(t.score >= 0 && t.score <= 1, "score in [0, 1]");
  Check(t.signals.size() <= Engine::kMaxSignals, "signals bounded");
  for (const CategoryScore& c : t.categories) {
    Check(c.score <= t.score + 1e-12, "the message score is the highest category score");
    Check(c.level <= t.level, "the message level is the highest category level");
  }
  return 0;
}
