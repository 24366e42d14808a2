#include "hamming/segment.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace childsafe::hamming::internal {
namespace {

using imagehash::Hash256;

static_assert(sizeof(Hash256) == 32 && alignof(Hash256) <= 64,
              "kernels read a Hash256 as four consecutive uint64 limbs");

const uint64_t* Limbs(const Hash256& h) { return h.limbs.data(); }

// Bits [offset, offset + bits) of the hash as an integer (bits <= 32).
inline uint32_t ExtractKey(const Hash256& h, int offset, int bits) {
  const int word = offset >> 6;
  const int shift = offset & 63;
  uint64_t v = h.limbs[word] >> shift;
  if (shift + bits > 64) v |= h.limbs[word + 1] << (64 - shift);
  return static_cast<uint32_t>(v & ((uint64_t{1} << bits) - 1));
}

// Calls fn(mask) for every mask of `width` bits with exactly `r` bits set (Gosper's hack).
template <class Fn>
void ForEachMask(int width, int r, Fn&& fn) {
  if (r == 0) {
    fn(uint32_t{0});
    return;
  }
  if (r > width) return;
  const uint64_t limit = uint64_t{1} << width;
  uint64_t m = (uint64_t{1} << r) - 1;
  while (m < limit) {
    fn(static_cast<uint32_t>(m));
    const uint64_t low = m & (~m + 1);
    const uint64_t ripple = m + low;
    m = ripple | (((m ^ ripple) >> 2) >> std::countr_zero(low));
  }
}

double Binomial(int n, int k) {
  if (k < 0 || k > n) return 0;
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

// Points of the Hamming ball of radius t in `width` bits.
double Ball(int width, int t) {
  double v = 0;
  for (int r = 0; r <= std::min(t, width); ++r) v += Binomial(width, r);
  return v;
}

// Estimated costs in nanoseconds, fitted to per-phase timings of 10M-hash segments on the
// benchmark machine (docs/performance.md). Only their ratios matter: they choose thresholds and
// scan-or-index, never correctness.
constexpr double kCostProbe = 22;           // a directory read and a scattered bucket
constexpr double kCostEntry = 0.15;         // one 4-byte table entry through the vector filter
constexpr double kCostCandidate = 6.5;      // one scattered 32-byte hash read and distance
constexpr double kCostImplicitEntry = 1.0;  // one hash in a part-0 bucket
constexpr double kCostScan = 0.9;           // one hash in a scan (memory-bound)

constexpr size_t kScanChunk = 4096;

}  // namespace

std::string SegmentLayout::ToString() const {
  if (parts.empty()) return "scan";
  std::string bits;
  std::string dirs;
  int min_b = 64, max_b = 0;
  for (const PartLayout& p : parts) {
    min_b = std::min(min_b, p.bits);
    max_b = std::max(max_b, p.bits);
  }
  int min_k = 64, max_k = 0, min_s = 64, max_s = 0;
  for (size_t j = 1; j < parts.size(); ++j) {
    min_k = std::min(min_k, parts[j].dir_bits);
    max_k = std::max(max_k, parts[j].dir_bits);
    min_s = std::min(min_s, parts[j].bits - parts[j].dir_bits);
    max_s = std::max(max_s, parts[j].bits - parts[j].dir_bits);
  }
  auto range = [](int lo, int hi) {
    return lo == hi ? std::to_string(lo) : std::to_string(hi) + "/" + std::to_string(lo);
  };
  return "mih m=" + std::to_string(parts.size()) + " b=" + range(min_b, max_b) +
         " k0=" + std::to_string(parts[0].dir_bits) + " k=" + range(min_k, max_k) +
         " s=" + range(min_s, max_s);
}

namespace {

// Smallest id and whether all ids fit in 32 bits above it.
std::pair<uint64_t, int> IdRange(std::span<const IndexEntry> entries) {
  if (entries.empty()) return {0, 4};
  uint64_t lo = entries[0].id, hi = entries[0].id;
  for (const IndexEntry& e : entries) {
    lo = std::min(lo, e.id);
    hi = std::max(hi, e.id);
  }
  return {lo, hi - lo <= std::numeric_limits<uint32_t>::max() ? 4 : 8};
}

SegmentLayout MakeLayout(size_t n, int m, const LayoutOptions& options) {
  SegmentLayout layout;
  const int pos_bits = std::bit_width(n - 1);
  const int max_suffix = 32 - pos_bits;  // entries are (pos << suffix) | suffix bits
  const double nd = static_cast<double>(n);
  const int k =
      std::clamp(static_cast<int>(std::lround(std::log2(nd / options.target_bucket))), 1, 24);
  const int k0 =
      std::clamp(static_cast<int>(std::lround(std::log2(nd / options.target_bucket_part0))), 1, 26);
  int offset = 0;
  for (int j = 0; j < m; ++j) {
    const int bits = 256 / m + (j < 256 % m ? 1 : 0);
    PartLayout part{offset, bits, 0};
    if (j == 0) {
      part.dir_bits = std::min(bits, k0);
    } else {
      part.dir_bits = std::clamp(k, std::max(1, bits - max_suffix), std::min(bits, 24));
    }
    layout.parts.push_back(part);
    offset += bits;
  }
  return layout;
}

}  // namespace

double LayoutBytesPerHash(const SegmentLayout& layout, size_t n, int id_bytes) {
  double bytes = sizeof(Hash256) + id_bytes;
  if (layout.parts.empty() || n == 0) return bytes;
  double dirs = 0;
  for (const PartLayout& p : layout.parts) dirs += 4 * (std::ldexp(1.0, p.dir_bits) + 1);
  return bytes + 4.0 * static_cast<double>(layout.parts.size() - 1) + dirs / static_cast<double>(n);
}

SegmentLayout ChooseLayout(size_t n, int id_bytes, const LayoutOptions& options) {
  if (n < std::max<size_t>(options.min_indexed_size, 2)) return {};
  if (options.parts > 0) return MakeLayout(n, std::clamp(options.parts, 8, 32), options);
  // The most parts that fit the budget: each part makes the others' thresholds smaller, so fewer
  // probes (measured: 11 parts answer 20-35% faster than 10 at 1-10M hashes).
  for (int m = std::max(options.max_parts, 8); m > 8; --m) {
    SegmentLayout layout = MakeLayout(n, m, options);
    if (LayoutBytesPerHash(layout, n, id_bytes) <= options.max_bytes_per_hash) return layout;
  }
  return MakeLayout(n, 8, options);  // >= 8 parts keeps every key within 32 bits
}

Segment::Segment(std::span<const IndexEntry> entries, const LayoutOptions& options)
    : Segment(entries, ChooseLayout(entries.size(), IdRange(entries).second, options)) {}

Segment::Segment(std::span<const IndexEntry> entries, SegmentLayout layout)
    : layout_(std::move(layout)) {
  Build(entries);
  MakePlans();
}

void Segment::Build(std::span<const IndexEntry> entries) {
  const size_t n = entries.size();
  hashes_.resize(n);
  const auto [id_base, id_bytes] = IdRange(entries);
  id_base_ = id_base;
  if (id_bytes == 4) {
    narrow_ids_.resize(n);
  } else {
    wide_ids_.resize(n);
  }
  if (!indexed()) {
    for (size_t i = 0; i < n; ++i) {
      hashes_[i] = entries[i].hash;
      SetId(i, entries[i].id);
    }
    return;
  }
  std::vector<uint32_t> keys(n);
  std::vector<uint32_t> cursor;
  tables_.resize(layout_.parts.size());

  // Part 0: order the hash array itself by its prefix (a counting sort).
  {
    Table& t = tables_[0];
    t.part = layout_.parts[0];
    const int shift = t.part.bits - t.part.dir_bits;
    t.directory.assign((size_t{1} << t.part.dir_bits) + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      keys[i] = ExtractKey(entries[i].hash, t.part.offset, t.part.bits) >> shift;
      ++t.directory[keys[i] + 1];
    }
    for (size_t v = 1; v < t.directory.size(); ++v) t.directory[v] += t.directory[v - 1];
    cursor.assign(t.directory.begin(), t.directory.end() - 1);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t pos = cursor[keys[i]]++;
      hashes_[pos] = entries[i].hash;
      SetId(pos, entries[i].id);
    }
  }
  // Parts 1..m-1: an entry array grouped by prefix, each entry (pos << s) | suffix.
  for (size_t j = 1; j < tables_.size(); ++j) {
    Table& t = tables_[j];
    t.part = layout_.parts[j];
    const int s = t.part.bits - t.part.dir_bits;
    const uint32_t suffix_mask = (uint32_t{1} << s) - 1;
    t.directory.assign((size_t{1} << t.part.dir_bits) + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      keys[i] = ExtractKey(hashes_[i], t.part.offset, t.part.bits);
      ++t.directory[(keys[i] >> s) + 1];
    }
    for (size_t v = 1; v < t.directory.size(); ++v) t.directory[v] += t.directory[v - 1];
    cursor.assign(t.directory.begin(), t.directory.end() - 1);
    t.entries.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t key = keys[i];
      t.entries[cursor[key >> s]++] = (static_cast<uint32_t>(i) << s) | (key & suffix_mask);
    }
  }
}

