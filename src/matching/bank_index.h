#pragma once
// BankIndex: the in-memory matching state of the enabled hash banks, built from the database
// (the source of truth) and kept current with it.
//
// Per bank: PDQ hashes in an exact hamming::HammingIndex (every entry within the radius is found,
// none missed), MD5/SHA-1/SHA-256 in sorted arrays searched by binary search (24-40 bytes an
// entry, where a node-based hash map would take ~70). One index per bank, not one for all:
// disabling a bank then drops its index at once, a lookup knows the bank of every hit without a
// table, and a small bank costs a small scan.
//
// Entries count only when their import is committed; a tombstone entry withdraws every earlier
// entry of the same bank with the same type and value. Refresh() compares each bank's
// content_version with what is loaded: newly committed imports are added incrementally, a bank
// whose imports were superseded (a full replacement) or withdrawn by tombstones in bulk is rebuilt
// off to the side, and the new state is published with one pointer swap.
//
// Start-up cache: with a cache directory, each bank's PDQ entries are saved as a hamming index
// file (docs/formats/hamming-index.md) plus a small JSON note of the bank's content version and
// imports; a bank whose note matches the database loads from the file instead of a full scan of
// its entries. The file is only a cache: anything that does not match is ignored and rebuilt.
//
// Thread-safety: Lookup and Banks may run from any number of threads, concurrently with one
// Refresh (Refresh calls are serialised internally). A lookup sees each bank either before or
// after a refresh, never half of one.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "hamming/hamming_index.h"
#include "hashlist/hash_list.h"
#include "imagehash/hash256.h"
#include "storage/store.h"

namespace childsafe::matching {

using hashlist::HashType;

/// Raw digest length in bytes of a hash type: 32 (PDQ), 16 (MD5), 20 (SHA-1), 32 (SHA-256).
size_t RawLength(HashType type);
/// "pdq", "md5", ... to the type; nullopt otherwise (exact names only, as stored).
std::optional<HashType> StoredHashType(std::string_view name);

/// A sorted array of (digest, entry id) for exact matching. Immutable once built.
template <size_t N>
class DigestTable {
 public:
  struct Item {
    std::array<uint8_t, N> value;
    int64_t id;
  };
  DigestTable() = default;
  /// Takes the items in any order; sorts them.
  explicit DigestTable(std::vector<Item> items);
  /// Ids of the entries whose digest equals `value` (N raw bytes; other sizes find nothing).
  void Find(std::string_view value, std::vector<int64_t>& ids) const;
  size_t size() const { return items_.size(); }
  size_t memory_bytes() const { return items_.capacity() * sizeof(Item); }
  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

/// One enabled bank as loaded: immutable once published.
struct LoadedBank {
  storage::HashBank bank;
  std::set<int64_t> imports;  // committed imports whose entries are loaded
  std::shared_ptr<hamming::HammingIndex> pdq;
  std::shared_ptr<const DigestTable<16>> md5;
  std::shared_ptr<const DigestTable<20>> sha1;
  std::shared_ptr<const DigestTable<32>> sha256;
  std::string loaded_from;  // "database", "cache", "incremental"
  double load_seconds = 0;

  size_t entries() const;
  size_t memory_bytes() const;
  /// True if a live entry has exactly this type and raw value (import deduplication).
  bool Contains(HashType type, std::string_view raw) const;
};

/// What to look up: the hashes of one image or one hash from a list.
struct Lookup {
  /// PDQ: the hash, or its 8 dihedral variants in imagehash::Dihedral order. Empty = none.
  std::vector<imagehash::Hash256> pdq;
  /// Quality of the image the PDQ hash came from, when known. Below the gate, PDQ is not matched.
  std::optional<int> pdq_quality;
  /// Raw digests of the file; empty = not given.
  std::string md5, sha1, sha256;
};

struct LookupOptions {
  int radius = hamming::kDefaultRadius;  // PDQ: distance <= radius matches
  int min_quality = 50;                  // PDQ quality gate (pdq.md: below 50 is unusable)
  /// Only these banks (by id); empty = every enabled positive bank. Negative banks always apply.
  std::vector<int64_t> banks;
};

struct Hit {
  int64_t bank_id = 0;
  int64_t entry_id = 0;
  HashType type = HashType::kPdq;
  int distance = 0;  // 0 for digests
  int variant = 0;   // for PDQ: index of the query hash (dihedral variant) that matched

