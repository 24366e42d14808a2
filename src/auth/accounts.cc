#include "auth/accounts.h"

#include <algorithm>
#include <cctype>

#include "common/log.h"
#include "crypto/crypto.h"
#include "crypto/secrets.h"

namespace childsafe::auth {

namespace {

const char* kDenied = "invalid username, password or code";
constexpr const char* kSessionPrefix = "s_";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool ValidUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::string PendingTotpKey(int64_t user_id) { return "totp_pending:" + std::to_string(user_id); }

}  // namespace

nlohmann::json UserJson(const storage::User& u) {
  nlohmann::json j = {{"id", u.id},
                      {"username", u.username},
                      {"display_name", u.display_name},
                      {"role", u.role},
                      {"totp_enrolled", !u.totp_secret.empty()},
                      {"must_change_password", u.must_change_password},
                      {"disabled", u.disabled_at.has_value()},
                      {"created_at", FormatTimestampUtc(u.created_at)},
                      {"version", u.version}};
  if (!u.centre.empty()) j["centre"] = u.centre;
  if (!u.agency.empty()) j["agency"] = u.agency;
  return j;
}

AccountService::AccountService(storage::Database& db, const PermissionMatrix& permissions,
                               std::shared_ptr<const Keyring> keyring, const AuditLog& audit,
                               const PasswordPolicy& policy, const Clock& clock,
                               AccountOptions options)
    : db_(db),
      permissions_(permissions),
      keyring_(std::move(keyring)),
      audit_(audit),
      policy_(policy),
      clock_(clock),
      options_(options) {
  dummy_hash_ = crypto::HashPassword(crypto::RandomToken()).value_or("");
}

std::string AccountService::SealTotp(int64_t user_id, const std::string& secret) const {
  return keyring_->fields().Encrypt(secret, "users/" + std::to_string(user_id) + "/totp");
}

Result<std::string> AccountService::OpenTotp(const storage::User& u) const {
  return keyring_->fields().Decrypt(u.totp_secret, "users/" + std::to_string(u.id) + "/totp");
}

Principal AccountService::SessionPrincipal(const storage::User& u) const {
  Principal p = Principal::Make(Principal::Kind::kUser, u.id, u.username, u.role);
  p.centre = u.centre;
  p.agency = u.agency;
  p.via_session = true;
  p.must_change_password = u.must_change_password;
  return p;
}

Result<std::vector<std::string>> AccountService::NewRecoveryCodes(storage::WriteTxn& t,
                                                                  int64_t user_id) {
  std::vector<std::string> codes, hashes;
  for (int i = 0; i < 10; ++i) {
    std::string raw = GeneratePassword().substr(0, 11);  // "xxxxx-xxxxx"
    codes.push_back(raw);
    hashes.push_back(crypto::HashToken(raw));
  }
  CS_TRY_STATUS(t.ReplaceRecoveryCodes(user_id, hashes));
  return codes;
}

Result<CreatedUser> AccountService::CreateUser(const Principal& who, NewUser nu) {
  CS_TRY_STATUS(permissions_.Check(who, "users.manage"));
  nu.username = Lower(nu.username);
  FieldErrors errs;
  if (!ValidUsername(nu.username)) {
    errs.Add("username", field_codes::kInvalidFormat,
             "3 to 64 characters: a-z, 0-9, '.', '_' or '-'");
  }
  if (!permissions_.HasRole(nu.role)) errs.Add("role", field_codes::kUnknownCode, "no such role");
  if (nu.display_name.empty() || nu.display_name.size() > 200) {
    errs.Add("display_name", field_codes::kRequired, "1 to 200 characters");
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid user"));
  CreatedUser out;
  std::string password = nu.password.value_or("");
  if (!nu.password) {
    password = GeneratePassword();
    out.initial_password = password;
  } else {
    CS_TRY_STATUS(policy_.Check(password, nu.username));
  }
  CS_TRY(std::string hash, crypto::HashPassword(password));
  const UnixSeconds now = clock_.Now();
  storage::User u;
  u.username = nu.username;
  u.display_name = nu.display_name;
  u.role = nu.role;
  u.centre = nu.centre;
  u.agency = nu.agency;
  u.password_hash = hash;
  u.must_change_password = !nu.password.has_value();
  u.created_at = u.updated_at = now;
  u.version = 1;
  const bool totp = permissions_.RequiresTotp(nu.role);
  std::string secret = totp ? crypto::NewTotpSecret() : "";
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto existing, t.GetUserByName(u.username));
    if (existing) return Fail(Error::AlreadyExists("the username is taken"));
    CS_TRY(u.id, t.InsertUser(u));
    if (totp) {
      storage::User sealed = u;
      sealed.totp_secret = SealTotp(u.id, secret);
      CS_TRY_STATUS(t.UpdateUser(sealed, 1));
      u = sealed;
      u.version = 2;
      CS_TRY(out.recovery_codes, NewRecoveryCodes(t, u.id));
    }
    return audit_.Append(
        t, who, {"user.create", "user", std::to_string(u.id), "ok", {{"role", u.role}}}, now);
  }));
  if (totp) {
    out.totp_secret_base32 = crypto::Base32Encode(secret);
    out.totp_uri = crypto::TotpUri(u.username, secret);
  }
  out.user = u;
  return out;
}

