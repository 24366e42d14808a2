#pragma once
// Internal to src/hamming: the hot loops of the index, compiled once per instruction set
// (kernels_generic.cc, kernels_popcnt.cc, kernels_avx2.cc, kernels_avx512.cc) and chosen once
// at run time from the CPU's features, so one binary runs on any x86-64 and uses AVX-512
// VPOPCNTDQ where the CPU has it.
//
// The kernel translation units are compiled with extra -m flags. They therefore take raw
// pointers and define everything with internal linkage: an inline or template function emitted
// there (std::vector, std::popcount, ...) could otherwise be picked by the linker for the whole
// program and run AVX-512 code on a CPU without it.
//
// A hash is 4 uint64 limbs, bit b in limb b / 64 (the layout of imagehash::Hash256).
// Thread-safety: every kernel is a pure function of its arguments.

#include <cstddef>
#include <cstdint>

namespace childsafe::hamming::internal {

enum class Isa { kGeneric, kPopcnt, kAvx2, kAvx512 };

/// One probe of a multi-index table: a bucket [begin, end) of a table (or of the hash array) and
/// how many suffix bits may still differ.
struct ProbeRange {
  uint32_t begin;
  uint32_t end;
  int32_t allowed;
};

struct Kernels {
  Isa isa;
  const char* name;

  /// For i in [0, n): if popcount(hashes[i] ^ query) <= radius, appends base + i to out_pos and
  /// the distance to out_dist. Returns the number appended (<= n). O(n).
  size_t (*scan)(const uint64_t* hashes, size_t n, const uint64_t* query, int radius, uint32_t base,
                 uint32_t* out_pos, uint16_t* out_dist);

  /// Like scan, for nq (1..8) queries at once: an entry is reported if its distance to any query
  /// is <= radius, with the smallest distance and the first query reaching it. O(n * nq).
  size_t (*scan_multi)(const uint64_t* hashes, size_t n, const uint64_t* queries, int nq,
                       int radius, uint32_t base, uint32_t* out_pos, uint16_t* out_dist,
                       uint8_t* out_variant);

  /// Bucket filter of the multi-index tables. Each entry is (position << shift) | suffix. Appends
  /// entry >> shift for every entry with popcount((entry ^ query_suffix) & suffix_mask) <=
  /// allowed. out_pos must have room for n + 16 values (vector stores may write past the
  /// count). Returns the number appended. O(n).
  size_t (*filter)(const uint32_t* entries, size_t n, uint32_t query_suffix, uint32_t suffix_mask,
                   int allowed, int shift, uint32_t* out_pos);

  /// filter over every probe in probes[0..n), prefetching buckets ahead (they are scattered).
  /// out_pos must have room for the total bucket length + 16. Returns the number appended.
  size_t (*filter_ranges)(const uint32_t* entries, const ProbeRange* probes, size_t n,
                          uint32_t query_suffix, uint32_t suffix_mask, int shift,
                          uint32_t* out_pos);

  /// scan over the hash-array ranges of probes[0..n) (allowed is unused), reporting positions
  /// within radius. out arrays must have room for the total range length. Returns the count.
  size_t (*scan_ranges)(const uint64_t* hashes, const ProbeRange* probes, size_t n,
                        const uint64_t* query, int radius, uint32_t* out_pos, uint16_t* out_dist);

  /// For each position p in pos[0..n): if popcount(hashes[p] ^ query) <= radius, appends p and
  /// the distance. Prefetches ahead, since positions are scattered. Returns the number appended.
  size_t (*verify)(const uint64_t* hashes, const uint32_t* pos, size_t n, const uint64_t* query,
                   int radius, uint32_t* out_pos, uint16_t* out_dist);
};

/// The fastest kernels this CPU supports (decided once, on first call). Thread-safe.
const Kernels& BestKernels();

/// The kernels for one instruction set, or nullptr if this CPU cannot run them (for tests and
/// benchmarks that compare the variants).
const Kernels* KernelsFor(Isa isa);

// Defined in the per-ISA translation units.
const Kernels& GenericKernels();
const Kernels& PopcntKernels();
const Kernels& Avx2Kernels();
const Kernels& Avx512Kernels();

}  // namespace childsafe::hamming::internal
