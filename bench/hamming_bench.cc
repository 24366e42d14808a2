// Hamming index benchmark: exact radius search over 256-bit PDQ hashes, against the baselines in
// the same run. Figures go to docs/performance.md ("Hamming index").
//
// Workloads, each at N = 1,000,000 and N = 10,000,000 stored hashes, radius 31 (PDQ's match
// threshold), every result checked against brute force (100% recall and no extra results are
// required; any difference is printed and fails the run):
//   random     uniformly random hashes: the best case for multi-index hashing
//   clustered  near-duplicate clusters (the same image re-encoded, resized, cropped): members
//              0-40 bits from a random centre, cluster sizes 1 + geometric (mean 8, max 2000)
//   queries    half near-duplicates of stored hashes (0-31 bits flipped), half unrelated random
//              hashes (most lookups at a hotline are of images not in any list)
// Methods:
//   scan        a plain loop: four XOR + POPCNT per stored hash (also the ground truth)
//   faiss-flat  FAISS 1.7.3 (Debian libfaiss-dev) IndexBinaryFlat::range_search(radius 32)
//               (FAISS radii are strict: < 32 means <= 31)
//   faiss-mih   FAISS IndexBinaryMultiHash(256, nhash, b) with nflip = floor(31 / nhash), the
//               smallest nflip that is exact: every such configuration at 1M, the two fastest and
//               16x16 (the layout HMA uses) at 10M. A configuration whose tables would exceed
//               --faiss-cap-gb (4 GB) at 10M is measured on the first N' hashes that fit
//               (marked "@ N'"); FAISS gets slower as N grows, so comparing our 10M figure with
//               its N' figure favours FAISS.
//   childsafe   hamming::HammingIndex, built in one go (one compacted segment), with ids
//               0..N-1 (4 bytes each: 11 tables) and with arbitrary 64-bit ids (10 tables)
// For each: build time, bytes per stored hash (heap growth measured with mallinfo2), queries per
// second on 1 and 2 threads (each thread takes the next query; FAISS gets batches of 16 queries
// per call, which only helps it), recall. QPS is given per second of the worker threads' CPU time
// (what dedicated cores deliver; robust when other processes share the machine) and per
// wall-clock second. Then the ratios, on CPU time and on wall clock: childsafe against the scan
// and against the fastest exact FAISS index. Then incremental use at 1M (adds in batches of 1,000
// as a bank import would, QPS before and after Compact, a removal of 10,000 ids) and, at 10M, the
// index file (save; load with rebuild) and queries with all 8 dihedral variants.
//
// Usage: hamming_bench [--sizes=1000000,10000000] [--queries=1000] [--seconds=8]
//                      [--data=random,clustered] [--faiss-10m=nhash:b,...] [--faiss-cap-gb=4]
//                      [--no-faiss]
// Memory: about 5 GB at peak (FAISS tables up to the cap plus the data); time: about 20 minutes.

#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <malloc.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hamming/hamming_index.h"
#include "hamming/index_file.h"
#include "hamming/kernels.h"
#include "hamming/synthetic.h"

