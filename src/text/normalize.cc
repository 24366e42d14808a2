#include "text/normalize.h"

#include <unicode/bytestream.h>
#include <unicode/edits.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "text/chars.h"
#include "text/tsv.h"
#include "text/utf8.h"

namespace childsafe::text {

using internal::CharClass;
using internal::CharInfo;

namespace {

// ---------------------------------------------------------------------------------------------
// Teencode table: an open-addressing hash map from a canonical word to its expansion, built once.

struct Expansion {
  std::string canonical;       // "người yêu"
  std::string folded;          // "nguoi yeu" (no surrounding spaces)
  std::vector<uint8_t> marks;  // one per byte of `folded`
  uint32_t words = 0;
};

// Keys of up to eight bytes (all of them in practice) are packed into an integer, so a lookup is
// one multiply and one integer compare: the normaliser asks for every word it emits.
class TeencodeMap {
 public:
  void Build(std::vector<std::string> keys, std::vector<Expansion> values) {
    keys_ = std::move(keys);
    values_ = std::move(values);
    filter_.fill(0);
    for (const std::string& key : keys_) {
      std::vector<char32_t> cps;
      for (size_t i = 0; i < key.size();) {
        const DecodedChar d = DecodeUtf8(std::string_view(key).substr(i));
        cps.push_back(d.cp);
        i += d.length;
      }
      const uint64_t h = FilterHash(cps[0], cps.size() > 1 ? cps[1] : 0, cps.back(), cps.size());
      filter_[(h >> 6) & (kFilterWords - 1)] |= uint64_t{1} << (h & 63);
    }
    size_t capacity = 16;
    while (capacity < keys_.size() * 2) capacity <<= 1;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    max_key_bytes_ = 0;
    first_bytes_ = {0, 0, 0, 0};
    for (size_t i = 0; i < keys_.size(); ++i) {
      max_key_bytes_ = std::max(max_key_bytes_, keys_[i].size());
      const auto first = static_cast<unsigned char>(keys_[i][0]);
      first_bytes_[first >> 6] |= uint64_t{1} << (first & 63);
      const uint64_t packed = Pack(keys_[i]);
      size_t slot = Hash(keys_[i].size(), packed) & mask_;
      while (slots_[slot].index >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = {packed, static_cast<int32_t>(i)};
    }
  }

  // False when no key starts with byte `first` or is `bytes` long or longer than every key.
  bool MayContain(unsigned char first, size_t bytes) const {
    return bytes != 0 && bytes <= max_key_bytes_ &&
           ((first_bytes_[first >> 6] >> (first & 63)) & 1) != 0;
  }
  size_t max_key_bytes() const { return max_key_bytes_; }

  const Expansion* Find(std::string_view key) const {
    if (key.empty() || key.size() > max_key_bytes_) return nullptr;
    // Most words start with a byte no key starts with: one bit test rejects them.
    const auto first = static_cast<unsigned char>(key[0]);
    if (((first_bytes_[first >> 6] >> (first & 63)) & 1) == 0) return nullptr;
    const uint64_t packed = Pack(key);
    size_t slot = Hash(key.size(), packed) & mask_;
    while (true) {
      const Slot& s = slots_[slot];
      if (s.index < 0) return nullptr;
      if (s.packed == packed &&
          (key.size() <= 8 ? keys_[s.index].size() == key.size() : keys_[s.index] == key)) {
        return &values_[s.index];
      }
      slot = (slot + 1) & mask_;
    }
  }

  size_t size() const { return keys_.size(); }

  // A filter on a word's code points (as the normaliser holds them, before encoding): false
  // means no key is this word. It looks at the length and the first, second and last code point
  // only, so it costs the same for any word.
  // `second` is 0 for a one-letter word.
  static uint64_t FilterHash(char32_t first, char32_t second, char32_t last, size_t n) {
    const uint64_t h = (uint64_t{first} * 0x9E3779B97F4A7C15ULL) ^
                       (uint64_t{second} * 0xC2B2AE3D27D4EB4FULL) ^
                       (uint64_t{last} * 0x165667B19E3779F9ULL) ^ (n * 0xFF51AFD7ED558CCDULL);
    return h ^ (h >> 32);
  }
  bool MayBeKey(uint64_t h) const {
    return ((filter_[(h >> 6) & (kFilterWords - 1)] >> (h & 63)) & 1) != 0;
  }

 private:
  static constexpr size_t kFilterWords = 64;  // 4096 bits: about 3% false positives at 128 keys
  struct Slot {
    uint64_t packed = 0;  // the key's first eight bytes, little-endian, zero-padded
    int32_t index = -1;
  };
  static uint64_t Pack(std::string_view key) {
    uint64_t packed = 0;
    const size_t n = std::min<size_t>(key.size(), 8);
    for (size_t k = 0; k < n; ++k)
      packed |= uint64_t{static_cast<unsigned char>(key[k])} << (8 * k);
    return packed;
  }
  static uint64_t Hash(size_t bytes, uint64_t packed) {
    const uint64_t h = (packed ^ bytes) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
  }

  std::vector<std::string> keys_;
  std::vector<Expansion> values_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t max_key_bytes_ = 0;
  std::array<uint64_t, 4> first_bytes_{};
  std::array<uint64_t, kFilterWords> filter_{};
};

// ---------------------------------------------------------------------------------------------
// The main pass works on "glyphs" (one letter, digit or symbol with its diacritics split off)
// grouped into fragments separated by gaps, then joins fragments into words.

enum class GlyphKind : uint8_t {
  kLetter,
  kDigit,
  kSym,       // @ $ inside a word
  kMark,      // a combining mark NFC left alone: canonical view only
  kDigitSep,  // '.' or ',' between digits ("500.000"): canonical view only
};

// Glyph::flags bit (beside internal::CharInfo flags): read as a letter by look-alike mapping.
constexpr uint8_t kMapped = 0x80;

struct Glyph {
  char32_t base = 0;   // folded form
  char32_t lower = 0;  // canonical form
  uint32_t b = 0;      // byte range in the work text
  uint32_t e = 0;
  GlyphKind kind = GlyphKind::kLetter;
  uint8_t mod = 0;
  uint8_t tone = 0;
  uint8_t flags = 0;
};

// The glyph of a letter or a digit at work bytes [b, e).
Glyph LetterGlyph(const CharInfo& info, uint32_t b, uint32_t e) {
  Glyph g;
  g.base = info.fold;
  g.lower = info.lower;
  g.b = b;
  g.e = e;
  g.kind = GlyphKind::kLetter;
  g.mod = info.mod;
  g.tone = info.tone;
  g.flags = info.flags;
  return g;
}
Glyph DigitGlyph(const CharInfo& info, uint32_t b, uint32_t e) {
  Glyph g;
  g.base = info.fold;
  g.lower = info.fold;
  g.b = b;
  g.e = e;
  g.kind = GlyphKind::kDigit;
  return g;
}

struct Gap {
  uint32_t chars = 0;         // characters in the gap
  bool single_space = false;  // the gap is exactly one ASCII space
  bool space = false;
  bool hard = false;
  bool soft = false;
  bool dot = false;
  char hard_char = '.';
  void Merge(const Gap& o) {
    single_space = false;
    chars += o.chars;
    if (o.hard && !hard) hard_char = o.hard_char;
    space |= o.space;
    hard |= o.hard;
    soft |= o.soft;
    dot |= o.dot;
  }
  bool IntraOnly() const { return !space && !hard && !soft; }
};

// The gap item of one character of class `cls` (code point cp) that only ever separates words:
// punctuation, separators, spaces, line breaks. False for a letter, digit, mark, invisible
// character or look-alike, which Scan and ParseGapAfterWord treat by their context.
bool SimpleGapChar(CharClass cls, char32_t cp, Gap& one) {
  one = Gap{};
  switch (cls) {
    case CharClass::kDot:
      one.dot = true;
      break;
    case CharClass::kSoftPunct:
      if (cp == '.') {
        one.dot = true;
      } else {
        one.soft = true;
      }
      break;
    case CharClass::kIntraSep:
      break;
    case CharClass::kLineBreak:
      one.hard = true;
      one.space = true;
      break;
    case CharClass::kHardPunct:
      one.hard = true;
      one.hard_char = cp == '?' || cp == 0xFF1F ? '?' : (cp == '!' || cp == 0xFF01) ? '!' : '.';
      break;
    case CharClass::kSpace:
    case CharClass::kOther:
      one.space = true;
      one.single_space = cp == ' ';
      break;
    default:
      return false;
  }
  one.chars = 1;
  return true;
}

enum class ItemKind : uint8_t { kWord, kGap, kEntity };

struct Item {
  ItemKind kind = ItemKind::kGap;
  uint32_t g_begin = 0;  // kWord: glyph range
  uint32_t g_end = 0;
  uint32_t b = 0;  // byte range in the work text
  uint32_t e = 0;
  Gap gap;
  uint32_t entity = 0;  // kEntity: index into the entity vector
  bool single = false;  // kWord: one letter (or look-alike) once transformed: "c", "ooo", "@"
  bool joined = false;  // kWord: made by joining fragments
};

// Appends n copies of v (n is 1..4 here: faster than vector::insert for such counts).
template <class T>
void Repeat(std::vector<T>& v, size_t n, const T& value) {
  for (size_t k = 0; k < n; ++k) v.push_back(value);
}

bool IsLeetDigit(char32_t c) {
  return c == '0' || c == '1' || c == '3' || c == '4' || c == '5' || c == '7';
}

char32_t LeetLetter(char32_t c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    default:
      return 0;
  }
}

// Units written right after a number ("17tr", "500k", "2h"): such words keep their digits.
bool IsUnit(std::string_view letters) {
  static constexpr std::array<std::string_view, 26> kUnits = {
      "k",  "tr", "trieu", "m", "ty", "d", "vnd",  "usd",   "h",  "p", "km", "kg", "g",
      "cm", "mm", "tuoi",  "t", "s",  "x", "ngan", "nghin", "ml", "l", "gb", "mb", "th"};
  return std::find(kUnits.begin(), kUnits.end(), letters) != kUnits.end();
}

// The longest run of one base letter that is spelling, not emphasis. Vietnamese writes no
// doubled letter in a syllable except "uu" (cứu, lưu, hưu, mưu: u with and without a horn, which
// fold to the same letter), so every longer run is emphasis and is cut back to this length.
size_t MaxRun(char32_t base) { return base == 'u' ? 2 : 1; }

// How many letters of a run of one base letter are spelling: 2 for "ưu" (a u with or without a
// horn, followed somewhere in the run by a u without one: "cứuuu", "cuuu"), else 1 ("tửửử",
// "chếttt"). Tones are ignored in the test because tone placement may move a tone onto the
// second u ("uụe"), and a second pass must decide the same way.
// Index (> 0) of the letter kept second in a "ưu" run: the first u without a horn that is not a
// repeat of a marked first letter ("úúu" keeps "úu"), or 0 if there is none.
template <class G>
size_t SecondOfRun(const G* run, size_t n) {
  const bool marked = run[0].mod != 0 || run[0].tone != 0;
  for (size_t j = 1; j < n; ++j) {
    if (run[j].mod == 0 && !(marked && run[j].lower == run[0].lower)) return j;
  }
  return 0;
}

template <class G>
size_t KeepOfRun(const G* run, size_t n) {
  if (n <= 1) return n;
  if (MaxRun(run[0].base) < 2) return 1;
  bool same = true;
  for (size_t j = 1; j < n && same; ++j) same = run[j].lower == run[0].lower;
  if (same && (run[0].mod != 0 || run[0].tone != 0)) return 1;  // one marked letter, repeated
  if (run[0].mod != 0 && run[0].mod != internal::kModHorn) return 1;
  return SecondOfRun(run, n) != 0 ? 2 : 1;
}

bool IsVowelGlyph(const Glyph& g) {
  // Bit c of the mask is set for the vowels a e i o u y.
  constexpr uint64_t kVowels = (uint64_t{1} << ('a' - 64)) | (uint64_t{1} << ('e' - 64)) |
                               (uint64_t{1} << ('i' - 64)) | (uint64_t{1} << ('o' - 64)) |
                               (uint64_t{1} << ('u' - 64)) | (uint64_t{1} << ('y' - 64));
  const char32_t b = g.base;
  return b >= 64 && b < 128 && ((kVowels >> (b - 64)) & 1) != 0 && g.mod != internal::kModStroke;
}

bool IsValidInitial(std::string_view s) {
  switch (s.size()) {
    case 0:
      return true;
    case 1:
      return std::string_view("bcdDghklmnpqrstvx").find(s[0]) != std::string_view::npos;
    case 2:
      return s == "ch" || s == "gh" || s == "gi" || s == "kh" || s == "ng" || s == "nh" ||
             s == "ph" || s == "qu" || s == "th" || s == "tr";
    case 3:
      return s == "ngh";
    default:
      return false;
  }
}

bool IsValidFinal(std::string_view s) {
  return s.empty() || s == "c" || s == "ch" || s == "m" || s == "n" || s == "ng" || s == "nh" ||
         s == "p" || s == "t";
}

// Moves the tone of a Vietnamese syllable to its canonical vowel (traditional placement:
// "hòa", "thủy", "khỏe"; "hoàn", "tiến", "người" are the same in both styles). Words that are
// not a well-formed syllable with exactly one tone are left alone.
void PlaceTone(Glyph* w, const size_t n) {
  int tones = 0;
  uint8_t tone = 0;
  for (size_t k = 0; k < n; ++k) {
    const Glyph& g = w[k];
    if (g.kind != GlyphKind::kLetter || (g.flags & internal::kFlagVietnamese) == 0) return;
    if (g.tone != 0) {
      ++tones;
      tone = g.tone;
    }
  }
  if (tones != 1) return;
  size_t i = 0;
  while (i < n && !IsVowelGlyph(w[i])) ++i;
  if (i == n) return;
  // "qu" and "gi" before another vowel are part of the initial consonant.
  if (i == 1 && i + 1 < n && IsVowelGlyph(w[i + 1]) && w[1].mod == 0 &&
      ((w[0].base == 'q' && w[1].base == 'u') || (w[0].base == 'g' && w[1].base == 'i'))) {
    ++i;
  }
  const size_t v_begin = i;
  while (i < n && IsVowelGlyph(w[i])) ++i;
  const size_t v_end = i;
  const size_t vowels = v_end - v_begin;
  if (vowels == 0 || vowels > 3) return;

  size_t target = n;
  for (size_t k = v_begin; k < v_end; ++k) {
    if (w[k].mod != internal::kModNone) target = k;  // the last vowel with a modifier: ơ in ươ
  }
  if (target == n) {
    if (v_end < n) {
      target = v_end - 1;
    } else if (vowels == 3) {
      target = v_begin + 1;
    } else {
      target = v_begin;
    }
  }
  // Almost always the tone is already there; then nothing moves whether or not the rest of the
  // word is a well-formed syllable, so the checks below are only needed when it would move.
  if (w[target].tone == tone) return;

  char initial[3];
  if (v_begin > 3) return;
  for (size_t k = 0; k < v_begin; ++k) {
    if (w[k].base >= 0x80) return;
    initial[k] = w[k].mod == internal::kModStroke ? 'D' : static_cast<char>(w[k].base);
  }
  // "qu"/"gi" consumed above are in `initial` now.
  if (!IsValidInitial(std::string_view(initial, v_begin))) return;
  char final_consonant[2];
  if (n - v_end > 2) return;
  for (size_t k = v_end; k < n; ++k) {
    if (w[k].base >= 0x80 || w[k].mod != 0) return;
    final_consonant[k - v_end] = static_cast<char>(w[k].base);
  }
  if (!IsValidFinal(std::string_view(final_consonant, n - v_end))) return;
  const char32_t composed = internal::ComposeVietnamese(w[target].base, w[target].mod, tone);
  if (composed == 0) return;
  for (size_t k = 0; k < n; ++k) {
    Glyph& g = w[k];
    if (g.tone != 0) {
      const char32_t bare = internal::ComposeVietnamese(g.base, g.mod, 0);
      if (bare == 0) return;
      g.tone = 0;
      g.lower = bare;
    }
  }
  w[target].tone = tone;
  w[target].lower = composed;
}

// Turns a word's glyphs into its canonical glyphs: look-alike digits, symbols and letters read
// as letters, marks typed on a disguise dropped, emphasis collapsed, the tone placed. Returns
// the TextFlag bits for what it did. Used both to emit a word and to decide whether a fragment
// is one letter (Pass::IsSingle), so that a second pass decides the same way.
uint32_t TransformWord(std::vector<Glyph>& w) {
  uint32_t flags = 0;
  // Fast path, almost every word: plain letters, no repeated base letter, no look-alike, no
  // mark. Only the tone may need moving.
  bool plain = true;
  for (size_t k = 0; k < w.size() && plain; ++k) {
    const Glyph& g = w[k];
    plain = g.kind == GlyphKind::kLetter &&
            (g.flags & (internal::kFlagHomoglyph | internal::kFlagForeignMarks)) == 0 &&
            (k == 0 || w[k - 1].base != g.base);
  }
  if (plain) {
    PlaceTone(w.data(), w.size());
    return 0;
  }
  // Look-alike digits and symbols ("n0", "4nh", "$ex"). Digits stay digits in a number with a
  // unit ("17tr", "500k") or with separators ("a9.000"); a symbol is always read as a letter
  // (it only became part of a word because it was written against a letter).
  bool letter = false, leet_digit = false, sym = false, number = false;
  for (const Glyph& g : w) {
    if (g.kind == GlyphKind::kLetter) letter = true;
    if (g.kind == GlyphKind::kDigitSep) number = true;
    if (g.kind == GlyphKind::kSym) sym = true;
    if (g.kind == GlyphKind::kDigit && IsLeetDigit(g.base)) leet_digit = true;
  }
  bool digits = letter && leet_digit && !number;
  if (digits) {
    size_t k = 0;
    while (k < w.size() && (w[k].kind == GlyphKind::kDigit || w[k].kind == GlyphKind::kDigitSep)) {
      ++k;
    }
    if (k > 0) {
      std::string letters;
      bool only_letters = true;
      for (size_t j = k; j < w.size(); ++j) {
        if (w[j].kind != GlyphKind::kLetter || w[j].base >= 0x80) {
          only_letters = false;
          break;
        }
        letters.push_back(static_cast<char>(w[j].base));
      }
      if (only_letters && IsUnit(letters)) digits = false;
    }
  }
  if (digits || (letter && sym)) {
    for (Glyph& g : w) {
      if (g.kind == GlyphKind::kSym ||
          (digits && g.kind == GlyphKind::kDigit && IsLeetDigit(g.base))) {
        g.base = g.lower = LeetLetter(g.base);
        g.kind = GlyphKind::kLetter;
        g.flags = internal::kFlagVietnamese | kMapped;
        g.mod = g.tone = 0;
      }
    }
    flags |= kFlagLookalikes;
  }

  // Look-alike letters from other scripts in a Latin word (after the digits above were read
  // as letters, so that "с1" becomes "ci" at once rather than on a second pass).
  bool latin = false, homoglyph = false;
  for (const Glyph& g : w) {
    if (g.kind != GlyphKind::kLetter) continue;
    if (g.flags & internal::kFlagHomoglyph) homoglyph = true;
    if (g.base < 0x80) latin = true;
  }
  if (latin && homoglyph) {
    for (Glyph& g : w) {
      if (g.kind == GlyphKind::kLetter && (g.flags & internal::kFlagHomoglyph)) {
        const char32_t l = internal::Info(g.lower).latin;
        g.base = g.lower = l;
        g.flags = internal::kFlagVietnamese | kMapped;
        g.mod = g.tone = 0;
      }
    }
    flags |= kFlagMixedScripts;
  }

  // A combining mark typed after a digit, symbol or look-alike that is now read as a letter
  // belonged to the disguise, not to the letter; keeping it could make the canonical view
  // compose differently on a second pass.
  if (flags & (kFlagLookalikes | kFlagMixedScripts)) {
    size_t kept = 0;
    for (size_t k = 0; k < w.size(); ++k) {
      if (w[k].kind == GlyphKind::kMark && kept > 0 && (w[kept - 1].flags & kMapped)) {
        w[kept - 1].e = w[k].e;
        continue;
      }
      w[kept++] = w[k];
    }
    w.resize(kept);
  }

  // Letters repeated for emphasis: "cứuuuu", "chếttt", "khônggg". Runs are of base letters,
  // so "cuuuu" and "cứuuu" fold alike; see MaxRun. Spans widen to cover the run.
  size_t out = 0;
  for (size_t k = 0; k < w.size();) {
    size_t end = k + 1;
    if (w[k].kind == GlyphKind::kLetter) {
      // A letter with non-Vietnamese marks (ā, ü) only runs with copies of itself.
      const auto same_run = [](const Glyph& a, const Glyph& b) {
        const bool foreign = ((a.flags | b.flags) & internal::kFlagForeignMarks) != 0;
        return foreign ? a.lower == b.lower : a.base == b.base;
      };
      while (end < w.size() && w[end].kind == GlyphKind::kLetter && same_run(w[k], w[end])) {
        ++end;
      }
    }
    const size_t run = end - k;
    const size_t keep = KeepOfRun(w.data() + k, run);
    if (run > keep && keep == 1) {
      // Keep the most marked letter of the run: "chêếtt" is "chết"; but the last one when a
      // combining mark follows, since the mark was typed on it.
      size_t best = k;
      const auto score = [](const Glyph& g) { return (g.tone != 0) * 2 + (g.mod != 0); };
      for (size_t j = k + 1; j < end; ++j) {
        if (score(w[j]) > score(w[best])) best = j;
      }
      if (end < w.size() && w[end].kind == GlyphKind::kMark) best = end - 1;
      Glyph g = w[best];
      g.b = w[k].b;
      g.e = w[end - 1].e;
      w[out++] = g;
    } else if (keep == 2 && run > 2) {
      // "ưu": the first letter and the first bare u after it, widened to the whole run.
      const size_t bare = k + SecondOfRun(w.data() + k, run);
      const Glyph first = w[k];
      Glyph u = w[bare];
      u.b = w[k + 1].b;
      u.e = w[end - 1].e;
      w[out++] = first;
      w[out++] = u;
    } else {
      for (size_t j = 0; j < keep; ++j) w[out++] = w[k + j];
    }
    k = end;
  }
  w.resize(out);

  PlaceTone(w.data(), w.size());
  return flags;
}

}  // namespace

namespace {

#if defined(__SSE2__)
// Sixteen bytes at q, starting at a character boundary, checked at once for the characters most
// Vietnamese text is made of: ASCII, two-byte letters with a lead C3..CC (U+00C0..U+033F) and
// three-byte letters E1 B8..BB (U+1E00..U+1EFF), none of them invisible. Returns how many bytes
// (whole characters, 14 to 16) are valid and clean, or 0 when the block holds anything else
// (then the scalar check decides). A character that goes on past the block is left for the
// next one.
size_t CleanVietnameseBlock(const unsigned char* q) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  const auto in = [&](unsigned char lo, unsigned char hi) {
    const __m128i l = _mm_set1_epi8(static_cast<char>(lo));
    const __m128i h = _mm_set1_epi8(static_cast<char>(hi));
    return static_cast<uint32_t>(_mm_movemask_epi8(_mm_and_si128(
        _mm_cmpeq_epi8(_mm_max_epu8(x, l), x), _mm_cmpeq_epi8(_mm_min_epu8(x, h), x))));
  };
  const auto high = static_cast<uint32_t>(_mm_movemask_epi8(x));
  if (high == 0) return 16;
  const uint32_t cont = in(0x80, 0xBF);
  const uint32_t lead2 = in(0xC3, 0xCC);
  const auto lead3 =
      static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\xE1'))));
  if ((high & ~(cont | lead2 | lead3)) != 0) return 0;           // another kind of character
  if (((lead3 << 1) & 0xFFFF & ~in(0xB8, 0xBB)) != 0) return 0;  // E1 outside U+1E00..U+1EFF
  // Continuation bytes exactly where the leads want them (those past the block: next time).
  const uint32_t wanted = (lead2 << 1) | (lead3 << 1) | (lead3 << 2);
  if ((wanted & 0xFFFF) != cont) return 0;
  const uint32_t spill = (lead2 & 0x8000) | (lead3 & 0xC000);
  return spill == 0 ? 16 : static_cast<size_t>(__builtin_ctz(spill));
}
#endif

// True when `text` is valid UTF-8 without invisible characters (zero-width, bidi controls, soft
// hyphens...): the common case, where the text is read as it is. One pass, sixteen bytes at a
// time where they are ASCII and common Vietnamese letters (CleanVietnameseBlock), character by
// character elsewhere; the checks are those of FindInvalidUtf8 and CharClass::kIgnorable.
bool IsCleanUtf8(std::string_view text, const CharInfo* low) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const auto cont = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  size_t i = 0;
  [[maybe_unused]] size_t scalar_until = 0;  // the block the fast check gave up on ends here
  while (i < n) {
#if defined(__SSE2__)
    if (i >= scalar_until && i + 16 <= n) {
      if (const size_t clean = CleanVietnameseBlock(p + i); clean != 0) {
        i += clean;
        continue;
      }
      scalar_until = i + 16;
    }
#endif
    if (i + 8 <= n) {
      // Jump over ASCII to the next byte with the high bit set.
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      const uint64_t high = word & 0x8080808080808080ULL;
      if (high == 0) {
        i += 8;
        continue;
      }
      i += static_cast<size_t>(__builtin_ctzll(high)) / 8;
    } else if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const unsigned char b0 = p[i];
    char32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      if (i + 1 >= n || !cont(p[i + 1])) return false;
      i += 2;
      // U+00C0..U+033F (Latin letters with diacritics, combining marks) holds no invisible
      // character: most Vietnamese letters are there.
      if (b0 >= 0xC3 && b0 <= 0xCC) continue;
      cp = (char32_t{b0 & 0x1Fu} << 6) | (p[i - 1] & 0x3Fu);
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (i + 2 >= n || !cont(p[i + 1]) || !cont(p[i + 2])) return false;
      if ((b0 == 0xE0 && p[i + 1] < 0xA0) || (b0 == 0xED && p[i + 1] > 0x9F)) return false;
      // U+1E00..U+1EFF (the rest of the Vietnamese letters) holds none either.
      const bool latin_extended = b0 == 0xE1 && p[i + 1] >= 0xB8 && p[i + 1] <= 0xBB;
      cp = (char32_t{b0 & 0x0Fu} << 12) | (char32_t{p[i + 1] & 0x3Fu} << 6) | (p[i + 2] & 0x3Fu);
      i += 3;
      if (latin_extended) continue;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (i + 3 >= n || !cont(p[i + 1]) || !cont(p[i + 2]) || !cont(p[i + 3])) return false;
      if ((b0 == 0xF0 && p[i + 1] < 0x90) || (b0 == 0xF4 && p[i + 1] > 0x8F)) return false;
      cp = (char32_t{b0 & 0x07u} << 18) | (char32_t{p[i + 1] & 0x3Fu} << 12) |
           (char32_t{p[i + 2] & 0x3Fu} << 6) | (p[i + 3] & 0x3Fu);
      i += 4;
    } else {
      return false;
    }
    if (cp < internal::kLowTableEnd ? low[cp].cls == CharClass::kIgnorable
                                    : internal::IsIgnorable(cp)) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Normalizer::Impl {
  TeencodeMap teencode;
  const CharInfo* low = nullptr;
  const internal::FastInfo* fast_info = nullptr;
  const icu::Normalizer2* nfc = nullptr;

  Impl() {
    low = internal::LowTable();
    fast_info = internal::FastTable();
    UErrorCode status = U_ZERO_ERROR;
    nfc = icu::Normalizer2::getNFCInstance(status);
    if (U_FAILURE(status)) nfc = nullptr;
  }

  // `fast`: use the streaming fast path for simple words (false: the full machinery for every
  // word, the reference the fast path must agree with).
  NormalizedText Run(std::string_view input, const NormalizeOptions& options,
                     bool fast = true) const;
};

namespace {

// Maps work-text byte ranges back to the original text.
class OffsetMap {
 public:
  explicit OffsetMap(uint32_t size) : size_(size) {}
  OffsetMap(std::vector<Span> map, uint32_t size) : map_(std::move(map)), size_(size) {}
  bool identity() const { return map_.empty(); }
  // Original span of work bytes [b, e).
  Span Map(uint32_t b, uint32_t e) const {
    if (map_.empty()) return {b, e};
    if (e > b) return {map_[b].begin, map_[e - 1].end};
    const uint32_t p = b < map_.size() ? map_[b].begin : size_;
    return {p, p};
  }
  const std::vector<Span>& raw() const { return map_; }
  uint32_t size() const { return size_; }

