#include "text/matcher.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace childsafe::text::internal {

int32_t PhraseMatcher::InternWord(std::string_view word) {
  auto [it, inserted] =
      building_words_.emplace(std::string(word), static_cast<int32_t>(words_.size()));
  if (inserted) {
    Word w;
    w.prefix = Prefix(word.data(), word.size());
    w.offset = static_cast<uint32_t>(pool_.size());
    w.length = static_cast<uint32_t>(word.size());
    words_.push_back(w);
    pool_.append(word);
  }
  return it->second;
}

void PhraseMatcher::Add(std::string_view literal, uint32_t id) {
  // Literals come first: Scan relies on every word of a literal having an id below the first
  // AddWord() one.
  if (literal_words_ >= 0) std::abort();
  // " w1 w2 ... wk ": walk (and grow) the trie along the words.
  int32_t node = -1;
  size_t start = 1;
  while (start < literal.size()) {
    size_t end = literal.find(' ', start);
    if (end == std::string_view::npos) end = literal.size();
    if (end == start) break;  // malformed (double space): CompilePattern never writes one
    const int32_t word = InternWord(literal.substr(start, end - start));
    if (node < 0) {
      if (words_[word].node < 0) {
        words_[word].node = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
      }
      node = words_[word].node;
    } else {
      const uint64_t key =
          uint64_t{static_cast<uint32_t>(node)} << 32 | static_cast<uint32_t>(word);
      auto [it, inserted] = building_edges_.emplace(key, static_cast<int32_t>(nodes_.size()));
      if (inserted) nodes_.emplace_back();
      node = it->second;
    }
    start = end + 1;
  }
  if (node >= 0) building_hits_.emplace_back(node, id);
}

void PhraseMatcher::Build() {
  // Words: an open-addressing table at most half full.
  uint64_t size = 16;
  while (size < words_.size() * 2) size <<= 1;
  word_slots_.assign(size, WordSlot{});
  word_mask_ = size - 1;
  for (size_t i = 0; i < words_.size(); ++i) {
    const Word& w = words_[i];
    const uint64_t hash = Hash(w.prefix, pool_.data() + w.offset, w.length);
    uint64_t slot = hash & word_mask_;
    while (word_slots_[slot].word >= 0) slot = (slot + 1) & word_mask_;
    word_slots_[slot] = {static_cast<uint32_t>(hash >> 32), static_cast<int32_t>(i)};
  }

  // Each node's children, contiguous and sorted by word.
  std::vector<std::pair<uint64_t, int32_t>> edges(building_edges_.begin(), building_edges_.end());
  std::sort(edges.begin(), edges.end());
  edges_.clear();
  edges_.reserve(edges.size());
  size_t e = 0;
  for (size_t node = 0; node < nodes_.size(); ++node) {
    nodes_[node].edges_begin = static_cast<uint32_t>(edges_.size());
    while (e < edges.size() && (edges[e].first >> 32) == node) {
      edges_.push_back({static_cast<int32_t>(edges[e].first & 0xFFFFFFFFu), edges[e].second});
      ++e;
    }
    nodes_[node].edges_end = static_cast<uint32_t>(edges_.size());
  }

  // Children of nodes with many of them, in a hash table too (keyed by the node's edges_begin,
  // which identifies it: nodes with children have distinct, non-empty edge ranges).
  size_t hashed = 0;
  for (const Node& node : nodes_) {
    if (node.edges_end - node.edges_begin > kMaxScannedEdges) {
      hashed += node.edges_end - node.edges_begin;
    }
  }
  uint64_t table = 16;
  while (table < hashed * 2) table <<= 1;
  edge_slots_.assign(table, EdgeSlot{});
  edge_mask_ = table - 1;
  uint64_t filter_bits = 64;
  while (filter_bits < hashed * 8) filter_bits <<= 1;
  edge_filter_.assign(filter_bits / 64, 0);
  edge_filter_mask_ = filter_bits - 1;
  for (const Node& node : nodes_) {
    if (node.edges_end - node.edges_begin <= kMaxScannedEdges) continue;
    for (uint32_t k = node.edges_begin; k < node.edges_end; ++k) {
      const uint64_t key = EdgeKey(node, edges_[k].word);
      const uint64_t hash = EdgeHash(key);
      const uint64_t bit = EdgeFilterBit(hash);
      edge_filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
      uint64_t slot = hash & edge_mask_;
      while (edge_slots_[slot].key != 0) slot = (slot + 1) & edge_mask_;
      edge_slots_[slot] = {key, edges_[k].child};
    }
  }

  // Each node's ids, in the order they were added.
  std::stable_sort(building_hits_.begin(), building_hits_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  hits_.clear();
  hits_.reserve(building_hits_.size());
  size_t k = 0;
  for (size_t node = 0; node < nodes_.size(); ++node) {
    nodes_[node].hits_begin = static_cast<uint32_t>(hits_.size());
    while (k < building_hits_.size() && building_hits_[k].first == static_cast<int32_t>(node)) {
      hits_.push_back(building_hits_[k++].second);
    }
    nodes_[node].hits_end = static_cast<uint32_t>(hits_.size());
  }
  for (Word& w : words_) {
    if (w.node >= 0) w.first = nodes_[w.node];
  }
  building_words_ = {};
  building_edges_ = {};
  building_hits_ = {};
}

}  // namespace childsafe::text::internal
