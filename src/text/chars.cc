#include "text/chars.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

namespace childsafe::text::internal {
namespace {

constexpr char32_t kTableEnd = kLowTableEnd;
constexpr char32_t kFullwidthBegin = 0xFF00;
constexpr char32_t kFullwidthEnd = 0xFFF0;

uint8_t ToneOfMark(UChar32 m) {
  switch (m) {
    case 0x0300:
      return kToneGrave;
    case 0x0301:
      return kToneAcute;
    case 0x0309:
      return kToneHook;
    case 0x0303:
      return kToneTilde;
    case 0x0323:
      return kToneDot;
    default:
      return kToneNone;
  }
}

uint8_t ModOfMark(UChar32 m) {
  switch (m) {
    case 0x0302:
      return kModCircumflex;
    case 0x0306:
      return kModBreve;
    case 0x031B:
      return kModHorn;
    default:
      return kModNone;
  }
}

bool IsVowel(char32_t c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// Which modifiers Vietnamese writes on which vowel: â ê ô, ă, ơ ư.
bool ModAllowed(char32_t base, uint8_t mod) {
  switch (mod) {
    case kModNone:
      return true;
    case kModCircumflex:
      return base == 'a' || base == 'e' || base == 'o';
    case kModBreve:
      return base == 'a';
    case kModHorn:
      return base == 'o' || base == 'u';
    default:
      return false;
  }
}

// Cyrillic and Greek lower-case letters that render like a Latin letter; mixed into a Latin
// word they are a classic filter dodge ("сhết" with a Cyrillic с).
char32_t HomoglyphOf(char32_t c) {
  switch (c) {
    case 0x0430:
      return 'a';  // а
    case 0x0435:
      return 'e';  // е
    case 0x043E:
      return 'o';  // о
    case 0x0440:
      return 'p';  // р
    case 0x0441:
      return 'c';  // с
    case 0x0443:
      return 'y';  // у
    case 0x0445:
      return 'x';  // х
    case 0x0456:
      return 'i';  // і
    case 0x0458:
      return 'j';  // ј
    case 0x0455:
      return 's';  // ѕ
    case 0x043A:
      return 'k';  // к
    case 0x043C:
      return 'm';  // м
    case 0x0442:
      return 't';  // т
    case 0x043D:
      return 'h';  // н
    case 0x0501:
      return 'd';  // ԁ
    case 0x04BB:
      return 'h';  // һ
    case 0x051B:
      return 'q';  // ԛ
    case 0x051D:
      return 'w';  // ԝ
    case 0x03B1:
      return 'a';  // α
    case 0x03BF:
      return 'o';  // ο
    case 0x03BD:
      return 'v';  // ν
    case 0x03C1:
      return 'p';  // ρ
    case 0x03C4:
      return 't';  // τ
    case 0x03B9:
      return 'i';  // ι
    case 0x03BA:
      return 'k';  // κ
    case 0x03C5:
      return 'u';  // υ
    case 0x03B5:
      return 'e';  // ε
    case 0x03C7:
      return 'x';  // χ
    default:
      return 0;
  }
}

struct Icu {
  const icu::Normalizer2* nfd = nullptr;
  const icu::Normalizer2* nfc = nullptr;
  const icu::Normalizer2* nfkc_cf = nullptr;
  Icu() {
    UErrorCode status = U_ZERO_ERROR;
    nfd = icu::Normalizer2::getNFDInstance(status);
    nfc = icu::Normalizer2::getNFCInstance(status);
    nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) nfd = nfc = nfkc_cf = nullptr;
  }
};

const Icu& IcuInstances() {
  static const Icu icu;
  return icu;
}

// Invisible characters that only split words: format characters (zero-width space and joiner,
// bidi controls, soft hyphen, BOM, tags), variation selectors, the combining grapheme joiner and
// Hangul fillers. The one definition behind CharClass::kIgnorable and IsIgnorable().
bool IgnorableByProperty(UChar32 cp) {
  return u_charType(cp) == U_FORMAT_CHAR || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x034F ||
         cp == 0x180E || (cp >= 0xE0100 && cp <= 0xE01EF) || cp == 0x115F || cp == 0x1160 ||
         cp == 0x3164 || cp == 0xFFA0 || cp == 0x061C;
}

// Whether NFC composes `starter` with a letter after it: one that composes with the character
// before it (NFC_Quick_Check Maybe) and is no combining mark (compatibility jamo ㄱ U+3131
// folds to ᄀ U+1100, which composes with a vowel jamo after it). Marks that would compose with
// a starter the fold wrote, FoldForSearch drops instead.
bool ComposesWithALetterAfter(char32_t starter) {
  static const std::vector<UChar32> followers = [] {
    std::vector<UChar32> list;
    for (UChar32 c = 0x300; c <= 0x10FFFF; ++c) {
      if (u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) == UNORM_MAYBE &&
          (U_GET_GC_MASK(c) & U_GC_M_MASK) == 0) {
        list.push_back(c);
      }
    }
    return list;
  }();
  const icu::Normalizer2* nfc = IcuInstances().nfc;
  if (nfc == nullptr) return false;
  return std::any_of(followers.begin(), followers.end(), [&](UChar32 c) {
    return nfc->composePair(static_cast<UChar32>(starter), c) >= 0;
  });
}

// Single code point of `s`, or -1 when `s` is not exactly one code point.
UChar32 SingleCodePoint(const icu::UnicodeString& s) {
  if (s.length() == 0) return -1;
  UChar32 c = s.char32At(0);
  return s.length() == U16_LENGTH(c) ? c : -1;
}

CharInfo Compute(char32_t cp32);

CharInfo Compute(char32_t cp32) {
  const Icu& icu = IcuInstances();
  const UChar32 cp = static_cast<UChar32>(cp32);
  CharInfo info;
  info.lower = cp32;
  info.fold = cp32;

  const bool nfc_yes = u_getIntPropertyValue(cp, UCHAR_NFC_QUICK_CHECK) == UNORM_YES;
  if (!nfc_yes || u_getCombiningClass(cp) != 0) info.flags |= kFlagNotNfcInert;

  switch (cp) {
    case '\n':
    case '\r':
    case 0x2028:
    case 0x2029:
    case 0x0085:
      info.cls = CharClass::kLineBreak;
      return info;
    case '.':
      info.cls = CharClass::kDot;
      return info;
    case '-':
    case '_':
    case '*':
    case '~':
    case '+':
    case '|':
    case '^':
    case '\'':
    case '`':
    case 0x2019:
    case 0x2018:
    case 0x2010:
    case 0x2011:
    case 0x2013:
    case 0x00B7:
    case 0x2022:
      info.cls = CharClass::kIntraSep;
      return info;
    case '!':
    case '?':
    case ';':
    case 0x2026:
    case 0x3002:
    case 0xFF01:
    case 0xFF1F:
      info.cls = CharClass::kHardPunct;
      return info;
    case ',':
    case ':':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case 0x201C:
    case 0x201D:
    case 0x00AB:
    case 0x00BB:
    case 0x3001:
    case 0xFF0C:
      info.cls = CharClass::kSoftPunct;
      return info;
    case '@':
    case '$':
      info.cls = CharClass::kLeet;
      return info;
    default:
      break;
  }

  const int8_t type = u_charType(cp);
  const bool bidi_control = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
                            cp == 0x200E || cp == 0x200F || cp == 0x061C;
  if (bidi_control) info.flags |= kFlagBidiControl;
  if (IgnorableByProperty(cp)) {
    info.cls = CharClass::kIgnorable;
    return info;
  }
  if (u_isUWhiteSpace(cp)) {
    info.cls = CharClass::kSpace;
    return info;
  }
  if (type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK) {
    info.cls = CharClass::kMark;
    return info;
  }
  if (type == U_DECIMAL_DIGIT_NUMBER) {
    info.cls = CharClass::kDigit;
    const int32_t value = u_charDigitValue(cp);
    info.fold = static_cast<char32_t>('0' + (value >= 0 ? value : 0));
    return info;
  }
  if (!u_isalpha(cp)) return info;  // kOther

  info.cls = CharClass::kLetter;
  const UChar32 lower = u_foldCase(cp, U_FOLD_CASE_DEFAULT);
  info.lower = static_cast<char32_t>(lower);
  info.fold = info.lower;
  if (icu.nfd == nullptr) return info;

  if (lower == 0x0111) {  // đ has no decomposition; Vietnamese needs it as d + stroke
    info.fold = 'd';
    info.mod = kModStroke;
    info.flags |= kFlagVietnamese;
    return info;
  }
  if (lower < 0x80) {
    info.flags |= kFlagVietnamese;
    return info;
  }

  icu::UnicodeString decomposition;
  if (icu.nfd->getDecomposition(lower, decomposition) && decomposition.length() > 0) {
    const UChar32 base = decomposition.char32At(0);
    uint8_t mod = kModNone, tone = kToneNone;
    bool vietnamese = base < 0x80 && base >= 'a' && base <= 'z';
    bool only_marks = true;
    for (int32_t i = U16_LENGTH(base); i < decomposition.length();) {
      const UChar32 m = decomposition.char32At(i);
      i += U16_LENGTH(m);
      const int8_t mt = u_charType(m);
      if (mt != U_NON_SPACING_MARK && mt != U_COMBINING_SPACING_MARK) {
        only_marks = false;
        vietnamese = false;
        continue;
      }
      if (uint8_t t = ToneOfMark(m); t != kToneNone && tone == kToneNone) {
        tone = t;
      } else if (uint8_t md = ModOfMark(m); md != kModNone && mod == kModNone) {
        mod = md;
      } else {
        vietnamese = false;
      }
    }
    if (only_marks) {
      // Strip the diacritics; the base may itself be upper-case-free already (it came from
      // `lower`), but fold it anyway in case a decomposition yields a different case.
      // Fold the base fully too (its own case and compatibility form: ϓ -> ϒ -> υ), so that
      // folding is idempotent.
      const UChar32 folded_base = u_foldCase(base, U_FOLD_CASE_DEFAULT);
      info.fold = folded_base == cp ? static_cast<char32_t>(folded_base)
                                    : Compute(static_cast<char32_t>(folded_base)).fold;
      if (vietnamese && ModAllowed(static_cast<char32_t>(base), mod) &&
          (tone == kToneNone || IsVowel(static_cast<char32_t>(base)))) {
        info.mod = mod;
        info.tone = tone;
        info.flags |= kFlagVietnamese;
      } else {
        info.flags |= kFlagForeignMarks;
      }
      return info;
    }
  }
  // Compatibility forms (fullwidth Latin, ligature-free letter variants): NFKC_Casefold, when it
  // gives a single code point.
  if (icu.nfkc_cf != nullptr) {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString src(lower);
    icu::UnicodeString folded = icu.nfkc_cf->normalize(src, status);
    const UChar32 single = SingleCodePoint(folded);
    // The compatibility form may itself decompose (ﮤ -> ۀ -> ە): fold it fully. A form whose
    // fold NFC could reorder or combine with its neighbour (halfwidth ﾞ U+FF9E -> the combining
    // U+3099; halfwidth Hangul ﾭ U+FFAD -> the trailing jamo U+11B3, which composes with a
    // syllable before it; ㄱ U+3131 -> ᄀ, which composes with a vowel after it) is kept as it is,
    // or folding would not be idempotent (all found by fuzz/triage_search_fuzz.cc).
    const char32_t target = U_SUCCESS(status) && single > 0 && single != lower
                                ? Compute(static_cast<char32_t>(single)).fold
                                : 0;
    if (target != 0 && (Compute(target).flags & kFlagNotNfcInert) == 0 &&
        !ComposesWithALetterAfter(target)) {
      info.fold = target;
      if (single < 0x80) info.flags |= kFlagVietnamese;
    }
  }
  if (char32_t latin = HomoglyphOf(info.lower); latin != 0) {
    info.latin = latin;
    info.flags |= kFlagHomoglyph;
  }
  return info;
}

struct Tables {
  std::vector<CharInfo> low;                                  // U+0000..kTableEnd
  std::vector<FastInfo> fast;                                 // the same, compact
  std::vector<std::pair<char32_t, char32_t>> ignorable_high;  // inclusive ranges >= kTableEnd
  std::vector<CharInfo> fullwidth;                            // kFullwidthBegin..kFullwidthEnd
  // compose[base index][mod][tone]; base index: a e i o u y d
  std::array<std::array<std::array<char32_t, 6>, 5>, 7> compose{};