 private:
  std::vector<Span> map_;
  uint32_t size_;
};

// The views under construction, written through raw pointers into storage that grows
// geometrically and is cut to size at the end: a push_back per byte into three arrays was a
// measurable share of the whole normaliser's time.
class ViewWriter {
 public:
  ViewWriter(std::string& text, SpanVector& spans, MarkVector* marks)
      : text_(text), spans_(spans), marks_(marks) {}

  // Where the next bytes go. Hot loops write through a Cursor held in local variables (stores
  // through a char* could otherwise alias the writer's own fields and force reloads).
  struct Cursor {
    char* text;
    Span* spans;
    uint8_t* marks;  // null for the canonical view
    size_t size;
    void Put(char c, Span span, uint8_t mark = 0) {
      text[size] = c;
      spans[size] = span;
      if (marks != nullptr) marks[size] = mark;
      ++size;
    }
    // Appends the UTF-8 encoding of cp, every byte with `span` and `mark`.
    void PutUtf8(char32_t cp, Span span, uint8_t mark = 0) {
      if (cp < 0x80) {
        Put(static_cast<char>(cp), span, mark);
      } else if (cp < 0x800) {
        Put(static_cast<char>(0xC0 | (cp >> 6)), span, mark);
        Put(static_cast<char>(0x80 | (cp & 0x3F)), span, mark);
      } else if (cp < 0x10000) {
        Put(static_cast<char>(0xE0 | (cp >> 12)), span, mark);
        Put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), span, mark);
        Put(static_cast<char>(0x80 | (cp & 0x3F)), span, mark);
      } else {
        Put(static_cast<char>(0xF0 | (cp >> 18)), span, mark);
        Put(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)), span, mark);
        Put(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), span, mark);
        Put(static_cast<char>(0x80 | (cp & 0x3F)), span, mark);
      }
    }
  };

  // A cursor with room for `extra` more bytes; Commit() it when done.
  Cursor Begin(size_t extra) {
    if (size_ + extra > capacity_) Grow(size_ + extra);
    return {t_, s_, m_, size_};
  }
  void Commit(const Cursor& cursor) { size_ = cursor.size; }

  // Appends one byte.
  void Put(char c, Span span, uint8_t mark = 0) {
    Cursor cursor = Begin(1);
    cursor.Put(c, span, mark);
    Commit(cursor);
  }
  void Reserve(size_t extra) {
    if (size_ + extra > capacity_) Grow(size_ + extra);
  }
  size_t size() const { return size_; }
  // Cuts the storage to what was written.
  void Finish() {
    text_.resize(size_);
    spans_.resize(size_);
    if (marks_ != nullptr) marks_->resize(size_);
  }

 private:
  void Grow(size_t need) {
    const size_t capacity = std::max(need, capacity_ * 2 + 64);
    // Spans and marks are left unwritten (SizedAheadAllocator): every byte the views keep is
    // written before Finish() cuts them.
    text_.resize(capacity, '\0');
    spans_.resize(capacity);
    if (marks_ != nullptr) marks_->resize(capacity);
    capacity_ = capacity;
    t_ = text_.data();
    s_ = spans_.data();
    m_ = marks_ != nullptr ? marks_->data() : nullptr;
  }

  std::string& text_;
  SpanVector& spans_;
  MarkVector* marks_;
  char* t_ = nullptr;
  Span* s_ = nullptr;
  uint8_t* m_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// The scratch buffers of a Pass, kept per thread from one call to the next: once a thread has
