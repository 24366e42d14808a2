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

#include <algorithm>
#include <cstdint>
#include <cstring>
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

  /// Adds a word that is in no literal (Scan reports its token id, starts no phrase) and
  /// returns its id: the classifier's vocabulary shares the one lookup per token.
  int32_t AddWord(std::string_view word) {
    if (literal_words_ < 0) literal_words_ = static_cast<int32_t>(words_.size());
    return InternWord(word);
  }

  /// A number the caller keeps with a word (the model's row of weights for it), read back by
  /// WordTag; -1 unless set. Set before or after Build().
  void SetWordTag(int32_t word, int32_t tag) { words_[word].tag = tag; }
  int32_t WordTag(int32_t word) const { return words_[word].tag; }

  /// Makes the matcher ready to scan; call once, after the last Add().
  void Build();

  /// Calls on_hit(id, first, last) for every occurrence of a literal in the folded view whose
  /// tokens are `tokens` (NormalizedText::tokens of `folded`): the literal's words are tokens
  /// first..last. Occurrences come in order of `first`, then of `last`; stops early when
  /// on_hit returns false. `ids` gets each token's word id, or -1 (resized to tokens.size()).
  /// O(tokens) plus the number of occurrences and the length of the longest literal.
  template <class OnHit>
  void Scan(std::string_view folded, const TokenVector& tokens, std::vector<int32_t>& ids,
            OnHit&& on_hit) const;

  /// Number of distinct words in the literals, and of trie nodes (for tests and reports).
  size_t word_count() const { return words_.size(); }
  size_t node_count() const { return nodes_.size(); }

 private:
  struct Node {
    uint32_t hits_begin = 0;  // this node's ids are hits_[hits_begin, hits_end)
    uint32_t hits_end = 0;
    // Its children are edges_[edges_begin, edges_end), by word; a node with more than
    // kMaxScannedEdges children also has them in the hash table below (a binary search over
    // hundreds of children mispredicted too often).
    uint32_t edges_begin = 0;
    uint32_t edges_end = 0;
  };
  static constexpr uint32_t kMaxScannedEdges = 8;
  struct Word {
    uint64_t prefix = 0;  // the first eight bytes, little-endian, zero-padded
    uint32_t offset = 0;  // all of its bytes are pool_[offset, offset + length)
    uint32_t length = 0;
    int32_t node = -1;  // the trie node of the one-word phrase prefix "w", or -1
    int32_t tag = -1;   // SetWordTag (in the line FindWord has just read)
    Node first;         // a copy of that node: the scan starts there without another lookup
  };
  struct Edge {
    int32_t word = 0;
    int32_t child = 0;
  };
  struct WordSlot {
    uint32_t tag = 0;  // high half of the word's hash
    int32_t word = -1;
  };
  struct EdgeSlot {
    uint64_t key = 0;  // EdgeKey, 0 when empty
    int32_t child = -1;
  };

  // The word's first eight bytes and its hash.
  static uint64_t Prefix(const char* p, size_t n);
  static uint64_t Hash(uint64_t prefix, const char* p, size_t n);
  // The word at p[0..n), or -1. `end` bounds the buffer p points into (it may read past n).
  int32_t FindWord(const char* p, size_t n, const char* end) const;
  int32_t Child(const Node& node, int32_t word) const;
  uint64_t EdgeKey(const Node& node, int32_t word) const;
  int32_t InternWord(std::string_view word);

  std::string pool_;
  std::vector<Word> words_;
  std::vector<WordSlot> word_slots_;
  uint64_t word_mask_ = 0;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::vector<EdgeSlot> edge_slots_;  // key and child in one slot: one cache line per probe
  uint64_t edge_mask_ = 0;
  // One bit per (node, word) hash, set for every hashed edge: most words do not continue a
  // phrase, and this table (8 bits per hashed edge, a few hundred KB at most) answers that
  // without reaching into the edge table, which is many times larger.
  std::vector<uint64_t> edge_filter_;
  uint64_t edge_filter_mask_ = 0;
  static uint64_t EdgeHash(uint64_t key) {
    const uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
  }
  // The filter bit of an edge hash (high bits: the slot uses the low ones).
  uint64_t EdgeFilterBit(uint64_t hash) const { return (hash >> 40) & edge_filter_mask_; }
  std::vector<uint32_t> hits_;
  // Words interned by Add() have ids below this (AddWord's come after): a token whose id is
  // at least this starts no phrase, and Scan skips it without reading its Word.
  int32_t literal_words_ = -1;

  // Used while building only.
  std::unordered_map<std::string, int32_t> building_words_;
  std::unordered_map<uint64_t, int32_t> building_edges_;     // node << 32 | word -> child
  std::vector<std::pair<int32_t, uint32_t>> building_hits_;  // node -> id
};

