#include "hamming/hamming_index.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "hamming/segment.h"

namespace childsafe::hamming {
namespace internal {

using imagehash::Hash256;

/// Hashes added since the last segment was built: an append-only array scanned by every search.
/// Storage is allocated once at full capacity and never moves, so the writer can append past the
/// size a published State records while searches read below it.
inline constexpr size_t kBufferCapacity = 4096;

struct AppendBuffer {
  AppendBuffer() : hashes(kBufferCapacity), ids(kBufferCapacity) {}
  AlignedVector<Hash256> hashes;
  std::vector<uint64_t> ids;
};

/// Positions marked removed in one segment (or the buffer). Copied on write.
using RemovedBits = std::vector<uint64_t>;

inline bool IsRemoved(const RemovedBits* bits, size_t pos) {
  return bits != nullptr && ((*bits)[pos >> 6] >> (pos & 63)) & 1;
}

struct SegmentSlot {
  std::shared_ptr<const Segment> segment;
  std::shared_ptr<const RemovedBits> removed;  // null: nothing removed
  size_t live = 0;
};

struct State {
  std::vector<SegmentSlot> segments;     // oldest (largest) first
  std::shared_ptr<AppendBuffer> buffer;  // allocated by the first small Add
  size_t buffer_size = 0;
  std::shared_ptr<const RemovedBits> buffer_removed;
  size_t buffer_live = 0;

  size_t live() const {
    size_t n = buffer_live;
    for (const SegmentSlot& s : segments) n += s.live;
    return n;
  }
};

namespace {

// Live entries of a slot, appended to out.
void AppendLive(const SegmentSlot& slot, std::vector<IndexEntry>& out) {
  const Segment& seg = *slot.segment;
  for (size_t p = 0; p < seg.size(); ++p) {
    if (!IsRemoved(slot.removed.get(), p)) out.push_back({seg.hash(p), seg.id(p)});
  }
}

void AppendLiveBuffer(const State& s, std::vector<IndexEntry>& out) {
  for (size_t p = 0; p < s.buffer_size; ++p) {
    if (!IsRemoved(s.buffer_removed.get(), p)) {
      out.push_back({s.buffer->hashes[p], s.buffer->ids[p]});
    }
  }
}

SegmentSlot MakeSlot(std::span<const IndexEntry> entries) {
  SegmentSlot slot;
  slot.segment = std::make_shared<const Segment>(entries);
  slot.live = entries.size();
  return slot;
}

// Appends a segment and merges it with its predecessor while they are of similar size (the
// predecessor at most twice as large): like a binary counter, each hash is rebuilt O(log n)
// times and there are O(log n) segments.
void PushSegment(std::vector<SegmentSlot>& segments, SegmentSlot slot) {
  segments.push_back(std::move(slot));
  while (segments.size() >= 2) {
    const SegmentSlot& a = segments[segments.size() - 2];
    const SegmentSlot& b = segments.back();
    if (a.live > 2 * b.live || a.live + b.live > kMaxSegmentSize) break;
    std::vector<IndexEntry> merged;
    merged.reserve(a.live + b.live);
    AppendLive(a, merged);
    AppendLive(b, merged);
    segments.pop_back();
    segments.back() = MakeSlot(merged);
  }
}

// Builds segments of at most kMaxSegmentSize from entries (split evenly) and pushes them.
void PushEntries(std::vector<SegmentSlot>& segments, std::span<const IndexEntry> entries) {
  if (entries.empty()) return;
  const size_t chunks = (entries.size() + kMaxSegmentSize - 1) / kMaxSegmentSize;
  const size_t per = (entries.size() + chunks - 1) / chunks;
  for (size_t begin = 0; begin < entries.size(); begin += per) {
    PushSegment(segments, MakeSlot(entries.subspan(begin, std::min(per, entries.size() - begin))));
  }
}

// Sorted, de-duplicated ids with a 64 Ki-bit prefilter, so a pass over ten million stored ids
// costs one L1 load for nearly all of them.
class IdSet {
 public:
  explicit IdSet(std::span<const uint64_t> ids) : ids_(ids.begin(), ids.end()), filter_(1024) {
    std::sort(ids_.begin(), ids_.end());
    ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
    for (uint64_t id : ids_) {
      const uint64_t h = Mix(id);
      filter_[h >> 6] |= uint64_t{1} << (h & 63);
    }
  }
  bool Contains(uint64_t id) const {
    const uint64_t h = Mix(id);
    if (((filter_[h >> 6] >> (h & 63)) & 1) == 0) return false;
    return std::binary_search(ids_.begin(), ids_.end(), id);
  }

