#pragma once
// The hamming index file: a versioned, checksummed list of (hash, id) records, specified in
// docs/formats/hamming-index.md. The file holds the data, not the in-memory tables: the index is
// rebuilt on load (about 2 s for 10 million hashes, docs/performance.md), so the format does not
// change when the table layout is tuned.
//
// The encode/decode functions are pure; SaveIndexFile/ReadIndexFile/LoadIndexFile do the file
// I/O around them. Corrupt, truncated, over-long or foreign files are refused with kDataLoss and
// a message saying what is wrong; a file from a newer format version with kFailedPrecondition.
// Messages carry sizes and versions only, never hash values.
//
// Thread-safety: all functions are safe to call concurrently (on different paths when writing).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "hamming/hamming_index.h"

namespace childsafe::hamming {

inline constexpr uint32_t kIndexFileVersion = 1;
inline constexpr size_t kIndexFileHeaderSize = 64;
inline constexpr size_t kIndexFileRecordSize = 40;
inline constexpr size_t kIndexFileTrailerSize = 8;

/// The complete file image for `entries`. O(n).
std::vector<uint8_t> EncodeIndexFile(std::span<const IndexEntry> entries);

/// Parses and verifies a complete file image: magic, version, header checksum, exact size,
/// record checksum, trailer. Returns the records in file order. O(n).
Result<std::vector<IndexEntry>> DecodeIndexFile(std::span<const uint8_t> bytes);

/// Writes every live entry of `snapshot` to `path`, atomically: a temporary file in the same
/// directory (mode 0600), fsync, rename over `path`, fsync of the directory. On failure `path`
/// is untouched and the temporary file removed. Returns kUnavailable on an I/O error.
Status SaveIndexFile(const IndexSnapshot& snapshot, const std::string& path);

/// Reads and verifies `path` in chunks (memory: the entries, not a second copy of the file).
/// kNotFound if it does not exist, kUnavailable on a read error, kDataLoss / kFailedPrecondition
/// as above.
Result<std::vector<IndexEntry>> ReadIndexFile(const std::string& path);

/// ReadIndexFile, then builds a compacted index from the entries.
Result<HammingIndex> LoadIndexFile(const std::string& path);

}  // namespace childsafe::hamming
