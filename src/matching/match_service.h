#pragma once
// MatchService: the known-image matching use cases — hash banks (import, list, enable, disable,
// export), matching an image or a list of hashes against them, and the evidence a deployment
// may choose to keep. The HTTP routes (api/routes_matching.cc) and the commands
// (cli/commands_matching.cc) are thin adapters over these calls.
//
// Images are hashed in memory (imagehash::HashImage) and, unless the deployment keeps evidence,
// never stored: only hashes are compared, so nobody has to look at an image to learn that it is
// known material. Kept images are encrypted with the keyring before storage sees them; staff see
// a strongly blurred, downscaled preview unless they deliberately reveal the image (a separate
// permission, a stated reason, audited).
//
// Every lookup that matches is written to the audit trail with ids, bank, distance and labels —
// never image bytes or hash values of the query. Lookups that match nothing are counted, not
// audited. Bank imports, enabling, disabling and exports are audited.
//
// Thread-safety: every method may be called from any number of threads. Image hashing is
// limited to `MatchOptions::hash_workers` at a time (memory is bounded by that times the decode
// limits); a request that cannot get a slot within `hash_wait` gets kResourceExhausted (429).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "hashlist/hash_list.h"
#include "imagehash/image_hash.h"
#include "matching/bank_index.h"
#include "storage/store.h"

