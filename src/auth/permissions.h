#pragma once
// The permission matrix (data/auth/permissions.json): which role may do what, and how far each
// grant reaches. Denied unless granted. Every route and service call checks through this one
// mechanism, so adding a role or narrowing a grant is a data change.
//
// Immutable after loading; safe to share between threads.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "common/result.h"

namespace childsafe::auth {

/// How far a grant reaches.
enum class Scope { kAll, kCentre, kOwn, kAgency, kAggregate };
std::optional<Scope> ParseScope(std::string_view s);
std::string_view ScopeName(Scope s);

/// What a record says about who may reach it, for grants narrower than "all".
struct ObjectScope {
  std::string centre;  // the call centre the record belongs to
  std::string owner;   // the username of who recorded it
  std::string agency;  // the agency it was referred to
};

struct RoleInfo {
  std::string code, vi, en;
  std::map<std::string, Scope> grants;
  bool require_totp = false;  // sign-in needs a one-time code
};

class PermissionMatrix {
 public:
  static Result<PermissionMatrix> Parse(std::string_view json_text);
  static Result<PermissionMatrix> Load(const std::string& path);

  /// The scope `who` holds for `permission`, or nullopt (denied). Unknown roles hold nothing.
  std::optional<Scope> ScopeOf(const Principal& who, std::string_view permission) const;
  /// Ok if granted (at any scope), else kPermissionDenied.
  Status Check(const Principal& who, std::string_view permission) const;
  /// Ok if `who` holds `permission` at a scope that reaches `object`; otherwise kNotFound (the
  /// record's existence is not revealed to someone who may not reach it). This is the one
  /// per-object check every module uses.
  Status CheckObject(const Principal& who, std::string_view permission,
                     const ObjectScope& object) const;

  bool HasPermission(std::string_view permission) const;
  bool HasRole(std::string_view role) const { return roles_.count(std::string(role)) > 0; }
  bool RequiresTotp(std::string_view role) const;
  const std::map<std::string, RoleInfo>& roles() const { return roles_; }
  const std::vector<std::string>& permissions() const { return permissions_; }

 private:
  std::vector<std::string> permissions_;
  std::map<std::string, RoleInfo> roles_;
};

}  // namespace childsafe::auth