inline uint64_t PhraseMatcher::Prefix(const char* p, size_t n) {
  uint64_t prefix = 0;
  if (n >= 8) {
    std::memcpy(&prefix, p, 8);
  } else {
    for (size_t k = 0; k < n; ++k) prefix |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  }
  return prefix;
}

inline uint64_t PhraseMatcher::Hash(uint64_t prefix, const char* p, size_t n) {
  uint64_t h = (prefix ^ (n * 0xC2B2AE3D27D4EB4FULL)) * 0x9E3779B97F4A7C15ULL;
  for (size_t k = 8; k < n; k += 8) {
    uint64_t v = 0;
    std::memcpy(&v, p + k, std::min<size_t>(8, n - k));
    h = (h ^ (h >> 32) ^ v) * 0xFF51AFD7ED558CCDULL;
  }
  return h ^ (h >> 29);
}

// Always inlined: Scan's first loop is little else, and the call cost showed (docs/performance.md,
// fourth round).
[[gnu::always_inline]] inline int32_t PhraseMatcher::FindWord(const char* p, size_t n,
                                                              const char* end) const {
  if (word_slots_.empty()) return -1;
  uint64_t prefix;
  if (p + 8 <= end) {
    // One load, the bytes past the word masked off (tokens are short: almost always here).
    std::memcpy(&prefix, p, 8);
    if (n < 8) prefix &= (uint64_t{1} << (8 * n)) - 1;
  } else {
    prefix = Prefix(p, n);
  }
  const uint64_t hash = Hash(prefix, p, n);
  const auto tag = static_cast<uint32_t>(hash >> 32);
  uint64_t slot = hash & word_mask_;
  while (true) {
    const WordSlot& s = word_slots_[slot];
    if (s.word < 0) return -1;
    if (s.tag == tag) {
      const Word& w = words_[s.word];
      if (w.length == n && w.prefix == prefix &&
          (n <= 8 || std::memcmp(pool_.data() + w.offset + 8, p + 8, n - 8) == 0)) {
        return s.word;
      }
    }
    slot = (slot + 1) & word_mask_;
  }
}

inline uint64_t PhraseMatcher::EdgeKey(const Node& n, int32_t word) const {
  // Nodes are identified by their position in nodes_ (n is an element or a Word's copy of one,
  // which has the same edges_begin).
  return (uint64_t{n.edges_begin} + 1) << 32 | static_cast<uint32_t>(word);
}

inline int32_t PhraseMatcher::Child(const Node& n, int32_t word) const {
  const Edge* begin = edges_.data() + n.edges_begin;
  const Edge* end = edges_.data() + n.edges_end;
  if (end - begin <= kMaxScannedEdges) {
    for (const Edge* e = begin; e != end; ++e) {
      if (e->word == word) return e->child;
    }
    return -1;
  }
  const uint64_t key = EdgeKey(n, word);
  const uint64_t hash = EdgeHash(key);
  const uint64_t bit = EdgeFilterBit(hash);
  if (((edge_filter_[bit >> 6] >> (bit & 63)) & 1) == 0) return -1;
  uint64_t slot = hash & edge_mask_;
  while (true) {
    const EdgeSlot& s = edge_slots_[slot];
    if (s.key == key) return s.child;
    if (s.key == 0) return -1;
    slot = (slot + 1) & edge_mask_;
  }
}

template <class OnHit>
void PhraseMatcher::Scan(std::string_view folded, const TokenVector& tokens,
                         std::vector<int32_t>& ids, OnHit&& on_hit) const {
  const size_t count = tokens.size();
  ids.resize(count);
  for (size_t t = 0; t < count; ++t) {
    const Token& token = tokens[t];
    // Sentence and clause marks are never part of a literal.
    ids[t] = token.kind == TokenKind::kWord || token.kind == TokenKind::kEntity
                 ? FindWord(folded.data() + token.begin, token.end - token.begin,
                            folded.data() + folded.size())
                 : -1;
  }
  const int32_t literal_words =
      literal_words_ < 0 ? static_cast<int32_t>(words_.size()) : literal_words_;
  for (size_t first = 0; first < count; ++first) {
    if (ids[first] < 0 || ids[first] >= literal_words) continue;
    const Word& word = words_[ids[first]];
    if (word.node < 0) continue;
    const Node* n = &word.first;
    size_t last = first;
    while (true) {
      for (uint32_t h = n->hits_begin; h < n->hits_end; ++h) {
        if (!on_hit(hits_[h], static_cast<uint32_t>(first), static_cast<uint32_t>(last))) return;
      }
      if (n->edges_begin == n->edges_end || last + 1 >= count || ids[last + 1] < 0) break;
      ++last;
      const int32_t child = Child(*n, ids[last]);
      if (child < 0) break;
      n = &nodes_[child];
    }
  }
}

}  // namespace childsafe::text::internal