  Tables() {
    low.reserve(kTableEnd);
    for (char32_t c = 0; c < kTableEnd; ++c) {
      low.push_back((c >= 0xD800 && c <= 0xDFFF) ? CharInfo{} : Compute(c));
    }
    for (char32_t c = kTableEnd; c <= 0x10FFFF; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;
      if (!IgnorableByProperty(static_cast<UChar32>(c))) continue;
      if (!ignorable_high.empty() && ignorable_high.back().second + 1 == c) {
        ignorable_high.back().second = c;
      } else {
        ignorable_high.emplace_back(c, c);
      }
    }
    fast.resize(kTableEnd);
    for (char32_t c = 0; c < kTableEnd; ++c) {
      const CharInfo& i = low[c];
      FastInfo& f = fast[c];
      f.lower = i.lower;
      f.mark = static_cast<uint8_t>(i.mod | (i.tone << 3));
      if (i.cls == CharClass::kLetter) {
        f.bits |= kFastLetter;
        if (i.fold < 0x80 && (i.flags & (kFlagHomoglyph | kFlagForeignMarks)) == 0) {
          f.bits |= kFastLean;
          f.fold = static_cast<uint8_t>(i.fold);
          if (IsVowel(i.fold) && i.mod != kModStroke) f.bits |= kFastVowel;
        }
      }
      if (i.cls == CharClass::kLetter || i.cls == CharClass::kDigit) f.bits |= kFastWordStart;
      if (i.flags & kFlagVietnamese) f.bits |= kFastVietnamese;
      if (i.flags & kFlagNotNfcInert) f.bits |= kFastNotNfcInert;
    }
    fullwidth.reserve(kFullwidthEnd - kFullwidthBegin);
    for (char32_t c = kFullwidthBegin; c < kFullwidthEnd; ++c) fullwidth.push_back(Compute(c));
    // Every Vietnamese letter is some table entry with kFlagVietnamese; invert that.
    for (char32_t c = 0; c < kTableEnd; ++c) {
      const CharInfo& i = low[c];
      if ((i.flags & kFlagVietnamese) == 0 || i.cls != CharClass::kLetter) continue;
      if (i.lower != c) continue;  // take the lower-case letter itself
      const int b = BaseIndex(i.fold);
      if (b < 0 || b == 6 || i.mod >= kModStroke) continue;  // d and đ: see ComposeVietnamese
      compose[b][i.mod][i.tone] = c;
    }
  }

