#include "auth/tokens.h"

#include "common/log.h"
#include "crypto/crypto.h"

namespace childsafe::auth {

Result<IssuedToken> IssueToken(storage::Database& db, const std::string& name,
                               const std::string& role, std::optional<UnixSeconds> expires_at,
                               UnixSeconds now) {
  IssuedToken out;
  out.token = std::string(kTokenPrefix) + crypto::RandomToken();
  storage::ApiToken t{0,   name, crypto::HashToken(out.token), role, "", now, expires_at,
                      std::nullopt};
  CS_TRY_STATUS(db.Write([&](storage::WriteTxn& txn) -> Status {
    CS_TRY(out.id, txn.InsertApiToken(t));
    return {};
  }));
  log::Info("auth.token_issued", {{"token_id", out.id}, {"role", role}});
  return out;
}

Result<std::optional<IssuedToken>> EnsureBootstrapToken(storage::Database& db, UnixSeconds now) {
  int64_t live = 0;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(live, t.CountApiTokens());
    return {};
  }));
  if (live > 0) return std::optional<IssuedToken>();
  CS_TRY(IssuedToken t, IssueToken(db, "bootstrap administrator", "administrator", std::nullopt, now));
  return std::optional<IssuedToken>(std::move(t));
}

Result<Principal> AuthenticateToken(storage::Database& db, std::string_view token, UnixSeconds now) {
  auto denied = [] { return Fail(Error::Unauthenticated("invalid or expired credentials")); };
  if (token.size() < kTokenPrefix.size() + 20 || token.size() > 200 ||
      token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return denied();
  }
  std::optional<storage::ApiToken> found;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(found, t.FindApiToken(crypto::HashToken(token)));
    return {};
  }));
  if (!found || found->revoked_at || (found->expires_at && *found->expires_at <= now)) return denied();
  return Principal{Principal::Kind::kApiToken, found->id, found->name, found->role};
}

}  // namespace childsafe::auth
