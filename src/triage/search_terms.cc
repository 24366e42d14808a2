#include "triage/search_terms.h"

#include <unordered_set>

#include "text/fold.h"

namespace childsafe::triage {

namespace {

// Decodes one code point of valid UTF-8 at `i` (FoldForSearch always returns valid UTF-8).
char32_t Decode(std::string_view s, size_t i, size_t& len) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  len = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2);
  if (i + len > s.size()) {
    len = s.size() - i;
    return 0xFFFD;
  }
  char32_t cp = b & (len == 2 ? 0x1F : (len == 3 ? 0x0F : 0x07));
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool IsSeparator(char32_t cp) {
  if (cp < 0x80) {
    return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
  }
  return (cp >= 0x80 && cp <= 0xBF) ||      // C1 controls, Latin-1 punctuation and symbols
         cp == 0xD7 || cp == 0xF7 ||        // × ÷
         (cp >= 0x2000 && cp <= 0x2BFF) ||  // punctuation, arrows, maths, shapes, dingbats
         (cp >= 0x2E00 && cp <= 0x2E7F) ||  // supplemental punctuation
         (cp >= 0x3000 && cp <= 0x303F) ||  // CJK punctuation
         (cp >= 0xE000 && cp <= 0xF8FF) ||  // private use
         (cp >= 0xFE10 && cp <= 0xFE1F) ||  // vertical forms
         (cp >= 0xFE30 && cp <= 0xFE6F) ||  // CJK compatibility and small forms
         (cp >= 0xFF00 && cp <= 0xFF0F) ||  // fullwidth punctuation (if any survives folding)
         (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFFF0 && cp <= 0xFFFF) ||  // specials, U+FFFD
         (cp >= 0x1F000 && cp <= 0x1FAFF);  // emoji and pictographs
}

// Cuts a word to kMaxWordBytes at a character boundary.
void Cut(std::string& w) {
  if (w.size() <= kMaxWordBytes) return;
  size_t n = kMaxWordBytes;
  while (n > 0 && (static_cast<unsigned char>(w[n]) & 0xC0) == 0x80) --n;
  w.resize(n);
}

}  // namespace

std::vector<std::string> SearchWords(std::string_view text) {
  const std::string folded = text::FoldForSearch(text);
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    Cut(word);
    if (out.size() < kMaxIndexedWords && seen.insert(word).second) out.push_back(word);
    word.clear();
  };
  for (size_t i = 0; i < folded.size();) {
    size_t len = 1;
    char32_t cp = Decode(folded, i, len);
    if (IsSeparator(cp)) {
      flush();
    } else {
      word.append(folded, i, len);
    }
    i += len;
  }
  flush();
  return out;
}

std::vector<std::string> HashSearchWords(const std::vector<std::string>& words,
                                         const crypto::Pseudonymizer& pseudonyms) {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (const auto& w : words) {
    std::string h = pseudonyms.Pseudonym(kSearchDomain, w);
    h.resize(kSearchTermBytes);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace childsafe::triage
