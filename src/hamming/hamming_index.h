#pragma once
// HammingIndex: exact radius search over 256-bit perceptual hashes (PDQ).
//
// Given a query hash q and a radius r (default 31, PDQ's match threshold), Search returns every
// stored entry whose hash is within Hamming distance <= r of q — none missed, none extra — with
// its caller-chosen 64-bit id and the distance. SearchVariants does the same for up to 8 query
// hashes at once (the 8 dihedral variants of an image: rotations and mirrors) and reports, per
// stored id, the best distance over the variants.
//
// Ids: chosen by the caller; the index does not require them to be unique. Results are per id:
// if several stored hashes share an id (e.g. all 8 variants of a bank image stored under one id),
// the id is reported once, with the smallest distance. Remove(ids) removes every hash with those
// ids.
//
// Design (src/hamming/README.md has more): the index is a list of immutable segments (each a
// compact multi-index hash table, or a plain array scanned with AVX-512/AVX2/POPCNT kernels
// chosen at run time) plus a small append-only buffer for recent additions. Every change builds
// a new immutable State and publishes it atomically; a search works on the State it started with.
//
// Thread-safety: all methods may be called concurrently from any number of threads. Searches
// never wait for a writer's work (only for a pointer copy); writers (Add, Remove, Compact) are
// serialised among themselves. A search sees each Add/Remove/Compact call either entirely or not
// at all. Snapshot() gives a consistent view for several searches or for saving.
//
// Memory: under 80 bytes per hash for a compacted index of 1-10 million hashes
// (docs/performance.md): 32 for the hash, 4 for the id when a segment's ids span less than 2^32
// (database row ids do) or 8 otherwise, 4 per table after the first, and the directories. The
// layout takes as many tables as fit: 11 with 4-byte ids, 10 with 8-byte ids. A rebuild briefly
// holds the old and the new segments.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "imagehash/hash256.h"

namespace childsafe::hamming {

/// PDQ's recommended match threshold: distance <= 31 of 256 bits.
inline constexpr int kDefaultRadius = 31;
/// Largest radius accepted (the whole hash).
inline constexpr int kMaxRadius = 256;
/// At most this many query hashes per SearchVariants call (the 8 dihedral variants).
inline constexpr int kMaxVariants = 8;

struct IndexEntry {
  imagehash::Hash256 hash;
  uint64_t id = 0;

  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

struct Match {
  uint64_t id = 0;
  int distance = 0;  // 0..radius
  int variant = 0;  // index of the query hash that reached `distance` (lowest if tied); 0 in Search

  friend bool operator==(const Match&, const Match&) = default;
};

struct IndexStats {
  size_t entries = 0;           // live stored hashes
  size_t segments = 0;          // immutable segments
  size_t indexed_segments = 0;  // of which multi-index tables (the rest are scanned)
  size_t buffered = 0;          // hashes in the append buffer (scanned)
  size_t memory_bytes = 0;      // all arrays, including hashes marked removed and not yet compacted
  std::string layout;           // layout of the largest segment, e.g. "mih m=10 b=26/25 k=18/17"
};

namespace internal {
struct State;
}

/// An immutable view of the index at one moment. Cheap to copy (a shared pointer); keeps the
/// segments it sees alive. Thread-safe.
class IndexSnapshot {
 public:
  /// Every id with a stored hash within `radius` of `query`, ordered by distance then id.
  /// Returns kInvalidArgument if radius is outside 0..256. Cost: about 0.1 ms at radius 31 on a
  /// compacted index of 10 million hashes (docs/performance.md), growing steeply with the radius
  /// up to a scan (about 9 ms at 10M) from radius ~60; the result itself can be large for large
  /// radii (radius 256 returns every id), so services should bound the radius they accept.
  Result<std::vector<Match>> Search(const imagehash::Hash256& query,
                                    int radius = kDefaultRadius) const;

  /// As Search, for 1..8 query hashes (e.g. imagehash's 8 dihedral variants, in their order):
  /// each id is reported once, with its smallest distance to any query and the index of that
  /// query in `variant`. Returns kInvalidArgument for 0 or more than 8 queries or a bad radius.
  Result<std::vector<Match>> SearchVariants(std::span<const imagehash::Hash256> queries,
                                            int radius = kDefaultRadius) const;

  /// Live (not removed) stored hashes.
  size_t size() const;

  /// Calls `visit` with every live entry, in chunks of up to 4096, in an unspecified order.
  void VisitEntries(const std::function<void(std::span<const IndexEntry>)>& visit) const;

  IndexStats Stats() const;

 private:
  friend class HammingIndex;
  explicit IndexSnapshot(std::shared_ptr<const internal::State> state);
  std::shared_ptr<const internal::State> state_;
};

class HammingIndex {
 public:
  /// An empty index.
  HammingIndex();
  /// An index holding `entries`, built in one go (the fastest way to load a bank).
  explicit HammingIndex(std::span<const IndexEntry> entries);
  ~HammingIndex();
  /// Movable (not copyable). A moved-from index may only be destroyed or assigned to.
  HammingIndex(HammingIndex&&) noexcept;
  HammingIndex& operator=(HammingIndex&&) noexcept;

  /// Adds entries (any number; duplicates of existing ids are allowed, see above). Small batches
  /// go to the append buffer (O(batch)); when it fills, or for a large batch, a segment is built
  /// and similar-sized segments are merged, so each hash is rebuilt O(log n) times over the
  /// index's life. The new hashes are searchable when Add returns.
  void Add(std::span<const IndexEntry> entries);
  void Add(const imagehash::Hash256& hash, uint64_t id);

  /// Removes every stored hash whose id is in `ids`; returns how many hashes were removed.
  /// O(n) per call (one pass over the stored ids), so batch removals. Removed hashes stop
  /// matching when Remove returns; their memory is reclaimed when their segment is rebuilt.
  size_t Remove(std::span<const uint64_t> ids);

  /// Rebuilds everything into as few segments as possible, dropping removed hashes: the fastest
  /// layout for queries. O(n log n); searches continue on the old state meanwhile.
  void Compact();

  /// The current state, for several searches that must see the same data, or for saving.
  IndexSnapshot Snapshot() const;

  /// Shorthands for Snapshot().Search(...) etc.
  Result<std::vector<Match>> Search(const imagehash::Hash256& query,
                                    int radius = kDefaultRadius) const;
  Result<std::vector<Match>> SearchVariants(std::span<const imagehash::Hash256> queries,
                                            int radius = kDefaultRadius) const;
  size_t size() const;
  IndexStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace childsafe::hamming
