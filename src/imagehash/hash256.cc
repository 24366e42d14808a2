#include "imagehash/hash256.h"

namespace childsafe::imagehash {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Hash256> Hash256::FromHex(std::string_view hex) {
  if (hex.size() != kHexLength) {
    return Fail(Error::InvalidField("hash", field_codes::kInvalidFormat,
                                    "a 256-bit hash is exactly 64 hex digits, got " +
                                        std::to_string(hex.size()) + " characters"));
  }
  Hash256 h;
  for (int i = 0; i < kHexLength; ++i) {
    const int v = HexValue(hex[i]);
    if (v < 0) {
      return Fail(Error::InvalidField("hash", field_codes::kInvalidFormat,
                                      "non-hex character at position " + std::to_string(i)));
    }
    // Digit i (from the left) holds bits 255-4i .. 252-4i.
    const int low_bit = 252 - 4 * i;
    h.limbs[low_bit >> 6] |= uint64_t(v) << (low_bit & 63);
  }
  return h;
}

std::string Hash256::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kHexLength, '0');
  for (int i = 0; i < kHexLength; ++i) {
    const int low_bit = 252 - 4 * i;
    out[i] = kDigits[(limbs[low_bit >> 6] >> (low_bit & 63)) & 0xf];
  }
  return out;
}

std::array<uint8_t, 32> Hash256::ToBigEndianBytes() const {
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 32; ++i) {
    const int low_bit = 248 - 8 * i;
    out[i] = static_cast<uint8_t>(limbs[low_bit >> 6] >> (low_bit & 63));
  }
  return out;
}

Hash256 Hash256::FromBigEndianBytes(const std::array<uint8_t, 32>& bytes) {
  Hash256 h;
  for (int i = 0; i < 32; ++i) {
    const int low_bit = 248 - 8 * i;
    h.limbs[low_bit >> 6] |= uint64_t(bytes[i]) << (low_bit & 63);
  }
  return h;
}

}  // namespace childsafe::imagehash
