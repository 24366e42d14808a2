// Pagination cursors: opaque to clients (base64url of "tag:n1:n2:..."), checked strictly when
// they come back. One codec for every paginated list (contacts, the triage queue).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe::api {

/// The error for a cursor this server did not give out (also for valid-looking values out of
/// range).
Error InvalidCursor();

/// "tag:p1:p2:..." in base64url.
std::string EncodeCursor(std::string_view tag, const std::vector<int64_t>& parts);

/// The `count` integers of a cursor made by EncodeCursor with `tag`; anything else (wrong tag or
/// count, not base64url, not decimal, over 100 characters) is an invalid "cursor" field.
Result<std::vector<int64_t>> DecodeCursor(const std::string& text, std::string_view tag,
                                          size_t count);

}  // namespace childsafe::api