// normalised a message as long, the next one costs no allocation and no growth for them (both
// showed in profiles of triage). Their contents never outlive a Pass.
struct PassBuffers {
  std::vector<Glyph> glyphs;
  std::vector<Item> items;
  std::vector<Item> joined;
  std::vector<Glyph> word;
  std::vector<Glyph> scratch;
  std::string key;
  bool in_use = false;
  // Gives back what one very long text made them hold.
  void Trim() {
    const auto trim = [](auto& buffer) {
      if (buffer.capacity() > (size_t{1} << 14)) std::decay_t<decltype(buffer)>().swap(buffer);
    };
    trim(glyphs);
    trim(items);
    trim(joined);
    trim(word);
    trim(scratch);
    trim(key);
  }
};

// This thread's buffers, or `own` when a Pass on this thread already has them.
PassBuffers& AcquireBuffers(PassBuffers& own) {
  thread_local PassBuffers buffers;
  if (buffers.in_use) return own;
  buffers.in_use = true;
  return buffers;
}

// State of one Normalize call.
//
// The text is a sequence of items: words (fragments of letters, digits and look-alike symbols),
// gaps (runs of spaces and punctuation) and entities. Almost every word is "simple" (two or more
// letters, no look-alike, no repeated letter, no combining mark) and stands between gaps that hold
// a space or a punctuation mark; such a word becomes itself with its tone placed, and nothing
// around it can change it. The pass streams through those words directly (FastSteps), and through
// a word of another kind (one letter, a number, an emphasis run, an entity) when a cut follows it
// (ShortStep). Anything else is a "region" handled by the full machinery (Scan, Join, Emit: split
// words, one-letter runs, look-alikes, digit groups), which ends at the next cut: a simple word
// after a space or punctuation mark, where no rule of Join can reach across. All paths emit
// through the same functions, so the output is what running the full machinery on the whole
// text gives (normalize_golden_test.cc pins it; the fuzz target compares the two on random
// input).
class Pass {
 public:
  Pass(const Normalizer::Impl& impl, const NormalizeOptions& options, NormalizedText& out,
       bool fast)
      : impl_(impl),
        options_(options),
        out_(out),
        fast_(fast),
        folded_(out.folded, out.folded_spans, &out.folded_marks),
        canonical_(out.canonical, out.canonical_spans, nullptr) {}
  ~Pass() {
    if (&buffers_ != &own_buffers_) {
      buffers_.Trim();
      buffers_.in_use = false;
    }
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  // Runs on `work` (valid UTF-8 without invisible characters). Returns false when the text is
  // not NFC and `nfc_done` is false: the caller discards `out`, normalises and runs again.
  bool Run(std::string_view work, const OffsetMap& map, bool nfc_done);

 private:
  // Fast path: simple words at `pos`, each with the gap after it; advances `pos` past them and
  // stops where there is none (or the text is not NFC: restart_).
  void FastSteps(uint32_t& pos);
  enum class Lean { kDone, kNo, kGlyphs };
  // Emits lean words from `pos` on while there are; says why it stopped (kDone: at the end of
  // the text; kNo: not a fast step; kGlyphs: a simple word for the glyph path). Out of line and
  // specialised: inlined into Run, the loop ran short of registers.
  template <bool kIdentity, bool kCanonical>
  [[gnu::noinline]] Lean LeanRun(uint32_t& pos);
  bool GlyphStep(uint32_t pos, uint32_t& next);
  bool ShortStep(uint32_t pos, uint32_t& next);
  // Whether a cut is at work offset p (a simple word after the gap before it), or the text ends.
  bool CutAt(uint32_t p) { return p == work_.size() || (!EntityAt(p) && SimpleWordAt(p)); }
  // Whether a one-letter word is at p, and a gap after it ends at a cut.
  bool OneLetterBeforeCut(uint32_t p) {
    if (p >= work_.size() || EntityAt(p)) return false;
    char32_t cp;
    uint32_t len;
    if (InfoAt(p, cp, len).cls != CharClass::kLetter) return false;
    GapAfter gap;
    return ParseGapAfterWord(p + len, gap) && CutAt(gap.end);
  }
  struct GapAfter {
    Gap gap;
    uint32_t b = 0, e = 0;  // the gap's characters (without skipped marks and invisibles)
    uint32_t end = 0;       // where the next item starts
    uint32_t flags = 0;     // TextFlag bits of invisible characters skipped
    bool empty = true;      // no gap: the word ends the text
  };
  bool ParseGapAfterWord(uint32_t i, GapAfter& out);
  void FinishStep(GapAfter& gap, uint32_t& next);
  // True when the fragment at `pos` is a simple word (see the class comment).
  bool SimpleWordAt(uint32_t pos) const;
  // Full machinery on the region from `begin` to the next cut; returns where it ended.
  uint32_t Region(uint32_t begin);

  // Facts about the character at work offset i, its code point and length.
  CharInfo InfoAt(uint32_t i, char32_t& cp, uint32_t& len) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(work_.data());
    if (bytes[i] < 0x80) {
      cp = bytes[i];
      len = 1;
      return impl_.low[cp];
    }
    cp = DecodeAt(i, len);
    return cp < internal::kLowTableEnd ? impl_.low[cp] : internal::InfoSlow(cp);
  }
  // The code point at work offset i (not ASCII) and its length.
  char32_t DecodeAt(uint32_t i, uint32_t& len) const {
    return DecodeValidUtf8(reinterpret_cast<const unsigned char*>(work_.data()) + i, len);
  }
  bool EntityAt(uint32_t i) const { return i == next_entity_begin_; }
  // True, and restart_ set, for a character NFC could change before NFC was done.
  bool MustRestart(const CharInfo& info) const {
    if ((info.flags & internal::kFlagNotNfcInert) == 0 || nfc_done_) return false;
    restart_ = true;
    return true;
  }
  // Whether a word starts at work offset k: an entity, or a letter or digit that NFC leaves
  // alone (or NFC was done). A gap of one space ends before it.
  bool WordStartsAt(uint32_t k) const {
    const auto b = static_cast<unsigned char>(work_[k]);
    if (b < 0x80) return (impl_.fast_info[b].bits & internal::kFastWordStart) != 0 || EntityAt(k);
    if (EntityAt(k)) return true;
    char32_t cp;
    uint32_t len;
    const CharInfo info = InfoAt(k, cp, len);
    return (info.cls == CharClass::kLetter || info.cls == CharClass::kDigit) &&
           ((info.flags & internal::kFlagNotNfcInert) == 0 || nfc_done_);
  }
  void PassEntity() {
    ++next_entity_;
    next_entity_begin_ = next_entity_ < out_.entities.size()
                             ? out_.entities[next_entity_].span.begin
                             : std::numeric_limits<uint32_t>::max();
  }