 private:
  static uint64_t Mix(uint64_t id) { return (id * 0x9e3779b97f4a7c15ULL) >> 48; }
  std::vector<uint64_t> ids_;
  std::vector<uint64_t> filter_;
};

// Marks the ids' positions removed in [0, n); returns the new bits (null if none matched) and
// the count.
template <class IdAt>
std::pair<std::shared_ptr<const RemovedBits>, size_t> MarkRemoved(
    const std::shared_ptr<const RemovedBits>& old, size_t n, size_t capacity, IdAt id_at,
    const IdSet& set) {
  std::shared_ptr<RemovedBits> bits;
  size_t count = 0;
  for (size_t p = 0; p < n; ++p) {
    if (IsRemoved(old.get(), p) || !set.Contains(id_at(p))) continue;
    if (!bits) {
      bits = old ? std::make_shared<RemovedBits>(*old)
                 : std::make_shared<RemovedBits>((capacity + 63) / 64, 0);
    }
    (*bits)[p >> 6] |= uint64_t{1} << (p & 63);
    ++count;
  }
  return {bits ? std::shared_ptr<const RemovedBits>(std::move(bits)) : old, count};
}

std::vector<Match> Collect(const State& state, std::span<const Hash256> queries, int radius) {
  const Kernels& kernels = BestKernels();
  SearchScratch scratch;
  std::vector<Hit> hits;
  std::vector<Match> matches;
  for (const SegmentSlot& slot : state.segments) {
    hits.clear();
    slot.segment->Search(queries.data(), static_cast<int>(queries.size()), radius, kernels, scratch,
                         hits);
    for (const Hit& h : hits) {
      if (IsRemoved(slot.removed.get(), h.pos)) continue;
      matches.push_back({slot.segment->id(h.pos), h.dist, h.variant});
    }
  }
  if (state.buffer_size > 0) {
    // Reads only [0, buffer_size): entries beyond may be being written by an Add right now.
    const size_t n = state.buffer_size;
    scratch.positions.Reserve(n);
    scratch.distances.Reserve(n);
    scratch.variants.Reserve(n);
    std::vector<uint64_t> packed(4 * queries.size());
    for (size_t v = 0; v < queries.size(); ++v) {
      std::copy(queries[v].limbs.begin(), queries[v].limbs.end(), packed.begin() + 4 * v);
    }
    const uint64_t* h = state.buffer->hashes[0].limbs.data();
    size_t found;
    if (queries.size() == 1) {
      found = kernels.scan(h, n, packed.data(), radius, 0, scratch.positions.data(),
                           scratch.distances.data());
      std::fill_n(scratch.variants.data(), found, 0);
    } else {
      found = kernels.scan_multi(h, n, packed.data(), static_cast<int>(queries.size()), radius, 0,
                                 scratch.positions.data(), scratch.distances.data(),
                                 scratch.variants.data());
    }
    for (size_t i = 0; i < found; ++i) {
      const uint32_t p = scratch.positions[i];
      if (IsRemoved(state.buffer_removed.get(), p)) continue;
      matches.push_back({state.buffer->ids[p], scratch.distances[i], scratch.variants[i]});
    }
  }
  // One result per id: its smallest distance (and the lowest variant reaching it).
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.id != b.id) return a.id < b.id;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.variant < b.variant;
  });
  matches.erase(std::unique(matches.begin(), matches.end(),
                            [](const Match& a, const Match& b) { return a.id == b.id; }),
                matches.end());
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.id < b.id;
  });
  return matches;
}

}  // namespace
}  // namespace internal

using internal::State;

// ---- IndexSnapshot ----

IndexSnapshot::IndexSnapshot(std::shared_ptr<const State> state) : state_(std::move(state)) {}

