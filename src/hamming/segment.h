#pragma once
// Internal to src/hamming: one immutable block of the index.
//
// A Segment stores n (hash, id) pairs and answers "every stored hash within distance r of q"
// exactly. Small segments are scanned. Larger ones are multi-index hash tables (Norouzi, Punjani
// and Fleet, "Fast Exact Search in Hamming Space with Multi-Index Hashing", 2014) with two twists:
//
//  * Generalised pigeonhole with per-part thresholds. The 256 bits are cut into m contiguous
//    parts. If dist(q, x) <= r then for any thresholds t_j with sum_j (t_j + 1) >= r + 1 some part
//    j has dist_j(q, x) <= t_j (t_j = -1 skips a part). For each radius a small dynamic program
//    picks the t_j that minimise an estimated cost, or a scan when that is cheaper.
//  * Compact tables. Part j's key (b_j bits) is split into a directory prefix (k_j bits) and a
//    suffix (s_j = b_j - k_j bits). Table j is one array of 32-bit entries (position << s_j |
//    suffix), grouped by prefix, plus a directory of 2^k_j + 1 offsets. A probe enumerates only the
//    prefixes within t_j flips; the suffix distance is checked in the entry itself (a vector
//    filter), so only entries whose whole part is within t_j are fetched from the hash array.
//    Part 0 needs no table: the hash array itself is ordered by part 0's prefix.
//
// Memory: 32 (hash) + 8 (id) + 4 (m - 1) bytes per entry plus the directories; 76-78 bytes per
// hash at 1-10 million with the default layout. Positions take 32 - s_j bits, so a segment holds
// at most kMaxSegmentSize entries.
//
// Thread-safety: immutable after construction; any number of threads may search it at once.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hamming/aligned.h"
#include "hamming/hamming_index.h"
#include "hamming/kernels.h"

namespace childsafe::hamming::internal {

inline constexpr size_t kMaxSegmentSize = size_t{1} << 24;
/// Radii above this are always answered by a scan (the multi-index probes would cost more).
inline constexpr int kMaxIndexedRadius = 96;

/// One reported stored hash: its position in the segment, its distance to the query (the
/// smallest over the query variants) and the variant that reached it.
struct Hit {
  uint32_t pos;
  uint16_t dist;
  uint8_t variant;
};

struct PartLayout {
  int offset = 0;    // first bit of the part (0..255)
  int bits = 0;      // b: key length, 1..32
  int dir_bits = 0;  // k: directory prefix length; suffix = bits - dir_bits
};

/// How to cut the hash. parts[0] is the part the hash array is ordered by. Empty = scan only.
struct SegmentLayout {
  std::vector<PartLayout> parts;
  std::string ToString() const;  // e.g. "mih m=10 b=26/25 k=21,18/17 s=8"
};

/// Tunables for choosing a layout (tests and the benchmark vary them; the defaults are measured
/// in docs/performance.md).
struct LayoutOptions {
  size_t min_indexed_size = 32768;  // below this, scan (a scan of 32k hashes takes ~10 us)
  double target_bucket = 48;        // mean entries per directory slot of parts 1..m-1
  double target_bucket_part0 = 6;   // mean hashes per directory slot of part 0
  int parts = 0;                    // 0 = the most parts (up to max_parts) within the budget
  int max_parts = 11;               // more parts, fewer probes; beyond 11 suffixes get too short
  double max_bytes_per_hash = 80;   // memory budget: hash + id + tables + directories
};

/// The layout the index uses for n entries whose ids take id_bytes (4 or 8) each.
SegmentLayout ChooseLayout(size_t n, int id_bytes, const LayoutOptions& options = {});

/// Bytes per hash of a segment of n entries with this layout: hash, id, one 4-byte entry per
/// table after the first, and the directories.
double LayoutBytesPerHash(const SegmentLayout& layout, size_t n, int id_bytes);

/// A buffer that grows without zero-filling (a search may need hundreds of kilobytes of room of
/// which it uses a little).
template <class T>
class ScratchArray {
 public:
  /// Room for n elements; the first `keep` are preserved, the rest are uninitialised.
  T* Reserve(size_t n, size_t keep = 0) {
    if (n > capacity_) {
      const size_t capacity = std::max(n, 2 * capacity_);
      auto bigger = std::make_unique_for_overwrite<T[]>(capacity);
      std::copy_n(data_.get(), keep, bigger.get());
      data_ = std::move(bigger);
      capacity_ = capacity;
    }
    return data_.get();
  }
  T* data() { return data_.get(); }
  T& operator[](size_t i) { return data_[i]; }

