#pragma once
// UTF-8 decoding and validation for text that comes from outside (web forms, chat, e-mail).
//
// Decoding is strict (RFC 3629): overlong forms, surrogates and code points above U+10FFFF are
// invalid. An invalid sequence is replaced by one U+FFFD per "maximal subpart" (the Unicode
// recommendation, also what browsers do), so a repaired string is the same whichever library
// repairs it. All functions are pure and thread-safe; each is O(n) in the input length.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace childsafe::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct DecodedChar {
  char32_t cp = 0;     // the code point, or kReplacementChar when `valid` is false
  uint8_t length = 0;  // bytes consumed (1..4); never 0 for a non-empty input
  bool valid = false;
};

/// Decodes the code point at the start of `bytes` (which must be non-empty).
DecodedChar DecodeUtf8(std::string_view bytes);

/// Decodes the code point at p[0..] of text already known to be valid UTF-8 (no checks: the
/// hot loops of the normaliser call this after validation). Sets `length`.
inline char32_t DecodeValidUtf8(const unsigned char* p, uint32_t& length) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) {
    length = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    length = 2;
    return (char32_t{b0 & 0x1Fu} << 6) | (p[1] & 0x3Fu);
  }
  if (b0 < 0xF0) {
    length = 3;
    return (char32_t{b0 & 0x0Fu} << 12) | (char32_t{p[1] & 0x3Fu} << 6) | (p[2] & 0x3Fu);
  }
  length = 4;
  return (char32_t{b0 & 0x07u} << 18) | (char32_t{p[1] & 0x3Fu} << 12) |
         (char32_t{p[2] & 0x3Fu} << 6) | (p[3] & 0x3Fu);
}

void AppendUtf8Slow(std::string& out, char32_t cp);

/// Appends the UTF-8 encoding of `cp` (which must be a Unicode scalar value) to `out`.
inline void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    AppendUtf8Slow(out, cp);
  }
}

/// Number of bytes AppendUtf8 writes for `cp`.
constexpr size_t Utf8Length(char32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/// Byte offset of the first invalid sequence, or nullopt when `text` is valid UTF-8.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

/// Ok when `text` is valid UTF-8. Otherwise an kInvalidArgument error with one field error
/// {field, "invalid_utf8", "not valid UTF-8 (first invalid byte at offset N)"}: the message names
/// only the offset, never the text, so it is safe to return to a client and to log.
Status ValidateUtf8(std::string_view text, std::string_view field = "text");

/// `text` with every invalid sequence replaced by U+FFFD (see the file comment).
std::string RepairUtf8(std::string_view text);

/// Largest prefix length <= max_bytes that does not cut a UTF-8 sequence in two.
size_t Utf8PrefixLength(std::string_view text, size_t max_bytes);

}  // namespace childsafe::text
