#include "auth/tokens.h"

#include "common/log.h"
#include "crypto/crypto.h"

namespace childsafe::auth {

Result<IssuedToken> IssueToken(storage::Database& db, const std::string& name,
                               const std::string& role, std::optional<UnixSeconds> expires_at,
                               UnixSeconds now) {
  IssuedToken out;
  out.token = std::string(kTokenPrefix) + crypto::RandomToken();
  storage::ApiToken t{0,          name,        crypto::HashToken(out.token), role, "", now,
                      expires_at, std::nullopt};
  CS_TRY_STATUS(db.Write([&](storage::WriteTxn& txn) -> Status {
    CS_TRY(out.id, txn.InsertApiToken(t));
    return {};
  }));
  log::Info("auth.token_issued", {{"token_id", out.id}, {"role", role}});
  return out;
}

Result<Principal> AuthenticateToken(storage::Database& db, std::string_view token,
                                    UnixSeconds now) {
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
  if (!found || found->revoked_at || (found->expires_at && *found->expires_at <= now))
    return denied();
  Principal p = Principal::Make(Principal::Kind::kApiToken, found->id, found->name, found->role);
  for (size_t start = 0; start < found->scopes.size();) {
    size_t sp = found->scopes.find(' ', start);
    std::string scope =
        found->scopes.substr(start, sp == std::string::npos ? std::string::npos : sp - start);
    if (!scope.empty()) p.scopes.push_back(scope);
    if (sp == std::string::npos) break;
    start = sp + 1;
  }
  return p;
}

}  // namespace childsafe::auth
