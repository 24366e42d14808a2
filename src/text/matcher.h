#pragma once
// Whole-word phrase matching over the folded view (internal to src/text).
//
// Every lexicon pattern compiles into literal strings " w1 w2 ... wk " (pattern.h): a space,
// words separated by one space, a space. The folded view writes each token between single
// spaces and no token holds a space, so such a literal occurs in the folded text exactly where
// tokens w1 ... wk follow one another. PhraseMatcher finds those occurrences by walking a trie
// over token ids: one hash lookup per token of the text, and one more per token a phrase
// continues with. It reports the same occurrences as searching the folded bytes for every
// literal with a multi-literal matcher (the engine did that with Hyperscan; matcher_test.cc
// checks the two agree on the shipped lexicon), at a fraction of the cost: with about 77,000
// literals, Hyperscan's scan alone took two thirds of the 10 us budget for a 1 KB message.
//
// Build with Add() for every literal, then Build(); after that a PhraseMatcher is immutable and
// Scan() may run from any number of threads. Memory is linear in the total literal length.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "text/normalize.h"

namespace childsafe::text::internal {

class PhraseMatcher {
 public:
  /// Adds `literal` (" w1 ... wk ", k >= 1, as CompilePattern writes them) reporting `id`. The
  /// same literal may be added with several ids; each is reported.
  void Add(std::string_view literal, uint32_t id);

  /// Makes the matcher ready to scan; call once, after the last Add().
  void Build();

  /// Calls on_hit(id, first, last) for every occurrence of a literal in the folded view whose
  /// tokens are `tokens` (NormalizedText::tokens of `folded`): the literal's words are tokens
  /// first..last. Occurrences come in order of `first`, then of `last`; stops early when
  /// on_hit returns false. `ids` is scratch space (resized to tokens.size()). O(tokens) plus
  /// the number of occurrences and the length of the longest literal.
  template <class OnHit>
  void Scan(std::string_view folded, const std::vector<Token>& tokens, std::vector<int32_t>& ids,
            OnHit&& on_hit) const;

  /// Number of distinct words in the literals, and of trie nodes (for tests and reports).
  size_t word_count() const { return words_.size(); }
  size_t node_count() const { return nodes_.size(); }

 private:
  struct Word {
    uint64_t prefix = 0;  // the first eight bytes, little-endian, zero-padded
    uint32_t offset = 0;  // all of its bytes are pool_[offset, offset + length)
    uint32_t length = 0;
    int32_t node = -1;  // the trie node of the one-word phrase prefix "w"
  };
  struct Node {
    uint32_t hits_begin = 0;  // this node's ids are hits_[hits_begin, hits_end)
    uint32_t hits_end = 0;
    uint32_t edges_begin = 0;  // its children are edges_[edges_begin, edges_end), by word
    uint32_t edges_end = 0;
  };
  struct Edge {
    int32_t word = 0;
    int32_t child = 0;
  };
  struct WordSlot {
    uint32_t tag = 0;  // high half of the word's hash
    int32_t word = -1;
  };

  // The word's first eight bytes and its hash.
  static uint64_t Prefix(const char* p, size_t n);
  static uint64_t Hash(uint64_t prefix, const char* p, size_t n);
  int32_t FindWord(const char* p, size_t n) const;
  int32_t Child(int32_t node, int32_t word) const;
  int32_t InternWord(std::string_view word);

  std::string pool_;
  std::vector<Word> words_;
  std::vector<WordSlot> word_slots_;
  uint64_t word_mask_ = 0;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<uint32_t> hits_;

  // Used while building only.
  std::unordered_map<std::string, int32_t> building_words_;
  std::unordered_map<uint64_t, int32_t> building_edges_;     // node << 32 | word -> child
  std::vector<std::pair<int32_t, uint32_t>> building_hits_;  // node -> id
};

template <class OnHit>
void PhraseMatcher::Scan(std::string_view folded, const std::vector<Token>& tokens,
                         std::vector<int32_t>& ids, OnHit&& on_hit) const {
  const size_t count = tokens.size();
  ids.resize(count);
  for (size_t t = 0; t < count; ++t) {
    const Token& token = tokens[t];
    // Sentence and clause marks are never part of a literal.
    ids[t] = token.kind == TokenKind::kWord || token.kind == TokenKind::kEntity
                 ? FindWord(folded.data() + token.begin, token.end - token.begin)
                 : -1;
  }
  for (size_t first = 0; first < count; ++first) {
    if (ids[first] < 0) continue;
    int32_t node = words_[ids[first]].node;
    size_t last = first;
    while (node >= 0) {
      const Node& n = nodes_[node];
      for (uint32_t h = n.hits_begin; h < n.hits_end; ++h) {
        if (!on_hit(hits_[h], static_cast<uint32_t>(first), static_cast<uint32_t>(last))) return;
      }
      if (n.edges_begin == n.edges_end || last + 1 >= count || ids[last + 1] < 0) break;
      ++last;
      node = Child(node, ids[last]);
    }
  }
}

}  // namespace childsafe::text::internal