void Segment::MakePlans() {
  plans_.assign(kMaxIndexedRadius + 1, Plan{});
  if (!indexed()) return;
  const double n = static_cast<double>(size());
  const int m = static_cast<int>(tables_.size());

  // cost[j][t + 1]: estimated cost of probing part j with threshold t (t = -1: skip).
  constexpr int kMaxThreshold = 24;
  std::vector<std::array<double, kMaxThreshold + 2>> cost(m);
  for (int j = 0; j < m; ++j) {
    const PartLayout& p = tables_[j].part;
    const double bucket = n / std::ldexp(1.0, p.dir_bits);
    cost[j][0] = 0;
    for (int t = 0; t <= kMaxThreshold; ++t) {
      const double probes = Ball(p.dir_bits, t);
      double c = probes * kCostProbe;
      if (j == 0) {
        c += probes * bucket * kCostImplicitEntry;
      } else {
        c += probes * bucket * kCostEntry;
        c += n * Ball(p.bits, t) / std::ldexp(1.0, p.bits) * kCostCandidate;
      }
      cost[j][t + 1] = c;
    }
  }
  const double scan_cost = n * kCostScan;
  constexpr double kInf = std::numeric_limits<double>::infinity();

  for (int radius = 0; radius <= kMaxIndexedRadius; ++radius) {
    // Smallest total cost of parts 0..j-1 that together cover a budget of `c` (capped at
    // radius + 1): covering radius + 1 guarantees that no hash within `radius` is missed.
    const int need = radius + 1;
    std::vector<double> best(need + 1, kInf);
    std::vector<std::vector<std::pair<int8_t, int16_t>>> choice(
        m, std::vector<std::pair<int8_t, int16_t>>(need + 1, {-1, -1}));
    best[0] = 0;
    for (int j = 0; j < m; ++j) {
      std::vector<double> next(need + 1, kInf);
      const int tmax = std::min({radius, kMaxThreshold, tables_[j].part.bits});
      for (int c = 0; c <= need; ++c) {
        if (best[c] == kInf) continue;
        for (int t = -1; t <= tmax; ++t) {
          const int c2 = std::min(need, c + t + 1);
          const double v = best[c] + cost[j][t + 1];
          if (v < next[c2]) {
            next[c2] = v;
            choice[j][c2] = {static_cast<int8_t>(t), static_cast<int16_t>(c)};
          }
        }
      }
      best = std::move(next);
    }
    Plan& plan = plans_[radius];
    if (best[need] >= scan_cost) continue;  // plan.scan stays true
    plan.scan = false;
    int c = need;
    for (int j = m - 1; j >= 0; --j) {
      plan.thresholds[j] = choice[j][c].first;
      c = choice[j][c].second;
    }
  }
}

