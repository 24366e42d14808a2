#pragma once
// Who is asking, from where and why: the identity every service call carries, so that
// permissions and the audit trail see the same facts.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace childsafe::auth {

struct Principal {
  enum class Kind { kApiToken, kUser, kSystem };
  Kind kind = Kind::kSystem;
  int64_t id = 0;
  std::string name;    // username or token name (for the audit trail)
  std::string role;    // a role of data/auth/permissions.json, e.g. "administrator"
  std::string centre;  // the user's call centre (grants scoped to a centre)
  std::string agency;  // the partner's agency (grants scoped to an agency)
  /// For API tokens: the permissions the token is limited to (empty: everything its role has).
  std::vector<std::string> scopes;
  /// Signed in with a browser session (state-changing requests then need the CSRF token).
  bool via_session = false;
  bool must_change_password = false;

  // Where from and why (for the audit trail).
  std::string address;
  std::string request_id;
  std::string reason;  // why a sensitive record is read (X-Access-Reason / --reason)

  /// A stable key for per-principal state (idempotency keys) and the audit trail's actor:
  /// "token:3", "user:17", "system".
  std::string ScopeKey() const {
    switch (kind) {
      case Kind::kApiToken:
        return "token:" + std::to_string(id);
      case Kind::kUser:
        return "user:" + std::to_string(id);
      case Kind::kSystem:
        return "system";
    }
    return "system";
  }

  static Principal Make(Kind kind, int64_t id, std::string name, std::string role) {
    Principal p;
    p.kind = kind;
    p.id = id;
    p.name = std::move(name);
    p.role = std::move(role);
    return p;
  }

  /// The identity of command-line maintenance run by the machine's operator.
  static Principal System() {
    Principal p;
    p.name = "system";
    p.role = "administrator";
    return p;
  }
};

}  // namespace childsafe::auth