  friend bool operator==(const Hit&, const Hit&) = default;
};

struct LookupResult {
  /// Matches in positive banks that no negative entry suppressed, ordered by distance, bank, entry.
  std::vector<Hit> hits;
  /// Matches withheld because a negative (known false positive) entry was at least as close.
  std::vector<Hit> suppressed;
  /// The negative entries found (they never count as matches).
  std::vector<Hit> negative;
  /// PDQ was given but not matched: the image's quality is below the gate.
  bool low_quality = false;
};

struct BankIndexOptions {
  /// Where the start-up cache files live (created 0700); empty = no cache.
  std::string cache_dir;
};

/// Figures about one loaded bank, for listings and /metrics.
struct LoadedBankInfo {
  int64_t bank_id = 0;
  std::string name;
  bool negative = false;
  int64_t content_version = 0;
  size_t pdq = 0, md5 = 0, sha1 = 0, sha256 = 0;
  size_t memory_bytes = 0;
  std::string loaded_from;
  double load_seconds = 0;
};

class BankIndex {
 public:
  explicit BankIndex(BankIndexOptions options = {});
  ~BankIndex();
  BankIndex(const BankIndex&) = delete;
  BankIndex& operator=(const BankIndex&) = delete;

  /// Brings memory up to date with the database (all enabled banks, or only `only_bank` when
  /// given, e.g. the one bank an import checks duplicates against). Errors are the database's;
  /// on error the previous state stays published.
  Status Refresh(storage::Database& db, std::optional<int64_t> only_bank = std::nullopt);

  /// True once a Refresh has succeeded.
  bool loaded() const;

  /// Looks the hashes up in every loaded bank (see LookupOptions). Returns kInvalidArgument for a
  /// radius outside 0..kMaxRadius. Cost at radius 31: about 0.1 ms per PDQ hash per 10 million
  /// entries (x variants), about 1 us per digest.
  Result<LookupResult> Find(const Lookup& q, const LookupOptions& o) const;

  /// Builds one bank's state (enabled or not) from the cache or the database without publishing
  /// it: what an import checks duplicates against. kNotFound for an unknown bank.
  Result<std::shared_ptr<const LoadedBank>> LoadOne(storage::Database& db, int64_t bank_id);

  /// Figures about every loaded bank (computes memory figures: not for the request path).
  std::vector<LoadedBankInfo> Banks() const;
  /// A loaded bank, or nullptr. O(log banks).
  std::shared_ptr<const LoadedBank> Bank(int64_t bank_id) const;
  /// The id of the loaded (enabled) bank with this name. O(banks).
  std::optional<int64_t> EnabledBankId(const std::string& name) const;

  /// Largest radius Find accepts: beyond it a search degrades towards a full scan (~9 ms at 10M)
  /// and, near a cluster, returns thousands of entries; PDQ's own threshold is 31.
  static constexpr int kMaxRadius = 64;

 private:
  using BankMap = std::map<int64_t, std::shared_ptr<const LoadedBank>>;
  std::shared_ptr<const BankMap> Current() const;
  void Publish(std::shared_ptr<const BankMap> banks);
  Result<std::shared_ptr<const LoadedBank>> Build(storage::Database& db,
                                                  const storage::HashBank& bank,
                                                  const std::vector<int64_t>& committed,
                                                  const std::vector<storage::BankImport>& imports);
  Result<std::shared_ptr<const LoadedBank>> Extend(storage::Database& db,
                                                   const storage::HashBank& bank,
                                                   const LoadedBank& old,
                                                   const std::vector<int64_t>& committed);
  std::shared_ptr<hamming::HammingIndex> LoadCache(
      const storage::HashBank& bank, const std::vector<storage::BankImport>& imports) const;
  void SaveCache(const LoadedBank& bank, const std::vector<storage::BankImport>& imports) const;
  Status ReadDbKey(storage::Database& db);

  BankIndexOptions options_;
  mutable std::mutex publish_mu_;  // guards banks_ (a pointer copy)
  std::shared_ptr<const BankMap> banks_;
  std::mutex refresh_mu_;  // one Refresh at a time; guards db_key_
  std::string db_key_;     // the database's identity in cache notes ("" until the first Refresh)
  bool loaded_ = false;    // guarded by publish_mu_
};

}  // namespace childsafe::matching
