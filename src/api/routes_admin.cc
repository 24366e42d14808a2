// Administration: accounts, API tokens, the audit trail.
#include <httplib.h>

#include <climits>

#include "api/server.h"
#include "intake/contact_json.h"

namespace childsafe::api {

namespace {

using nlohmann::json;

Result<int64_t> Id(const Call& call) {
  try {
    return std::stoll(call.path_params.at(0));
  } catch (...) {
    return Fail(Error::NotFound("no such record"));
  }
}

json TokenJson(const storage::ApiToken& t) {
  json j = {{"id", t.id},
            {"name", t.name},
            {"role", t.role},
            {"created_at", FormatTimestampUtc(t.created_at)}};
  j["scopes"] = json::array();
  for (size_t start = 0; start < t.scopes.size();) {
    size_t sp = t.scopes.find(' ', start);
    j["scopes"].push_back(
        t.scopes.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    if (sp == std::string::npos) break;
    start = sp + 1;
  }
  if (t.expires_at) j["expires_at"] = FormatTimestampUtc(*t.expires_at);
  if (t.revoked_at) j["revoked_at"] = FormatTimestampUtc(*t.revoked_at);
  return j;
}

json IdDoc() {
  return {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}};
}

}  // namespace

void AddAdminRoutes(std::vector<Route>& routes, Backend* b) {
  routes.push_back(Route{"GET",
                         "/api/v1/users",
                         {},
                         "users.read",
                         false,
                         {{"summary", "List accounts"},
                          {"tags", {"admin"}},
                          {"responses", {{"200", {{"description", "Accounts"}}}}}},
                         [b](const Call& call) -> Result<Reply> {
                           CS_TRY(auto users, b->accounts.ListUsers(call.who));
                           json items = json::array();
                           for (const auto& u : users) items.push_back(auth::UserJson(u));
                           return Reply::Json(200, {{"items", items}});
                         }});
  routes.push_back(
      Route{"POST",
            "/api/v1/users",
            {},
            "users.manage",
            true,
            {{"summary",
              "Create an account: a temporary password (and for administrators and supervisors a "
              "one-time-code secret and recovery codes) is returned once"},
             {"tags", {"admin"}},
             {"responses", {{"201", {{"description", "Created"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(json j, intake::ParseJson(call.req.body));
              FieldErrors errs;
              if (!j.is_object())
                return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
              auth::NewUser nu;
              for (auto it = j.begin(); it != j.end(); ++it) {
                std::string* target = it.key() == "username"       ? &nu.username
                                      : it.key() == "display_name" ? &nu.display_name
                                      : it.key() == "role"         ? &nu.role
                                      : it.key() == "centre"       ? &nu.centre
                                      : it.key() == "agency"       ? &nu.agency
                                                                   : nullptr;
                if (!target)
                  errs.Add(it.key(), field_codes::kUnknownField, "unknown field");
                else if (!it->is_string())
                  errs.Add(it.key(), field_codes::kInvalidType, "must be a string");
                else
                  *target = it->get<std::string>();
              }
              CS_TRY_STATUS(std::move(errs).ToStatus("invalid user"));
              CS_TRY(auto created, b->accounts.CreateUser(call.who, nu));
              json out = {{"user", auth::UserJson(created.user)},
                          {"temporary_password", created.initial_password}};
              if (!created.totp_uri.empty()) {
                out["totp_secret"] = created.totp_secret_base32;
                out["otpauth_uri"] = created.totp_uri;
                out["recovery_codes"] = created.recovery_codes;
              }
              return Reply::Json(201, out);
            }});
  routes.push_back(Route{
      "PATCH",
      "/api/v1/users/{id}",
      {"[0-9]{1,18}"},
      "users.manage",
      true,
      {{"summary",
        "Change an account: display_name, role, centre, agency, disabled (ends its sessions)"},
       {"tags", {"admin"}},
       {"parameters", json::array({IdDoc()})},
       {"responses", {{"200", {{"description", "The account"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(int64_t id, Id(call));
        CS_TRY(json j, intake::ParseJson(call.req.body));
        if (!j.is_object())
          return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
        auth::UserChanges c;
        FieldErrors errs;
        for (auto it = j.begin(); it != j.end(); ++it) {
          const std::string& k = it.key();
          if (k == "disabled") {
            if (it->is_boolean())
              c.disabled = it->get<bool>();
            else
              errs.Add(k, field_codes::kInvalidType, "true or false");
          } else if (k == "display_name" || k == "role" || k == "centre" || k == "agency") {
            if (!it->is_string()) {
              errs.Add(k, field_codes::kInvalidType, "must be a string");
              continue;
            }
            auto& slot = k == "display_name" ? c.display_name
                         : k == "role"       ? c.role
                         : k == "centre"     ? c.centre
                                             : c.agency;
            slot = it->get<std::string>();
          } else {
            errs.Add(k, field_codes::kUnknownField, "unknown field");
          }
        }
        CS_TRY_STATUS(std::move(errs).ToStatus("invalid change"));
        CS_TRY(auto u, b->accounts.UpdateUser(call.who, id, c));
        return Reply::Json(200, auth::UserJson(u));
      }});
  routes.push_back(
      Route{"POST",
            "/api/v1/users/{id}/reset-password",
            {"[0-9]{1,18}"},
            "users.manage",
            false,
            {{"summary", "A new temporary password (returned once); the user's sessions end"},
             {"tags", {"admin"}},
             {"parameters", json::array({IdDoc()})},
             {"responses", {{"200", {{"description", "The temporary password"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(int64_t id, Id(call));
              CS_TRY(auto pw, b->accounts.ResetPassword(call.who, id));
              return Reply::Json(200, {{"temporary_password", pw}});
            }});
  routes.push_back(Route{"GET",
                         "/api/v1/tokens",
                         {},
                         "tokens.manage",
                         false,
                         {{"summary", "List API tokens (never their secrets)"},
                          {"tags", {"admin"}},
                          {"responses", {{"200", {{"description", "Tokens"}}}}}},
                         [b](const Call& call) -> Result<Reply> {
                           CS_TRY(auto tokens, b->accounts.ListTokens(call.who));
                           json items = json::array();
                           for (const auto& t : tokens) items.push_back(TokenJson(t));
                           return Reply::Json(200, {{"items", items}});
                         }});
  routes.push_back(Route{
      "POST",
      "/api/v1/tokens",
      {},
      "tokens.manage",
      true,
      {{"summary",
        "Create an API token for a machine client: a role, optional scopes and expiry; shown once"},
       {"tags", {"admin"}},
       {"responses", {{"201", {{"description", "The token (the only time it is shown)"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(json j, intake::ParseJson(call.req.body));
        if (!j.is_object())
          return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
        FieldErrors errs;
        std::string name, role;
        std::vector<std::string> scopes;
        std::optional<UnixSeconds> expires;
        for (auto it = j.begin(); it != j.end(); ++it) {
          const std::string& k = it.key();
          if ((k == "name" || k == "role") && it->is_string()) {
            (k == "name" ? name : role) = it->get<std::string>();
          } else if (k == "scopes" && it->is_array()) {
            for (const auto& s : *it) {
              if (s.is_string())
                scopes.push_back(s.get<std::string>());
              else
                errs.Add("scopes", field_codes::kInvalidType, "strings");
            }
          } else if (k == "expires_at" && it->is_string()) {
            auto t = ParseTimestamp(it->get<std::string>(), "expires_at");
            if (t)
              expires = *t;
            else
              errs.Add("expires_at", field_codes::kInvalidFormat, "an RFC 3339 time");
          } else {
            errs.Add(k,
                     it->is_string() || it->is_array() ? field_codes::kUnknownField
                                                       : field_codes::kInvalidType,
                     "unknown field or wrong type");
          }
        }
        CS_TRY_STATUS(std::move(errs).ToStatus("invalid token"));
        CS_TRY(auto t, b->accounts.CreateToken(call.who, name, role, scopes, expires));
        return Reply::Json(201, {{"id", t.id}, {"token", t.token}});
      }});
  routes.push_back(Route{"DELETE",
                         "/api/v1/tokens/{id}",
                         {"[0-9]{1,18}"},
                         "tokens.manage",
                         false,
                         {{"summary", "Revoke an API token"},
                          {"tags", {"admin"}},
                          {"parameters", json::array({IdDoc()})},
                          {"responses", {{"200", {{"description", "Revoked"}}}}}},
                         [b](const Call& call) -> Result<Reply> {
                           CS_TRY(int64_t id, Id(call));
                           CS_TRY_STATUS(b->accounts.RevokeToken(call.who, id));
                           return Reply::Json(200, {{"id", id}, {"revoked", true}});
                         }});
  routes.push_back(Route{
      "GET",
      "/api/v1/audit",
      {},
      "audit.read",
      false,
      {{"summary", "The audit trail, newest first, filtered by user, record, action and period"},
       {"tags", {"admin"}},
       {"parameters",
        json::array({{{"name", "actor"},
                      {"in", "query"},
                      {"schema", {{"type", "string"}}},
                      {"description", "user:17, token:3"}},
                     {{"name", "object_type"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                     {{"name", "object_id"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                     {{"name", "action"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                     {{"name", "from"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                     {{"name", "to"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                     {{"name", "before"}, {"in", "query"}, {"schema", {{"type", "integer"}}}},
                     {{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}}}}})},
       {"responses", {{"200", {{"description", "Entries"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        const httplib::Request& req = call.req;
        CS_TRY_STATUS(CheckQueryParams(
            req, {"actor", "object_type", "object_id", "action", "from", "to", "before", "limit"}));
        storage::AuditQuery q;
        for (auto [name, slot] : {std::pair<const char*, std::string*>{"actor", &q.actor},
                                  {"object_type", &q.object_type},
                                  {"object_id", &q.object_id},
                                  {"action", &q.action}}) {
          if (req.has_param(name)) *slot = req.get_param_value(name).substr(0, 100);
        }
        CS_TRY(auto from, DateParam(req, "from"));
        CS_TRY(auto to, DateParam(req, "to"));
        if (from) q.from = LocalDayStart(*from);
        if (to) q.to = LocalDayStart(*to);
        CS_TRY(auto before, IntParam(req, "before", 1, INT64_MAX));
        q.before_seq = before;
        CS_TRY(auto limit, IntParam(req, "limit", 1, 1000));
        q.limit = static_cast<int>(limit.value_or(100));
        std::vector<storage::AuditEntry> entries;
        CS_TRY_STATUS(b->db.Read([&](storage::ReadTxn& t) -> Status {
          CS_TRY(entries, t.QueryAudit(q));
          return {};
        }));
        // Reading the trail is itself recorded.
        CS_TRY_STATUS(b->audit.Record(b->db, call.who,
                                      {"audit.read", "", "", "ok", {{"count", entries.size()}}},
                                      b->clock.Now()));
        json items = json::array();
        for (const auto& e : entries) {
          json d = json::parse(e.details, nullptr, false);
          items.push_back({{"seq", e.seq},
                           {"at", FormatTimestampUtc(e.at)},
                           {"at_vi", FormatDateTimeVi(e.at)},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"object_type", e.object_type},
                           {"object_id", e.object_id},
                           {"outcome", e.outcome},
                           {"reason", e.reason},
                           {"address", e.address},
                           {"request_id", e.request_id},
                           {"details", d.is_discarded() ? json::object() : d}});
        }
        json out = {{"items", items}};
        out["next_before"] = entries.size() == static_cast<size_t>(q.limit)
                                 ? json(entries.back().seq)
                                 : json(nullptr);
        return Reply::Json(200, out);
      }});
}

}  // namespace childsafe::api