Result<std::vector<Match>> IndexSnapshot::Search(const imagehash::Hash256& query,
                                                 int radius) const {
  return SearchVariants(std::span<const imagehash::Hash256>(&query, 1), radius);
}

Result<std::vector<Match>> IndexSnapshot::SearchVariants(
    std::span<const imagehash::Hash256> queries, int radius) const {
  if (radius < 0 || radius > kMaxRadius) {
    return Fail(Error::InvalidField("radius", field_codes::kOutOfRange,
                                    "radius must be between 0 and 256"));
  }
  if (queries.empty() || queries.size() > static_cast<size_t>(kMaxVariants)) {
    return Fail(Error::InvalidField("hashes", field_codes::kOutOfRange,
                                    "give between 1 and 8 query hashes"));
  }
  return internal::Collect(*state_, queries, radius);
}

size_t IndexSnapshot::size() const { return state_->live(); }

void IndexSnapshot::VisitEntries(
    const std::function<void(std::span<const IndexEntry>)>& visit) const {
  constexpr size_t kChunk = 4096;
  std::vector<IndexEntry> chunk;
  chunk.reserve(kChunk);
  auto flush = [&] {
    if (!chunk.empty()) visit(chunk);
    chunk.clear();
  };
  for (const internal::SegmentSlot& slot : state_->segments) {
    const internal::Segment& seg = *slot.segment;
    for (size_t p = 0; p < seg.size(); ++p) {
      if (internal::IsRemoved(slot.removed.get(), p)) continue;
      chunk.push_back({seg.hash(p), seg.id(p)});
      if (chunk.size() == kChunk) flush();
    }
  }
  for (size_t p = 0; p < state_->buffer_size; ++p) {
    if (internal::IsRemoved(state_->buffer_removed.get(), p)) continue;
    chunk.push_back({state_->buffer->hashes[p], state_->buffer->ids[p]});
    if (chunk.size() == kChunk) flush();
  }
  flush();
}

IndexStats IndexSnapshot::Stats() const {
  IndexStats stats;
  stats.entries = state_->live();
  stats.segments = state_->segments.size();
  stats.buffered = state_->buffer_live;
  stats.memory_bytes = sizeof(State);
  if (state_->buffer) {
    stats.memory_bytes +=
        state_->buffer->hashes.capacity() * 32 + state_->buffer->ids.capacity() * 8;
  }
  size_t largest = 0;
  for (const internal::SegmentSlot& slot : state_->segments) {
    stats.memory_bytes += slot.segment->MemoryBytes();
    if (slot.removed) stats.memory_bytes += slot.removed->capacity() * 8;
    if (slot.segment->indexed()) ++stats.indexed_segments;
    if (slot.segment->size() >= largest) {
      largest = slot.segment->size();
      stats.layout = slot.segment->layout().ToString();
    }
  }
  if (stats.layout.empty()) stats.layout = "scan";
  return stats;
}

// ---- HammingIndex ----

struct HammingIndex::Impl {
  std::shared_ptr<const State> Current() const {
    std::lock_guard<std::mutex> lock(state_mutex);
    return state;
  }
  void Publish(std::shared_ptr<const State> next) {
    std::lock_guard<std::mutex> lock(state_mutex);
    state = std::move(next);
  }

  std::mutex writer_mutex;         // serialises Add/Remove/Compact
  mutable std::mutex state_mutex;  // guards only the pointer swap
  std::shared_ptr<const State> state = std::make_shared<const State>();
};

HammingIndex::HammingIndex() : impl_(std::make_unique<Impl>()) {}

HammingIndex::HammingIndex(std::span<const IndexEntry> entries) : HammingIndex() {
  auto next = std::make_shared<State>();
  internal::PushEntries(next->segments, entries);
  impl_->state = std::move(next);
}

HammingIndex::~HammingIndex() = default;
HammingIndex::HammingIndex(HammingIndex&&) noexcept = default;
HammingIndex& HammingIndex::operator=(HammingIndex&&) noexcept = default;

void HammingIndex::Add(const imagehash::Hash256& hash, uint64_t id) {
  const IndexEntry e{hash, id};
  Add(std::span<const IndexEntry>(&e, 1));
}

