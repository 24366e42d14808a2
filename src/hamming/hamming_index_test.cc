// HammingIndex: exactness against the shared PDQ ground truth and against brute force on
// generated sets, incremental changes, variants, argument checks and concurrent use.
#include "hamming/hamming_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "hamming/synthetic.h"

namespace childsafe::hamming {
namespace {

using imagehash::Hash256;

std::string TestDataPath(const std::string& relative) {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  return std::string(root ? root : ".") + "/testdata/pdq/" + relative;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string field; std::getline(ss, field, ',');) out.push_back(field);
  return out;
}

Hash256 Hex(const std::string& hex) {
  auto h = Hash256::FromHex(hex);
  EXPECT_TRUE(h) << hex;
  return h ? *h : Hash256{};
}

// Brute-force model of the index: a multimap id -> hash.
std::vector<Match> Expected(const std::multimap<uint64_t, Hash256>& model,
                            std::span<const Hash256> queries, int radius) {
  std::map<uint64_t, Match> best;
  for (const auto& [id, hash] : model) {
    for (size_t v = 0; v < queries.size(); ++v) {
      const int d = imagehash::HammingDistance(hash, queries[v]);
      if (d > radius) continue;
      auto it = best.find(id);
      if (it == best.end()) {
        best[id] = {id, d, static_cast<int>(v)};
      } else if (d < it->second.distance ||
                 (d == it->second.distance && static_cast<int>(v) < it->second.variant)) {
        it->second = {id, d, static_cast<int>(v)};
      }
    }
  }
  std::vector<Match> out;
  for (const auto& [id, m] : best) out.push_back(m);
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    return std::tie(a.distance, a.id) < std::tie(b.distance, b.id);
  });
  return out;
}

std::vector<Match> MustSearch(const HammingIndex& index, const Hash256& q, int radius) {
  auto r = index.Search(q, radius);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : std::vector<Match>{};
}

// The ThreatExchange needles/haystack vectors: every pair within 31 bits, from the shared
// brute-force ground truth (testdata/pdq/expected-needles-haystack-d31.csv, 250 pairs).
TEST(HammingIndexTest, NeedlesInHaystackMatchTheGroundTruthExactly) {
  const auto needles = ReadLines(TestDataPath("reg-test-input/needles.txt"));
  const auto haystack = ReadLines(TestDataPath("reg-test-input/haystack.txt"));
  const auto truth = ReadLines(TestDataPath("expected-needles-haystack-d31.csv"));
  ASSERT_EQ(needles.size(), 100u);
  ASSERT_EQ(haystack.size(), 1350u);
  ASSERT_EQ(truth.size(), 251u);  // header + 250 pairs

  std::set<std::tuple<int, int, int>> want;  // needle line, haystack line, distance
  for (size_t i = 1; i < truth.size(); ++i) {
    const auto f = SplitCsv(truth[i]);
    ASSERT_EQ(f.size(), 5u);
    want.insert({std::stoi(f[0]), std::stoi(f[2]), std::stoi(f[4])});
  }
  std::vector<IndexEntry> entries;
  for (size_t i = 0; i < haystack.size(); ++i) entries.push_back({Hex(haystack[i]), i + 1});

  // Built in one go (one scanned segment), and built incrementally through the append buffer
  // and then compacted into multi-index tables would be the same; check two shapes.
  HammingIndex bulk(entries);
  HammingIndex incremental;
  for (const IndexEntry& e : entries) incremental.Add(e.hash, e.id);
  for (const HammingIndex* index : {&bulk, &incremental}) {
    std::set<std::tuple<int, int, int>> got;
    for (size_t n = 0; n < needles.size(); ++n) {
      for (const Match& m : MustSearch(*index, Hex(needles[n]), kDefaultRadius)) {
        got.insert({static_cast<int>(n + 1), static_cast<int>(m.id), m.distance});
      }
    }
    EXPECT_EQ(got, want);
  }
}