Result<storage::User> AccountService::UpdateUser(const Principal& who, int64_t id,
                                                 const UserChanges& c) {
  CS_TRY_STATUS(permissions_.Check(who, "users.manage"));
  if (c.role && !permissions_.HasRole(*c.role)) {
    return Fail(Error::InvalidField("role", field_codes::kUnknownCode, "no such role"));
  }
  const UnixSeconds now = clock_.Now();
  storage::User u;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto found, t.GetUser(id));
    if (!found) return Fail(Error::NotFound("no such user"));
    u = *found;
    nlohmann::json details = nlohmann::json::object();
    if (c.display_name) u.display_name = *c.display_name;
    if (c.centre) u.centre = *c.centre;
    if (c.agency) u.agency = *c.agency;
    if (c.role && *c.role != u.role) {
      details["role"] = {{"from", u.role}, {"to", *c.role}};
      u.role = *c.role;
    }
    if (c.disabled) {
      if (*c.disabled && !u.disabled_at) u.disabled_at = now;
      if (!*c.disabled) u.disabled_at.reset();
      details["disabled"] = *c.disabled;
    }
    if (u.id == who.id && who.kind == Principal::Kind::kUser &&
        (u.disabled_at || u.role != found->role)) {
      return Fail(Error::Precondition("you cannot disable yourself or change your own role"));
    }
    // The last active administrator stays an administrator.
    if (found->role == "administrator" && !found->disabled_at &&
        (u.role != "administrator" || u.disabled_at)) {
      CS_TRY(int64_t admins, t.CountActiveUsers("administrator"));
      if (admins <= 1) return Fail(Error::Precondition("this is the last active administrator"));
    }
    u.updated_at = now;
    CS_TRY_STATUS(t.UpdateUser(u, found->version));
    u.version = found->version + 1;
    if (u.disabled_at || u.role != found->role) CS_TRY_STATUS(t.EndUserSessions(u.id, now));
    std::string action = c.role && *c.role != found->role ? "user.role_change"
                         : c.disabled ? (*c.disabled ? "user.disable" : "user.enable")
                                      : "user.update";
    return audit_.Append(t, who, {action, "user", std::to_string(u.id), "ok", details}, now);
  }));
  return u;
}