namespace {

using childsafe::hamming::HammingIndex;
using childsafe::hamming::IndexEntry;
using childsafe::imagehash::Hash256;
namespace synthetic = childsafe::hamming::synthetic;
using Clock = std::chrono::steady_clock;

constexpr int kRadius = 31;
constexpr size_t kFaissBatch = 16;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

size_t HeapBytes() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct Options {
  std::vector<size_t> sizes = {1000000, 10000000};
  std::vector<std::string> data = {"random", "clustered"};
  size_t queries = 1000;
  double seconds = 8;
  bool faiss = true;
  std::vector<std::pair<int, int>> faiss_10m;  // empty: the fastest two measured at 1M
  double faiss_cap_gb = 4;  // a FAISS multi-hash index that would need more runs on fewer hashes
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// ---- the plain scan: baseline and ground truth ----

__attribute__((target("popcnt"))) void PlainScan(const std::vector<Hash256>& hashes,
                                                 const Hash256& q, std::vector<uint64_t>& out) {
  for (size_t i = 0; i < hashes.size(); ++i) {
    const auto& h = hashes[i].limbs;
    const int d = __builtin_popcountll(h[0] ^ q.limbs[0]) +
                  __builtin_popcountll(h[1] ^ q.limbs[1]) +
                  __builtin_popcountll(h[2] ^ q.limbs[2]) + __builtin_popcountll(h[3] ^ q.limbs[3]);
    if (d <= kRadius) out.push_back(i);
  }
}

// ---- running queries ----

// Answers queries [begin, end) into results[begin..end).
using BatchFn = std::function<void(size_t begin, size_t end, std::vector<std::vector<uint64_t>>&)>;

struct Throughput {
  double qps = 0;      // queries per wall-clock second
  double cpu_qps = 0;  // queries per second of the workers' CPU time (robust to other load)
  size_t done = 0;     // queries answered (a prefix of the list)
};

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string LoadAverage() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "?";
  char buf[64] = {};
  const size_t got = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string s(buf, got);
  return s.substr(0, s.find(' '));
}

// Runs the query list on `threads` threads, each taking the next `batch` queries, until all are
// answered or `seconds` have passed (at least 2 batches per thread). Results land in `results`.
Throughput Run(const BatchFn& fn, size_t nq, int threads, size_t batch, double seconds,
               std::vector<std::vector<uint64_t>>& results) {
  results.assign(nq, {});
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<double> cpu{0};
  const auto start = Clock::now();
  auto worker = [&] {
    omp_set_num_threads(1);  // FAISS must not add threads of its own
    const double cpu0 = ThreadCpuSeconds();
    for (int taken = 0;; ++taken) {
      if (taken >= 2 && Seconds(start) > seconds) break;
      const size_t b = next.fetch_add(batch);
      if (b >= nq) break;
      const size_t e = std::min(nq, b + batch);
      fn(b, e, results);
      done += e - b;
    }
    double seen = cpu.load();
    while (!cpu.compare_exchange_weak(seen, seen + ThreadCpuSeconds() - cpu0)) {
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double elapsed = Seconds(start);
  // Every batch taken is finished before its thread stops, so [0, done) is answered.
  const double n = static_cast<double>(done.load());
  return {n / elapsed, n * threads / cpu.load(), done.load()};
}

struct Check {
  double recall = 1;
  size_t missing = 0;
  size_t extra = 0;
  size_t checked = 0;
};

Check Compare(const std::vector<std::vector<uint64_t>>& truth,
              std::vector<std::vector<uint64_t>>& got, size_t count) {
  Check c;
  size_t want_total = 0, found = 0;
  for (size_t q = 0; q < count && q < got.size(); ++q) {
    std::sort(got[q].begin(), got[q].end());
    got[q].erase(std::unique(got[q].begin(), got[q].end()), got[q].end());
    std::vector<uint64_t> both;
    std::set_intersection(truth[q].begin(), truth[q].end(), got[q].begin(), got[q].end(),
                          std::back_inserter(both));
    want_total += truth[q].size();
    found += both.size();
    c.missing += truth[q].size() - both.size();
    c.extra += got[q].size() - both.size();
    ++c.checked;
  }
  c.recall = want_total == 0 ? 1.0 : static_cast<double>(found) / want_total;
  return c;
}

struct Row {
  std::string method;
  double build_s = 0;
  double bytes_per_hash = 0;
  Throughput t1, t2;
  Check check;
  bool exact() const { return check.missing == 0 && check.extra == 0; }
};

void PrintRow(const Row& r) {
  std::printf("| %-30s | %7.2f | %6.1f | %8.0f | %8.0f | %8.0f | %8.0f | %7.4f | %5zu | %s\n",
              r.method.c_str(), r.build_s, r.bytes_per_hash, r.t1.cpu_qps, r.t2.cpu_qps, r.t1.qps,
              r.t2.qps, r.check.recall, r.check.checked,
              r.exact() ? "exact"
                        : ("NOT EXACT: missing " + std::to_string(r.check.missing) + ", extra " +
                           std::to_string(r.check.extra))
                              .c_str());
  std::fflush(stdout);
}

// Measures one method: build (timed, heap growth), then 1- and 2-thread query runs checked
// against the truth.
Row Measure(const std::string& name, const std::function<BatchFn()>& build, size_t n,
            const std::vector<std::vector<uint64_t>>& truth, size_t nq, size_t batch,
            const Options& opt) {
  Row r;
  r.method = name;
  const size_t heap0 = HeapBytes();
  const auto t0 = Clock::now();
  BatchFn fn = build();
  r.build_s = Seconds(t0);
  r.bytes_per_hash = static_cast<double>(HeapBytes() - heap0) / static_cast<double>(n);
  std::vector<std::vector<uint64_t>> results;
  r.t1 = Run(fn, nq, 1, batch, opt.seconds, results);
  r.check = Compare(truth, results, r.t1.done);
  r.t2 = Run(fn, nq, 2, batch, opt.seconds, results);
  const Check c2 = Compare(truth, results, r.t2.done);
  r.check.missing += c2.missing;
  r.check.extra += c2.extra;
  r.check.recall = std::min(r.check.recall, c2.recall);
  PrintRow(r);
  return r;
}

// Answers with a FAISS index: batches of queries per range_search call.
BatchFn FaissFn(std::shared_ptr<faiss::IndexBinary> index, const std::vector<Hash256>& queries) {
  return [index, &queries](size_t b, size_t e, std::vector<std::vector<uint64_t>>& results) {
    faiss::RangeSearchResult res(static_cast<faiss::Index::idx_t>(e - b));
    // Codes are the 32 bytes of each Hash256 as stored (limb 0 first): any fixed packing gives
    // the same distances.
    index->range_search(static_cast<faiss::Index::idx_t>(e - b),
                        reinterpret_cast<const uint8_t*>(queries.data() + b), kRadius + 1, &res);
    for (size_t i = 0; i < e - b; ++i) {
      for (size_t j = res.lims[i]; j < res.lims[i + 1]; ++j) {
        results[b + i].push_back(static_cast<uint64_t>(res.labels[j]));
      }
    }
  };
}

std::string CpuModel() {
  FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "model name", 10) == 0) {
      const char* colon = std::strchr(line, ':');
      if (colon) model = std::string(colon + 2);
      if (!model.empty() && model.back() == '\n') model.pop_back();
      break;
    }
  }
  std::fclose(f);
  return model;
}