 private:
  std::unique_ptr<T[]> data_;
  size_t capacity_ = 0;
};

/// Reusable buffers for one search (one per calling thread; not shared).
struct SearchScratch {
  ScratchArray<uint32_t> candidates;
  ScratchArray<uint32_t> positions;
  ScratchArray<uint16_t> distances;
  ScratchArray<uint8_t> variants;
  std::vector<std::pair<uint32_t, int32_t>> slots;  // directory slot, suffix flips allowed
  std::vector<ProbeRange> probes;
};

class Segment {
 public:
  /// Builds a segment from entries (any order; n <= kMaxSegmentSize). O(n * m).
  explicit Segment(std::span<const IndexEntry> entries, const LayoutOptions& options = {});
  Segment(std::span<const IndexEntry> entries, SegmentLayout layout);

  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  size_t size() const { return hashes_.size(); }
  bool indexed() const { return !layout_.parts.empty(); }
  const SegmentLayout& layout() const { return layout_; }
  const imagehash::Hash256& hash(size_t pos) const { return hashes_[pos]; }
  uint64_t id(size_t pos) const {
    return wide_ids_.empty() ? id_base_ + narrow_ids_[pos] : wide_ids_[pos];
  }
  /// 4 if the ids are stored as 32-bit offsets from a base (they span less than 2^32), else 8.
  int id_bytes() const { return wide_ids_.empty() ? 4 : 8; }

  /// Appends a Hit for every stored hash within `radius` (0..256) of any of the nq (1..8)
  /// queries. A position may be reported more than once (found through several parts); the
  /// caller removes duplicates.
  void Search(const imagehash::Hash256* queries, int nq, int radius, const Kernels& kernels,
              SearchScratch& scratch, std::vector<Hit>& out) const;

  /// The thresholds chosen for `radius` (-1 = part skipped); empty if that radius is scanned.
  std::vector<int> PlanFor(int radius) const;

  /// Bytes held by this segment's arrays.
  size_t MemoryBytes() const;

 private:
  struct Table {
    PartLayout part;
    std::vector<uint32_t> directory;  // 2^dir_bits + 1 offsets into entries (or the hash array)
    AlignedVector<uint32_t> entries;  // empty for part 0
  };
  struct Plan {
    bool scan = true;
    std::array<int8_t, 32> thresholds{};
  };

  void Build(std::span<const IndexEntry> entries);
  void MakePlans();
  void ScanAll(const imagehash::Hash256* queries, int nq, int radius, const Kernels& kernels,
               SearchScratch& scratch, std::vector<Hit>& out) const;
  void SearchOne(const imagehash::Hash256& query, uint8_t variant, const Plan& plan, int radius,
                 const Kernels& kernels, SearchScratch& scratch, std::vector<Hit>& out) const;

  void SetId(size_t pos, uint64_t id) {
    if (wide_ids_.empty()) {
      narrow_ids_[pos] = static_cast<uint32_t>(id - id_base_);
    } else {
      wide_ids_[pos] = id;
    }
  }

  SegmentLayout layout_;
  AlignedVector<imagehash::Hash256> hashes_;
  // Ids: most lists number their entries densely (database row ids), so 4 bytes per hash are
  // usually enough, and the 4 bytes saved buy an extra table within the memory budget.
  uint64_t id_base_ = 0;
  std::vector<uint32_t> narrow_ids_;  // id - id_base_, when every id fits
  std::vector<uint64_t> wide_ids_;    // otherwise
  std::vector<Table> tables_;
  std::vector<Plan> plans_;  // by radius, 0..kMaxIndexedRadius
};

}  // namespace childsafe::hamming::internal