  uint32_t Scan(uint32_t begin);
  void AddGlyph(const Glyph& g);
  void AddGap(const Gap& gap, uint32_t b, uint32_t e);
  void CloseFragment();
  void Join();
  void Emit(bool last);
  void EmitWord(const Item& item);
  void EmitWordGlyphs(Span word_span, uint32_t b, uint32_t e);
  void EmitEntity(size_t index, uint32_t b, uint32_t e);
  void EmitTransformed(const Glyph* w, size_t n, Span word_span);
  void EmitSimple(const Glyph* w, size_t n, Span word_span);
  void EmitExpansion(const Expansion& expansion, Span word_span);
  // The expansion of the word of n letters whose canonical forms are lower(0..n), or null. The
  // teencode key is the word's canonical form; a filter on its code points rejects almost every
  // word before the key is encoded and looked up.
  template <class Lower>
  const Expansion* FindTeencode(size_t n, Lower&& lower) {
    if (n == 0 || n > impl_.teencode.max_key_bytes() ||
        !impl_.teencode.MayBeKey(
            TeencodeMap::FilterHash(lower(0), n > 1 ? lower(1) : 0, lower(n - 1), n))) {
      return nullptr;
    }
    key_.clear();
    for (size_t k = 0; k < n; ++k) AppendUtf8(key_, lower(k));
    return impl_.teencode.Find(key_);
  }
  void ComposeMarks(uint32_t b, uint32_t e);
  void EmitFoldedToken(std::string_view bytes, const uint8_t* marks, Span span, TokenKind kind);
  void EmitGap(const Gap& gap, Span span);
  void BeginToken(Span span, bool attach_canonical);
  bool IsSingle(uint32_t g_begin, uint32_t g_end);
  bool SingleLetterish(const Item& item) const;
  bool TeencodeRun(size_t first, size_t last);
  // out_.tokens is sized ahead (resize(n, value) is one vectorised fill) and cut at the end.
  void PushToken(const Token& token) {
    if (tokens_size_ == tokens_capacity_) {
      tokens_capacity_ = tokens_capacity_ * 2 + 16;
      out_.tokens.resize(tokens_capacity_);
    }
    out_.tokens[tokens_size_++] = token;
  }

  const Normalizer::Impl& impl_;
  const NormalizeOptions& options_;
  NormalizedText& out_;
  const bool fast_;
  ViewWriter folded_;
  ViewWriter canonical_;

  std::string_view work_;  // the text this pass reads
  const OffsetMap* map_ = nullptr;
  bool nfc_done_ = false;
  // The pass cannot finish on this text: it is not NFC. Run() then returns false and the
  // caller normalises the text and runs again.
  mutable bool restart_ = false;
  size_t next_entity_ = 0;  // the first entity not yet passed
  uint32_t next_entity_begin_ = std::numeric_limits<uint32_t>::max();  // where it starts

  PassBuffers own_buffers_;
  PassBuffers& buffers_ = AcquireBuffers(own_buffers_);

  // Region state.
  std::vector<Glyph>& glyphs_ = buffers_.glyphs;
  std::vector<Item>& items_ = buffers_.items;
  std::vector<Item>& joined_ = buffers_.joined;  // scratch for Join()
  bool fragment_open_ = false;
  uint32_t fragment_start_ = 0;
  uint32_t fragment_b_ = 0;

  // Emission state.
  uint32_t prev_end_ = 0;  // original offset where the previous token ended
  uint32_t sentence_ = 0;
  uint32_t clause_ = 0;
  bool any_token_ = false;
  size_t tokens_size_ = 0;
  size_t tokens_capacity_ = 0;
  std::vector<Glyph>& word_ = buffers_.word;  // scratch for one word
  static constexpr size_t kMaxFastLetters = 48;
  std::array<Glyph, kMaxFastLetters> fast_word_;    // the word GlyphStep reads
  std::vector<Glyph>& scratch_ = buffers_.scratch;  // scratch for IsSingle()
  std::string& key_ = buffers_.key;                 // scratch: canonical form of one word
};

void Pass::AddGlyph(const Glyph& g) {
  if (!fragment_open_) {
    fragment_open_ = true;
    fragment_start_ = static_cast<uint32_t>(glyphs_.size());
    fragment_b_ = g.b;
  }
  glyphs_.push_back(g);
}

void Pass::CloseFragment() {
  if (!fragment_open_) return;
  fragment_open_ = false;
  Item item;
  item.kind = ItemKind::kWord;
  item.g_begin = fragment_start_;
  item.g_end = static_cast<uint32_t>(glyphs_.size());
  item.b = fragment_b_;
  item.e = glyphs_.back().e;
  item.single = IsSingle(item.g_begin, item.g_end);
  items_.push_back(item);
}

void Pass::AddGap(const Gap& one, uint32_t b, uint32_t e) {
  CloseFragment();
  Gap gap = one;
  gap.chars = 1;
  if (!items_.empty() && items_.back().kind == ItemKind::kGap) {
    items_.back().gap.Merge(gap);
    items_.back().e = e;
    return;
  }
  Item item;
  item.kind = ItemKind::kGap;
  item.gap = gap;
  item.b = b;
  item.e = e;
  items_.push_back(item);
}

bool Pass::IsSingle(uint32_t g_begin, uint32_t g_end) {
  const auto letterish = [](const Glyph& g) {
    return g.kind == GlyphKind::kLetter || g.kind == GlyphKind::kSym ||
           (g.kind == GlyphKind::kDigit && IsLeetDigit(g.base));
  };
  uint32_t content = 0;
  bool plain = true;
  const Glyph* only = nullptr;
  const Glyph* prev = nullptr;
  bool two_bases = false;
  for (uint32_t k = g_begin; k < g_end; ++k) {
    const Glyph& g = glyphs_[k];
    if (g.kind == GlyphKind::kMark || g.kind == GlyphKind::kDigitSep) continue;
    ++content;
    only = &g;
    if (g.kind != GlyphKind::kLetter || (g.flags & internal::kFlagHomoglyph)) plain = false;
    if (prev != nullptr && prev->base != g.base) two_bases = true;
    prev = &g;
  }
  if (content == 0) return false;
  if (content == 1) return letterish(*only);
  // Fast path, almost every word: plain letters of two bases never collapse to one letter.
  if (plain && two_bases) return false;
  // Otherwise decide exactly as the word will be emitted.
  scratch_.assign(glyphs_.begin() + g_begin, glyphs_.begin() + g_end);
  TransformWord(scratch_);
  content = 0;
  for (const Glyph& g : scratch_) {
    if (g.kind == GlyphKind::kMark || g.kind == GlyphKind::kDigitSep) continue;
    ++content;
    only = &g;
  }
  return content == 1 && letterish(*only);
}

// A simple word: two or more letters without look-alikes or foreign marks, no letter repeating
// the one before it (no emphasis run), nothing NFC could change, and then the end of the text or
// a character that ends a fragment (a space or punctuation mark, not a digit, combining mark,
// invisible character or '@'/'$', which would extend it). Such a word is not one letter however it
// is joined, starts with a letter and carries a letter, which is what makes a cut before it safe.
bool Pass::SimpleWordAt(uint32_t pos) const {
  const auto n = static_cast<uint32_t>(work_.size());
  uint32_t i = pos;
  uint32_t letters = 0;
  char32_t prev_base = 0;
  while (i < n) {
    if (i != pos && EntityAt(i)) return false;
    char32_t cp;
    uint32_t len;
    const CharInfo info = InfoAt(i, cp, len);
    if ((info.flags & internal::kFlagNotNfcInert) != 0 && !nfc_done_) return false;
    if (info.cls != CharClass::kLetter) {
      switch (info.cls) {
        case CharClass::kDigit:
        case CharClass::kMark:
        case CharClass::kLeet:
        case CharClass::kIgnorable:
          return false;
        default:
          return letters >= 2;
      }
    }
    if ((info.flags & (internal::kFlagHomoglyph | internal::kFlagForeignMarks)) != 0) return false;
    if (info.fold == prev_base) return false;
    prev_base = info.fold;
    ++letters;
    i += len;
  }
  return letters >= 2;
}

void Pass::FastSteps(uint32_t& pos) {
  while (true) {
    Lean lean;
    if (map_->identity()) {
      lean = options_.canonical ? LeanRun<true, true>(pos) : LeanRun<true, false>(pos);
    } else {
      lean = options_.canonical ? LeanRun<false, true>(pos) : LeanRun<false, false>(pos);
    }
    if (lean == Lean::kDone || restart_) return;
    uint32_t next = 0;
    if (lean == Lean::kGlyphs && GlyphStep(pos, next)) {
      pos = next;
      continue;
    }
    if (restart_ || !ShortStep(pos, next)) return;
    pos = next;
  }
}

