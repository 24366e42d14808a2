#pragma once
// Search folding: the one function storage uses on both the stored text and the query, so that
// "xam hai" finds "xâm hại", "HOÀ" finds "hòa" and "Đường" finds "duong".
//
// Contract of FoldForSearch(text), for any bytes:
//   * invalid UTF-8 becomes U+FFFD (one per maximal subpart);
//   * the result is the same for canonically equivalent input (NFC, NFD, mixed);
//   * letters are case-folded (simple case folding) and lose their diacritics: a letter whose
//     canonical decomposition is a base letter plus combining marks becomes the base letter
//     (Vietnamese tones and vowel marks, French accents, Greek tonos ...); đ/Đ become d;
//     compatibility forms (fullwidth Latin and digits) become their plain form; so every tone
//     placement ("hoà", "hòa") folds to the same "hoa";
//   * combining diacritical marks (U+0300-036F, U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF,
//     U+FE20-FE2F) are removed; other combining marks (Thai, Indic vowel signs) are kept;
//   * zero-width characters, bidi controls, soft hyphens and variation selectors are removed;
//   * every run of white space (incl. line breaks, no-break space) becomes one ' ', and the
//     result has no leading or trailing space;
//   * everything else (digits, punctuation, symbols, emoji, other scripts) is kept as it is.
// No teencode expansion, repeated-letter collapsing or look-alike mapping: those are triage
// heuristics and would surprise a person searching.
//
// Properties: the result is valid UTF-8, idempotent (FoldForSearch(FoldForSearch(x)) ==
// FoldForSearch(x)), never longer than 3x the input, and for text of Vietnamese
// letters, ASCII and punctuation it has at most as many bytes as the input. Cost: O(n), one
// table lookup per character; already-NFC input (the usual case) never calls ICU. Thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "text/normalize.h"

namespace childsafe::text {

std::string FoldForSearch(std::string_view text);

struct FoldedText {
  std::string text;
  std::vector<Span> spans;  // one per byte of `text`: the original bytes it came from
};

/// FoldForSearch with a map back to the original, for highlighting search hits.
FoldedText FoldForSearchWithOffsets(std::string_view text);

}  // namespace childsafe::text
