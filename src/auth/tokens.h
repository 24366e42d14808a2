#pragma once
// API tokens: long random secrets for machine clients (partner systems, platforms, scripts).
// Only a hash is stored; the token itself is shown once, when it is created. A token has a role
// and may be narrowed to a list of permissions (scopes) and given an expiry.

#include <optional>
#include <string>

#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/store.h"

namespace childsafe::auth {

/// A token as given to its holder: "cs_" + 43 URL-safe characters.
inline constexpr std::string_view kTokenPrefix = "cs_";

struct IssuedToken {
  int64_t id = 0;
  std::string token;  // show once, never store or log
};

/// Creates a token with `role` (and optional expiry) and returns it.
Result<IssuedToken> IssueToken(storage::Database& db, const std::string& name,
                               const std::string& role, std::optional<UnixSeconds> expires_at,
                               UnixSeconds now);

/// Resolves a bearer token; kUnauthenticated for unknown, revoked or expired tokens (one message
/// for all, so a caller learns nothing about which).
Result<Principal> AuthenticateToken(storage::Database& db, std::string_view token, UnixSeconds now);

}  // namespace childsafe::auth