// Whether PlaceTone would move the tone of a word of n letters (their ASCII bases, and their
// marks as in NormalizedText::folded_marks; bit k of `vowels` set when letter k is a vowel) whose
// only tone is on letter `toned`: the same choice of the target vowel, without the checks PlaceTone
// makes before it moves anything (when the tone is already on the target, nothing moves either
// way).
bool ToneWouldMove(const char* base, const uint8_t* marks, size_t n, size_t toned,
                   uint64_t vowels) {
  // Most words: the toned letter is the only vowel, where the tone stays.
  if (vowels == uint64_t{1} << toned || vowels == 0) return false;
  auto i = static_cast<size_t>(__builtin_ctzll(vowels));
  // "qu" and "gi" before another vowel are part of the initial consonant.
  if (i == 1 && i + 1 < n && ((vowels >> 2) & 1) != 0 && (marks[1] & 7) == 0 &&
      ((base[0] == 'q' && base[1] == 'u') || (base[0] == 'g' && base[1] == 'i'))) {
    ++i;
  }
  const size_t v_begin = i;
  const size_t v_end = v_begin + static_cast<size_t>(__builtin_ctzll(~(vowels >> v_begin)));
  const size_t count = v_end - v_begin;
  if (count > 3) return false;
  size_t target = n;
  for (size_t k = v_begin; k < v_end; ++k) {
    if ((marks[k] & 7) != internal::kModNone) target = k;
  }
  if (target == n) {
    target = v_end < n ? v_end - 1 : count == 3 ? v_begin + 1 : v_begin;
  }
  return target != toned;
}

// The lean lane of FastSteps: simple words of letters with ASCII folds whose tone stays where
// it is (and such one-letter words before a cut), written straight to the output while they are
// read (through cursors that are committed only when the step succeeds), or their teencode
// expansion. kGlyphs: a simple word this lane does not handle; kNo: not a fast step at all.
template <bool kIdentity, bool kCanonical>
Pass::Lean Pass::LeanRun(uint32_t& position) {
  // Everything the loop reads lives in locals: the output is written through char pointers,
  // which the compiler must otherwise assume could change any member between two letters.
  const auto n = static_cast<uint32_t>(work_.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(work_.data());
  const internal::FastInfo* fast = impl_.fast_info;
  const OffsetMap& map = *map_;
  constexpr bool identity = kIdentity;
  constexpr bool canonical = kCanonical;
  const bool nfc_done = nfc_done_;
  const uint8_t lean_test = internal::kFastLean | (nfc_done ? 0 : internal::kFastNotNfcInert);
  const uint32_t entity = next_entity_begin_;  // a run stops there, so it stays the next one
  while (true) {
    const uint32_t pos = position;
    if (pos >= n) return Lean::kDone;
    if (pos == entity) return Lean::kNo;
    const uint32_t word_begin = identity ? pos : map.Map(pos, pos + 1).begin;
    const Span space{prev_end_, std::max(prev_end_, word_begin)};
    ViewWriter::Cursor f = folded_.Begin(1 + kMaxFastLetters);
    ViewWriter::Cursor c{};
    if constexpr (canonical) {
      c = canonical_.Begin(1 + 4 * kMaxFastLetters);
      if (any_token_) c.Put(' ', space);
    }
    f.Put(' ', space);  // what BeginToken writes
    char* const f_text = f.text;
    Span* const f_spans = f.spans;
    uint8_t* const f_marks = f.marks;
    const size_t token_begin = f.size;
    char32_t lower[kMaxFastLetters];
    size_t letters = 0, toned = 0;
    uint32_t tones = 0;
    uint8_t all_bits = internal::kFastVietnamese;  // cleared by a letter that is not Vietnamese
    uint8_t prev_fold = 0;
    uint64_t vowels = 0;
    uint32_t i = pos;
    // A word that reaches the next entity is not lean.
    const uint32_t stop = entity > pos ? std::min(n, entity) : n;
    while (i < stop) {
      char32_t cp;
      uint32_t len;
      if (bytes[i] < 0x80) {
        cp = bytes[i];
        len = 1;
      } else {
        cp = DecodeAt(i, len);
        if (cp >= internal::kLowTableEnd) {
          // Rare scripts: whatever it is, the glyph path (or Scan) decides.
          if (letters == 0 || internal::InfoSlow(cp).cls == CharClass::kLetter) {
            return Lean::kGlyphs;
          }
          break;
        }
      }
      const internal::FastInfo fi = fast[cp];
      // One test for the two ways out: not lean, or not NFC-inert before NFC was done.
      if ((fi.bits & lean_test) != internal::kFastLean) {
        if ((fi.bits & internal::kFastNotNfcInert) != 0 && !nfc_done) {
          restart_ = true;
          return Lean::kNo;
        }
        if ((fi.bits & internal::kFastLetter) != 0) return Lean::kGlyphs;
        break;
      }
      if (fi.fold == prev_fold || letters == kMaxFastLetters) return Lean::kNo;
      prev_fold = fi.fold;
      const Span span = identity ? Span{i, i + len} : map.Map(i, i + len);
      const size_t at = token_begin + letters;
      f_text[at] = static_cast<char>(fi.fold);
      f_spans[at] = span;
      f_marks[at] = fi.mark;
      if constexpr (canonical) c.PutUtf8(fi.lower, span);
      // Without branches: whether a letter carries a tone is as unpredictable as the text.
      const bool has_tone = (fi.mark >> 3) != 0;
      tones += has_tone ? 1 : 0;
      toned = has_tone ? letters : toned;
      all_bits &= fi.bits;
      lower[letters] = fi.lower;
      vowels |= uint64_t{(fi.bits & internal::kFastVowel) != 0} << letters;
      ++letters;
      i += len;
    }
    if (i == entity && i < n) return Lean::kNo;
    if (letters == 0) return Lean::kNo;
    const uint32_t last_end = i;

    // The gap: most often one space before a letter or digit (or an entity), which
    // ParseGapAfterWord would read as a plain space and FinishStep would emit as nothing; then
    // one ASCII punctuation mark and a space before an ASCII letter or digit (", ", ". ").
    GapAfter gap;
    bool plain_space = false;
    if (i + 1 < n && bytes[i] == ' ' && i != entity) {
      // WordStartsAt, with its commonest case inline: an ASCII letter or digit.
      plain_space =
          bytes[i + 1] < 0x80
              ? (fast[bytes[i + 1]].bits & internal::kFastWordStart) != 0 || i + 1 == entity
              : WordStartsAt(i + 1);
    }
    if (plain_space) {
      // (FinishStep would emit nothing for it.)
    } else if (i + 2 < n && bytes[i] < 0x80 && bytes[i + 1] == ' ' && i != entity &&
               i + 1 != entity && WordStartsAt(i + 2) &&
               SimpleGapChar(impl_.low[bytes[i]].cls, bytes[i], gap.gap)) {
      Gap blank;
      SimpleGapChar(CharClass::kSpace, ' ', blank);
      gap.gap.Merge(blank);
      gap.b = i;
      gap.e = i + 2;
      gap.end = i + 2;
      gap.empty = false;
    } else if (!ParseGapAfterWord(i, gap)) {
      return Lean::kNo;
    }
    // A one-letter word ("e", "ở") may be joined with one-letter words after it ("c h ế t"):
    // the lane takes it when a cut follows its gap, as ShortStep does.
    if (letters == 1 && !CutAt(plain_space ? i + 1 : gap.end)) return Lean::kNo;
    // (ToneWouldMove's first test inline: most toned words have that one vowel.)
    if (tones == 1 && (all_bits & internal::kFastVietnamese) != 0 &&
        vowels != uint64_t{1} << toned &&
        ToneWouldMove(f_text + token_begin, f_marks + token_begin, letters, toned, vowels)) {
      return Lean::kGlyphs;
    }
    // A teencode word: its expansion instead (what EmitTransformed does; the letters are final,
    // the tone stays). The filter lets a few other words through: they are lean words.
    const Expansion* expansion = FindTeencode(letters, [&](size_t k) { return lower[k]; });
    if (expansion != nullptr) {
      // (The word written through the cursors is dropped: they are not committed.)
      EmitExpansion(*expansion, identity ? Span{pos, last_end} : map.Map(pos, last_end));
    } else {
      // Commit: the word (as BeginToken and EmitSimple would have written it), then the gap.
      f.size = token_begin + letters;
      folded_.Commit(f);
      if constexpr (canonical) canonical_.Commit(c);
      any_token_ = true;
      Token token;
      token.begin = static_cast<uint32_t>(token_begin);
      token.end = static_cast<uint32_t>(token_begin + letters);
      token.sentence = sentence_;
      token.clause = clause_;
      token.kind = TokenKind::kWord;
      PushToken(token);
      prev_end_ = identity ? last_end : map.Map(pos, last_end).end;
    }
    if (plain_space) {
      position = i + 1;
    } else {
      FinishStep(gap, position);
    }
  }
}

// The glyph path of FastSteps: a simple word with any letters, its tone placed, teencode.
bool Pass::GlyphStep(uint32_t pos, uint32_t& next) {
  const auto n = static_cast<uint32_t>(work_.size());
  // The word.
  Glyph* const w = fast_word_.data();
  size_t letters = 0;
  uint32_t i = pos;
  char32_t prev_base = 0;
  uint32_t tones = 0;
  bool vietnamese = true;
  while (i < n) {
    if (i != pos && EntityAt(i)) return false;
    char32_t cp;
    uint32_t len;
    const CharInfo info = InfoAt(i, cp, len);
    if (MustRestart(info)) return false;
    if (info.cls != CharClass::kLetter) break;
    if ((info.flags & (internal::kFlagHomoglyph | internal::kFlagForeignMarks)) != 0) return false;
    if (info.fold == prev_base || letters == kMaxFastLetters) return false;
    prev_base = info.fold;
    tones += info.tone != 0;
    vietnamese &= (info.flags & internal::kFlagVietnamese) != 0;
    w[letters++] = LetterGlyph(info, i, i + len);
    i += len;
  }
  if (letters < 2) return false;
  GapAfter gap;
  if (!ParseGapAfterWord(i, gap)) return false;

  const Span word_span = map_->Map(w[0].b, w[letters - 1].e);
  // PlaceTone changes only a Vietnamese word with exactly one tone; it changes `lower`, so the
  // teencode key is read after it.
  if (tones == 1 && vietnamese) PlaceTone(w, letters);
  EmitTransformed(w, letters, word_span);
  FinishStep(gap, next);
  return true;
}

// The short step of FastSteps: a word neither lane takes (one letter, a number, letters repeated
// for emphasis: "e", "ở", "9", "Facebook") or an entity, and its gap, when a cut follows the gap
// or the text ends there. Join joins such a word only with neighbours of its own kind ("c h ế t",
// "t.ự", digit groups); the fast path reaches it after a simple word and its gap (or at the
// start of the text), and a cut follows it, so Region would make of it exactly one item and its
// gap. It is emitted through the functions Emit uses, without building the region's items.
// What follows the gap may also be one letter before a cut ("lớp 8 ở Huế"): two one-letter words
// are not a run Join joins (it takes three), and a letter is no digit group; the lean lane or
// another short step then takes that letter.
bool Pass::ShortStep(uint32_t pos, uint32_t& next) {
  const auto n = static_cast<uint32_t>(work_.size());
  const size_t entity = next_entity_;
  const uint32_t entity_begin = next_entity_begin_;
  const bool is_entity = EntityAt(pos);
  uint32_t i = pos;
  if (is_entity) {
    i = out_.entities[entity].span.end;
    PassEntity();  // (the gap after it is read against the entity after it)
  } else {
    word_.clear();
    while (i < n && !EntityAt(i)) {
      char32_t cp;
      uint32_t len;
      const CharInfo info = InfoAt(i, cp, len);
      if (MustRestart(info)) return false;
      // The glyphs Scan adds for letters and digits; anything else ends the word (a mark or a
      // look-alike would join it: the gap parser refuses those).
      if (info.cls == CharClass::kLetter) {
        word_.push_back(LetterGlyph(info, i, i + len));
      } else if (info.cls == CharClass::kDigit) {
        word_.push_back(DigitGlyph(info, i, i + len));
      } else {
        break;
      }
      i += len;
    }
  }
  GapAfter gap;
  const bool cut = (is_entity || !word_.empty()) && ParseGapAfterWord(i, gap) &&
                   (CutAt(gap.end) || OneLetterBeforeCut(gap.end));
  if (!cut) {
    next_entity_ = entity;
    next_entity_begin_ = entity_begin;
    return false;
  }
  if (is_entity) {
    EmitEntity(entity, pos, i);
  } else {
    EmitWordGlyphs(map_->Map(pos, i), pos, i);
  }
  FinishStep(gap, next);
  return true;
}

// The gap after a word ending at `i`: exactly the characters Scan would merge into one gap
// item. False when it does not end a fast step: a character that would extend the word, a gap
// of separators only ("tự.tử", "t.ự": Join decides), something else right after the word, or
// text that is not NFC (restart_ is then set).
bool Pass::ParseGapAfterWord(uint32_t i, GapAfter& out) {
  const auto n = static_cast<uint32_t>(work_.size());
  Gap& gap = out.gap;
  // Most gaps are one space before a word or number: decide that without the general loop.
  if (i + 1 < n && work_[i] == ' ' && !EntityAt(i) && WordStartsAt(i + 1)) {
    SimpleGapChar(CharClass::kSpace, ' ', gap);
    out.flags = 0;
    out.b = i;
    out.e = i + 1;
    out.end = i + 1;
    out.empty = false;
    return true;
  }
  uint32_t gap_b = i, gap_e = i;
  bool first = true;
  uint32_t flags = 0;
  while (i < n) {
    if (EntityAt(i)) break;
    char32_t cp;
    uint32_t len;
    const CharInfo info = InfoAt(i, cp, len);
    if (MustRestart(info)) return false;
    Gap one;
    // Letters, digits, marks, invisible characters and look-alikes: their context decides.
    if (!SimpleGapChar(info.cls, cp, one)) {
      switch (info.cls) {
        case CharClass::kLetter:
        case CharClass::kDigit:
          goto gap_done;
        case CharClass::kMark:
        case CharClass::kIgnorable:
          // Right after the word they would extend it; inside the gap Scan skips them.
          if (first) return false;
          if (info.cls == CharClass::kIgnorable) {
            flags |= (info.flags & internal::kFlagBidiControl) ? kFlagBidiControl : kFlagZeroWidth;
          }
          i += len;
          continue;
        case CharClass::kLeet: {
          if (first) return false;  // "ab@": a look-alike inside the word
          bool letter_after = false;
          const uint32_t e = i + len;
          if (e < n && !EntityAt(e)) {
            uint32_t next_length = 0;
            const char32_t next_cp = static_cast<unsigned char>(work_[e]) < 0x80
                                         ? char32_t{static_cast<unsigned char>(work_[e])}
                                         : DecodeAt(e, next_length);
            letter_after = internal::Info(next_cp).cls == CharClass::kLetter;
          }
          if (letter_after) goto gap_done;  // it starts the next word
          one.space = true;
          one.chars = 1;
          break;
        }
        default:
          break;  // (SimpleGapChar's classes)
      }
    }
    if (first) {
      gap = one;
      gap_b = i;
    } else {
      gap.Merge(one);
    }
    first = false;
    gap_e = i + len;
    i += len;
  }
gap_done:
  if (!first && gap.IntraOnly()) return false;  // "tự.tử", "t.ự": Join decides
  if (first && i < n) return false;             // something else starts right after the word

  out.flags = flags;
  out.b = gap_b;
  out.e = gap_e;
  out.end = i;
  out.empty = first;
  return true;
}

// Emits what a fast step found after its word: the flags of invisible characters it skipped,
// and the gap unless it ends the text (a trailing gap is dropped).
void Pass::FinishStep(GapAfter& gap, uint32_t& next) {
  out_.flags |= gap.flags;
  if (!gap.empty && gap.end < work_.size()) {
    if (gap.gap.dot && !gap.gap.hard) {
      gap.gap.hard = true;  // "sợ. Nó": a full stop with space around it ends a sentence
      gap.gap.hard_char = '.';
    }
    EmitGap(gap.gap, map_->Map(gap.b, gap.e));
  }
  next = gap.end;
}

// Scans from `begin` into items until the end of the text or the next cut (a simple word after
// a gap that holds a space or punctuation), and returns where it stopped.
uint32_t Pass::Scan(uint32_t begin) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(work_.data());
  const auto n = static_cast<uint32_t>(work_.size());
  uint32_t i = begin;
  while (i < n) {
    if (EntityAt(i)) {
      CloseFragment();
      Item item;
      item.kind = ItemKind::kEntity;
      item.entity = static_cast<uint32_t>(next_entity_);
      item.b = out_.entities[next_entity_].span.begin;
      item.e = out_.entities[next_entity_].span.end;
      items_.push_back(item);
      i = item.e;
      PassEntity();
      continue;
    }
    char32_t cp;
    uint32_t len;
    const CharInfo info = InfoAt(i, cp, len);
    if (MustRestart(info)) return n;
    const uint32_t b = i;
    const uint32_t e = i + len;
    auto next_is_digit = [&] {
      // A digit that starts an entity ("508,0912345678") is not the rest of this number.
      const bool entity_next = EntityAt(e);
      return e < n && bytes[e] >= '0' && bytes[e] <= '9' && !entity_next;
    };
    auto last_is_digit = [&] { return fragment_open_ && glyphs_.back().kind == GlyphKind::kDigit; };
    switch (info.cls) {
      case CharClass::kLetter: {
        if (fast_ && !fragment_open_ && i > begin && !items_.empty() &&
            items_.back().kind == ItemKind::kGap && !items_.back().gap.IntraOnly() &&
            SimpleWordAt(i)) {
          return i;  // a cut: the fast path takes over here
        }
        AddGlyph(LetterGlyph(info, b, e));
        break;
      }
      case CharClass::kDigit:
        AddGlyph(DigitGlyph(info, b, e));
        break;
      case CharClass::kLeet: {
        // "@nh", "$ex": a letter only when written against a letter; "100$" and "@3336" are a
        // number and a symbol.
        const bool letter_before = fragment_open_ && glyphs_.back().kind == GlyphKind::kLetter;
        bool letter_after = false;
        const bool entity_next = EntityAt(e);
        if (e < n && !entity_next) {
          uint32_t next_length = 0;
          const char32_t next = bytes[e] < 0x80 ? char32_t{bytes[e]} : DecodeAt(e, next_length);
          letter_after = internal::Info(next).cls == CharClass::kLetter;
        }
        if (!letter_before && !letter_after) {
          Gap gap;
          gap.space = true;
          AddGap(gap, b, e);
          break;
        }
        Glyph g;
        g.base = cp;
        g.lower = cp;
        g.b = b;
        g.e = e;
        g.kind = GlyphKind::kSym;
        AddGlyph(g);
        break;
      }
      case CharClass::kMark:
        if (fragment_open_) {
          Glyph g;
          g.base = 0;
          g.lower = cp;
          g.b = b;
          g.e = e;
          g.kind = GlyphKind::kMark;
          AddGlyph(g);
        } else if (!items_.empty() && items_.back().kind == ItemKind::kGap) {
          // A mark with nothing to sit on is dropped, but the gap it was typed in is no longer
          // one plain space: digit groups on either side stay apart (Join), or a second pass
          // would read a phone number across the space this pass did not ("180056 \u034780").
          items_.back().gap.single_space = false;
        }
        break;
      case CharClass::kIgnorable:
        out_.flags |= (info.flags & internal::kFlagBidiControl) ? kFlagBidiControl : kFlagZeroWidth;
        break;
      case CharClass::kDot:
      case CharClass::kSoftPunct:
        if ((cp == '.' || cp == ',') && last_is_digit() && next_is_digit()) {
          Glyph g;
          g.base = 0;
          g.lower = cp;
          g.b = b;
          g.e = e;
          g.kind = GlyphKind::kDigitSep;
          AddGlyph(g);
        } else if (cp == '.') {
          Gap gap;
          gap.dot = true;
          AddGap(gap, b, e);
        } else {
          Gap gap;
          gap.soft = true;
          AddGap(gap, b, e);
        }
        break;
      case CharClass::kIntraSep:
        AddGap(Gap{}, b, e);
        break;
      case CharClass::kLineBreak: {
        Gap gap;
        gap.hard = true;
        gap.space = true;
        AddGap(gap, b, e);
        break;
      }
      case CharClass::kHardPunct: {
        Gap gap;
        gap.hard = true;
        gap.hard_char = cp == '?' || cp == 0xFF1F ? '?' : (cp == '!' || cp == 0xFF01) ? '!' : '.';
        AddGap(gap, b, e);
        break;
      }
      case CharClass::kSpace:
      case CharClass::kOther: {
        Gap gap;
        gap.space = true;
        gap.single_space = cp == ' ';
        AddGap(gap, b, e);
        break;
      }
    }
    i += len;
  }
  CloseFragment();
  return n;
}