Result<std::string> AccountService::ResetPassword(const Principal& who, int64_t id) {
  CS_TRY_STATUS(permissions_.Check(who, "users.manage"));
  std::string password = GeneratePassword();
  CS_TRY(std::string hash, crypto::HashPassword(password));
  const UnixSeconds now = clock_.Now();
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto u, t.GetUser(id));
    if (!u) return Fail(Error::NotFound("no such user"));
    storage::User changed = *u;
    changed.password_hash = hash;
    changed.must_change_password = true;
    changed.failed_logins = 0;
    changed.locked_until.reset();
    changed.updated_at = now;
    CS_TRY_STATUS(t.UpdateUser(changed, u->version));
    CS_TRY_STATUS(t.EndUserSessions(id, now));
    return audit_.Append(t, who, {"user.reset_password", "user", std::to_string(id)}, now);
  }));
  return password;
}

Result<std::vector<storage::User>> AccountService::ListUsers(const Principal& who) {
  CS_TRY_STATUS(permissions_.Check(who, "users.read"));
  std::vector<storage::User> out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(out, t.ListUsers());
    return {};
  }));
  return out;
}

Result<storage::User> AccountService::FindUser(const std::string& username) {
  std::optional<storage::User> u;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(u, t.GetUserByName(Lower(username)));
    return {};
  }));
  if (!u) return Fail(Error::NotFound("no user '" + Lower(username) + "'"));
  return *u;
}

// ---- signing in -------------------------------------------------------------------------------

int64_t AccountService::Delay(int failures, int threshold, int64_t base) const {
  if (failures < threshold) return 0;
  int steps = std::min(failures - threshold, 20);
  return std::min<int64_t>(options_.max_delay_seconds, base << steps);
}

Status AccountService::CheckThrottle(const std::string& username, const std::string& address,
                                     UnixSeconds now) {
  std::lock_guard lock(throttle_mu_);
  UnixSeconds until = 0;
  if (auto it = by_address_.find(address); it != by_address_.end())
    until = std::max(until, it->second.blocked_until);
  if (auto it = unknown_users_.find(username); it != unknown_users_.end())
    until = std::max(until, it->second.blocked_until);
  if (until > now) {
    Error e;
    e.code = ErrorCode::kResourceExhausted;
    e.message = "too many failed sign-ins; try again later";
    e.retry_after_seconds = static_cast<int>(until - now);
    return Fail(std::move(e));
  }
  return {};
}

void AccountService::RecordFailure(const std::string& username, const std::string& address,
                                   UnixSeconds now) {
  std::lock_guard lock(throttle_mu_);
  Throttle& a = by_address_[address];
  if (now - a.window_start > options_.address_window_seconds) a = Throttle{0, now, 0};
  a.failures++;
  if (int64_t d = Delay(a.failures, options_.address_failures_before_delay, 60))
    a.blocked_until = now + d;
  (void)username;
  if (by_address_.size() > 100000) by_address_.clear();  // bounded memory under a flood
}