void HammingIndex::Add(std::span<const IndexEntry> entries) {
  if (entries.empty()) return;
  std::lock_guard<std::mutex> writer(impl_->writer_mutex);
  auto next = std::make_shared<State>(*impl_->Current());
  if (entries.size() >= internal::kBufferCapacity) {
    internal::PushEntries(next->segments, entries);
  } else {
    if (next->buffer_size + entries.size() > internal::kBufferCapacity) {
      std::vector<IndexEntry> live;
      live.reserve(next->buffer_live);
      internal::AppendLiveBuffer(*next, live);
      internal::PushEntries(next->segments, live);
      next->buffer = std::make_shared<internal::AppendBuffer>();
      next->buffer_size = 0;
      next->buffer_live = 0;
      next->buffer_removed.reset();
    }
    if (!next->buffer) next->buffer = std::make_shared<internal::AppendBuffer>();
    // Written beyond every published buffer_size: no search reads these slots yet.
    internal::AppendBuffer& buf = *next->buffer;
    for (size_t i = 0; i < entries.size(); ++i) {
      buf.hashes[next->buffer_size + i] = entries[i].hash;
      buf.ids[next->buffer_size + i] = entries[i].id;
    }
    next->buffer_size += entries.size();
    next->buffer_live += entries.size();
  }
  impl_->Publish(std::move(next));
}

size_t HammingIndex::Remove(std::span<const uint64_t> ids) {
  if (ids.empty()) return 0;
  std::lock_guard<std::mutex> writer(impl_->writer_mutex);
  auto next = std::make_shared<State>(*impl_->Current());
  const internal::IdSet set(ids);
  size_t removed = 0;
  std::vector<internal::SegmentSlot> kept;
  for (internal::SegmentSlot& slot : next->segments) {
    const internal::Segment& seg = *slot.segment;
    auto [bits, count] = internal::MarkRemoved(
        slot.removed, seg.size(), seg.size(), [&seg](size_t p) { return seg.id(p); }, set);
    removed += count;
    slot.removed = std::move(bits);
    slot.live -= count;
    if (slot.live == 0) continue;
    if (count > 0 && slot.live < seg.size() / 2) {
      // Mostly removed: rebuild smaller rather than keep scanning dead entries.
      std::vector<IndexEntry> live;
      live.reserve(slot.live);
      internal::AppendLive(slot, live);
      kept.push_back(internal::MakeSlot(live));
    } else {
      kept.push_back(std::move(slot));
    }
  }
  next->segments = std::move(kept);
  auto [bits, count] = internal::MarkRemoved(
      next->buffer_removed, next->buffer_size, internal::kBufferCapacity,
      [&next](size_t p) { return next->buffer->ids[p]; }, set);
  next->buffer_removed = std::move(bits);
  next->buffer_live -= count;
  removed += count;
  if (removed > 0) impl_->Publish(std::move(next));
  return removed;
}

void HammingIndex::Compact() {
  std::lock_guard<std::mutex> writer(impl_->writer_mutex);
  const std::shared_ptr<const State> current = impl_->Current();
  std::vector<IndexEntry> all;
  all.reserve(current->live());
  for (const internal::SegmentSlot& slot : current->segments) internal::AppendLive(slot, all);
  internal::AppendLiveBuffer(*current, all);
  auto next = std::make_shared<State>();
  internal::PushEntries(next->segments, all);
  impl_->Publish(std::move(next));
}

IndexSnapshot HammingIndex::Snapshot() const { return IndexSnapshot(impl_->Current()); }

Result<std::vector<Match>> HammingIndex::Search(const imagehash::Hash256& query, int radius) const {
  return Snapshot().Search(query, radius);
}

Result<std::vector<Match>> HammingIndex::SearchVariants(std::span<const imagehash::Hash256> queries,
                                                        int radius) const {
  return Snapshot().SearchVariants(queries, radius);
}

size_t HammingIndex::size() const { return Snapshot().size(); }

IndexStats HammingIndex::Stats() const { return Snapshot().Stats(); }

}  // namespace childsafe::hamming