// Whether the ASCII letters `s` read as a sequence of Vietnamese syllables without diacritics:
// each an optional initial consonant, one to three vowels and an optional final consonant
// ("chet", "tutu"; not "erk", "aek"). O(|s|).
bool IsSyllables(std::string_view s) {
  static constexpr std::string_view kOnsets[] = {
      "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d",
      "g",   "h",  "k",  "l",  "m",  "n",  "p",  "q",  "r",  "s",  "t",  "v", "x", ""};
  static constexpr std::string_view kCodas[] = {"ng", "nh", "ch", "c", "m", "n", "p", "t", ""};
  const auto vowel = [](char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
  };
  if (s.empty()) return false;
  // reach[i]: a sequence of syllables ends exactly at i.
  std::vector<bool> reach(s.size() + 1, false);
  reach[0] = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!reach[i]) continue;
    for (std::string_view onset : kOnsets) {
      if (s.substr(i, onset.size()) != onset) continue;
      const size_t v = i + onset.size();
      for (size_t n = 1; n <= 3 && v + n <= s.size() && vowel(s[v + n - 1]); ++n) {
        for (std::string_view coda : kCodas) {
          if (s.substr(v + n, coda.size()) == coda) reach[v + n + coda.size()] = true;
        }
      }
    }
  }
  return reach[s.size()];
}

// Whether one-letter words items_[first..last] (every other item a plain gap) are teencode
// rather than a word spelt out letter by letter: every one of them is a teencode key ("e r k" is
// "em rồi không") and together they do not spell Vietnamese syllables ("c h e t" is "chết").
// A run this returns true for is not joined; its words then expand to words of two or more
// letters, so a second pass sees no such run (idempotence).
bool Pass::TeencodeRun(size_t first, size_t last) {
  std::string spelt;
  for (size_t j = first; j <= last; j += 2) {
    const Item& item = items_[j];
    key_.clear();
    char32_t prev = 0;
    for (uint32_t g = item.g_begin; g < item.g_end; ++g) {
      if (glyphs_[g].lower == prev) continue;  // "kkk" reads as "k"
      prev = glyphs_[g].lower;
      AppendUtf8(key_, prev);
    }
    if (impl_.teencode.Find(key_) == nullptr) return false;
    const char32_t base = glyphs_[item.g_begin].base;
    if (base >= 0x80) return false;
    spelt.push_back(static_cast<char>(base));
  }
  return !IsSyllables(spelt);
}

bool Pass::SingleLetterish(const Item& item) const {
  // A word rule 1 joined counts too when it is one letter once transformed ("d.d"): its
  // canonical form is one letter, and a second pass must decide the same way.
  return item.kind == ItemKind::kWord && item.single;
}