Result<LoginResult> AccountService::Login(const LoginRequest& r) {
  const UnixSeconds now = clock_.Now();
  const std::string username = Lower(r.username).substr(0, 64);
  Principal anon = Principal::Make(Principal::Kind::kSystem, 0, "anonymous", "");
  anon.address = r.address;
  anon.request_id = r.request_id;
  auto denied = [&](const char* why, std::optional<int64_t> user_id) -> Result<LoginResult> {
    RecordFailure(username, r.address, now);
    (void)audit_.Record(
        db_, anon,
        {"auth.login", "user", user_id ? std::to_string(*user_id) : "", "failed", {{"why", why}}},
        now);
    return Fail(Error::Unauthenticated(kDenied));
  };
  CS_TRY_STATUS(CheckThrottle(username, r.address, now));

  std::optional<storage::User> found;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(found, t.GetUserByName(username));
    return {};
  }));
  if (!found) {
    (void)crypto::VerifyPassword(r.password, dummy_hash_);  // same time as a real check
    {
      std::lock_guard lock(throttle_mu_);
      Throttle& u = unknown_users_[username];
      u.failures++;
      if (int64_t d = Delay(u.failures, options_.failures_before_delay, 30))
        u.blocked_until = now + d;
      if (unknown_users_.size() > 100000) unknown_users_.clear();
    }
    return denied("unknown", std::nullopt);
  }
  storage::User u = *found;
  if (u.locked_until && *u.locked_until > now) {
    (void)crypto::VerifyPassword(r.password, dummy_hash_);
    Error e;
    e.code = ErrorCode::kResourceExhausted;
    e.message = "too many failed sign-ins; try again later";
    e.retry_after_seconds = static_cast<int>(*u.locked_until - now);
    return Fail(std::move(e));
  }
  bool password_ok = crypto::VerifyPassword(r.password, u.password_hash);
  auto fail_account = [&](const char* why) -> Result<LoginResult> {
    (void)db_.Write([&](storage::WriteTxn& t) -> Status {
      CS_TRY(auto cur, t.GetUser(u.id));
      if (!cur) return {};
      storage::User x = *cur;
      x.failed_logins++;
      if (int64_t d =
              Delay(static_cast<int>(x.failed_logins), options_.failures_before_delay, 30)) {
        x.locked_until = now + d;
      }
      x.updated_at = now;
      return t.UpdateUser(x, cur->version);
    });
    return denied(why, u.id);
  };
  if (!password_ok) return fail_account("password");
  if (u.disabled_at) return denied("disabled", u.id);

  // Second factor.
  std::optional<int64_t> totp_step;
  bool recovery_used = false;
  const bool needs_code = !u.totp_secret.empty() || permissions_.RequiresTotp(u.role);
  if (needs_code) {
    if (u.totp_secret.empty()) return denied("totp_not_enrolled", u.id);
    if (!r.totp_code.empty()) {
      CS_TRY(std::string secret, OpenTotp(u));
      totp_step = crypto::VerifyTotp(secret, r.totp_code, now);
      if (!totp_step || (u.totp_last_step && *totp_step <= *u.totp_last_step))
        return fail_account("totp");
    } else if (!r.recovery_code.empty()) {
      recovery_used = true;
    } else {
      Error e = Error::Unauthenticated(kDenied);
      e.fields.push_back(
          {"totp_code", std::string(field_codes::kRequired), "a one-time code is required"});
      return Fail(std::move(e));
    }
  }

  LoginResult out;
  out.session_token = std::string(kSessionPrefix) + crypto::RandomToken();
  out.csrf_token = crypto::RandomToken();
  bool recovery_ok = true;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto cur, t.GetUser(u.id));
    if (!cur) return Fail(Error::Unauthenticated(kDenied));
    if (recovery_used) {
      CS_TRY(recovery_ok, t.UseRecoveryCode(u.id, crypto::HashToken(r.recovery_code), now));
      if (!recovery_ok) return {};
    }
    storage::User x = *cur;
    x.failed_logins = 0;
    x.locked_until.reset();
    if (totp_step) x.totp_last_step = *totp_step;
    if (crypto::PasswordNeedsRehash(x.password_hash)) {
      CS_TRY(x.password_hash, crypto::HashPassword(r.password));
    }
    x.updated_at = now;
    CS_TRY_STATUS(t.UpdateUser(x, cur->version));
    out.user = x;
    out.user.version = cur->version + 1;
    // Session fixation: whatever session the browser came with ends; this one is new.
    if (!r.previous_session.empty())
      CS_TRY_STATUS(t.EndSession(crypto::HashToken(r.previous_session), now));
    CS_TRY_STATUS(t.InsertSession(storage::Session{
        crypto::HashToken(out.session_token), u.id, crypto::HashToken(out.csrf_token), now, now,
        now + options_.session_lifetime_seconds, std::nullopt, r.address.substr(0, 100)}));
    Principal p = SessionPrincipal(x);
    p.address = r.address;
    p.request_id = r.request_id;
    return audit_.Append(t, p,
                         {"auth.login",
                          "user",
                          std::to_string(u.id),
                          "ok",
                          {{"second_factor", totp_step       ? "totp"
                                             : recovery_used ? "recovery_code"
                                                             : "none"}}},
                         now);
  }));
  if (!recovery_ok) return fail_account("recovery_code");
  log::Info("auth.login", {{"user", u.id}});
  return out;
}

