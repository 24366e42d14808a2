#pragma once
// Parsers for hash-list files: the lists of known-image hashes that hotlines and platforms
// exchange (IWF, NCMEC, StopNCII, ThreatExchange exports, a partner's spreadsheet), in CSV or
// JSON Lines. The formats are specified in docs/formats/hash-list.md.
//
// Every record becomes either a HashListRow (good) or a RowError (bad) with its line number and
// the reasons; nothing is dropped silently. Deciding what to do with a partly bad file (refuse
// it, or keep the good rows because the user asked) is the caller's business (the bank import).
//
// Hash types: PDQ (64 hex), MD5 (32), SHA-1 (40), SHA-256 (64). PDQ and SHA-256 have the same
// length, so a 64-digit value is typed only by its column or key name (`pdq`, `sha256`), by a
// declared type (`hash_type` column or key), or by ParseOptions::default_type; otherwise the row
// is rejected and the message says why. 32 and 40 digits are MD5 and SHA-1 unambiguously. Hex is
// case-insensitive and returned lower-case.
//
// Pure functions: text in, values out. No I/O, no clock, no globals. Thread-safe.
// Messages never repeat the values of the file (they may be sensitive); they name the field.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe::hashlist {

enum class HashType { kPdq, kMd5, kSha1, kSha256 };

/// "pdq", "md5", "sha1", "sha256".
std::string_view HashTypeName(HashType type);
/// Number of hex digits: 64, 32, 40, 64.
int HexLength(HashType type);
/// A declared type name, case- and punctuation-insensitive ("PDQ", "HASH_PDQ", "ImagePDQ",
/// "sha-256", "VideoMD5", ...). nullopt if it is not one of the four.
std::optional<HashType> ParseHashType(std::string_view name);

struct TypedHash {
  HashType type = HashType::kPdq;
  std::string hex;  // lower-case, exactly HexLength(type) digits

  friend bool operator==(const TypedHash&, const TypedHash&) = default;
};

enum class MediaType { kUnspecified, kImage, kVideo };

/// One good record. Field meanings follow pdq.md's internal record.
struct HashListRow {
  size_t line = 0;                  // 1-based line where the record starts
  std::string source_entry_id;      // the list's own id for the entry; empty if none
  std::vector<TypedHash> hashes;    // one or more (a record may carry MD5 + SHA-1 + PDQ)
  std::optional<int> quality;       // PDQ quality 0..100, when the list gives it
  std::vector<std::string> labels;  // e.g. IWF "A"/"B"/"C", NCMEC "A1".."B2"; as given
  MediaType media_type = MediaType::kUnspecified;
  bool deleted = false;    // a tombstone: the list withdraws this entry
  std::string first_seen;  // ISO 8601 date/date-time or Unix seconds, as given
  std::string updated;     // likewise
  std::string raw;         // the record exactly as in the file, for the audit trail
};

/// One rejected record: where, why (one FieldError per problem) and its text for review.
struct RowError {
  size_t line = 0;
  std::vector<FieldError> problems;  // field = column/key name ("" = the whole record)
  std::string raw;                   // the record's text, cut to kMaxRawErrorBytes
};

enum class HashListFormat { kCsv, kJsonLines };

struct ParsedHashList {
  HashListFormat format = HashListFormat::kCsv;
  std::vector<HashListRow> rows;
  std::vector<RowError> errors;       // the first ParseOptions::max_errors rejected records
  size_t rejected = 0;                // all rejected records (>= errors.size())
  size_t blank_lines = 0;             // empty lines, skipped
  std::vector<std::string> warnings;  // file-level notes, e.g. columns that were ignored
};

inline constexpr size_t kMaxRawErrorBytes = 1024;

struct ParseOptions {
  /// Type of a value in a generic `hash`/`value` column or key with no declared type. Needed for
  /// 64-digit values (PDQ or SHA-256); MD5/SHA-1 lengths are recognised without it.
  std::optional<HashType> default_type;
  /// Records longer than this are rejected (bounds memory on hostile input).
  size_t max_record_bytes = 64 * 1024;
  /// Rejected records beyond this many are counted in `rejected` but their details not kept.
  size_t max_errors = 10000;
};

/// Receives records one at a time (for files too large to hold every row in memory).
class HashListSink {
 public:
  virtual ~HashListSink() = default;
  virtual void OnRow(HashListRow&& row) = 0;
  virtual void OnError(RowError&& error) = 0;
};

/// CSV per RFC 4180 (quoted fields, "" escapes, CRLF or LF, optional UTF-8 BOM); comma, or
/// semicolon/tab when the header has no comma. The first non-blank record is the header.
/// Returns kInvalidArgument for file-level problems: empty input, no header, no hash column,
/// a column named twice. Row problems go to the sink. O(size of text).
Status ParseCsv(std::string_view text, const ParseOptions& options, HashListSink& sink,
                std::vector<std::string>* warnings = nullptr, size_t* blank_lines = nullptr);
Result<ParsedHashList> ParseCsv(std::string_view text, const ParseOptions& options = {});

/// JSON Lines: one JSON object per line (blank lines skipped). Same fields as the CSV columns;
/// labels may be an array; hashes may also sit in a "fingerprints"/"hashes" object keyed by type
/// (NCMEC style). Returns kInvalidArgument if the input is empty or has no record at all.
Status ParseJsonLines(std::string_view text, const ParseOptions& options, HashListSink& sink,
                      std::vector<std::string>* warnings = nullptr, size_t* blank_lines = nullptr);
Result<ParsedHashList> ParseJsonLines(std::string_view text, const ParseOptions& options = {});

/// JSON Lines if the first non-blank character is '{', otherwise CSV.
HashListFormat DetectFormat(std::string_view text);
Result<ParsedHashList> ParseHashList(std::string_view text, const ParseOptions& options = {});

}  // namespace childsafe::hashlist
