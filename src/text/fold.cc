#include "text/fold.h"

#include <unicode/bytestream.h>
#include <unicode/edits.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include "text/chars.h"
#include "text/utf8.h"

namespace childsafe::text {
namespace {

using internal::CharClass;
using internal::IsDiacriticalMark;

// ICU's NFC normaliser, or null if ICU cannot load its data.
const icu::Normalizer2* Nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  return U_SUCCESS(status) ? nfc : nullptr;
}

// Folds valid UTF-8 `work`; `map` (may be empty for identity) maps work bytes to original
// spans. Returns false if the text needs NFC first and `nfc_done` is false.
template <bool kWithSpans>
bool FoldValid(std::string_view work, const std::vector<Span>& map, bool nfc_done, std::string& out,
               std::vector<Span>* spans) {
  const internal::CharInfo* low = internal::LowTable();
  const auto* bytes = reinterpret_cast<const unsigned char*>(work.data());
  const size_t n = work.size();
  out.clear();
  out.reserve(n);
  if constexpr (kWithSpans) {
    spans->clear();
    spans->reserve(n);
  }
  auto span_of = [&](size_t b, size_t e) -> Span {
    if (map.empty()) return {static_cast<uint32_t>(b), static_cast<uint32_t>(e)};
    return {map[b].begin, map[e - 1].end};
  };
  bool pending_space = false;
  size_t space_begin = 0;
  // The last starter written and the combining class of the last mark written after it (0:
  // none). A mark the fold keeps must not be one NFC would compose with that starter: the
  // starter may be a fold (ﺁ U+FE81 -> ا) or may have lost the diacritics that kept the mark
  // apart, and NFC then composes them on a second fold (ا + ٔ -> أ, whose fold is ا), so the
  // fold would not be idempotent (found by fuzz/triage_search_fuzz.cc). Such a mark goes like
  // the diacritics.
  char32_t starter = 0;
  uint8_t last_ccc = 0;
  size_t i = 0;
  while (i < n) {
    char32_t cp;
    uint32_t len;
    if (bytes[i] < 0x80) {
      cp = bytes[i];
      len = 1;
    } else {
      cp = DecodeValidUtf8(bytes + i, len);
    }
    const internal::CharInfo info = cp < internal::kLowTableEnd ? low[cp] : internal::InfoSlow(cp);
    if (!nfc_done && (info.flags & internal::kFlagNotNfcInert) != 0) return false;
    const size_t b = i;
    i += len;
    char32_t emit;
    uint8_t emit_ccc = 0;  // only marks have a combining class; a letter's fold is a letter
    switch (info.cls) {
      case CharClass::kSpace:
      case CharClass::kLineBreak:
        if (!pending_space) space_begin = b;
        pending_space = true;
        starter = 0;
        continue;
      case CharClass::kIgnorable:
        continue;
      case CharClass::kMark: {
        if (IsDiacriticalMark(cp)) continue;
        emit_ccc = static_cast<uint8_t>(u_getCombiningClass(static_cast<UChar32>(cp)));
        if (starter != 0 && (last_ccc == 0 || last_ccc < emit_ccc)) {
          const icu::Normalizer2* nfc = Nfc();
          if (nfc != nullptr &&
              nfc->composePair(static_cast<UChar32>(starter), static_cast<UChar32>(cp)) >= 0) {
            continue;
          }
        }
        emit = cp;
        break;
      }
      case CharClass::kLetter:
      case CharClass::kDigit:
        emit = info.fold;
        break;
      default:
        emit = cp;
        break;
    }
    if (pending_space) {
      if (!out.empty()) {
        out.push_back(' ');
        if constexpr (kWithSpans) spans->push_back(span_of(space_begin, b));
      }
      pending_space = false;
    }
    if (emit_ccc == 0) {
      starter = emit;
      last_ccc = 0;
    } else {
      last_ccc = emit_ccc;
    }
    const size_t before = out.size();
    AppendUtf8(out, emit);
    if constexpr (kWithSpans) spans->insert(spans->end(), out.size() - before, span_of(b, i));
  }
  return true;
}

template <bool kWithSpans>
void Fold(std::string_view text, std::string& out, std::vector<Span>* spans) {
  std::string repaired;
  std::vector<Span> map;
  std::string_view work = text;
  if (FindInvalidUtf8(text)) {
    size_t i = 0;
    while (i < text.size()) {
      const DecodedChar d = DecodeUtf8(text.substr(i));
      const size_t before = repaired.size();
      if (d.valid) {
        repaired.append(text.data() + i, d.length);
      } else {
        AppendUtf8(repaired, kReplacementChar);
      }
      if constexpr (kWithSpans) {
        map.insert(map.end(), repaired.size() - before,
                   Span{static_cast<uint32_t>(i), static_cast<uint32_t>(i + d.length)});
      }
      i += d.length;
    }
    work = repaired;
  }
  if (FoldValid<kWithSpans>(work, map, false, out, spans)) return;

  // Not NFC: compose first so that canonically equivalent input folds the same.
  const icu::Normalizer2* nfc = Nfc();
  UErrorCode status = U_ZERO_ERROR;
  std::string normalized;
  icu::StringByteSink<std::string> sink(&normalized);
  icu::Edits edits;
  if (nfc != nullptr) {
    nfc->normalizeUTF8(0, icu::StringPiece(work.data(), static_cast<int32_t>(work.size())), sink,
                       kWithSpans ? &edits : nullptr, status);
  }
  if (nfc == nullptr || U_FAILURE(status)) {
    FoldValid<kWithSpans>(work, map, true, out, spans);
    return;
  }
  std::vector<Span> nfc_map;
  if constexpr (kWithSpans) {
    nfc_map.assign(normalized.size(), Span{});
    icu::Edits::Iterator it = edits.getFineIterator();
    while (it.next(status)) {
      const auto src = static_cast<uint32_t>(it.sourceIndex());
      const auto dst = static_cast<uint32_t>(it.destinationIndex());
      for (int32_t k = 0; k < it.newLength(); ++k) {
        const Span s = it.hasChange() ? Span{src, src + static_cast<uint32_t>(it.oldLength())}
                                      : Span{src + static_cast<uint32_t>(k),
                                             src + static_cast<uint32_t>(k) + 1};
        nfc_map[dst + k] = map.empty() ? s : Span{map[s.begin].begin, map[s.end - 1].end};
      }
    }
  }
  FoldValid<kWithSpans>(normalized, nfc_map, true, out, spans);
}

}  // namespace

std::string FoldForSearch(std::string_view text) {
  std::string out;
  Fold<false>(text, out, nullptr);
  return out;
}

FoldedText FoldForSearchWithOffsets(std::string_view text) {
  FoldedText result;
  Fold<true>(text, result.text, &result.spans);
  return result;
}

}  // namespace childsafe::text