Status AccountService::Logout(const Principal& who, const std::string& token) {
  const UnixSeconds now = clock_.Now();
  return db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.EndSession(crypto::HashToken(token), now));
    return audit_.Append(t, who, {"auth.logout", "user", std::to_string(who.id)}, now);
  });
}

Result<Principal> AccountService::AuthenticateSession(const std::string& token) {
  auto denied = [] { return Fail(Error::Unauthenticated("the session has ended; sign in again")); };
  if (token.size() < 20 || token.size() > 200 || token.rfind(kSessionPrefix, 0) != 0)
    return denied();
  const UnixSeconds now = clock_.Now();
  const std::string hash = crypto::HashToken(token);
  std::optional<storage::Session> s;
  std::optional<storage::User> u;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(s, t.GetSession(hash));
    if (s) {
      CS_TRY(u, t.GetUser(s->user_id));
    }
    return {};
  }));
  if (!s || !u || s->ended_at || s->expires_at <= now ||
      now - s->last_seen_at >= options_.idle_timeout_seconds || u->disabled_at) {
    return denied();
  }
  if (now - s->last_seen_at >= 60) {
    (void)db_.Write([&](storage::WriteTxn& t) { return t.TouchSession(hash, now); });
  }
  return SessionPrincipal(*u);
}

Status AccountService::CheckCsrf(const std::string& session_token, const std::string& csrf_token) {
  std::optional<storage::Session> s;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(s, t.GetSession(crypto::HashToken(session_token)));
    return {};
  }));
  if (!s || csrf_token.empty() ||
      !crypto::ConstantTimeEquals(s->csrf_hash, crypto::HashToken(csrf_token))) {
    return Fail(Error::PermissionDenied("missing or wrong X-CSRF-Token"));
  }
  return {};
}

Status AccountService::ChangePassword(const Principal& who, const std::string& current,
                                      const std::string& next) {
  if (who.kind != Principal::Kind::kUser)
    return Fail(Error::Precondition("only people have passwords"));
  const UnixSeconds now = clock_.Now();
  std::optional<storage::User> u;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(u, t.GetUser(who.id));
    return {};
  }));
  if (!u || !crypto::VerifyPassword(current, u->password_hash)) {
    return Fail(Error::InvalidField("current_password", field_codes::kNotAllowed,
                                    "the current password is wrong"));
  }
  CS_TRY_STATUS(policy_.Check(next, u->username, "new_password"));
  if (next == current) {
    return Fail(Error::InvalidField("new_password", field_codes::kNotAllowed,
                                    "the same as the current password"));
  }
  CS_TRY(std::string hash, crypto::HashPassword(next));
  return db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto cur, t.GetUser(who.id));
    storage::User x = *cur;
    x.password_hash = hash;
    x.must_change_password = false;
    x.updated_at = now;
    CS_TRY_STATUS(t.UpdateUser(x, cur->version));
    return audit_.Append(t, who, {"auth.password_change", "user", std::to_string(who.id)}, now);
  });
}

Result<TotpEnrolment> AccountService::StartTotp(const Principal& who) {
  if (who.kind != Principal::Kind::kUser)
    return Fail(Error::Precondition("only people enrol one-time codes"));
  std::string secret = crypto::NewTotpSecret();
  std::string sealed = keyring_->fields().Encrypt(secret, PendingTotpKey(who.id));
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) {
    return t.PutSetting(PendingTotpKey(who.id), crypto::ToHex(sealed));
  }));
  return TotpEnrolment{crypto::Base32Encode(secret), crypto::TotpUri(who.name, secret)};
}