namespace childsafe::matching {

/// Which uploaded images are kept (encrypted) as evidence. Off unless the deployment chooses.
enum class EvidencePolicy { kOff, kMatched, kAll };
std::optional<EvidencePolicy> ParseEvidencePolicy(std::string_view s);  // "off", "matched", "all"

struct MatchOptions {
  /// Start-up cache of the PDQ indexes (BankIndexOptions::cache_dir); empty = none.
  std::string cache_dir;
  /// Images hashed at once; further requests wait up to `hash_wait`.
  int hash_workers = 2;
  std::chrono::milliseconds hash_wait{10000};
  /// Decode limits for uploaded images. 50 megapixels admits every phone photo up to 8000x6000
  /// and bounds a progressive JPEG's coefficients to 400 MB per worker.
  imagehash::DecodeLimits decode_limits{50'000'000, 20000, 500};
  EvidencePolicy keep_evidence = EvidencePolicy::kOff;
  /// Lookups per request (hashes in a list).
  size_t max_hashes = 1000;
  int min_quality = imagehash::kPdqRecommendedMinQuality;
  /// Largest radius a caller may ask for (PDQ's threshold is 31).
  int max_radius = 48;
};

// ---- matching ------------------------------------------------------------------------------

/// One hash of a list to look up.
struct HashQuery {
  HashType type = HashType::kPdq;
  std::string hex;             // lower-case, HexLength(type) digits
  std::optional<int> quality;  // PDQ only: quality of the image it came from, if known
};

struct MatchRequest {
  int radius = 31;
  std::vector<std::string> banks;  // by name; empty = every enabled bank
};

/// One match, with what the bank says about the entry.
struct MatchHit {
  std::string bank;
  int64_t bank_id = 0;
  int64_t entry_id = 0;
  std::string source_entry_id;      // the list's own id, if it gave one
  std::vector<std::string> labels;  // e.g. "A" (IWF), "A1" (NCMEC)
  HashType hash_type = HashType::kPdq;
  int distance = 0;  // 0 for an exact digest match
  int variant = 0;   // dihedral variant of the query that matched (imagehash::Dihedral)
};

enum class MatchStatus { kMatch, kNoMatch, kLowQuality, kSuppressed };
std::string_view MatchStatusName(
    MatchStatus s);  // "match", "no_match", "low_quality", "suppressed"

struct MatchOutcome {
  MatchStatus status = MatchStatus::kNoMatch;
  std::vector<MatchHit> matches;  // the closest 100, closest first
  size_t total = 0;               // all matches (more than `matches` holds near a large cluster)
  size_t suppressed = 0;          // matches withheld by a negative bank
};

struct ImageMatchRequest {
  MatchRequest match;
  bool dihedral = false;  // also match the 8 rotations and mirrors
  bool fast = false;      // imagehash fast path (JPEG only; a few bits from the exact hash)
};

struct ImageMatch {
  imagehash::ImageHashes hashes;
  MatchOutcome outcome;
  std::optional<int64_t> evidence_id;  // when the deployment keeps this image
};

// ---- banks ---------------------------------------------------------------------------------

/// A bank as listed: its provenance and what it holds.
struct BankSummary {
  storage::HashBank bank;
  int64_t entries = 0;  // live entries (of committed imports, not withdrawn)
  int64_t pdq = 0, md5 = 0, sha1 = 0, sha256 = 0;
  std::optional<UnixSeconds> last_import_at;
  std::string last_import_by;
  int64_t imports = 0;
  bool loaded = false;  // held in memory by this process
};

struct ImportRequest {
  std::string bank;  // name; created if it does not exist (then source and licence are required)
  std::string description, source, licence;
  bool negative = false;                 // create a negative bank (known false positives)
  std::vector<std::string> labels;       // for rows that carry none
  std::optional<HashType> default_type;  // type of untyped 64-digit values
  bool keep_good_rows = false;           // import the good rows of a file with bad ones
  bool dry_run = false;                  // check everything, write nothing
  bool replace = false;                  // the file replaces the bank's current entries
  std::string file_name;                 // for provenance (base name kept)
  size_t chunk_rows = 20000;             // entries per unit of work
};

struct ImportReport {
  std::string bank;
  int64_t bank_id = 0;
  int64_t import_id = 0;  // 0 for a dry run or a refused file
  bool bank_created = false;
  bool committed = false;
  hashlist::HashListFormat format = hashlist::HashListFormat::kCsv;
  size_t rows = 0;        // records read (good + rejected)
  size_t added = 0;       // entries written (one per hash: a record may carry several)
  size_t duplicates = 0;  // hashes already in the bank or earlier in the file
  size_t withdrawn = 0;   // tombstones
  size_t rejected = 0;    // bad records
  std::vector<hashlist::RowError> errors;  // the first ones, with line numbers
  std::vector<std::string> warnings;
  double seconds = 0;
};

enum class ExportFormat { kCsv, kJsonLines };

// ---- evidence ------------------------------------------------------------------------------

struct EvidenceImage {
  std::string content_type;  // "image/png" for a preview, the stored format when revealed
  std::string bytes;
  bool revealed = false;
};

class MatchService {
 public:
  MatchService(storage::Database& db, const auth::PermissionMatrix& permissions,
               const auth::AuditLog& audit, std::shared_ptr<const auth::Keyring> keyring,
               const Clock& clock, MatchOptions options = {});
  ~MatchService();
  MatchService(const MatchService&) = delete;
  MatchService& operator=(const MatchService&) = delete;

  /// Loads every enabled bank into memory (from the cache when it is current). Until it has
  /// succeeded, matching answers kUnavailable (503).
  Status Load();
  bool ready() const { return index_.loaded(); }
  /// Picks up changes made by other processes (a `bank import` on the command line, another
  /// server) every `every`, on a thread of its own, until Stop() or destruction.
  void StartRefresh(std::chrono::milliseconds every);
  void Stop();
  /// One refresh now.
  Status Refresh() { return index_.Refresh(db_); }

  /// Matches a list of hashes (each independently). Needs match.query. kInvalidArgument names
  /// the field ("hashes/3/value") for malformed input; at most MatchOptions::max_hashes.
  Result<std::vector<MatchOutcome>> MatchHashes(const auth::Principal& who,
                                                const std::vector<HashQuery>& hashes,
                                                const MatchRequest& request);
  /// Hashes an image in memory and matches it. A PDQ hash of quality below the gate is reported
  /// as kLowQuality instead of matched (exact digests still match). Needs match.query.
  /// kInvalidArgument (field "image") for a file that is not a supported image, kPayloadTooLarge
  /// for one over the decode limits, kResourceExhausted when every hashing slot stays busy.
  Result<ImageMatch> MatchImage(const auth::Principal& who, std::span<const uint8_t> bytes,
                                const ImageMatchRequest& request);