// Joins fragments a filter-dodger split: "t.ự" (a separator next to a one-letter fragment) and
// "c h ế t" (three or more one-letter words in a row). Turns symbol-only fragments into gaps.
void Pass::Join() {
  // Rule 1: separators with no space around them, next to a one-letter fragment.
  std::vector<Item>& joined = joined_;
  joined.clear();
  auto has_letter = [&](const Item& it) {
    for (uint32_t k = it.g_begin; k < it.g_end; ++k) {
      if (glyphs_[k].kind == GlyphKind::kLetter) return true;
    }
    return false;
  };
  bool last_fragment_single = false;
  bool last_fragment_letter = false;
  for (size_t k = 0; k < items_.size(); ++k) {
    const Item& it = items_[k];
    if (it.kind == ItemKind::kGap && it.gap.IntraOnly() && !joined.empty() &&
        joined.back().kind == ItemKind::kWord && k + 1 < items_.size() &&
        items_[k + 1].kind == ItemKind::kWord) {
      const Item& next = items_[k + 1];
      const bool letters = last_fragment_letter || has_letter(next);
      if (letters && (last_fragment_single || next.single)) {
        Item& word = joined.back();
        word.g_end = next.g_end;
        word.e = next.e;
        word.joined = true;
        last_fragment_single = next.single;
        last_fragment_letter = has_letter(next);
        out_.flags |= kFlagSplitWords;
        ++k;  // the next fragment is consumed
        continue;
      }
    }
    if (it.kind == ItemKind::kWord) {
      last_fragment_single = it.single;
      last_fragment_letter = has_letter(it);
    }
    joined.push_back(it);
  }

  // Symbol-only words ("$$$") are gaps; unjoined intra separators are spaces, or a sentence end
  // when they were a dot. Adjacent gaps merge. A joined word's one-letter status is computed
  // once here (computing it at every join would be quadratic on "a.a.a.a...").
  items_.clear();
  for (Item& it : joined) {
    if (it.kind == ItemKind::kWord && it.joined) it.single = IsSingle(it.g_begin, it.g_end);
    if (it.kind == ItemKind::kWord) {
      bool content = false;
      for (uint32_t k = it.g_begin; k < it.g_end && !content; ++k) {
        content = glyphs_[k].kind == GlyphKind::kLetter || glyphs_[k].kind == GlyphKind::kDigit;
      }
      if (!content) {
        it.kind = ItemKind::kGap;
        it.gap = Gap{};
        it.gap.space = true;
      }
    }
    if (it.kind == ItemKind::kGap) {
      if (it.gap.IntraOnly()) {
        // "tự.tử", "tự-tử": a separator with no space around it between two longer fragments
        // is a word break, not the end of a sentence.
        it.gap.space = true;
      } else if (it.gap.dot && !it.gap.hard) {
        it.gap.hard = true;  // "sợ. Nó": a full stop with space around it ends a sentence
        it.gap.hard_char = '.';
      }
    }
    if (it.kind == ItemKind::kGap && !items_.empty() && items_.back().kind == ItemKind::kGap) {
      items_.back().gap.Merge(it.gap);
      items_.back().e = it.e;
      continue;
    }
    items_.push_back(it);
  }

  // Digit groups kept apart by anything but one plain space ("0912\u00A0345", "0 \u263A 912")
  // stay apart: the canonical view writes one space between words, and a second pass must not
  // read a phone number there that the first pass did not.
  const auto digit_at = [&](const Item& it, bool last) {
    if (it.kind == ItemKind::kEntity) {
      // An entity as typed: "18000456" next to "32" could be read as one longer number.
      const char c = work_[last ? it.e - 1 : it.b];
      return c >= '0' && c <= '9';
    }
    if (it.kind != ItemKind::kWord) return false;
    for (uint32_t n = 0; n < it.g_end - it.g_begin; ++n) {
      const Glyph& g = glyphs_[last ? it.g_end - 1 - n : it.g_begin + n];
      if (g.kind == GlyphKind::kMark || g.kind == GlyphKind::kDigitSep) continue;
      return g.kind == GlyphKind::kDigit;
    }
    return false;
  };
  for (size_t k = 1; k + 1 < items_.size(); ++k) {
    Gap& gap = items_[k].gap;
    if (items_[k].kind != ItemKind::kGap || gap.hard || gap.soft) continue;
    if (gap.chars == 1 && gap.single_space) continue;
    if (digit_at(items_[k - 1], true) && digit_at(items_[k + 1], false)) gap.soft = true;
  }

  // Rule 2: runs of three or more one-letter words separated only by spaces.
  joined.clear();
  size_t k = 0;
  while (k < items_.size()) {
    if (SingleLetterish(items_[k])) {
      size_t end = k;  // index of the last word in the run
      size_t count = 1;
      while (end + 2 < items_.size() && items_[end + 1].kind == ItemKind::kGap &&
             !items_[end + 1].gap.hard && !items_[end + 1].gap.soft &&
             SingleLetterish(items_[end + 2])) {
        end += 2;
        ++count;
      }
      size_t letters = 0;
      for (size_t j = k; j <= end; j += 2) letters += has_letter(items_[j]) ? 1 : 0;
      if (count >= 3 && letters >= 2 && !TeencodeRun(k, end)) {
        Item word = items_[k];
        word.g_end = items_[end].g_end;
        word.e = items_[end].e;
        word.joined = true;
        word.single = IsSingle(word.g_begin, word.g_end);
        joined.push_back(word);
        out_.flags |= kFlagSplitWords;
        k = end + 1;
        continue;
      }
    }
    joined.push_back(items_[k]);
    ++k;
  }
  items_.swap(joined);
}

void Pass::BeginToken(Span span, bool attach_canonical) {
  // The space before a token maps to the gap between the previous token and this one.
  const Span gap{prev_end_, std::max(prev_end_, span.begin)};
  folded_.Put(' ', gap);
  if (options_.canonical && any_token_ && !attach_canonical) canonical_.Put(' ', gap);
  any_token_ = true;
}

void Pass::EmitFoldedToken(std::string_view bytes, const uint8_t* marks, Span span,
                           TokenKind kind) {
  Token token;
  token.begin = static_cast<uint32_t>(folded_.size());
  ViewWriter::Cursor cursor = folded_.Begin(bytes.size());
  for (size_t k = 0; k < bytes.size(); ++k) {
    cursor.Put(bytes[k], span, marks != nullptr ? marks[k] : 0);
  }
  folded_.Commit(cursor);
  token.end = static_cast<uint32_t>(folded_.size());
  token.sentence = sentence_;
  token.clause = clause_;
  token.kind = kind;
  PushToken(token);
}

void Pass::EmitGap(const Gap& gap, Span span) {
  if (!gap.hard && !gap.soft) return;  // a plain space: BeginToken writes it
  const char c = gap.hard ? gap.hard_char : ',';
  BeginToken(span, true);
  if (options_.canonical) canonical_.Put(c, span);
  const char folded = gap.hard ? '.' : ',';
  EmitFoldedToken(std::string_view(&folded, 1), nullptr, span,
                  gap.hard ? TokenKind::kSentence : TokenKind::kClause);
  prev_end_ = span.end;
  if (gap.hard) ++sentence_;
  ++clause_;
}

// A combining mark NFC left alone stays alone unless a letter changed under it (a run
// collapsed, a look-alike mapped). When the word is no longer NFC, compose it and transform the
// result again, as a second pass would; every glyph then maps to the whole word.
void Pass::ComposeMarks(uint32_t b, uint32_t e) {
  if (impl_.nfc == nullptr) return;
  for (int round = 0; round < 4; ++round) {
    if (std::none_of(word_.begin(), word_.end(),
                     [](const Glyph& g) { return g.kind == GlyphKind::kMark; })) {
      return;
    }
    key_.clear();
    for (const Glyph& g : word_) AppendUtf8(key_, g.lower);
    UErrorCode status = U_ZERO_ERROR;
    const icu::StringPiece piece(key_.data(), static_cast<int32_t>(key_.size()));
    if (impl_.nfc->isNormalizedUTF8(piece, status) || U_FAILURE(status)) return;
    std::string composed;
    icu::StringByteSink<std::string> sink(&composed);
    impl_.nfc->normalizeUTF8(0, piece, sink, nullptr, status);
    if (U_FAILURE(status)) return;
    word_.clear();
    for (size_t i = 0; i < composed.size();) {
      const DecodedChar d = DecodeUtf8(std::string_view(composed).substr(i));
      i += d.length;
      const CharInfo info = internal::Info(d.cp);
      Glyph g;
      g.b = b;
      g.e = e;
      g.lower = info.lower;
      g.base = info.fold;
      g.mod = info.mod;
      g.tone = info.tone;
      g.flags = info.flags;
      if (info.cls == CharClass::kLetter) {
        g.kind = GlyphKind::kLetter;
      } else if (info.cls == CharClass::kDigit) {
        g.kind = GlyphKind::kDigit;
        g.lower = info.fold;
      } else if (info.cls == CharClass::kMark) {
        g.kind = GlyphKind::kMark;
        g.base = 0;
        g.lower = d.cp;
      } else if (d.cp == '.' || d.cp == ',') {
        g.kind = GlyphKind::kDigitSep;
        g.base = 0;
        g.lower = d.cp;
      } else {
        continue;
      }
      word_.push_back(g);
    }
    out_.flags |= TransformWord(word_);
  }
}

void Pass::EmitWord(const Item& item) {
  word_.assign(glyphs_.begin() + item.g_begin, glyphs_.begin() + item.g_end);
  EmitWordGlyphs(map_->Map(item.b, item.e), item.b, item.e);
}

// Emits the word whose glyphs are in word_ (work bytes [b, e), `word_span` in the original).
void Pass::EmitWordGlyphs(Span word_span, uint32_t b, uint32_t e) {
  out_.flags |= TransformWord(word_);
  ComposeMarks(b, e);
  EmitTransformed(word_.data(), word_.size(), word_span);
}

// Emits entity `index` (work bytes [b, e)) as its placeholder token.
void Pass::EmitEntity(size_t index, uint32_t b, uint32_t e) {
  static constexpr std::string_view kPlaceholders[] = {"<url>", "<email>", "<phone>", "<handle>"};
  const Entity& entity = out_.entities[index];
  const Span span = map_->Map(b, e);
  BeginToken(span, false);
  if (options_.canonical) {
    for (uint32_t p = b; p < e; ++p) canonical_.Put(work_[p], map_->Map(p, p + 1));
  }
  EmitFoldedToken(kPlaceholders[static_cast<int>(entity.kind)], nullptr, span, TokenKind::kEntity);
  prev_end_ = span.end;
}

// Emits w[0..n) (already transformed) as one word, or as its teencode expansion.
void Pass::EmitTransformed(const Glyph* w, size_t n, Span word_span) {
  const Expansion* expansion = FindTeencode(n, [&](size_t k) { return w[k].lower; });
  if (expansion != nullptr) {
    EmitExpansion(*expansion, word_span);
    return;
  }

  EmitSimple(w, n, word_span);
}

// Emits a teencode word's expansion, every token of it mapped to the word the child typed.
void Pass::EmitExpansion(const Expansion& expansion, Span word_span) {
  out_.flags |= kFlagTeencode;
  BeginToken(word_span, false);
  if (options_.canonical) {
    canonical_.Reserve(expansion.canonical.size());
    for (char c : expansion.canonical) canonical_.Put(c, word_span);
  }
  // One folded token per expansion word, all mapped to the word the child typed.
  size_t start = 0;
  const std::string& f = expansion.folded;
  while (start <= f.size()) {
    size_t space = f.find(' ', start);
    if (space == std::string::npos) space = f.size();
    if (start > 0) folded_.Put(' ', word_span);
    EmitFoldedToken(std::string_view(f).substr(start, space - start),
                    expansion.marks.data() + start, word_span, TokenKind::kWord);
    start = space + 1;
  }
  prev_end_ = word_span.end;
}