Result<std::vector<std::string>> AccountService::ConfirmTotp(const Principal& who,
                                                             const std::string& code) {
  if (who.kind != Principal::Kind::kUser)
    return Fail(Error::Precondition("only people enrol one-time codes"));
  const UnixSeconds now = clock_.Now();
  std::vector<std::string> codes;
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto pending, t.GetSetting(PendingTotpKey(who.id)));
    if (!pending) return Fail(Error::Precondition("start the enrolment first"));
    CS_TRY(std::string sealed, crypto::FromHex(*pending));
    CS_TRY(std::string secret, keyring_->fields().Decrypt(sealed, PendingTotpKey(who.id)));
    auto step = crypto::VerifyTotp(secret, code, now);
    if (!step)
      return Fail(Error::InvalidField("code", field_codes::kNotAllowed, "the code does not match"));
    CS_TRY(auto cur, t.GetUser(who.id));
    storage::User x = *cur;
    x.totp_secret = SealTotp(x.id, secret);
    x.totp_last_step = *step;
    x.updated_at = now;
    CS_TRY_STATUS(t.UpdateUser(x, cur->version));
    CS_TRY_STATUS(t.PutSetting(PendingTotpKey(who.id), ""));
    CS_TRY(codes, NewRecoveryCodes(t, x.id));
    return audit_.Append(t, who, {"auth.totp_enrol", "user", std::to_string(who.id)}, now);
  }));
  return codes;
}

Result<IssuedToken> AccountService::CreateToken(const Principal& who, const std::string& name,
                                                const std::string& role,
                                                const std::vector<std::string>& scopes,
                                                std::optional<UnixSeconds> expires_at) {
  CS_TRY_STATUS(permissions_.Check(who, "tokens.manage"));
  FieldErrors errs;
  if (name.empty() || name.size() > 100)
    errs.Add("name", field_codes::kRequired, "1 to 100 characters");
  if (!permissions_.HasRole(role)) errs.Add("role", field_codes::kUnknownCode, "no such role");
  std::string joined;
  for (const auto& s : scopes) {
    if (!permissions_.HasPermission(s))
      errs.Add("scopes", field_codes::kUnknownCode, "no such permission '" + s + "'");
    joined += (joined.empty() ? "" : " ") + s;
  }
  const UnixSeconds now = clock_.Now();
  if (expires_at && *expires_at <= now)
    errs.Add("expires_at", field_codes::kOutOfRange, "must be in the future");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid token"));
  IssuedToken out;
  out.token = std::string(kTokenPrefix) + crypto::RandomToken();
  storage::ApiToken t{0,          name,        crypto::HashToken(out.token), role, joined, now,
                      expires_at, std::nullopt};
  CS_TRY_STATUS(db_.Write([&](storage::WriteTxn& txn) -> Status {
    CS_TRY(out.id, txn.InsertApiToken(t));
    return audit_.Append(txn, who,
                         {"token.create",
                          "token",
                          std::to_string(out.id),
                          "ok",
                          {{"role", role}, {"scopes", joined}}},
                         now);
  }));
  return out;
}

Status AccountService::RevokeToken(const Principal& who, int64_t id) {
  CS_TRY_STATUS(permissions_.Check(who, "tokens.manage"));
  const UnixSeconds now = clock_.Now();
  return db_.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.RevokeApiToken(id, now));
    return audit_.Append(t, who, {"token.revoke", "token", std::to_string(id)}, now);
  });
}

Result<std::vector<storage::ApiToken>> AccountService::ListTokens(const Principal& who) {
  CS_TRY_STATUS(permissions_.Check(who, "tokens.manage"));
  std::vector<storage::ApiToken> out;
  CS_TRY_STATUS(db_.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(out, t.ListApiTokens());
    return {};
  }));
  return out;
}

}  // namespace childsafe::auth
