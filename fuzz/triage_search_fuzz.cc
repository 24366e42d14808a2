// Fuzz target: the words the blind search index takes from a text (triage::SearchWords), for any
// bytes. Checks its invariants: every word is non-empty, valid UTF-8, at most kMaxWordBytes,
// distinct, at most kMaxIndexedWords of them; each word alone is one word, itself; and the
// words joined by spaces give the same words back (what is stored is what a query finds).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "triage/search_terms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using childsafe::triage::SearchWords;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto words = SearchWords(text);
  if (words.size() > childsafe::triage::kMaxIndexedWords) std::abort();
  std::set<std::string> seen;
  std::string joined;
  for (const auto& w : words) {
    if (w.empty() || w.size() > childsafe::triage::kMaxWordBytes) std::abort();
    if (!childsafe::IsValidUtf8(w)) std::abort();
    if (!seen.insert(w).second) std::abort();
    const auto alone = SearchWords(w);
    if (alone.size() != 1 || alone[0] != w) std::abort();
    joined += w;
    joined += ' ';
  }
  if (words.size() < childsafe::triage::kMaxIndexedWords && SearchWords(joined) != words) {
    std::abort();
  }
  return 0;
}
