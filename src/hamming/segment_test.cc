// The multi-index segment against brute force, across layouts, data shapes and radii.
#include "hamming/segment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "hamming/synthetic.h"

namespace childsafe::hamming::internal {
namespace {

using imagehash::Hash256;

std::vector<std::pair<uint64_t, int>> BruteForce(const std::vector<IndexEntry>& data,
                                                 const Hash256& q, int radius) {
  std::vector<std::pair<uint64_t, int>> out;
  for (const IndexEntry& e : data) {
    const int d = imagehash::HammingDistance(e.hash, q);
    if (d <= radius) out.push_back({e.id, d});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<uint64_t, int>> SegmentSearch(const Segment& seg, const Hash256& q,
                                                    int radius) {
  SearchScratch scratch;
  std::vector<Hit> hits;
  seg.Search(&q, 1, radius, BestKernels(), scratch, hits);
  std::set<std::pair<uint64_t, int>> unique;
  for (const Hit& h : hits) {
    EXPECT_LE(h.dist, radius);
    EXPECT_EQ(imagehash::HammingDistance(seg.hash(h.pos), q), h.dist);
    unique.insert({seg.id(h.pos), h.dist});
  }
  return {unique.begin(), unique.end()};
}

// Queries that hit (stored hashes moved a little) and queries that mostly miss.
std::vector<Hash256> Queries(const std::vector<IndexEntry>& data, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash256> out;
  for (int i = 0; i < count; ++i) {
    if (i % 3 == 2) {
      out.push_back(synthetic::RandomHash(rng));
    } else {
      const Hash256& base = data[rng() % data.size()].hash;
      out.push_back(synthetic::FlipBits(base, static_cast<int>(rng() % 40), rng));
    }
  }
  return out;
}

TEST(SegmentLayoutTest, PartsTileTheHashEntriesFitIn32BitsAndMemoryFitsTheBudget) {
  for (int id_bytes : {4, 8}) {
    for (size_t n :
         {size_t{32768}, size_t{100000}, size_t{1} << 20, size_t{10000000}, kMaxSegmentSize}) {
      const SegmentLayout layout = ChooseLayout(n, id_bytes);
      ASSERT_FALSE(layout.parts.empty()) << n;
      int next = 0;
      const int pos_bits = std::bit_width(n - 1);
      for (size_t j = 0; j < layout.parts.size(); ++j) {
        const PartLayout& p = layout.parts[j];
        EXPECT_EQ(p.offset, next);
        EXPECT_GE(p.bits, 1);
        EXPECT_LE(p.bits, 32);
        EXPECT_GE(p.dir_bits, 1);
        EXPECT_LE(p.dir_bits, p.bits);
        if (j > 0) {
          EXPECT_LE(p.bits - p.dir_bits + pos_bits, 32) << "entry overflows, n=" << n;
        }
        next += p.bits;
      }
      EXPECT_EQ(next, 256);
      EXPECT_LE(LayoutBytesPerHash(layout, n, id_bytes), 80.0) << n << " " << layout.ToString();
      // 4-byte ids leave room for an eleventh part.
      EXPECT_EQ(layout.parts.size(), id_bytes == 4 ? 11u : 10u) << n;
    }
  }
  EXPECT_TRUE(ChooseLayout(1000, 4).parts.empty());  // small: scanned
}

TEST(SegmentTest, KeepsIdsOfAnyWidth) {
  std::mt19937_64 rng(14);
  for (const std::string kind : {"dense", "offset", "wide"}) {
    std::vector<IndexEntry> data = synthetic::Random(40000, 15);
    for (size_t i = 0; i < data.size(); ++i) {
      if (kind == "offset") data[i].id = (uint64_t{1} << 40) + 3 * i;
      if (kind == "wide") data[i].id = rng();
    }
    if (kind == "wide") data.back().id = ~uint64_t{0};
    const Segment seg(data);
    ASSERT_TRUE(seg.indexed());
    EXPECT_EQ(seg.id_bytes(), kind == "wide" ? 8 : 4) << kind;
    for (size_t q = 0; q < data.size(); q += 997) {
      const auto found = SegmentSearch(seg, data[q].hash, 0);
      ASSERT_EQ(found.size(), 1u) << kind;
      EXPECT_EQ(found[0].first, data[q].id) << kind;
    }
    EXPECT_EQ(SegmentSearch(seg, data.back().hash, 0).at(0).first, data.back().id) << kind;
  }
}

TEST(SegmentLayoutTest, EveryPlanCoversItsRadius) {
  const auto data = synthetic::Random(40000, 1);
  const Segment seg(data);
  ASSERT_TRUE(seg.indexed());
  bool any_indexed = false;
  for (int radius = 0; radius <= kMaxIndexedRadius; ++radius) {
    const std::vector<int> plan = seg.PlanFor(radius);
    if (plan.empty()) continue;  // scanned
    any_indexed = true;
    int budget = 0;
    for (int t : plan) budget += t + 1;
    EXPECT_GE(budget, radius + 1) << "radius " << radius;
  }
  EXPECT_TRUE(any_indexed);
  EXPECT_FALSE(seg.PlanFor(31).empty()) << "radius 31 must use the tables at 40k hashes";
}

struct Case {
  const char* name;
  LayoutOptions options;
};

TEST(SegmentTest, ExactOnRandomAndClusteredDataForManyLayoutsAndRadii) {
  std::vector<IndexEntry> random = synthetic::Random(6000, 2);
  std::vector<IndexEntry> clustered = synthetic::Clustered(6000, 3);
  // Exact duplicates too: a list often holds the same hash under several ids.
  for (int i = 0; i < 50; ++i) clustered.push_back({clustered[i].hash, 100000u + i});

  const Case cases[] = {
      {"default", {.min_indexed_size = 1}},
      {"8 parts", {.min_indexed_size = 1, .parts = 8}},
      {"16 parts", {.min_indexed_size = 1, .parts = 16}},
      {"32 parts", {.min_indexed_size = 1, .parts = 32}},
      {"huge buckets", {.min_indexed_size = 1, .target_bucket = 3000, .target_bucket_part0 = 500}},
      {"tiny buckets", {.min_indexed_size = 1, .target_bucket = 0.5, .target_bucket_part0 = 0.5}},
      {"scan", {.min_indexed_size = 1000000}},
  };
  const int radii[] = {0, 1, 2, 7, 15, 16, 23, 31, 32, 40, 47, 63, 64, 96, 97, 128, 255, 256};
  for (const auto* data : {&random, &clustered}) {
    const auto queries = Queries(*data, 12, 4);
    for (const Case& c : cases) {
      const Segment seg(*data, c.options);
      SCOPED_TRACE(std::string(c.name) + " " + seg.layout().ToString());
      for (size_t qi = 0; qi < queries.size(); ++qi) {
        const auto all = BruteForce(*data, queries[qi], 256);  // then filtered per radius
        for (int radius : radii) {
          std::vector<std::pair<uint64_t, int>> want;
          for (const auto& p : all) {
            if (p.second <= radius) want.push_back(p);
          }
          ASSERT_EQ(SegmentSearch(seg, queries[qi], radius), want)
              << "radius " << radius << " query " << qi;
        }
      }
    }
  }
}

// The pigeonhole worst case: a stored hash at distance exactly r whose flips are spread so that
// as many probed parts as possible differ by more than their threshold. A plan whose thresholds
// did not cover r + 1 would miss these; random data almost never produces them.
TEST(SegmentTest, FindsWorstCaseHashesThatDefeatAsManyPartsAsPossible) {
  std::mt19937_64 rng(12);
  for (int parts : {0, 8, 16}) {
    const LayoutOptions options{.min_indexed_size = 1, .parts = parts};
    constexpr size_t kBackground = 3000, kCrafted = 400;
    // Plans depend only on the size and layout, so read them from a segment of the final size.
    std::vector<IndexEntry> data = synthetic::Random(kBackground + kCrafted, 13);
    const Segment probe(data, options);
    const SegmentLayout& layout = probe.layout();
    ASSERT_TRUE(probe.indexed());
    std::vector<std::pair<Hash256, int>> queries;  // query, radius
    for (size_t c = 0; c < kCrafted; ++c) {
      const int radius = static_cast<int>(c % 65);
      const std::vector<int> plan = probe.PlanFor(radius);
      const Hash256 q = synthetic::RandomHash(rng);
      Hash256 x = q;
      if (!plan.empty()) {
        std::vector<size_t> order(plan.size());
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        // Probed parts first (each defeated with t + 1 flips), skipped parts take the rest.
        std::stable_partition(order.begin(), order.end(), [&](size_t j) { return plan[j] >= 0; });
        int remaining = radius;
        for (size_t j : order) {
          const PartLayout& p = layout.parts[j];
          const int flips = std::min(remaining, plan[j] >= 0 ? plan[j] + 1 : p.bits);
          std::vector<int> bits(p.bits);
          std::iota(bits.begin(), bits.end(), p.offset);
          std::shuffle(bits.begin(), bits.end(), rng);
          for (int f = 0; f < flips; ++f) x.FlipBit(bits[f]);
          remaining -= flips;
        }
        ASSERT_EQ(remaining, 0);
      } else {
        x = synthetic::FlipBits(q, radius, rng);  // scanned radius
      }
      ASSERT_EQ(imagehash::HammingDistance(q, x), radius);
      data[kBackground + c] = {x, 900000 + c};
      queries.push_back({q, radius});
    }
    const Segment seg(data, options);
    SCOPED_TRACE(seg.layout().ToString());
    for (size_t c = 0; c < kCrafted; ++c) {
      const auto found = SegmentSearch(seg, queries[c].first, queries[c].second);
      const bool has = std::any_of(found.begin(), found.end(), [&](const auto& p) {
        return p.first == 900000 + c && p.second == queries[c].second;
      });
      ASSERT_TRUE(has) << "crafted hash " << c << " at radius " << queries[c].second
                       << " was missed";
    }
  }
}

TEST(SegmentTest, VariantsReportTheBestQueryPerPosition) {
  const auto data = synthetic::Clustered(5000, 5);
  const Segment seg(data, LayoutOptions{.min_indexed_size = 1});
  ASSERT_TRUE(seg.indexed());
  std::mt19937_64 rng(6);
  std::vector<Hash256> variants;
  for (int v = 0; v < 8; ++v) {
    variants.push_back(synthetic::FlipBits(data[rng() % data.size()].hash, v * 3, rng));
  }
  SearchScratch scratch;
  std::vector<Hit> hits;
  seg.Search(variants.data(), 8, 31, BestKernels(), scratch, hits);
  // Per position, the smallest distance over the hits must be the smallest over the variants.
  std::map<uint32_t, int> best;
  for (const Hit& h : hits) {
    EXPECT_EQ(imagehash::HammingDistance(seg.hash(h.pos), variants[h.variant]), h.dist);
    auto [it, inserted] = best.emplace(h.pos, h.dist);
    if (!inserted) it->second = std::min(it->second, static_cast<int>(h.dist));
  }
  size_t expected = 0;
  for (size_t p = 0; p < seg.size(); ++p) {
    int d = 1000;
    for (const Hash256& v : variants) d = std::min(d, imagehash::HammingDistance(seg.hash(p), v));
    if (d > 31) continue;
    ++expected;
    ASSERT_TRUE(best.count(static_cast<uint32_t>(p))) << p;
    EXPECT_EQ(best[static_cast<uint32_t>(p)], d);
  }
  EXPECT_EQ(best.size(), expected);
  EXPECT_GT(expected, 8u);
}

}  // namespace
}  // namespace childsafe::hamming::internal
