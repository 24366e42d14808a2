#include "api/cursor.h"

#include <charconv>

#include "crypto/crypto.h"

namespace childsafe::api {

Error InvalidCursor() {
  return Error::InvalidField("cursor", field_codes::kInvalidFormat,
                             "not a cursor this server gave out");
}

std::string EncodeCursor(std::string_view tag, const std::vector<int64_t>& parts) {
  std::string raw(tag);
  for (int64_t p : parts) raw += ":" + std::to_string(p);
  return crypto::Base64UrlEncode(raw);
}

Result<std::vector<int64_t>> DecodeCursor(const std::string& text, std::string_view tag,
                                          size_t count) {
  auto bad = [] { return Fail(InvalidCursor()); };
  if (text.size() > 100) return bad();
  auto raw = crypto::Base64UrlDecode(text);
  if (!raw || raw->size() <= tag.size() || raw->compare(0, tag.size(), tag) != 0 ||
      (*raw)[tag.size()] != ':') {
    return bad();
  }
  std::vector<int64_t> parts;
  const char* p = raw->data() + tag.size() + 1;
  const char* end = raw->data() + raw->size();
  while (true) {
    int64_t v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || next == p) return bad();
    parts.push_back(v);
    if (next == end) break;
    if (*next != ':' || parts.size() >= count) return bad();
    p = next + 1;
  }
  if (parts.size() != count) return bad();
  return parts;
}

}  // namespace childsafe::api