  /// Needs banks.read.
  Result<std::vector<BankSummary>> ListBanks(const auth::Principal& who);
  /// Enables or disables a bank (a disabled bank stops matching at once in this process, and in
  /// others at their next refresh). Needs banks.manage. Audited. kNotFound for an unknown name.
  Result<BankSummary> SetBankEnabled(const auth::Principal& who, const std::string& name,
                                     bool enabled);
  /// Imports a hash list (CSV or JSON Lines, detected from the content). A file with bad rows is
  /// refused whole (nothing written; the report lists the rows) unless keep_good_rows. The
  /// entries are written in units of work of `chunk_rows` and become visible all at once, when
  /// the import commits; a failure leaves nothing visible and removes what was written. Needs
  /// banks.manage. Audited.
  Result<ImportReport> Import(const auth::Principal& who, const ImportRequest& request,
                              std::string_view text);
  /// Writes a bank's live entries in the hash-list format the import reads. Needs banks.manage
  /// (a list may be licensed for matching only). Audited.
  Status Export(const auth::Principal& who, const std::string& name, ExportFormat format,
                std::ostream& out);

  /// A kept image: by default a strongly blurred, downscaled PNG (evidence.preview); with
  /// `reveal`, the image itself, which needs evidence.reveal and a reason (Principal::reason).
  /// Both are audited. kNotFound if there is no such evidence.
  Result<EvidenceImage> Evidence(const auth::Principal& who, int64_t id, bool reveal);
  /// Deletes kept evidence older than `days`. Needs banks.manage. Audited.
  Result<int64_t> PurgeEvidence(const auth::Principal& who, int days);

  const MatchOptions& options() const { return options_; }
  BankIndex& index() { return index_; }
  /// Lookups and matches since start, for /metrics.
  uint64_t lookups() const { return lookups_.load(); }
  uint64_t matched() const { return matched_.load(); }

 private:
  Result<MatchOutcome> Resolve(const LookupResult& found, bool pdq_low_quality,
                               const std::map<int64_t, storage::BankEntry>& entries) const;
  Result<std::vector<int64_t>> BankIds(const std::vector<std::string>& names) const;
  Result<std::map<int64_t, storage::BankEntry>> Entries(const std::vector<LookupResult>& found);
  Status AuditMatches(const auth::Principal& who, const std::string& source,
                      const std::vector<MatchOutcome>& outcomes,
                      std::optional<int64_t> evidence_id);
  Result<BankSummary> Summarise(const storage::HashBank& bank);
  LookupOptions ToLookupOptions(const MatchRequest& r, std::vector<int64_t> bank_ids) const;
  Status CheckRadius(int radius) const;

  // A counting semaphore for image hashing.
  class Slots {
   public:
    explicit Slots(int n) : free_(n) {}
    bool Acquire(std::chrono::milliseconds wait);
    void Release();

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    int free_;
  };

  storage::Database& db_;
  const auth::PermissionMatrix& permissions_;
  const auth::AuditLog& audit_;
  std::shared_ptr<const auth::Keyring> keyring_;
  const Clock& clock_;
  MatchOptions options_;
  BankIndex index_;
  Slots slots_;
  std::atomic<uint64_t> lookups_{0}, matched_{0};

  std::mutex refresh_mu_;
  std::condition_variable refresh_cv_;
  bool stopping_ = false;
  std::thread refresher_;
};

/// Parses "pdq:HEX", "md5:HEX", ... or bare hex (32 digits MD5, 40 SHA-1, 64 PDQ unless
/// `default_64` says SHA-256). Field names the argument for errors.
Result<HashQuery> ParseHashArgument(std::string_view text, HashType default_64,
                                    const std::string& field);

}  // namespace childsafe::matching
