#include "text/utf8.h"

#include <cstring>

namespace childsafe::text {

DecodedChar DecodeUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  // Expected length and the valid range of the second byte (which excludes overlongs,
  // surrogates and values above U+10FFFF), per the Unicode table of well-formed sequences.
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {kReplacementChar, 1, false};
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) return {kReplacementChar, static_cast<uint8_t>(i), false};
    const unsigned char b = p[i];
    const unsigned char l = i == 1 ? lo : 0x80;
    const unsigned char h = i == 1 ? hi : 0xBF;
    if (b < l || b > h) return {kReplacementChar, static_cast<uint8_t>(i), false};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, static_cast<uint8_t>(need), true};
}

void AppendUtf8Slow(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const auto cont = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char b0 = p[i];
    if (b0 < 0x80) {
      ++i;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      if (i + 1 >= n || !cont(p[i + 1])) return i;
      i += 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (i + 2 >= n || !cont(p[i + 1]) || !cont(p[i + 2])) return i;
      if ((b0 == 0xE0 && p[i + 1] < 0xA0) || (b0 == 0xED && p[i + 1] > 0x9F)) return i;
      i += 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (i + 3 >= n || !cont(p[i + 1]) || !cont(p[i + 2]) || !cont(p[i + 3])) return i;
      if ((b0 == 0xF0 && p[i + 1] < 0x90) || (b0 == 0xF4 && p[i + 1] > 0x8F)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return std::nullopt;
}

Status ValidateUtf8(std::string_view text, std::string_view field) {
  std::optional<size_t> bad = FindInvalidUtf8(text);
  if (!bad) return {};
  return Fail(Error::InvalidField(
      std::string(field), field_codes::kInvalidUtf8,
      "not valid UTF-8 (first invalid byte at offset " + std::to_string(*bad) + ")"));
}

std::string RepairUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t i = 0;
  while (i < text.size()) {
    DecodedChar d = DecodeUtf8(text.substr(i));
    if (d.valid) {
      out.append(text.data() + i, d.length);
    } else {
      AppendUtf8(out, kReplacementChar);
    }
    i += d.length;
  }
  return out;
}

size_t Utf8PrefixLength(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  size_t end = max_bytes;
  // Step back over at most three continuation bytes to a lead byte, then keep the lead byte's
  // sequence only if it fits entirely.
  size_t back = 0;
  while (end > 0 && back < 3 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
    ++back;
  }
  return end;
}

}  // namespace childsafe::text
