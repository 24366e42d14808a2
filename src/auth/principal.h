#pragma once
// Who is asking: the authenticated identity every service call carries.

#include <cstdint>
#include <string>

namespace childsafe::auth {

struct Principal {
  enum class Kind { kApiToken, kUser, kSystem };
  Kind kind = Kind::kSystem;
  int64_t id = 0;
  std::string name;  // token name or user name: for the audit trail, never shown to others
  std::string role;  // a role of data/auth/permissions.json, e.g. "administrator"

  /// A stable key for per-principal state such as idempotency keys: "token:3", "user:17".
  std::string ScopeKey() const {
    switch (kind) {
      case Kind::kApiToken: return "token:" + std::to_string(id);
      case Kind::kUser: return "user:" + std::to_string(id);
      case Kind::kSystem: return "system";
    }
    return "system";
  }

  /// The identity of command-line maintenance run by the machine's operator.
  static Principal System() { return Principal{Kind::kSystem, 0, "system", "administrator"}; }
};

}  // namespace childsafe::auth
