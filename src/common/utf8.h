#pragma once
// UTF-8 validity, as every boundary that takes text from outside must check it.

#include <cstddef>
#include <string_view>

namespace childsafe {

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
/// O(n). If not, `*bad_offset` (when given) is the byte offset of the first bad sequence.
bool IsValidUtf8(std::string_view s, size_t* bad_offset = nullptr);

/// Number of code points in valid UTF-8 text (counts lead bytes). O(n).
size_t Utf8Length(std::string_view s);

}  // namespace childsafe
