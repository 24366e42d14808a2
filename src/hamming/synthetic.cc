#include "hamming/synthetic.h"

#include <algorithm>
#include <array>
#include <numeric>

namespace childsafe::hamming::synthetic {

using imagehash::Hash256;

Hash256 FlipBits(const Hash256& h, int flips, std::mt19937_64& rng) {
  Hash256 out = h;
  flips = std::clamp(flips, 0, 256);
  if (flips > 128) {  // flip the complement of a smaller set
    out.limbs = {~h.limbs[0], ~h.limbs[1], ~h.limbs[2], ~h.limbs[3]};
    flips = 256 - flips;
  }
  // Partial Fisher-Yates over the 256 bit positions.
  std::array<uint8_t, 256> bits;
  std::iota(bits.begin(), bits.end(), 0);
  for (int i = 0; i < flips; ++i) {
    std::uniform_int_distribution<int> pick(i, 255);
    std::swap(bits[i], bits[pick(rng)]);
    out.FlipBit(bits[i]);
  }
  return out;
}

Hash256 RandomHash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& w : h.limbs) w = rng();
  return h;
}

std::vector<IndexEntry> Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<IndexEntry> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = {RandomHash(rng), i};
  return out;
}

std::vector<IndexEntry> Clustered(size_t n, uint64_t seed, const ClusterOptions& options) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<size_t> extra(1.0 / std::max(1.0, options.mean_cluster_size));
  std::uniform_int_distribution<int> distance(0, options.max_distance);
  std::vector<IndexEntry> out;
  out.reserve(n);
  while (out.size() < n) {
    const Hash256 centre = RandomHash(rng);
    const size_t size = std::min({1 + extra(rng), options.max_cluster_size, n - out.size()});
    for (size_t i = 0; i < size; ++i) {
      out.push_back({FlipBits(centre, distance(rng), rng), out.size()});
    }
  }
  return out;
}

}  // namespace childsafe::hamming::synthetic