// Emits w[0..n) as one word (no teencode).
void Pass::EmitSimple(const Glyph* w, size_t n, Span word_span) {
  BeginToken(word_span, false);
  Token token;
  token.begin = static_cast<uint32_t>(folded_.size());
  const bool identity = map_->identity();
  ViewWriter::Cursor folded = folded_.Begin(4 * n);
  if (options_.canonical) {
    ViewWriter::Cursor canonical = canonical_.Begin(4 * n);
    for (size_t k = 0; k < n; ++k) {
      const Glyph& g = w[k];
      canonical.PutUtf8(g.lower, identity ? Span{g.b, g.e} : map_->Map(g.b, g.e));
    }
    canonical_.Commit(canonical);
  }
  for (size_t k = 0; k < n; ++k) {
    const Glyph& g = w[k];
    if (g.kind == GlyphKind::kMark || g.kind == GlyphKind::kDigitSep) continue;
    folded.PutUtf8(g.base, identity ? Span{g.b, g.e} : map_->Map(g.b, g.e),
                   static_cast<uint8_t>(g.mod | (g.tone << 3)));
  }
  folded_.Commit(folded);
  token.end = static_cast<uint32_t>(folded_.size());
  token.sentence = sentence_;
  token.clause = clause_;
  token.kind = TokenKind::kWord;
  PushToken(token);
  prev_end_ = word_span.end;
}

// Emits the region's items. Leading gaps of the text carry nothing for matching and are
// dropped (a region starts with a gap only at the start of the text); so are trailing gaps when
// the region ends the text (`last`). A region that ends at a cut keeps its last gap: it
// separates the region's last word from the simple word the fast path emits next.
void Pass::Emit(bool last) {
  size_t first = 0, end = items_.size();
  if (!any_token_) {
    while (first < end && items_[first].kind == ItemKind::kGap) ++first;
  }
  if (last) {
    while (end > first && items_[end - 1].kind == ItemKind::kGap) --end;
  }

  for (size_t k = first; k < end; ++k) {
    const Item& it = items_[k];
    switch (it.kind) {
      case ItemKind::kWord:
        EmitWord(it);
        break;
      case ItemKind::kEntity:
        EmitEntity(it.entity, it.b, it.e);
        break;
      case ItemKind::kGap:
        EmitGap(it.gap, map_->Map(it.b, it.e));
        break;
    }
  }
}

uint32_t Pass::Region(uint32_t begin) {
  glyphs_.clear();
  items_.clear();
  fragment_open_ = false;
  const uint32_t end = Scan(begin);
  if (restart_) return end;
  Join();
  Emit(end == work_.size());
  return end;
}

bool Pass::Run(std::string_view work, const OffsetMap& map, bool nfc_done) {
  work_ = work;
  map_ = &map;
  nfc_done_ = nfc_done;
  out_.entities = ExtractEntities(work);
  next_entity_ = 0;
  next_entity_begin_ =
      out_.entities.empty() ? std::numeric_limits<uint32_t>::max() : out_.entities[0].span.begin;
  glyphs_.reserve(64);
  items_.reserve(32);
  // Folded text is about as long as the input (diacritics go, spaces and expansions come).
  folded_.Reserve(work.size() + work.size() / 8 + 16);
  if (options_.canonical) canonical_.Reserve(work.size() + 16);
  tokens_capacity_ = work.size() / 3 + 8;
  out_.tokens.resize(tokens_capacity_);

  const auto n = static_cast<uint32_t>(work.size());
  uint32_t pos = 0;
  while (pos < n) {
    if (fast_) {
      FastSteps(pos);
      if (restart_) return false;
      if (pos >= n) break;
    }
    pos = Region(pos);
    if (restart_) return false;
  }
  if (any_token_) folded_.Put(' ', {prev_end_, prev_end_});
  folded_.Finish();
  canonical_.Finish();
  out_.tokens.resize(tokens_size_);
  // Entity spans were work offsets; report them in the original text.
  for (Entity& entity : out_.entities) entity.span = map.Map(entity.span.begin, entity.span.end);
  return true;
}

}  // namespace

NormalizedText Normalizer::Impl::Run(std::string_view input, const NormalizeOptions& options,
                                     bool fast) const {
  uint32_t flags = 0;
  const size_t keep = Utf8PrefixLength(input, options.max_bytes);
  if (keep < input.size()) flags |= kFlagTruncated;
  const std::string_view text = input.substr(0, keep);
  const auto size = static_cast<uint32_t>(text.size());

  // Stage 1: invalid UTF-8 becomes U+FFFD; invisible characters (zero-width, bidi controls,
  // soft hyphens) go. Both before anything reads the text, so entity extraction sees what the
  // canonical view will hold and a second pass finds the same entities. Each kept byte maps to
  // the original bytes of its character.
  std::string cleaned;
  std::vector<Span> clean_map;
  std::string_view work = text;
  if (!IsCleanUtf8(text, low)) {
    if (FindInvalidUtf8(text).has_value()) flags |= kFlagInvalidUtf8;
    cleaned.reserve(text.size() + 8);
    clean_map.reserve(text.size() + 8);
    for (size_t i = 0; i < text.size();) {
      const DecodedChar d = DecodeUtf8(text.substr(i));
      const Span span{static_cast<uint32_t>(i), static_cast<uint32_t>(i + d.length)};
      i += d.length;
      if (d.valid && internal::IsIgnorable(d.cp)) {
        flags |= (internal::Info(d.cp).flags & internal::kFlagBidiControl) ? kFlagBidiControl
                                                                           : kFlagZeroWidth;
        continue;
      }
      const size_t before = cleaned.size();
      if (d.valid) {
        cleaned.append(text.data() + span.begin, d.length);
      } else {
        AppendUtf8(cleaned, kReplacementChar);
      }
      clean_map.insert(clean_map.end(), cleaned.size() - before, span);
    }
    work = cleaned;
  }
  const OffsetMap map = clean_map.empty() ? OffsetMap(size) : OffsetMap(std::move(clean_map), size);

  NormalizedText out;
  {
    Pass pass(*this, options, out, fast);
    if (pass.Run(work, map, nfc == nullptr)) {
      out.flags |= flags;
      out.original_size = size;
      return out;
    }
  }

  // Stage 2: the text is not NFC. Normalise with ICU, keeping ICU's edit list as an offset map.
  out = NormalizedText{};
  std::string normalized;
  icu::StringByteSink<std::string> sink(&normalized);
  icu::Edits edits;
  UErrorCode status = U_ZERO_ERROR;
  nfc->normalizeUTF8(0, icu::StringPiece(work.data(), static_cast<int32_t>(work.size())), sink,
                     &edits, status);
  std::vector<Span> nfc_map;
  if (U_SUCCESS(status)) {
    nfc_map.assign(normalized.size(), Span{});
    icu::Edits::Iterator it = edits.getFineIterator();
    while (it.next(status)) {
      const auto src = static_cast<uint32_t>(it.sourceIndex());
      const auto dst = static_cast<uint32_t>(it.destinationIndex());
      const auto old_length = static_cast<uint32_t>(it.oldLength());
      const auto new_length = static_cast<uint32_t>(it.newLength());
      for (uint32_t k = 0; k < new_length && dst + k < nfc_map.size(); ++k) {
        nfc_map[dst + k] =
            it.hasChange() ? Span{src, src + old_length} : Span{src + k, src + k + 1};
      }
    }
  }
  if (U_FAILURE(status)) {
    // Cannot happen for valid UTF-8; fall back to the text as it is.
    Pass pass(*this, options, out, fast);
    pass.Run(work, map, true);
  } else {
    // Compose: NFC byte -> work bytes -> original bytes.
    for (Span& s : nfc_map) s = map.Map(s.begin, s.end);
    const OffsetMap composed(std::move(nfc_map), size);
    Pass pass(*this, options, out, fast);
    pass.Run(normalized, composed, true);
    out.flags |= kFlagNotNfc;
  }
  out.flags |= flags;
  out.original_size = size;
  return out;
}

// ---------------------------------------------------------------------------------------------

Span NormalizedText::OriginalSpan(uint32_t folded_begin, uint32_t folded_end) const {
  if (folded_end <= folded_begin || folded_end > folded_spans.size()) return {};
  return {folded_spans[folded_begin].begin, folded_spans[folded_end - 1].end};
}

Result<std::vector<TeencodeEntry>> ParseTeencodeTsv(std::string_view tsv) {
  std::vector<TeencodeEntry> entries;
  for (const internal::TsvRow& row : internal::SplitTsv(tsv)) {
    const int line_number = row.line;
    if (row.cells.size() < 2) {
      return Fail(Error::Invalid("teencode line " + std::to_string(line_number) +
                                 ": expected from<TAB>to"));
    }
    const std::string_view from = row.cells[0];
    const std::string_view to = row.cells[1];
    const std::string_view line = internal::CellsFrom(row, 0);  // a third column is a note
    if (from.empty() || to.empty()) {
      return Fail(
          Error::Invalid("teencode line " + std::to_string(line_number) + ": empty column"));
    }
    if (auto st = ValidateUtf8(line, "teencode"); !st) {
      return Fail(
          Error::Invalid("teencode line " + std::to_string(line_number) + ": not valid UTF-8"));
    }
    entries.push_back({std::string(from), std::string(to), line_number});
  }
  return entries;
}

Normalizer::Normalizer() : impl_(std::make_unique<Impl>()) {}
Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

size_t Normalizer::teencode_size() const { return impl_->teencode.size(); }

NormalizedText Normalizer::Normalize(std::string_view text, const NormalizeOptions& options) const {
  return impl_->Run(text, options);
}

NormalizedText internal::NormalizeWithoutFastPath(const Normalizer& normalizer,
                                                  std::string_view text,
                                                  const NormalizeOptions& options) {
  return normalizer.impl_->Run(text, options, /*fast=*/false);
}

Result<Normalizer> Normalizer::Create(const std::vector<TeencodeEntry>& teencode) {
  Normalizer plain;
  std::vector<std::string> keys;
  std::vector<Expansion> values;
  keys.reserve(teencode.size());
  values.reserve(teencode.size());
  auto where = [](const TeencodeEntry& e) { return "teencode line " + std::to_string(e.line); };
  for (const TeencodeEntry& entry : teencode) {
    NormalizedText from = plain.Normalize(entry.from);
    if (from.tokens.size() != 1 || from.tokens[0].kind != TokenKind::kWord) {
      return Fail(Error::Invalid(where(entry) + ": 'from' must be exactly one word"));
    }
    NormalizedText to = plain.Normalize(entry.to);
    if (to.tokens.empty()) {
      return Fail(Error::Invalid(where(entry) + ": 'to' has no words"));
    }
    for (const Token& t : to.tokens) {
      if (t.kind != TokenKind::kWord) {
        return Fail(Error::Invalid(where(entry) + ": 'to' must be words only"));
      }
      // A one-letter word in an expansion could be re-joined with its neighbours on a second
      // pass ("c h ế t" rule), which would break idempotence.
      if (t.end - t.begin < 2) {
        return Fail(Error::Invalid(where(entry) + ": 'to' has a one-letter word"));
      }
    }
    Expansion expansion;
    expansion.canonical = to.canonical;
    expansion.folded = to.folded.substr(1, to.folded.size() - 2);
    expansion.marks.assign(to.folded_marks.begin() + 1, to.folded_marks.end() - 1);
    expansion.words = static_cast<uint32_t>(to.tokens.size());
    keys.push_back(from.canonical);
    values.push_back(std::move(expansion));
  }
  // No duplicates, and no expansion word is itself a key.
  std::vector<std::pair<std::string, int>> sorted;
  for (size_t i = 0; i < keys.size(); ++i) sorted.emplace_back(keys[i], teencode[i].line);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].first == sorted[i - 1].first) {
      return Fail(Error::Invalid("teencode line " + std::to_string(sorted[i].second) +
                                 ": same word as line " + std::to_string(sorted[i - 1].second) +
                                 " after normalisation"));
    }
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& canonical = values[i].canonical;
    size_t start = 0;
    while (start <= canonical.size()) {
      size_t space = canonical.find(' ', start);
      if (space == std::string::npos) space = canonical.size();
      const std::string word = canonical.substr(start, space - start);
      auto it = std::lower_bound(sorted.begin(), sorted.end(), std::make_pair(word, 0));
      if (it != sorted.end() && it->first == word) {
        return Fail(Error::Invalid(where(teencode[i]) +
                                   ": expansion word is itself a 'from' (line " +
                                   std::to_string(it->second) + ")"));
      }
      start = space + 1;
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->teencode.Build(std::move(keys), std::move(values));
  return Normalizer(std::move(impl));
}

}  // namespace childsafe::text