  static int BaseIndex(char32_t base) {
    switch (base) {
      case 'a':
        return 0;
      case 'e':
        return 1;
      case 'i':
        return 2;
      case 'o':
        return 3;
      case 'u':
        return 4;
      case 'y':
        return 5;
      case 'd':
        return 6;
      default:
        return -1;
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

const CharInfo* LowTable() { return GetTables().low.data(); }

const FastInfo* FastTable() { return GetTables().fast.data(); }

bool IsIgnorable(char32_t cp) {
  const Tables& t = GetTables();
  if (cp < kTableEnd) return t.low[cp].cls == CharClass::kIgnorable;
  auto it = std::upper_bound(t.ignorable_high.begin(), t.ignorable_high.end(),
                             std::make_pair(cp, char32_t{0x10FFFF}));
  return it != t.ignorable_high.begin() && cp <= std::prev(it)->second;
}

CharInfo InfoSlow(char32_t cp) {
  if (cp < kTableEnd) return GetTables().low[cp];
  if (cp >= kFullwidthBegin && cp < kFullwidthEnd) {
    return GetTables().fullwidth[cp - kFullwidthBegin];
  }
  return Compute(cp);  // CJK, emoji, historic scripts: rare enough to compute each time
}

char32_t ComposeVietnamese(char32_t base, uint8_t mod, uint8_t tone) {
  if (tone > kToneDot || mod > kModStroke) return 0;
  if (mod == kModNone && tone == kToneNone) return base;
  if (base == 'd') return (mod == kModStroke && tone == kToneNone) ? U'\u0111' : 0;
  const int b = Tables::BaseIndex(base);
  if (b < 0 || b == 6 || mod == kModStroke) return 0;
  return GetTables().compose[b][mod][tone];
}

bool IsDiacriticalMark(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
         (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
         (cp >= 0xFE20 && cp <= 0xFE2F);
}

}  // namespace childsafe::text::internal
