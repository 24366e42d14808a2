#pragma once
// Hash256: a plain 256-bit perceptual-hash value (PDQ), with the canonical hex form and Hamming
// distance. It depends on nothing but the standard library and common/result.h, so the Hamming
// index (src/hamming), the hash banks and the importers can use it without linking any image
// library (CMake target `childsafe_hash256`).
//
// Bit layout (PDQ, docs/imagehash.md): bit b (0..255) is bit (b % 64) of limbs[b / 64]. PDQ's
// 16-bit word w[k] (DCT row k, bit l = DCT column l) is therefore bits 16k..16k+15, i.e.
// Word(k). The text form is the big-endian hex of the 256-bit integer sum(bit_b * 2^b): 64
// lower-case hex digits, w[15] first. This is exactly the reference's `%04hx` x 16 output.
//
// Thread-safety: a value type; const operations are safe from any number of threads.

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace childsafe::imagehash {

struct Hash256 {
  /// limbs[0] holds bits 0..63 (PDQ words w[0..3]), limbs[3] bits 192..255 (w[12..15]).
  std::array<uint64_t, 4> limbs{};

  static constexpr int kBits = 256;
  static constexpr int kHexLength = 64;

  /// Parses exactly 64 hex digits (upper or lower case accepted; no prefix, no whitespace).
  /// Returns kInvalidArgument (field "hash") for any other length or a non-hex character.
  static Result<Hash256> FromHex(std::string_view hex);

  /// 64 lower-case hex digits, most significant first (PDQ's canonical form).
  std::string ToHex() const;

  /// The 32 bytes of the big-endian integer, byte 0 = high byte of w[15]. This is the packing
  /// python-threatexchange feeds to FAISS (`bytes.fromhex(hex)`), for interoperable index files.
  std::array<uint8_t, 32> ToBigEndianBytes() const;
  static Hash256 FromBigEndianBytes(const std::array<uint8_t, 32>& bytes);

  constexpr bool Bit(int b) const { return (limbs[b >> 6] >> (b & 63)) & 1u; }
  constexpr void SetBit(int b) { limbs[b >> 6] |= uint64_t{1} << (b & 63); }
  constexpr void ClearBit(int b) { limbs[b >> 6] &= ~(uint64_t{1} << (b & 63)); }
  constexpr void FlipBit(int b) { limbs[b >> 6] ^= uint64_t{1} << (b & 63); }

  /// PDQ word k (0..15): DCT row k, bit l = column l. Also the natural 16-bit slot for
  /// multi-index hashing.
  constexpr uint16_t Word(int k) const {
    return static_cast<uint16_t>(limbs[k >> 2] >> ((k & 3) * 16));
  }
  constexpr void SetWord(int k, uint16_t value) {
    const int shift = (k & 3) * 16;
    limbs[k >> 2] = (limbs[k >> 2] & ~(uint64_t{0xffff} << shift)) | (uint64_t{value} << shift);
  }

  /// Number of set bits (PDQ hashes of non-degenerate images have 128).
  constexpr int PopCount() const {
    return std::popcount(limbs[0]) + std::popcount(limbs[1]) + std::popcount(limbs[2]) +
           std::popcount(limbs[3]);
  }

  friend constexpr bool operator==(const Hash256&, const Hash256&) = default;
  /// Orders by the 256-bit integer value (same order as the hex strings).
  friend constexpr bool operator<(const Hash256& a, const Hash256& b) {
    for (int i = 3; i >= 0; --i) {
      if (a.limbs[i] != b.limbs[i]) return a.limbs[i] < b.limbs[i];
    }
    return false;
  }
};

/// Hamming distance, 0..256. O(1): four XOR + popcount.
constexpr int HammingDistance(const Hash256& a, const Hash256& b) {
  return std::popcount(a.limbs[0] ^ b.limbs[0]) + std::popcount(a.limbs[1] ^ b.limbs[1]) +
         std::popcount(a.limbs[2] ^ b.limbs[2]) + std::popcount(a.limbs[3] ^ b.limbs[3]);
}

}  // namespace childsafe::imagehash