TEST(HammingIndexTest, ExactAgainstBruteForceOnLargeRandomAndClusteredSets) {
  // Large enough for multi-index segments (the smallest indexed segment is 32768 hashes).
  std::vector<IndexEntry> data = synthetic::Random(20000, 21);
  for (IndexEntry e : synthetic::Clustered(30000, 22)) {
    e.id |= uint64_t{1} << 63;  // ids spanning more than 32 bits: 8-byte ids, 10 parts
    data.push_back(e);
  }
  HammingIndex index(data);
  ASSERT_GE(index.Stats().indexed_segments, 1u) << index.Stats().layout;
  EXPECT_NE(index.Stats().layout.find("m=10"), std::string::npos) << index.Stats().layout;
  std::multimap<uint64_t, Hash256> model;
  for (const IndexEntry& e : data) model.insert({e.id, e.hash});

  std::mt19937_64 rng(23);
  for (int i = 0; i < 24; ++i) {
    const Hash256 q = (i % 4 == 3) ? synthetic::RandomHash(rng)
                                   : synthetic::FlipBits(data[rng() % data.size()].hash,
                                                         static_cast<int>(rng() % 45), rng);
    const std::vector<Match> all = Expected(model, std::span(&q, 1), 256);
    for (int radius : {0, 1, 8, 16, 31, 32, 48, 64, 100, 256}) {
      std::vector<Match> want;
      for (const Match& m : all) {
        if (m.distance <= radius) want.push_back(m);
      }
      ASSERT_EQ(MustSearch(index, q, radius), want) << "query " << i << " radius " << radius;
    }
  }
}

TEST(HammingIndexTest, IncrementalAddRemoveAndCompactStayExact) {
  std::mt19937_64 rng(31);
  const auto pool = synthetic::Clustered(60000, 32, {.mean_cluster_size = 20});
  HammingIndex index;
  std::multimap<uint64_t, Hash256> model;
  size_t next = 0;
  auto check = [&](const char* step) {
    ASSERT_EQ(index.size(), model.size()) << step;
    for (int i = 0; i < 6; ++i) {
      const Hash256 q = synthetic::FlipBits(pool[rng() % std::max<size_t>(next, 1)].hash,
                                            static_cast<int>(rng() % 32), rng);
      ASSERT_EQ(MustSearch(index, q, 31), Expected(model, std::span(&q, 1), 31)) << step;
    }
  };
  // Batch sizes that go to the buffer, overflow it, and build segments directly.
  for (size_t batch : {1, 3, 100, 4000, 5000, 1, 20000, 7, 30000}) {
    batch = std::min(batch, pool.size() - next);
    index.Add(std::span(pool.data() + next, batch));
    for (size_t i = next; i < next + batch; ++i) model.insert({pool[i].id, pool[i].hash});
    next += batch;
    check("add");
    // Remove a few ids, some present, some not.
    std::vector<uint64_t> gone;
    for (int r = 0; r < 5; ++r) gone.push_back(pool[rng() % next].id);
    gone.push_back(999999999);
    size_t expected_removed = 0;
    for (uint64_t id : std::set<uint64_t>(gone.begin(), gone.end())) {
      expected_removed += model.erase(id);
    }
    EXPECT_EQ(index.Remove(gone), expected_removed);
    check("remove");
  }
  // Remove most of the data: segments are rebuilt or dropped, results stay exact.
  const size_t memory_full = index.Stats().memory_bytes;
  std::vector<uint64_t> most;
  for (size_t i = 0; i < next; i += 10) {
    for (size_t j = i; j < std::min(next, i + 8); ++j) most.push_back(pool[j].id);
  }
  size_t expected_removed = 0;
  for (uint64_t id : std::set<uint64_t>(most.begin(), most.end())) {
    expected_removed += model.erase(id);
  }
  EXPECT_EQ(index.Remove(most), expected_removed);
  check("remove most");
  index.Compact();
  check("compact");
  EXPECT_LT(index.Stats().memory_bytes, memory_full / 3);  // removed hashes are gone
  EXPECT_EQ(index.Stats().segments, 1u);
  EXPECT_EQ(index.Stats().buffered, 0u);
}

TEST(HammingIndexTest, SharedIdsAreReportedOnceWithTheBestDistanceAndRemovedTogether) {
  std::mt19937_64 rng(41);
  const Hash256 base = synthetic::RandomHash(rng);
  HammingIndex index;
  index.Add(synthetic::FlipBits(base, 9, rng), 7);
  index.Add(synthetic::FlipBits(base, 3, rng), 7);
  index.Add(synthetic::FlipBits(base, 5, rng), 8);
  index.Add(synthetic::FlipBits(base, 200, rng), 7);
  auto r = index.Search(base);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Match{7, 3, 0}));
  EXPECT_EQ((*r)[1], (Match{8, 5, 0}));
  EXPECT_EQ(index.Remove(std::vector<uint64_t>{7}), 3u);
  EXPECT_EQ(index.size(), 1u);
  r = index.Search(base);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, 8u);
}

