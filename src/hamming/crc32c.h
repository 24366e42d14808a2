#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the index file format
// (docs/formats/hamming-index.md). Uses the SSE4.2 CRC32 instruction when the CPU has it and a
// table otherwise; both give identical results. It detects accidental corruption (every burst
// up to 32 bits, any other change with probability 1 - 2^-32); it is not a defence against
// deliberate tampering.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <span>

namespace childsafe::hamming {

/// CRC-32C of `data`, continuing from `crc` (the CRC of the bytes before it; 0 to start), so
/// Crc32c(b, Crc32c(a)) == Crc32c(a followed by b). Crc32c("123456789") == 0xE3069283. O(n).
uint32_t Crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

namespace internal {
/// The table version, for tests that compare it with the hardware one.
uint32_t Crc32cPortable(std::span<const uint8_t> data, uint32_t crc);
}  // namespace internal

}  // namespace childsafe::hamming
