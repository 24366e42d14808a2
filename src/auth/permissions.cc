#include "auth/permissions.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace childsafe::auth {

std::optional<Scope> ParseScope(std::string_view s) {
  if (s == "all") return Scope::kAll;
  if (s == "centre") return Scope::kCentre;
  if (s == "own") return Scope::kOwn;
  if (s == "agency") return Scope::kAgency;
  if (s == "aggregate") return Scope::kAggregate;
  return std::nullopt;
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kAll:
      return "all";
    case Scope::kCentre:
      return "centre";
    case Scope::kOwn:
      return "own";
    case Scope::kAgency:
      return "agency";
    case Scope::kAggregate:
      return "aggregate";
  }
  return "?";
}

Result<PermissionMatrix> PermissionMatrix::Parse(std::string_view text) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("permissions") ||
      !doc["permissions"].is_object() || !doc.contains("roles") || !doc["roles"].is_object()) {
    return Fail(
        Error::Invalid("permission matrix: expected an object with 'permissions' and 'roles'"));
  }
  PermissionMatrix m;
  FieldErrors errs;
  std::set<std::string> known;
  for (auto it = doc["permissions"].begin(); it != doc["permissions"].end(); ++it) {
    m.permissions_.push_back(it.key());
    known.insert(it.key());
  }
  for (auto it = doc["roles"].begin(); it != doc["roles"].end(); ++it) {
    const json& r = *it;
    std::string path = "/roles/" + it.key();
    if (!r.is_object() || !r.contains("grants") || !r["grants"].is_object()) {
      errs.Add(path, field_codes::kInvalidType, "a role needs a 'grants' object");
      continue;
    }
    RoleInfo info{it.key(), r.value("vi", ""), r.value("en", ""), {}};
    if (info.vi.empty() || info.en.empty())
      errs.Add(path, field_codes::kRequired, "vi and en labels");
    info.require_totp = r.value("require_totp", false);
    for (auto g = r["grants"].begin(); g != r["grants"].end(); ++g) {
      if (!known.count(g.key())) {
        errs.Add(path + "/grants/" + g.key(), field_codes::kUnknownCode, "no such permission");
        continue;
      }
      auto scope = g->is_string() ? ParseScope(g->get<std::string>()) : std::nullopt;
      if (!scope) {
        errs.Add(path + "/grants/" + g.key(), field_codes::kUnknownCode, "unknown scope");
        continue;
      }
      info.grants.emplace(g.key(), *scope);
    }
    m.roles_.emplace(it.key(), std::move(info));
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid permission matrix"));
  return m;
}

Result<PermissionMatrix> PermissionMatrix::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("permission matrix not found: " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str());
}

std::optional<Scope> PermissionMatrix::ScopeOf(const Principal& who,
                                               std::string_view permission) const {
  // A token limited to some permissions holds only those (and never more than its role).
  if (!who.scopes.empty() &&
      std::find(who.scopes.begin(), who.scopes.end(), permission) == who.scopes.end()) {
    return std::nullopt;
  }
  auto role = roles_.find(who.role);
  if (role == roles_.end()) return std::nullopt;
  auto g = role->second.grants.find(std::string(permission));
  if (g == role->second.grants.end()) return std::nullopt;
  return g->second;
}

Status PermissionMatrix::Check(const Principal& who, std::string_view permission) const {
  if (ScopeOf(who, permission)) return {};
  return Fail(Error::PermissionDenied("your role may not do this"));
}

Status PermissionMatrix::CheckObject(const Principal& who, std::string_view permission,
                                     const ObjectScope& object) const {
  auto scope = ScopeOf(who, permission);
  bool ok = false;
  if (scope) {
    switch (*scope) {
      case Scope::kAll:
        ok = true;
        break;
      case Scope::kCentre:
        ok = !who.centre.empty() && who.centre == object.centre;
        break;
      case Scope::kOwn:
        ok = !who.name.empty() && who.name == object.owner;
        break;
      case Scope::kAgency:
        ok = !who.agency.empty() && who.agency == object.agency;
        break;
      case Scope::kAggregate:
        ok = false;
        break;
    }
  }
  if (!ok) return Fail(Error::NotFound("no such record"));
  return {};
}

bool PermissionMatrix::RequiresTotp(std::string_view role) const {
  auto it = roles_.find(std::string(role));
  return it != roles_.end() && it->second.require_totp;
}

bool PermissionMatrix::HasPermission(std::string_view permission) const {
  for (const auto& p : permissions_) {
    if (p == permission) return true;
  }
  return false;
}

}  // namespace childsafe::auth
