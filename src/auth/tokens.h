#pragma once
// API tokens: long random secrets for machine clients and, until user accounts exist, for the
// administrator. Only a hash is stored; the token itself is shown once, when it is created.

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

/// Creates the first administrator token if the database has no live token. Returns it when one
/// was created (the caller shows it to the operator), nullopt when tokens already exist.
Result<std::optional<IssuedToken>> EnsureBootstrapToken(storage::Database& db, UnixSeconds now);

/// Resolves a bearer token; kUnauthenticated for unknown, revoked or expired tokens (one message
/// for all, so a caller learns nothing about which).
Result<Principal> AuthenticateToken(storage::Database& db, std::string_view token, UnixSeconds now);

}  // namespace childsafe::auth
