// Kernels for x86-64 CPUs with AVX2 but no AVX-512 VPOPCNTDQ (built with -mavx2 -mpopcnt).
// The scans count bits with the nibble-table method (vpshufb + vpsadbw), four hashes per step;
// the bucket filter and the scattered verification stay scalar (POPCNT), which is as fast there.
#include <immintrin.h>

#include "hamming/kernels.h"

namespace childsafe::hamming::internal {
namespace {

inline int Pop64(uint64_t x) { return __builtin_popcountll(x); }

#include "hamming/kernels_scalar.inc"

// Per-limb bit counts of one hash XOR the query: 4 uint64 lanes.
inline __m256i LimbCounts(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
  const __m256i bytes = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
  return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
}

// Distances of four consecutive hashes to q, as 4 uint64 lanes.
inline __m256i Distances4(const uint64_t* h, __m256i q) {
  const __m256i* p = reinterpret_cast<const __m256i*>(h);
  const __m256i a = LimbCounts(_mm256_xor_si256(_mm256_loadu_si256(p + 0), q));
  const __m256i b = LimbCounts(_mm256_xor_si256(_mm256_loadu_si256(p + 1), q));
  const __m256i c = LimbCounts(_mm256_xor_si256(_mm256_loadu_si256(p + 2), q));
  const __m256i d = LimbCounts(_mm256_xor_si256(_mm256_loadu_si256(p + 3), q));
  // [a0+a1, b0+b1 | a2+a3, b2+b3] and the same for c, d; then fold the 128-bit halves.
  const __m256i ab = _mm256_add_epi64(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b));
  const __m256i cd = _mm256_add_epi64(_mm256_unpacklo_epi64(c, d), _mm256_unpackhi_epi64(c, d));
  return _mm256_add_epi64(_mm256_permute2x128_si256(ab, cd, 0x20),
                          _mm256_permute2x128_si256(ab, cd, 0x31));
}

size_t ScanAvx2(const uint64_t* hashes, size_t n, const uint64_t* query, int radius, uint32_t base,
                uint32_t* out_pos, uint16_t* out_dist) {
  const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(query));
  const __m256i r = _mm256_set1_epi64x(radius);
  size_t k = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256i d = Distances4(hashes + 4 * i, q);
    int mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(d, r))) ^ 0xf;
    if (mask != 0) {
      alignas(32) uint64_t dd[4];
      _mm256_store_si256(reinterpret_cast<__m256i*>(dd), d);
      while (mask != 0) {
        const int j = __builtin_ctz(static_cast<unsigned>(mask));
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

size_t ScanMultiAvx2(const uint64_t* hashes, size_t n, const uint64_t* queries, int nq, int radius,
                     uint32_t base, uint32_t* out_pos, uint16_t* out_dist, uint8_t* out_variant) {
  __m256i qs[8];
  for (int v = 0; v < nq; ++v) {
    qs[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(queries + 4 * v));
  }
  const __m256i r = _mm256_set1_epi64x(radius);
  size_t k = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256i best = Distances4(hashes + 4 * i, qs[0]);
    __m256i which = _mm256_setzero_si256();
    for (int v = 1; v < nq; ++v) {
      const __m256i d = Distances4(hashes + 4 * i, qs[v]);
      const __m256i better = _mm256_cmpgt_epi64(best, d);
      best = _mm256_blendv_epi8(best, d, better);
      which = _mm256_blendv_epi8(which, _mm256_set1_epi64x(v), better);
    }
    int mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(best, r))) ^ 0xf;
    if (mask != 0) {
      alignas(32) uint64_t dd[4];
      alignas(32) uint64_t ww[4];
      _mm256_store_si256(reinterpret_cast<__m256i*>(dd), best);
      _mm256_store_si256(reinterpret_cast<__m256i*>(ww), which);
      while (mask != 0) {
        const int j = __builtin_ctz(static_cast<unsigned>(mask));
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

size_t ScanRangesAvx2(const uint64_t* hashes, const ProbeRange* probes, size_t n,
                      const uint64_t* query, int radius, uint32_t* out_pos, uint16_t* out_dist) {
  return ScanRangesWith(ScanAvx2, hashes, probes, n, query, radius, out_pos, out_dist);
}

constexpr Kernels kKernels{Isa::kAvx2, "avx2",       ScanAvx2,       ScanMultiAvx2,
                           Filter,     FilterRanges, ScanRangesAvx2, Verify};

}  // namespace

const Kernels& Avx2Kernels() { return kKernels; }

}  // namespace childsafe::hamming::internal