std::vector<int> Segment::PlanFor(int radius) const {
  if (!indexed() || radius > kMaxIndexedRadius || plans_[radius].scan) return {};
  return std::vector<int>(plans_[radius].thresholds.begin(),
                          plans_[radius].thresholds.begin() + tables_.size());
}

void Segment::Search(const Hash256* queries, int nq, int radius, const Kernels& kernels,
                     SearchScratch& scratch, std::vector<Hit>& out) const {
  if (!indexed() || radius > kMaxIndexedRadius || plans_[radius].scan) {
    ScanAll(queries, nq, radius, kernels, scratch, out);
    return;
  }
  for (int v = 0; v < nq; ++v) {
    SearchOne(queries[v], static_cast<uint8_t>(v), plans_[radius], radius, kernels, scratch, out);
  }
}

void Segment::ScanAll(const Hash256* queries, int nq, int radius, const Kernels& kernels,
                      SearchScratch& scratch, std::vector<Hit>& out) const {
  scratch.positions.Reserve(kScanChunk);
  scratch.distances.Reserve(kScanChunk);
  scratch.variants.Reserve(kScanChunk);
  std::vector<uint64_t> packed(4 * static_cast<size_t>(nq));
  for (int v = 0; v < nq; ++v) std::memcpy(&packed[4 * v], Limbs(queries[v]), 32);
  for (size_t begin = 0; begin < size(); begin += kScanChunk) {
    const size_t len = std::min(kScanChunk, size() - begin);
    const uint64_t* h = Limbs(hashes_[begin]);
    size_t found;
    if (nq == 1) {
      found = kernels.scan(h, len, packed.data(), radius, static_cast<uint32_t>(begin),
                           scratch.positions.data(), scratch.distances.data());
      std::fill_n(scratch.variants.data(), found, 0);
    } else {
      found = kernels.scan_multi(h, len, packed.data(), nq, radius, static_cast<uint32_t>(begin),
                                 scratch.positions.data(), scratch.distances.data(),
                                 scratch.variants.data());
    }
    for (size_t i = 0; i < found; ++i) {
      out.push_back({scratch.positions[i], scratch.distances[i], scratch.variants[i]});
    }
  }
}

