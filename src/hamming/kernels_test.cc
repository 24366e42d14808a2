// Every kernel variant this CPU can run must agree exactly with a plain reference, including
// the tails that the vector loops hand to scalar code.
#include "hamming/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <vector>

#include "hamming/crc32c.h"

namespace childsafe::hamming::internal {
namespace {

int RefDistance(const uint64_t* a, const uint64_t* b) {
  int d = 0;
  for (int i = 0; i < 4; ++i) d += std::popcount(a[i] ^ b[i]);
  return d;
}

std::vector<const Kernels*> AvailableKernels() {
  std::vector<const Kernels*> out;
  for (Isa isa : {Isa::kGeneric, Isa::kPopcnt, Isa::kAvx2, Isa::kAvx512}) {
    if (const Kernels* k = KernelsFor(isa)) out.push_back(k);
  }
  return out;
}

// Hashes near a few centres, so that every radius has hits and misses.
std::vector<uint64_t> MakeHashes(size_t n, std::mt19937_64& rng) {
  std::vector<uint64_t> centre(4);
  for (auto& w : centre) w = rng();
  std::vector<uint64_t> h(4 * n);
  for (size_t i = 0; i < n; ++i) {
    for (int w = 0; w < 4; ++w) h[4 * i + w] = (i % 3 == 0) ? rng() : centre[w];
    const int flips = static_cast<int>(rng() % 60);
    for (int f = 0; f < flips; ++f) {
      const int b = static_cast<int>(rng() % 256);
      h[4 * i + b / 64] ^= uint64_t{1} << (b % 64);
    }
  }
  return h;
}

TEST(KernelsTest, BestKernelsIsOneOfTheAvailable) {
  const Kernels& best = BestKernels();
  EXPECT_EQ(KernelsFor(best.isa), &best);
  ASSERT_NE(KernelsFor(Isa::kGeneric), nullptr);
}

TEST(KernelsTest, ScanMatchesReferenceForEveryLengthAndRadius) {
  std::mt19937_64 rng(7);
  const std::vector<uint64_t> hashes = MakeHashes(300, rng);
  const uint64_t* query = hashes.data() + 4 * 3;  // a stored hash: distance 0 occurs
  for (const Kernels* k : AvailableKernels()) {
    SCOPED_TRACE(k->name);
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 299}) {
      for (int radius : {0, 5, 30, 31, 60, 128, 256}) {
        std::vector<uint32_t> pos(n + 16);
        std::vector<uint16_t> dist(n + 16);
        const size_t found =
            k->scan(hashes.data(), n, query, radius, 1000, pos.data(), dist.data());
        std::vector<std::pair<uint32_t, uint16_t>> got, want;
        for (size_t i = 0; i < found; ++i) got.push_back({pos[i], dist[i]});
        for (size_t i = 0; i < n; ++i) {
          const int d = RefDistance(hashes.data() + 4 * i, query);
          if (d <= radius) want.push_back({static_cast<uint32_t>(1000 + i), d});
        }
        EXPECT_EQ(got, want) << "n=" << n << " radius=" << radius;
      }
    }
  }
}

TEST(KernelsTest, ScanMultiReportsSmallestDistanceAndFirstVariant) {
  std::mt19937_64 rng(8);
  const std::vector<uint64_t> hashes = MakeHashes(250, rng);
  for (const Kernels* k : AvailableKernels()) {
    SCOPED_TRACE(k->name);
    for (int nq = 1; nq <= 8; ++nq) {
      // Queries: stored hashes, with one repeated so that ties occur.
      std::vector<uint64_t> queries(4 * nq);
      for (int v = 0; v < nq; ++v) {
        const size_t src = (v == nq - 1 && nq > 1) ? 5 : static_cast<size_t>(5 + 11 * v);
        std::copy_n(hashes.data() + 4 * src, 4, queries.data() + 4 * v);
      }
      for (int radius : {0, 20, 45, 256}) {
        const size_t n = 250 - static_cast<size_t>(nq);  // odd tails
        std::vector<uint32_t> pos(n);
        std::vector<uint16_t> dist(n);
        std::vector<uint8_t> var(n);
        const size_t found = k->scan_multi(hashes.data(), n, queries.data(), nq, radius, 0,
                                           pos.data(), dist.data(), var.data());
        size_t expect_count = 0;
        for (size_t i = 0; i < n; ++i) {
          int best = 1000, which = -1;
          for (int v = 0; v < nq; ++v) {
            const int d = RefDistance(hashes.data() + 4 * i, queries.data() + 4 * v);
            if (d < best) best = d, which = v;
          }
          if (best > radius) continue;
          ASSERT_LT(expect_count, found);
          EXPECT_EQ(pos[expect_count], i);
          EXPECT_EQ(dist[expect_count], best);
          EXPECT_EQ(var[expect_count], which);
          ++expect_count;
        }
        EXPECT_EQ(found, expect_count) << "nq=" << nq << " radius=" << radius;
      }
    }
  }
}