// The 8 dihedral hashes of bridge-1-original (expected-dihedral.csv, fullres) against the hashes
// of the physically rotated and mirrored files (expected-pdq.csv): querying all 8 variants finds
// each transformed file through its own variant, at the distances the vectors' README documents.
TEST(HammingIndexTest, DihedralVariantsFindRotatedAndMirroredCopies) {
  std::vector<Hash256> variants;
  for (const auto& line : ReadLines(TestDataPath("expected-dihedral.csv"))) {
    const auto f = SplitCsv(line);
    if (f.size() == 11 && f[0] == "reg-test-input/dih/bridge-1-original.jpg" && f[1] == "fullres") {
      for (int v = 0; v < 8; ++v) variants.push_back(Hex(f[3 + v]));
    }
  }
  ASSERT_EQ(variants.size(), 8u);
  const char* files[] = {"bridge-1-original",    "bridge-2-rotate-90",   "bridge-3-rotate-180",
                         "bridge-4-rotate-270",  "bridge-5-flipx",       "bridge-6-flipy",
                         "bridge-7-flip-plus-1", "bridge-8-flip-minus-1"};
  std::map<std::string, Hash256> fullres;
  const auto rows = ReadLines(TestDataPath("expected-pdq.csv"));
  ASSERT_FALSE(rows.empty());
  const auto header = SplitCsv(rows[0]);
  const auto col = std::find(header.begin(), header.end(), "pdq_fullres") - header.begin();
  ASSERT_LT(col, static_cast<long>(header.size()));
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto f = SplitCsv(rows[i]);
    if (static_cast<size_t>(col) < f.size()) fullres[f[0]] = Hex(f[col]);
  }
  HammingIndex index;
  std::mt19937_64 rng(51);
  for (uint64_t i = 0; i < 8; ++i) {
    const std::string path = std::string("reg-test-input/dih/") + files[i] + ".jpg";
    ASSERT_TRUE(fullres.count(path)) << path;
    index.Add(fullres[path], 100 + i);
  }
  for (int i = 0; i < 200; ++i) index.Add(synthetic::RandomHash(rng), 1000 + i);  // distractors

  const int documented[] = {0, 2, 8, 8, 8, 2, 0, 8};
  auto all = index.SearchVariants(variants);
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 8u);
  for (const Match& m : *all) {
    const int i = static_cast<int>(m.id - 100);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, 8);
    EXPECT_EQ(m.variant, i) << files[i];
    EXPECT_EQ(m.distance, documented[i]) << files[i];
  }
  // The original orientation alone misses some of the transformed copies.
  auto original = index.Search(variants[0]);
  ASSERT_TRUE(original);
  EXPECT_LT(original->size(), 8u);
}

TEST(HammingIndexTest, RejectsBadArguments) {
  HammingIndex index;
  const Hash256 q{};
  EXPECT_EQ(index.Search(q, -1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(index.Search(q, 257).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(index.Search(q, 256));
  EXPECT_EQ(index.SearchVariants({}).error().code, ErrorCode::kInvalidArgument);
  const std::vector<Hash256> nine(9);
  EXPECT_EQ(index.SearchVariants(nine).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(index.SearchVariants(std::span(nine).first(8)));
}

// Readers run while a writer adds hashes one id at a time at distance 0 from the query: each
// reader must see a prefix 0..k-1 of the ids (never a gap), and k never shrinks.
TEST(HammingIndexTest, ConcurrentReadersSeeWholeWritesInOrder) {
  std::mt19937_64 rng(61);
  const Hash256 target = synthetic::RandomHash(rng);
  HammingIndex index(synthetic::Random(40000, 62));  // one indexed segment underneath
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  auto reader = [&] {
    size_t last = 0;
    while (!done.load()) {
      auto r = index.Search(target, 0);
      if (!r) {
        ++failures;
        continue;
      }
      std::vector<uint64_t> ids;
      for (const Match& m : *r) ids.push_back(m.id);
      std::sort(ids.begin(), ids.end());
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] != 5000000 + i) ++failures;
      }
      if (ids.size() < last) ++failures;
      last = ids.size();
    }
  };
  std::thread r1(reader), r2(reader);
  constexpr int kAdds = 6000;  // crosses the append buffer's capacity
  for (int i = 0; i < kAdds; ++i) {
    index.Add(target, 5000000 + i);
    if (i % 1500 == 0) index.Remove(std::vector<uint64_t>{123});  // unrelated writes interleave
  }
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(MustSearch(index, target, 0).size(), static_cast<size_t>(kAdds));
}

TEST(HammingIndexTest, MemoryPerHashOfACompactedIndex) {
  HammingIndex index(synthetic::Random(100000, 71));
  const IndexStats stats = index.Stats();
  EXPECT_EQ(stats.entries, 100000u);
  EXPECT_EQ(stats.indexed_segments, 1u);
  const double per_hash = static_cast<double>(stats.memory_bytes) / stats.entries;
  EXPECT_GE(per_hash, 40.0);  // at least the hash and the id
  EXPECT_LE(per_hash, 80.0) << stats.layout;
}

}  // namespace
}  // namespace childsafe::hamming
