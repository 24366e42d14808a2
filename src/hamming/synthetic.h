#pragma once
// Synthetic 256-bit hash sets for tests and benchmarks of the index.
//
// Real PDQ lists are clustered: the same picture re-encoded, resized, cropped or watermarked
// gives hashes a few to a few dozen bits from each other. Uniformly random hashes flatter
// multi-index hashing (every bucket is equally small), so the benchmark measures both.
//
// Thread-safety: pure functions of their arguments (the seed makes them deterministic).

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "hamming/hamming_index.h"

namespace childsafe::hamming::synthetic {

/// A copy of `h` with exactly `flips` distinct bits flipped (0..256), chosen uniformly.
imagehash::Hash256 FlipBits(const imagehash::Hash256& h, int flips, std::mt19937_64& rng);

/// A uniformly random hash.
imagehash::Hash256 RandomHash(std::mt19937_64& rng);

/// n uniformly random hashes with ids 0..n-1.
std::vector<IndexEntry> Random(size_t n, uint64_t seed);

struct ClusterOptions {
  int max_distance = 40;         // members lie 0..max_distance bits from their centre
  double mean_cluster_size = 8;  // sizes are 1 + geometric, so most clusters are small
  size_t max_cluster_size = 2000;
};

/// n hashes in clusters of near-duplicates around random centres (ids 0..n-1, cluster members
/// consecutive). Each member is its centre with a uniform 0..max_distance bits flipped; the
/// centre itself is stored only if a member drew 0 flips.
std::vector<IndexEntry> Clustered(size_t n, uint64_t seed, const ClusterOptions& options = {});

}  // namespace childsafe::hamming::synthetic