TEST(KernelsTest, FilterKeepsExactlyTheEntriesWithinTheAllowedSuffixDistance) {
  std::mt19937_64 rng(9);
  for (const Kernels* k : AvailableKernels()) {
    SCOPED_TRACE(k->name);
    for (int shift : {3, 8, 12}) {
      const uint32_t mask = (uint32_t{1} << shift) - 1;
      for (size_t n : {0, 1, 15, 16, 17, 33, 100}) {
        std::vector<uint32_t> entries(n);
        for (size_t i = 0; i < n; ++i) {
          entries[i] = (static_cast<uint32_t>(i + 1) << shift) | (rng() & mask);
        }
        const uint32_t qs = static_cast<uint32_t>(rng()) & mask;
        for (int allowed = 0; allowed <= shift; ++allowed) {
          std::vector<uint32_t> out(n + 16);
          const size_t found = k->filter(entries.data(), n, qs, mask, allowed, shift, out.data());
          std::vector<uint32_t> want;
          for (uint32_t e : entries) {
            if (std::popcount((e ^ qs) & mask) <= allowed) want.push_back(e >> shift);
          }
          out.resize(found);
          EXPECT_EQ(out, want) << "n=" << n << " shift=" << shift << " allowed=" << allowed;
        }
      }
    }
  }
}

TEST(KernelsTest, VerifyChecksScatteredPositions) {
  std::mt19937_64 rng(10);
  const std::vector<uint64_t> hashes = MakeHashes(500, rng);
  std::vector<uint32_t> pos(100);
  for (auto& p : pos) p = static_cast<uint32_t>(rng() % 500);
  const uint64_t* query = hashes.data() + 4 * 9;
  for (const Kernels* k : AvailableKernels()) {
    SCOPED_TRACE(k->name);
    for (int radius : {0, 31, 64, 256}) {
      std::vector<uint32_t> out(pos.size());
      std::vector<uint16_t> dist(pos.size());
      const size_t found =
          k->verify(hashes.data(), pos.data(), pos.size(), query, radius, out.data(), dist.data());
      size_t j = 0;
      for (uint32_t p : pos) {
        const int d = RefDistance(hashes.data() + 4 * p, query);
        if (d > radius) continue;
        ASSERT_LT(j, found);
        EXPECT_EQ(out[j], p);
        EXPECT_EQ(dist[j], d);
        ++j;
      }
      EXPECT_EQ(found, j);
    }
  }
}

TEST(Crc32cTest, KnownAnswerAndHardwareEqualsTable) {
  const std::string_view check = "123456789";
  const auto bytes =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(check.data()), check.size());
  EXPECT_EQ(Crc32c(bytes), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable(bytes, 0), 0xE3069283u);
  EXPECT_EQ(Crc32c({}), 0u);
  std::mt19937_64 rng(11);
  std::vector<uint8_t> data(1000);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t n : {1, 7, 8, 9, 63, 64, 65, 999, 1000}) {
    const auto s = std::span<const uint8_t>(data.data(), n);
    EXPECT_EQ(Crc32c(s), Crc32cPortable(s, 0)) << n;
    // Continuation: the CRC of a split input equals the CRC of the whole.
    EXPECT_EQ(Crc32c(s.subspan(n / 2), Crc32c(s.subspan(0, n / 2))), Crc32c(s)) << n;
  }
}

}  // namespace
}  // namespace childsafe::hamming::internal
