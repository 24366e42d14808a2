#pragma once
// Cryptographic digests of file bytes for exact-file matching against hash lists (MD5 and SHA-1
// are what NCMEC, IWF and Project VIC lists carry; SHA-256 is the modern choice). OpenSSL
// libcrypto does the work.
//
// Thread-safety: reentrant (each call uses its own digest context). Time: O(size), one pass per
// algorithm.

#include <cstdint>
#include <span>
#include <string>

namespace childsafe::imagehash {

struct FileDigests {
  std::string md5;     // 32 lower-case hex digits
  std::string sha1;    // 40
  std::string sha256;  // 64
};

/// All three digests of `bytes`. Empty input is fine (the digests of the empty string).
FileDigests ComputeDigests(std::span<const uint8_t> bytes);

}  // namespace childsafe::imagehash
