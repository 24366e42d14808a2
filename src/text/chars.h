#pragma once
// Per-code-point facts the normaliser and the search fold need, computed once from ICU.
//
// Internal to src/text. The table covers U+0000..U+24FF (every script a Vietnamese hotline sees
// in practice: Latin incl. Vietnamese, combining marks, Greek, Cyrillic, Thai, general
// punctuation) and the fullwidth forms U+FF00..U+FFEF; other code points are computed on the fly
// with the same function (slower, rare). The table is immutable after its thread-safe lazy
// initialisation (a function-local static), so it is constant data, not mutable global state.

#include <cstdint>

namespace childsafe::text::internal {

enum class CharClass : uint8_t {
  kOther,      // symbols, emoji, unassigned: a word boundary
  kLetter,     // any alphabetic character
  kDigit,      // a decimal digit (fold gives the ASCII digit)
  kMark,       // a combining mark that NFC could not compose into the previous letter
  kSpace,      // White_Space except line breaks
  kLineBreak,  // \n, \r, U+2028, U+2029: ends a sentence
  kIgnorable,  // zero-width and bidi controls, soft hyphen, variation selectors: removed
  kDot,        // '.': inside a word ("t.ự") or the end of a sentence
  kIntraSep,   // - _ * ~ + | ^ ' ` and look-alikes: may split a word to dodge filters
  kHardPunct,  // ! ? ; … and ideographic full stop: end of a sentence
  kSoftPunct,  // , : ( ) [ ] { } " and quotes: end of a clause
  kLeet,       // @ $: letters when written inside a word ("$ex", "@nh")
};

// Vietnamese modifiers: the vowel-quality marks (and the stroke of đ), a property of a letter.
enum : uint8_t { kModNone = 0, kModCircumflex = 1, kModBreve = 2, kModHorn = 3, kModStroke = 4 };
// Vietnamese tones: a property of the syllable, written on one vowel.
enum : uint8_t {
  kToneNone = 0,
  kToneGrave = 1,
  kToneAcute = 2,
  kToneHook = 3,
  kToneTilde = 4,
  kToneDot = 5
};

enum : uint8_t {
  kFlagVietnamese = 1,  // `lower` == Compose(fold, mod, tone): the letter can carry a moved tone
  kFlagForeignMarks = 2,  // `lower` carries non-Vietnamese marks (é is Vietnamese, ü and ñ are not)
  kFlagNotNfcInert = 4,  // NFC may change this code point or combine it with its neighbour
  kFlagBidiControl = 8,  // one of the explicit bidi formatting characters
  kFlagHomoglyph = 16,   // a Cyrillic or Greek letter that looks like a Latin one (fold gives it)
};

struct CharInfo {
  char32_t lower = 0;  // simple case fold, diacritics kept ('Ế' -> 'ế')
  char32_t fold = 0;   // search fold: `lower` without diacritics, đ -> d, compatibility forms
                       // (fullwidth) to their plain form; for a homoglyph, the letter itself
  char32_t latin = 0;  // for a homoglyph (kFlagHomoglyph), the Latin letter it imitates
  CharClass cls = CharClass::kOther;
  uint8_t mod = kModNone;
  uint8_t tone = kToneNone;
  uint8_t flags = 0;
};

inline constexpr char32_t kLowTableEnd = 0x2500;

/// The table for U+0000..kLowTableEnd-1 (built on first use; thread-safe).
const CharInfo* LowTable();

/// CharInfo in eight bytes, for the normaliser's inner loop over letters.
struct FastInfo {
  char32_t lower = 0;  // CharInfo::lower
  uint8_t fold = 0;    // CharInfo::fold when it is ASCII (kFastLean), else 0
  uint8_t mark = 0;    // mod | tone << 3 (NormalizedText::folded_marks encoding)
  uint8_t bits = 0;    // kFast* below
  uint8_t unused = 0;
};
enum : uint8_t {
  kFastLetter = 1,       // cls == CharClass::kLetter
  kFastLean = 2,         // a letter whose fold is ASCII, neither a homoglyph nor foreign-marked
  kFastVietnamese = 4,   // kFlagVietnamese
  kFastNotNfcInert = 8,  // kFlagNotNfcInert
  kFastVowel = 16,       // kFastLean, and the fold is a e i o u or y (not the d of đ)
  kFastWordStart = 32,   // cls == CharClass::kLetter or CharClass::kDigit
};

/// FastInfo for U+0000..kLowTableEnd-1, derived from LowTable() (built on first use).
const FastInfo* FastTable();

/// Facts about any code point outside the low table (computed with ICU; slower).
CharInfo InfoSlow(char32_t cp);

/// True for the code points CharClass::kIgnorable covers (zero-width, bidi and other format
/// characters, variation selectors): cheap for every code point, table-driven.
bool IsIgnorable(char32_t cp);

/// The combining marks the search fold drops wherever they are (FoldForSearch): the blocks of
/// combining diacritical marks (U+0300-036F and their extensions and supplement, those for
/// symbols, half marks). Other marks (Arabic hamza, Indic vowel signs) are kept.
bool IsDiacriticalMark(char32_t cp);

/// Facts about `cp` (any scalar value; invalid input should be U+FFFD before this call).
inline CharInfo Info(char32_t cp) { return cp < kLowTableEnd ? LowTable()[cp] : InfoSlow(cp); }

/// The precomposed lower-case letter for an ASCII base (a e i o u y d), a modifier and a tone,
/// or 0 when Vietnamese has no such letter (e.g. 'e' with a breve).
char32_t ComposeVietnamese(char32_t base, uint8_t mod, uint8_t tone);

}  // namespace childsafe::text::internal
