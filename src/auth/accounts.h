#pragma once
// People's accounts: creation by an administrator, sign-in with a password and (for the roles that
// need it, optionally for others) a one-time code, sessions, recovery codes, password changes,
// disabling, and API tokens for machine clients. Every sign-in, failure and account change goes
// to the audit trail.
//
// Sign-in answers the same ("invalid username, password or code") whether or not the account
// exists, takes about the same time either way (a dummy hash is verified for unknown names), and
// slows down repeated failures per account and per address with growing delays (429 with
// Retry-After). Sessions are random 256-bit tokens stored only as hashes, ended for real on
// sign-out, expired after an idle time and an absolute lifetime, and replaced at every sign-in.
//
// Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/password_policy.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "auth/tokens.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/store.h"

namespace childsafe::auth {

struct AccountOptions {
  int64_t idle_timeout_seconds = 30 * 60;
  int64_t session_lifetime_seconds = 12 * 3600;
  int failures_before_delay = 5;           // per account
  int address_failures_before_delay = 20;  // per address, within the window
  int64_t address_window_seconds = 15 * 60;
  int64_t max_delay_seconds = 3600;
};

struct NewUser {
  std::string username, display_name, role, centre, agency;
  std::optional<std::string> password;  // nullopt: generate one (shown once, must be changed)
};

/// What the administrator hands to the new user, once.
struct CreatedUser {
  storage::User user;
  std::string initial_password;              // when generated
  std::string totp_secret_base32, totp_uri;  // when the role needs a one-time code
  std::vector<std::string> recovery_codes;
};

struct UserChanges {
  std::optional<std::string> display_name, role, centre, agency;
  std::optional<bool> disabled;
};

struct LoginRequest {
  std::string username, password, totp_code, recovery_code;
  std::string address;
  std::string request_id;
  std::string previous_session;  // a session token the browser already had (ended: no fixation)
};

struct LoginResult {
  std::string session_token;  // the cookie value
  std::string csrf_token;     // sent back in X-CSRF-Token on state-changing requests
  storage::User user;
};

struct TotpEnrolment {
  std::string secret_base32, uri;
};

/// A user as others may see it (no hashes, no secrets).
nlohmann::json UserJson(const storage::User& u);

class AccountService {
 public:
  AccountService(storage::Database& db, const PermissionMatrix& permissions,
                 std::shared_ptr<const Keyring> keyring, const AuditLog& audit,
                 const PasswordPolicy& policy, const Clock& clock, AccountOptions options = {});

  Result<CreatedUser> CreateUser(const Principal& who, NewUser u);
  Result<storage::User> UpdateUser(const Principal& who, int64_t user_id, const UserChanges& c);
  /// A new temporary password (shown once; must be changed at next sign-in); ends the user's
  /// sessions.
  Result<std::string> ResetPassword(const Principal& who, int64_t user_id);
  Result<std::vector<storage::User>> ListUsers(const Principal& who);
  Result<storage::User> FindUser(const std::string& username);

  /// kUnauthenticated (same text for every cause), kResourceExhausted (throttled, with
  /// retry_after_seconds), or a new session.
  Result<LoginResult> Login(const LoginRequest& r);
  Status Logout(const Principal& who, const std::string& session_token);
  /// The principal of a live session (refreshing its idle clock), or kUnauthenticated.
  Result<Principal> AuthenticateSession(const std::string& session_token);
  /// Ok when `csrf_token` belongs to the session.
  Status CheckCsrf(const std::string& session_token, const std::string& csrf_token);

  Status ChangePassword(const Principal& who, const std::string& current, const std::string& next);
  Result<TotpEnrolment> StartTotp(const Principal& who);
  /// Confirms enrolment with a first code; returns 10 one-time recovery codes (shown once).
  Result<std::vector<std::string>> ConfirmTotp(const Principal& who, const std::string& code);

  Result<IssuedToken> CreateToken(const Principal& who, const std::string& name,
                                  const std::string& role, const std::vector<std::string>& scopes,
                                  std::optional<UnixSeconds> expires_at);
  Status RevokeToken(const Principal& who, int64_t token_id);
  Result<std::vector<storage::ApiToken>> ListTokens(const Principal& who);

  const AccountOptions& options() const { return options_; }

 private:
  struct Throttle {
    int failures = 0;
    UnixSeconds window_start = 0;
    UnixSeconds blocked_until = 0;
  };
  Status CheckThrottle(const std::string& username, const std::string& address, UnixSeconds now);
  void RecordFailure(const std::string& username, const std::string& address, UnixSeconds now);
  int64_t Delay(int failures, int threshold, int64_t base) const;
  Result<std::vector<std::string>> NewRecoveryCodes(storage::WriteTxn& t, int64_t user_id);
  std::string SealTotp(int64_t user_id, const std::string& secret) const;
  Result<std::string> OpenTotp(const storage::User& u) const;
  Principal SessionPrincipal(const storage::User& u) const;

  storage::Database& db_;
  const PermissionMatrix& permissions_;
  std::shared_ptr<const Keyring> keyring_;
  const AuditLog& audit_;
  const PasswordPolicy& policy_;
  const Clock& clock_;
  AccountOptions options_;
  std::string dummy_hash_;  // verified for unknown names so timing does not tell

  std::mutex throttle_mu_;
  std::map<std::string, Throttle> by_address_;
  std::map<std::string, Throttle> unknown_users_;  // accounts that do not exist, throttled alike
};

}  // namespace childsafe::auth