void Segment::SearchOne(const Hash256& query, uint8_t variant, const Plan& plan, int radius,
                        const Kernels& kernels, SearchScratch& scratch,
                        std::vector<Hit>& out) const {
  const uint64_t* q = Limbs(query);
  size_t ncand = 0;
  for (size_t j = 0; j < tables_.size(); ++j) {
    const int t = plan.thresholds[j];
    if (t < 0) continue;
    const Table& table = tables_[j];
    const int k = table.part.dir_bits;
    const int s = table.part.bits - k;
    const uint32_t key = ExtractKey(query, table.part.offset, table.part.bits);
    const uint32_t prefix = key >> s;
    const uint32_t* dir = table.directory.data();

    // Every directory slot within t flips of the query's prefix; the suffix may then differ in
    // t - r bits, r being the flips spent on the prefix.
    // First the slots (arithmetic only), then their directory entries with prefetching: the
    // directories are megabytes, so most reads miss the caches.
    auto& slots = scratch.slots;
    slots.clear();
    for (int r = 0; r <= std::min(t, k); ++r) {
      ForEachMask(k, r, [&](uint32_t mask) { slots.push_back({prefix ^ mask, t - r}); });
    }
    auto& probes = scratch.probes;
    probes.clear();
    size_t total = 0;
    constexpr size_t kAhead = 16;
    for (size_t i = 0; i < slots.size() && i < kAhead; ++i)
      __builtin_prefetch(dir + slots[i].first);
    for (size_t i = 0; i < slots.size(); ++i) {
      if (i + kAhead < slots.size()) __builtin_prefetch(dir + slots[i + kAhead].first);
      const uint32_t v = slots[i].first;
      const uint32_t begin = dir[v];
      const uint32_t end = dir[v + 1];
      if (begin != end) {
        probes.push_back({begin, end, slots[i].second});
        total += end - begin;
      }
    }
    if (probes.empty()) continue;

    if (j == 0) {
      // Part 0's buckets are runs of the hash array: check the full distance directly.
      scratch.positions.Reserve(total);
      scratch.distances.Reserve(total);
      const size_t found =
          kernels.scan_ranges(Limbs(hashes_[0]), probes.data(), probes.size(), q, radius,
                              scratch.positions.data(), scratch.distances.data());
      for (size_t f = 0; f < found; ++f) {
        out.push_back({scratch.positions[f], scratch.distances[f], variant});
      }
      continue;
    }
    uint32_t* cand = scratch.candidates.Reserve(ncand + total + 16, ncand);
    const uint32_t suffix_mask = (uint32_t{1} << s) - 1;
    ncand += kernels.filter_ranges(table.entries.data(), probes.data(), probes.size(),
                                   key & suffix_mask, suffix_mask, s, cand + ncand);
  }

  if (ncand == 0) return;
  scratch.positions.Reserve(ncand);
  scratch.distances.Reserve(ncand);
  const size_t found = kernels.verify(Limbs(hashes_[0]), scratch.candidates.data(), ncand, q,
                                      radius, scratch.positions.data(), scratch.distances.data());
  for (size_t f = 0; f < found; ++f) {
    out.push_back({scratch.positions[f], scratch.distances[f], variant});
  }
}

size_t Segment::MemoryBytes() const {
  size_t bytes = sizeof(*this) + hashes_.capacity() * sizeof(Hash256) +
                 narrow_ids_.capacity() * sizeof(uint32_t) +
                 wide_ids_.capacity() * sizeof(uint64_t) + plans_.capacity() * sizeof(Plan);
  for (const Table& t : tables_) {
    bytes += sizeof(Table) + t.directory.capacity() * sizeof(uint32_t) +
             t.entries.capacity() * sizeof(uint32_t);
  }
  return bytes;
}

}  // namespace childsafe::hamming::internal
