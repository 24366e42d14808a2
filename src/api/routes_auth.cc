// Signing in and out, and one's own account: password, one-time codes.
#include <httplib.h>

#include <algorithm>
#include <map>

#include "api/server.h"
#include "intake/contact_json.h"

namespace childsafe::api {

namespace {

using nlohmann::json;

// Reads a JSON object with only string members from `allowed`.
Result<std::map<std::string, std::string>> StringFields(
    const std::string& body, std::initializer_list<const char*> allowed) {
  CS_TRY(json j, intake::ParseJson(body));
  if (!j.is_object())
    return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
  std::map<std::string, std::string> out;
  FieldErrors errs;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find_if(allowed.begin(), allowed.end(),
                     [&](const char* a) { return it.key() == a; }) == allowed.end()) {
      errs.Add(it.key(), field_codes::kUnknownField, "unknown field");
    } else if (!it->is_string()) {
      errs.Add(it.key(), field_codes::kInvalidType, "must be a string");
    } else if (it->get_ref<const std::string&>().size() > 1000) {
      errs.Add(it.key(), field_codes::kTooLong, "too long");
    } else {
      out[it.key()] = it->get<std::string>();
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid request"));
  return out;
}

json StringBody(std::initializer_list<std::pair<const char*, const char*>> fields,
                std::vector<std::string> required) {
  json props = json::object();
  for (auto& [k, d] : fields) props[k] = {{"type", "string"}, {"description", d}};
  return {{"required", true},
          {"content",
           {{"application/json",
             {{"schema", {{"type", "object"}, {"required", required}, {"properties", props}}}}}}}};
}

}  // namespace

void AddAuthRoutes(std::vector<Route>& routes, Backend* b) {
  routes.push_back(Route{
      "POST",
      "/api/v1/auth/login",
      {},
      std::string(kPublic),
      true,
      {{"summary",
        "Sign in (đăng nhập): sets an HttpOnly session cookie and returns the CSRF token"},
       {"description",
        "The same 401 for an unknown user, a wrong password or a wrong code; repeated failures "
        "get 429 with Retry-After and growing delays. Administrators and supervisors need a "
        "one-time code (or a recovery code)."},
       {"tags", {"auth"}},
       {"requestBody", StringBody({{"username", ""},
                                   {"password", ""},
                                   {"totp_code", "6 digits"},
                                   {"recovery_code", "one of the recovery codes"}},
                                  {"username", "password"})},
       {"responses",
        {{"200", {{"description", "Signed in; send csrf_token as X-CSRF-Token on changes"}}},
         {"401", {{"description", "Invalid username, password or code"}}},
         {"429", {{"description", "Too many failures; Retry-After says when to try again"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto f,
               StringFields(call.req.body, {"username", "password", "totp_code", "recovery_code"}));
        auth::LoginRequest r{f["username"],      f["password"],    f["totp_code"],
                             f["recovery_code"], call.who.address, call.request_id,
                             call.session_token};
        CS_TRY(auto s, b->accounts.Login(r));
        Reply reply =
            Reply::Json(200, {{"user", auth::UserJson(s.user)}, {"csrf_token", s.csrf_token}});
        reply.headers.emplace_back("Set-Cookie",
                                   SessionCookie(s.session_token, *call.options,
                                                 b->accounts.options().session_lifetime_seconds));
        return reply;
      }});
  routes.push_back(
      Route{"POST",
            "/api/v1/auth/logout",
            {},
            "self",
            false,
            {{"summary", "Sign out: the session ends on the server, the cookie is cleared"},
             {"tags", {"auth"}},
             {"responses", {{"200", {{"description", "Signed out"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              if (!call.session_token.empty())
                CS_TRY_STATUS(b->accounts.Logout(call.who, call.session_token));
              Reply reply = Reply::Json(200, {{"signed_out", true}});
              reply.headers.emplace_back("Set-Cookie", SessionCookie("", *call.options, 0));
              return reply;
            }});
  routes.push_back(
      Route{"GET",
            "/api/v1/auth/me",
            {},
            "self",
            false,
            {{"summary", "Who am I: the signed-in user or token, its role and permissions"},
             {"tags", {"auth"}},
             {"responses", {{"200", {{"description", "The principal"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              json perms = json::object();
              for (const auto& p : b->permissions.permissions()) {
                if (auto s = b->permissions.ScopeOf(call.who, p))
                  perms[p] = std::string(auth::ScopeName(*s));
              }
              json j = {{"kind", call.who.kind == auth::Principal::Kind::kUser ? "user" : "token"},
                        {"id", call.who.id},
                        {"name", call.who.name},
                        {"role", call.who.role},
                        {"must_change_password", call.who.must_change_password},
                        {"permissions", perms}};
              if (!call.who.centre.empty()) j["centre"] = call.who.centre;
              return Reply::Json(200, j);
            }});
  routes.push_back(
      Route{"POST",
            "/api/v1/auth/password",
            {},
            "self",
            true,
            {{"summary", "Change one's password (needed first after a temporary password)"},
             {"tags", {"auth"}},
             {"requestBody",
              StringBody({{"current_password", ""},
                          {"new_password", "at least 12 characters, not a common password"}},
                         {"current_password", "new_password"})},
             {"responses", {{"200", {{"description", "Changed"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(auto f, StringFields(call.req.body, {"current_password", "new_password"}));
              CS_TRY_STATUS(
                  b->accounts.ChangePassword(call.who, f["current_password"], f["new_password"]));
              return Reply::Json(200, {{"changed", true}});
            }});
  routes.push_back(Route{
      "POST",
      "/api/v1/auth/totp",
      {},
      "self",
      false,
      {{"summary", "Start enrolling one-time codes: returns the secret and an otpauth:// URI"},
       {"tags", {"auth"}},
       {"responses",
        {{"200", {{"description", "Add it to an authenticator app, then confirm a code"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto e, b->accounts.StartTotp(call.who));
        return Reply::Json(200, {{"secret", e.secret_base32}, {"otpauth_uri", e.uri}});
      }});
  routes.push_back(
      Route{"POST",
            "/api/v1/auth/totp/confirm",
            {},
            "self",
            true,
            {{"summary",
              "Confirm one-time codes with a first code; returns 10 recovery codes (shown once)"},
             {"tags", {"auth"}},
             {"requestBody", StringBody({{"code", "6 digits"}}, {"code"})},
             {"responses", {{"200", {{"description", "Enrolled"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(auto f, StringFields(call.req.body, {"code"}));
              CS_TRY(auto codes, b->accounts.ConfirmTotp(call.who, f["code"]));
              return Reply::Json(200, {{"recovery_codes", codes}});
            }});
}

}  // namespace childsafe::api
