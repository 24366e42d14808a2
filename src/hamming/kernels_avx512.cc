// Kernels for x86-64 CPUs with AVX-512F and VPOPCNTDQ (built with -mavx512f -mavx512vpopcntdq
// -mpopcnt). The scans take eight hashes per step (four 512-bit loads, one VPOPCNTQ each, three
// rounds of lane shuffles to sum the limbs); the bucket filter takes sixteen entries per step and
// compresses the survivors in a register (a compress straight to memory is slow on AMD Zen 4).
#include <immintrin.h>

#include "hamming/kernels.h"

namespace childsafe::hamming::internal {
namespace {

inline int Pop64(uint64_t x) { return __builtin_popcountll(x); }

#include "hamming/kernels_scalar.inc"

// Distances of eight consecutive hashes to q (q broadcast into both 256-bit halves).
inline __m512i Distances8(const uint64_t* h, __m512i q) {
  const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
  const __m512i c0 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(h + 0), q));
  const __m512i c1 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(h + 8), q));
  const __m512i c2 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(h + 16), q));
  const __m512i c3 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(h + 24), q));
  // Pairwise sums of neighbouring limbs, twice: lane j of the result is hash j's distance.
  const __m512i s01 = _mm512_add_epi64(_mm512_permutex2var_epi64(c0, even, c1),
                                       _mm512_permutex2var_epi64(c0, odd, c1));
  const __m512i s23 = _mm512_add_epi64(_mm512_permutex2var_epi64(c2, even, c3),
                                       _mm512_permutex2var_epi64(c2, odd, c3));
  return _mm512_add_epi64(_mm512_permutex2var_epi64(s01, even, s23),
                          _mm512_permutex2var_epi64(s01, odd, s23));
}

inline __m512i BroadcastHash(const uint64_t* q) {
  return _mm512_setr_epi64(static_cast<long long>(q[0]), static_cast<long long>(q[1]),
                           static_cast<long long>(q[2]), static_cast<long long>(q[3]),
                           static_cast<long long>(q[0]), static_cast<long long>(q[1]),
                           static_cast<long long>(q[2]), static_cast<long long>(q[3]));
}

size_t ScanAvx512(const uint64_t* hashes, size_t n, const uint64_t* query, int radius,
                  uint32_t base, uint32_t* out_pos, uint16_t* out_dist) {
  const __m512i q = BroadcastHash(query);
  const __m512i r = _mm512_set1_epi64(radius);
  size_t k = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i d = Distances8(hashes + 4 * i, q);
    unsigned mask = _mm512_cmple_epu64_mask(d, r);
    if (mask != 0) {
      alignas(64) uint64_t dd[8];
      _mm512_store_si512(dd, d);
      while (mask != 0) {
        const int j = __builtin_ctz(mask);
        out_pos[k] = base + static_cast<uint32_t>(i + j);
        out_dist[k] = static_cast<uint16_t>(dd[j]);
        ++k;
        mask &= mask - 1;
      }
    }
  }
  return k + Scan(hashes + 4 * i, n - i, query, radius, base + static_cast<uint32_t>(i),
                  out_pos + k, out_dist + k);
}

size_t ScanMultiAvx512(const uint64_t* hashes, size_t n, const uint64_t* queries, int nq,
                       int radius, uint32_t base, uint32_t* out_pos, uint16_t* out_dist,
                       uint8_t* out_variant) {
  __m512i qs[8];
  for (int v = 0; v < nq; ++v) qs[v] = BroadcastHash(queries + 4 * v);
  const __m512i r = _mm512_set1_epi64(radius);
  size_t k = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m512i best = Distances8(hashes + 4 * i, qs[0]);
    __m512i which = _mm512_setzero_si512();
    for (int v = 1; v < nq; ++v) {
      const __m512i d = Distances8(hashes + 4 * i, qs[v]);
      const __mmask8 better = _mm512_cmplt_epu64_mask(d, best);
      best = _mm512_mask_mov_epi64(best, better, d);
      which = _mm512_mask_mov_epi64(which, better, _mm512_set1_epi64(v));
    }
    unsigned mask = _mm512_cmple_epu64_mask(best, r);
    if (mask != 0) {
      alignas(64) uint64_t dd[8];
      alignas(64) uint64_t ww[8];
      _mm512_store_si512(dd, best);
      _mm512_store_si512(ww, which);
      while (mask != 0) {
        const int j = __builtin_ctz(mask);
        out_pos[k] = base + static_cast<uint32_t>(i + j);
        out_dist[k] = static_cast<uint16_t>(dd[j]);
        out_variant[k] = static_cast<uint8_t>(ww[j]);
        ++k;
        mask &= mask - 1;
      }
    }
  }
  return k + ScanMulti(hashes + 4 * i, n - i, queries, nq, radius, base + static_cast<uint32_t>(i),
                       out_pos + k, out_dist + k, out_variant + k);
}

size_t FilterAvx512(const uint32_t* entries, size_t n, uint32_t query_suffix, uint32_t suffix_mask,
                    int allowed, int shift, uint32_t* out_pos) {
  const __m512i q = _mm512_set1_epi32(static_cast<int>(query_suffix));
  const __m512i m = _mm512_set1_epi32(static_cast<int>(suffix_mask));
  const __m512i a = _mm512_set1_epi32(allowed);
  const __m512i s = _mm512_set1_epi32(shift);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 16) {
    const size_t left = n - i;
    const __mmask16 valid =
        left >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    const __m512i e = _mm512_maskz_loadu_epi32(valid, entries + i);
    const __m512i x = _mm512_and_si512(_mm512_xor_si512(e, q), m);
    const __mmask16 keep = _mm512_mask_cmple_epu32_mask(valid, _mm512_popcnt_epi32(x), a);
    const __m512i pos = _mm512_maskz_srlv_epi32(keep, e, s);
    _mm512_storeu_si512(out_pos + k, _mm512_maskz_compress_epi32(keep, pos));
    k += static_cast<size_t>(__builtin_popcount(keep));
  }
  return k;
}

size_t FilterRangesAvx512(const uint32_t* entries, const ProbeRange* probes, size_t n,
                          uint32_t query_suffix, uint32_t suffix_mask, int shift,
                          uint32_t* out_pos) {
  return FilterRangesWith(FilterAvx512, entries, probes, n, query_suffix, suffix_mask, shift,
                          out_pos);
}

size_t ScanRangesAvx512(const uint64_t* hashes, const ProbeRange* probes, size_t n,
                        const uint64_t* query, int radius, uint32_t* out_pos, uint16_t* out_dist) {
  return ScanRangesWith(ScanAvx512, hashes, probes, n, query, radius, out_pos, out_dist);
}

constexpr Kernels kKernels{Isa::kAvx512, "avx512",           ScanAvx512,       ScanMultiAvx512,
                           FilterAvx512, FilterRangesAvx512, ScanRangesAvx512, Verify};

}  // namespace

const Kernels& Avx512Kernels() { return kKernels; }

}  // namespace childsafe::hamming::internal