struct FaissConfig {
  int nhash;
  int bits;
  int nflip() const { return kRadius / nhash; }
  std::string Name() const {
    return "faiss-mih " + std::to_string(nhash) + "x" + std::to_string(bits) +
           " nflip=" + std::to_string(nflip());
  }
};

// Exact at radius 31: nhash * bits <= 256 and nflip = floor(31 / nhash) (pigeonhole over the
// bits used; unused bits only lower the distance seen by the tables).
const std::vector<FaissConfig> kFaissConfigs = {{16, 16}, {12, 21}, {11, 23}, {10, 25}, {8, 32}};

void PrintHeader() {
  std::printf("| %-30s | %7s | %6s | %8s | %8s | %8s | %8s | %7s | %5s | %s\n", "method", "build s",
              "B/hash", "QPS 1", "QPS 2", "wall 1", "wall 2", "recall", "nq", "check");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
}

struct WorkloadResult {
  std::string data;
  size_t n;
  std::vector<Row> rows;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      const std::string f = std::string(flag) + "=";
      if (a.rfind(f, 0) == 0) return a.substr(f.size());
      return std::nullopt;
    };
    if (auto v = value("--sizes")) {
      opt.sizes.clear();
      for (const auto& s : Split(*v)) opt.sizes.push_back(std::stoull(s));
    } else if (auto v2 = value("--queries")) {
      opt.queries = std::stoull(*v2);
    } else if (auto v3 = value("--seconds")) {
      opt.seconds = std::stod(*v3);
    } else if (auto v4 = value("--data")) {
      opt.data = Split(*v4);
    } else if (auto v5 = value("--faiss-10m")) {
      for (const auto& s : Split(*v5)) {
        const size_t colon = s.find(':');
        opt.faiss_10m.push_back({std::stoi(s.substr(0, colon)), std::stoi(s.substr(colon + 1))});
      }
    } else if (auto v6 = value("--faiss-cap-gb")) {
      opt.faiss_cap_gb = std::stod(*v6);
    } else if (a == "--no-faiss") {
      opt.faiss = false;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (!__builtin_cpu_supports("popcnt")) {
    std::fprintf(stderr, "the plain-scan baseline needs POPCNT\n");
    return 2;
  }

  std::printf(
      "# Hamming index benchmark\n\nCPU: %s, %u hardware threads. childsafe kernels: %s. "
      "Radius %d. FAISS 1.7.3 (Debian).\n",
      CpuModel().c_str(), std::thread::hardware_concurrency(),
      childsafe::hamming::internal::BestKernels().name, kRadius);
  bool all_exact = true;
  std::vector<WorkloadResult> summary;
  // Per data set: the FAISS configurations ranked by 1-thread QPS at the smallest size.
  struct Ranked {
    double qps;
    double bytes_per_hash;
    FaissConfig config;
  };
  std::map<std::string, std::vector<Ranked>> faiss_rank;

  for (size_t n : opt.sizes) {
    for (const std::string& data : opt.data) {
      const uint64_t seed = 20250601 + n + (data == "clustered" ? 1 : 0);
      auto entries =
          data == "clustered" ? synthetic::Clustered(n, seed) : synthetic::Random(n, seed);
      std::vector<Hash256> hashes(n);
      for (size_t i = 0; i < n; ++i) hashes[i] = entries[i].hash;
      std::mt19937_64 rng(seed + 7);
      std::vector<Hash256> queries(opt.queries);
      for (size_t q = 0; q < opt.queries; ++q) {
        queries[q] = q % 2 == 0
                         ? synthetic::FlipBits(hashes[rng() % n], static_cast<int>(rng() % 32), rng)
                         : synthetic::RandomHash(rng);
      }
      // Ground truth: the plain scan, on 2 threads, untimed.
      std::vector<std::vector<uint64_t>> truth;
      const BatchFn scan_fn = [&](size_t b, size_t e, std::vector<std::vector<uint64_t>>& out) {
        for (size_t q = b; q < e; ++q) PlainScan(hashes, queries[q], out[q]);
      };
      Run(scan_fn, queries.size(), 2, 1, 1e9, truth);
      size_t pairs = 0, hit_queries = 0;
      for (const auto& t : truth) {
        pairs += t.size();
        hit_queries += !t.empty();
      }
      std::printf("\n## %s, N = %zu, %zu queries (%zu with matches, %zu pairs within %d)\n\n",
                  data.c_str(), n, queries.size(), hit_queries, pairs, kRadius);
      PrintHeader();
      WorkloadResult wr{data, n, {}};

      {
        std::vector<Hash256> scanned;  // the scan's own array: 32 bytes per hash
        wr.rows.push_back(Measure(
            "scan (plain popcount)",
            [&]() -> BatchFn {
              scanned = hashes;
              return [&](size_t b, size_t e, std::vector<std::vector<uint64_t>>& out) {
                for (size_t q = b; q < e; ++q) PlainScan(scanned, queries[q], out[q]);
              };
            },
            n, truth, queries.size(), 1, opt));
      }
      {
        std::unique_ptr<HammingIndex> index;
        Row r = Measure(
            "childsafe HammingIndex",
            [&]() -> BatchFn {
              index = std::make_unique<HammingIndex>(entries);
              return [&](size_t b, size_t e, std::vector<std::vector<uint64_t>>& out) {
                for (size_t q = b; q < e; ++q) {
                  const auto found = index->Search(queries[q], kRadius);
                  for (const auto& m : *found) out[q].push_back(m.id);
                }
              };
            },
            n, truth, queries.size(), 1, opt);
        std::printf("|   layout: %s, %.1f bytes/hash by the index's own count\n",
                    index->Stats().layout.c_str(),
                    static_cast<double>(index->Stats().memory_bytes) / static_cast<double>(n));
        wr.rows.push_back(r);
      }
      {
        // The same with arbitrary 64-bit ids (ids spanning more than 2^32 cost 4 more bytes per
        // hash, so the layout has one table fewer). id = position * an odd constant, a bijection.
        constexpr uint64_t kOdd = 0x9E3779B97F4A7C15ULL;
        uint64_t inverse = kOdd;
        for (int i = 0; i < 6; ++i) inverse *= 2 - kOdd * inverse;  // Newton: kOdd^-1 mod 2^64
        std::vector<IndexEntry> wide(entries);
        for (IndexEntry& e : wide) e.id *= kOdd;
        std::unique_ptr<HammingIndex> index;
        Row r = Measure(
            "childsafe, 64-bit ids",
            [&]() -> BatchFn {
              index = std::make_unique<HammingIndex>(wide);
              return [&](size_t b, size_t e, std::vector<std::vector<uint64_t>>& out) {
                for (size_t q = b; q < e; ++q) {
                  const auto found = index->Search(queries[q], kRadius);
                  for (const auto& m : *found) out[q].push_back(m.id * inverse);
                }
              };
            },
            n, truth, queries.size(), 1, opt);
        std::printf("|   layout: %s, %.1f bytes/hash by the index's own count\n",
                    index->Stats().layout.c_str(),
                    static_cast<double>(index->Stats().memory_bytes) / static_cast<double>(n));
        wr.rows.push_back(r);
      }
      if (opt.faiss) {
        wr.rows.push_back(Measure(
            "faiss-flat",
            [&]() -> BatchFn {
              auto index = std::make_shared<faiss::IndexBinaryFlat>(256);
              index->add(static_cast<faiss::Index::idx_t>(n),
                         reinterpret_cast<const uint8_t*>(hashes.data()));
              return FaissFn(index, queries);
            },
            n, truth, queries.size(), kFaissBatch, opt));
        std::vector<FaissConfig> configs;
        const bool first_size = n == opt.sizes.front();
        std::map<int, double> bytes_at_first;  // nhash -> bytes/hash measured at the first size
        for (const Ranked& r : faiss_rank[data]) bytes_at_first[r.config.nhash] = r.bytes_per_hash;
        if (first_size) {
          configs = kFaissConfigs;
        } else if (!opt.faiss_10m.empty()) {
          for (auto [h, b] : opt.faiss_10m) configs.push_back({h, b});
        } else {
          auto ranked = faiss_rank[data];
          std::sort(ranked.begin(), ranked.end(),
                    [](const Ranked& a, const Ranked& b) { return a.qps > b.qps; });
          for (size_t i = 0; i < ranked.size() && i < 2; ++i) configs.push_back(ranked[i].config);
          if (std::none_of(configs.begin(), configs.end(),
                           [](const FaissConfig& c) { return c.nhash == 16; })) {
            configs.push_back({16, 16});
          }
        }
        for (const FaissConfig& c : configs) {
          // Fit the memory cap: fewer hashes if the tables would not fit.
          size_t m = n;
          if (!first_size && bytes_at_first.count(c.nhash)) {
            const double fit = opt.faiss_cap_gb * 1e9 / bytes_at_first[c.nhash];
            if (fit < static_cast<double>(n)) m = static_cast<size_t>(fit / 1e6) * 1000000;
          }
          if (m == 0) continue;
          std::vector<std::vector<uint64_t>> sub_truth;
          const auto* use_truth = &truth;
          if (m < n) {
            sub_truth = truth;
            for (auto& t : sub_truth) t.erase(std::lower_bound(t.begin(), t.end(), m), t.end());
            use_truth = &sub_truth;
          }
          const std::string name =
              c.Name() + (m < n ? " @ " + std::to_string(m / 1000000) + "M" : "");
          Row r = Measure(
              name,
              [&]() -> BatchFn {
                auto index = std::make_shared<faiss::IndexBinaryMultiHash>(256, c.nhash, c.bits);
                index->nflip = c.nflip();
                index->add(static_cast<faiss::Index::idx_t>(m),
                           reinterpret_cast<const uint8_t*>(hashes.data()));
                return FaissFn(index, queries);
              },
              m, *use_truth, queries.size(), kFaissBatch, opt);
          if (first_size && r.exact())
            faiss_rank[data].push_back({r.t1.cpu_qps, r.bytes_per_hash, c});
          wr.rows.push_back(r);
        }
      }
      for (const Row& r : wr.rows) all_exact = all_exact && r.exact();

      // Ratios.
      std::printf("\nload average now %s\n", LoadAverage().c_str());
      const Row* best1 = nullptr;  // fastest exact FAISS row by each measure
      const Row* best2 = nullptr;
      const Row* wall1 = nullptr;
      const Row* wall2 = nullptr;
      for (const Row& r : wr.rows) {
        if (r.method.rfind("faiss", 0) != 0 || !r.exact()) continue;
        if (!best1 || r.t1.cpu_qps > best1->t1.cpu_qps) best1 = &r;
        if (!best2 || r.t2.cpu_qps > best2->t2.cpu_qps) best2 = &r;
        if (!wall1 || r.t1.qps > wall1->t1.qps) wall1 = &r;
        if (!wall2 || r.t2.qps > wall2->t2.qps) wall2 = &r;
      }
      for (size_t o = 1; o <= 2; ++o) {
        const Row& ours = wr.rows[o];
        const Row& scan = wr.rows[0];
        std::printf("%s / scan: %.1fx (1 thread), %.1fx (2 threads); wall clock %.1fx, %.1fx\n",
                    ours.method.c_str(), ours.t1.cpu_qps / scan.t1.cpu_qps,
                    ours.t2.cpu_qps / scan.t2.cpu_qps, ours.t1.qps / scan.t1.qps,
                    ours.t2.qps / scan.t2.qps);
        if (best1 && best2) {
          std::printf(
              "%s / fastest exact FAISS: %.1fx (1 thread, %s), %.1fx (2 threads, %s); wall "
              "clock %.1fx (%s), %.1fx (%s)\n",
              ours.method.c_str(), ours.t1.cpu_qps / best1->t1.cpu_qps, best1->method.c_str(),
              ours.t2.cpu_qps / best2->t2.cpu_qps, best2->method.c_str(),
              ours.t1.qps / wall1->t1.qps, wall1->method.c_str(), ours.t2.qps / wall2->t2.qps,
              wall2->method.c_str());
        }
      }
      summary.push_back(std::move(wr));
    }
  }

  // Incremental use at the smallest size: a bank import adding batches of 1,000.
  {
    const size_t n = opt.sizes.front();
    const auto entries = synthetic::Clustered(n, 77);
    std::mt19937_64 rng(78);
    std::vector<Hash256> queries(opt.queries);
    for (auto& q : queries) {
      q = synthetic::FlipBits(entries[rng() % n].hash, static_cast<int>(rng() % 32), rng);
    }
    auto qps = [&](const HammingIndex& index) {
      const auto start = Clock::now();
      size_t done = 0;
      while (done < queries.size() && (done < 50 || Seconds(start) < 3)) {
        (void)index.Search(queries[done++]);
      }
      return static_cast<double>(done) / Seconds(start);
    };
    HammingIndex index;
    auto t0 = Clock::now();
    for (size_t b = 0; b < n; b += 1000) {
      index.Add(std::span<const IndexEntry>(entries).subspan(b, std::min<size_t>(1000, n - b)));
    }
    const double add_s = Seconds(t0);
    const auto before = index.Stats();
    const double qps_before = qps(index);
    std::vector<uint64_t> gone;
    for (int i = 0; i < 10000; ++i) gone.push_back(rng() % n);
    t0 = Clock::now();
    const size_t removed = index.Remove(gone);
    const double remove_s = Seconds(t0);
    t0 = Clock::now();
    index.Compact();
    const double compact_s = Seconds(t0);
    const double qps_after = qps(index);
    std::printf(
        "\n## Incremental, N = %zu (clustered), 1 thread\n\n"
        "added in batches of 1,000: %.2f s (%.2f us/hash); then %zu segments (%zu indexed), "
        "%.0f QPS; Remove(10,000 ids) removed %zu hashes in %.3f s; Compact %.2f s; "
        "then %.0f QPS\n",
        n, add_s, add_s / static_cast<double>(n) * 1e6, before.segments, before.indexed_segments,
        qps_before, removed, remove_s, compact_s, qps_after);
  }

  // The index file at the largest size: save, then load (read, verify, rebuild).
  {
    const size_t n = opt.sizes.back();
    auto entries = synthetic::Clustered(n, 99);
    HammingIndex index(entries);
    std::mt19937_64 rng(5);
    std::vector<Hash256> sample(2000);  // stored hashes, to query near
    for (auto& h : sample) h = entries[rng() % n].hash;
    entries.clear();
    entries.shrink_to_fit();
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("hamming_bench_" + std::to_string(::getpid()) + ".idx"))
                                 .string();
    auto t0 = Clock::now();
    auto saved = childsafe::hamming::SaveIndexFile(index.Snapshot(), path);
    const double save_s = Seconds(t0);
    if (!saved) {
      std::printf("\nsave failed: %s\n", saved.error().ToString().c_str());
      return 1;
    }
    const auto bytes = std::filesystem::file_size(path);
    t0 = Clock::now();
    auto loaded = childsafe::hamming::LoadIndexFile(path);
    const double load_s = Seconds(t0);
    std::filesystem::remove(path);
    if (!loaded) {
      std::printf("\nload failed: %s\n", loaded.error().ToString().c_str());
      return 1;
    }
    bool same = loaded->size() == index.size();
    for (int i = 0; i < 200 && same; ++i) {
      const Hash256 q = synthetic::FlipBits(sample[i], static_cast<int>(rng() % 32), rng);
      same = *loaded->Search(q) == *index.Search(q);
    }
    std::printf(
        "\n## Index file, N = %zu (clustered)\n\nfile %.1f MB; save %.2f s; load (read, "
        "verify checksum, rebuild) %.2f s; loaded index answers identically: %s\n",
        n, static_cast<double>(bytes) / 1e6, save_s, load_s, same ? "yes" : "NO");
    all_exact = all_exact && same;

    // Queries with all 8 dihedral variants of an image: one near a stored hash, the other seven
    // unrelated to it (as the rotations of an upright picture are).
    std::vector<Hash256> variants(8);
    const auto start = Clock::now();
    const double cpu0 = ThreadCpuSeconds();
    size_t done = 0;
    while (done < 50 || (done < sample.size() && Seconds(start) < 5)) {
      variants[0] = synthetic::FlipBits(sample[done], static_cast<int>(rng() % 32), rng);
      for (size_t v = 1; v < 8; ++v) variants[v] = synthetic::RandomHash(rng);
      (void)loaded->SearchVariants(variants);
      ++done;
    }
    std::printf("SearchVariants with 8 hashes, 1 thread: %.0f queries/s (%.0f by CPU time)\n",
                static_cast<double>(done) / Seconds(start),
                static_cast<double>(done) / (ThreadCpuSeconds() - cpu0));
  }

  std::printf("\n%s\n", all_exact ? "All results exact." : "SOME RESULTS WERE NOT EXACT.");
  return all_exact ? 0 : 1;
}
