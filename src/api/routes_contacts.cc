// HTTP adapters of the contact use cases (intake::ContactService).
#include <httplib.h>

#include "api/cursor.h"
#include "api/server.h"
#include "crypto/crypto.h"
#include "intake/contact_json.h"

namespace childsafe::api {

namespace {

using nlohmann::json;

std::string EncodeContactCursor(const storage::ContactCursor& c) {
  return EncodeCursor("v1", {c.received_at, c.id});
}

Result<storage::ContactCursor> DecodeContactCursor(const std::string& text) {
  CS_TRY(auto parts, DecodeCursor(text, "v1", 2));
  if (parts[1] <= 0) return Fail(InvalidCursor());
  return storage::ContactCursor{parts[0], parts[1]};
}

Result<int64_t> IdParam(const Call& call) {
  try {
    return std::stoll(call.path_params.at(0));
  } catch (...) {
    return Fail(Error::NotFound("no contact with this id"));
  }
}

Reply ContactReply(int status, const intake::ContactView& v) {
  Reply r = Reply::Json(status, intake::EncodeContact(v.contact, v.extras, {}));
  r.headers.emplace_back("ETag", "\"" + std::to_string(v.contact.version) + "\"");
  return r;
}

// The version a PATCH applies to: If-Match ("3", W/"3") or a "version" member of the body.
Result<int64_t> PatchVersion(const httplib::Request& req, json& patch) {
  std::optional<int64_t> v;
  std::string h = req.get_header_value("If-Match");
  if (!h.empty()) {
    std::string t = h;
    if (t.rfind("W/", 0) == 0) t = t.substr(2);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos) {
      return Fail(Error::InvalidField("If-Match", field_codes::kInvalidFormat,
                                      "the contact's version, e.g. \"3\""));
    }
    v = std::stoll(t);
  }
  if (patch.is_object() && patch.contains("version")) {
    if (!patch["version"].is_number_integer()) {
      return Fail(Error::InvalidField("version", field_codes::kInvalidType, "must be an integer"));
    }
    int64_t body_v = patch["version"].get<int64_t>();
    if (v && *v != body_v) {
      return Fail(
          Error::InvalidField("version", field_codes::kNotAllowed, "differs from If-Match"));
    }
    v = body_v;
    patch.erase("version");
  }
  if (!v) {
    Error e = Error::InvalidField("If-Match", field_codes::kRequired,
                                  "send the version you edited (If-Match or \"version\")");
    return Fail(std::move(e));
  }
  return *v;
}

const json kContactFilterParams = json::array({
    {{"name", "from"},
     {"in", "query"},
     {"description", "First local date (YYYY-MM-DD or dd/mm/yyyy), inclusive"},
     {"schema", {{"type", "string"}}}},
    {{"name", "to"},
     {"in", "query"},
     {"description", "Last local date, exclusive"},
     {"schema", {{"type", "string"}}}},
    {{"name", "channel"},
     {"in", "query"},
     {"description", "Channel codes, comma-separated"},
     {"schema", {{"type", "string"}}}},
    {{"name", "call_type"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
    {{"name", "category"},
     {"in", "query"},
     {"description", "Category or subcategory codes"},
     {"schema", {{"type", "string"}}}},
    {{"name", "outcome"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
    {{"name", "province"},
     {"in", "query"},
     {"description", "34-unit province codes (current units)"},
     {"schema", {{"type", "string"}}}},
    {{"name", "centre"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
    {{"name", "online"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}},
    {{"name", "q"},
     {"in", "query"},
     {"description",
      "Words to find in summaries, all of them, whole words; accents and case do not matter "
      "(\"xam hai\" finds \"xâm hại\"). Through a blind index of keyed hashes; audited"},
     {"schema", {{"type", "string"}, {"maxLength", 500}}}},
    {{"name", "limit"},
     {"in", "query"},
     {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}},
    {{"name", "cursor"},
     {"in", "query"},
     {"description", "next_cursor of the previous page"},
     {"schema", {{"type", "string"}}}},
});

json IdParamDoc() {
  return {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}};
}

}  // namespace

void AddContactRoutes(std::vector<Route>& routes, Backend* b) {
  routes.push_back(Route{
      "POST",
      "/api/v1/contacts",
      {},
      "contacts.create",
      true,
      {{"summary", "Record a contact (ghi nhận cuộc gọi)"},
       {"tags", {"contacts"}},
       {"parameters", json::array({{{"name", "Idempotency-Key"},
                                    {"in", "header"},
                                    {"description",
                                     "A retry with the same key and body returns the first result"},
                                    {"schema", {{"type", "string"}, {"maxLength", 200}}}}})},
       {"requestBody", RequestBody({{"$ref", "#/components/schemas/ContactInput"}})},
       {"responses",
        {{"201",
          {{"description", "Recorded (or replayed: header Idempotent-Replayed)"},
           {"content",
            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Contact"}}}}}}}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(json j, intake::ParseJson(call.req.body));
        CS_TRY(domain::Contact c, intake::DecodeContact(j, intake::DecodeMode::kCreate));
        std::optional<std::string> key;
        if (call.req.has_header("Idempotency-Key"))
          key = call.req.get_header_value("Idempotency-Key");
        CS_TRY(auto created,
               b->contacts.Create(call.who, std::move(c), key, crypto::HashToken(call.req.body)));
        Reply r = ContactReply(201, created.view);
        r.headers.emplace_back("Location",
                               "/api/v1/contacts/" + std::to_string(created.view.contact.id));
        if (created.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
        return r;
      }});

  routes.push_back(Route{
      "GET",
      "/api/v1/contacts",
      {},
      "contacts.list",
      false,
      {{"summary", "List contacts, newest first (coded fields only)"},
       {"tags", {"contacts"}},
       {"parameters", kContactFilterParams},
       {"responses",
        {{"200",
          {{"description", "A page of contacts"},
           {"content",
            {{"application/json",
              {{"schema", {{"$ref", "#/components/schemas/ContactPage"}}}}}}}}}}}},
      [b](const Call& call) -> Result<Reply> {
        const httplib::Request& req = call.req;
        CS_TRY_STATUS(
            CheckQueryParams(req, {"from", "to", "channel", "call_type", "category", "outcome",
                                   "province", "centre", "online", "q", "limit", "cursor"}));
        intake::ContactFilter f;
        CS_TRY(f.from, DateParam(req, "from"));
        CS_TRY(f.to, DateParam(req, "to"));
        f.channels = ListParam(req, "channel");
        f.call_types = ListParam(req, "call_type");
        f.categories = ListParam(req, "category");
        f.outcomes = ListParam(req, "outcome");
        f.provinces = ListParam(req, "province");
        f.centres = ListParam(req, "centre");
        CS_TRY(f.online, BoolParam(req, "online"));
        CS_TRY(f.text, OneParam(req, "q"));
        CS_TRY(auto limit, IntParam(req, "limit", 1, 500));
        f.limit = static_cast<int>(limit.value_or(50));
        if (req.has_param("cursor")) {
          CS_TRY(f.after, DecodeContactCursor(req.get_param_value("cursor")));
        }
        CS_TRY(auto page, b->contacts.List(call.who, f));
        json items = json::array();
        for (const auto& v : page.items)
          items.push_back(intake::EncodeContact(v.contact, v.extras, {false}));
        json out = {{"items", std::move(items)}, {"limit", f.limit}};
        out["next_cursor"] = page.next ? json(EncodeContactCursor(*page.next)) : json(nullptr);
        return Reply::Json(200, out);
      }});

  routes.push_back(Route{
      "GET",
      "/api/v1/contacts/{id}",
      {"[0-9]{1,18}"},
      "contacts.read",
      false,
      {{"summary", "One contact with its sensitive fields (every read is recorded)"},
       {"tags", {"contacts"}},
       {"parameters", json::array({IdParamDoc()})},
       {"responses",
        {{"200",
          {{"description", "The contact; ETag is its version"},
           {"content",
            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Contact"}}}}}}}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(int64_t id, IdParam(call));
        CS_TRY(auto v, b->contacts.Get(call.who, id));
        return ContactReply(200, v);
      }});

  routes.push_back(Route{
      "PATCH",
      "/api/v1/contacts/{id}",
      {"[0-9]{1,18}"},
      "contacts.update",
      true,
      {{"summary", "Correct a contact (JSON merge patch; If-Match or \"version\" required)"},
       {"tags", {"contacts"}},
       {"parameters", json::array({IdParamDoc(),
                                   {{"name", "If-Match"},
                                    {"in", "header"},
                                    {"description", "The version edited, e.g. \"3\""},
                                    {"schema", {{"type", "string"}}}}})},
       {"requestBody", RequestBody({{"type", "object"}}, "application/merge-patch+json")},
       {"responses",
        {{"200",
          {{"description", "The corrected contact"},
           {"content",
            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Contact"}}}}}}}}},
         {"409", {{"description", "The version is stale: someone else changed the contact"}}},
         {"428", {{"description", "No version given"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(int64_t id, IdParam(call));
        CS_TRY(json patch, intake::ParseJson(call.req.body));
        if (!patch.is_object()) {
          return Fail(
              Error::InvalidField("", field_codes::kInvalidType, "a merge patch is a JSON object"));
        }
        auto version = PatchVersion(call.req, patch);
        if (!version) {
          if (version.error().fields.at(0).code == field_codes::kRequired) {
            Reply r =
                Reply::Json(428, ProblemJson(version.error(), call.lang, call.request_id, 428));
            r.content_type = std::string(kProblemContentType);
            return r;
          }
          return Fail(version.error());
        }
        FieldErrors errs;
        for (const char* system :
             {"id", "reference", "created_at", "updated_at", "online", "repeat_caller",
              "caller_phone_recorded", "received_at_local", "taxonomy_version", "triage"}) {
          if (patch.contains(system))
            errs.Add(system, field_codes::kNotAllowed, "set by the system");
        }
        CS_TRY_STATUS(std::move(errs).ToStatus("invalid patch"));
        CS_TRY(auto current, b->contacts.Get(call.who, id));
        json merged =
            intake::MergePatch(intake::EncodeContact(current.contact, current.extras, {}), patch);
        CS_TRY(domain::Contact replacement,
               intake::DecodeContact(merged, intake::DecodeMode::kReplace));
        replacement.taxonomy_version.clear();
        CS_TRY(auto updated, b->contacts.Update(call.who, id, *version, std::move(replacement)));
        return ContactReply(200, updated);
      }});

  routes.push_back(Route{
      "PUT",
      "/api/v1/contacts/{id}/legal-hold",
      {"[0-9]{1,18}"},
      "contacts.hold",
      true,
      {{"summary",
        "Place or lift a legal hold (retention leaves the contact alone); give X-Access-Reason"},
       {"tags", {"contacts"}},
       {"parameters", json::array({IdParamDoc()})},
       {"requestBody", RequestBody({{"type", "object"},
                                    {"required", {"hold"}},
                                    {"properties", {{"hold", {{"type", "boolean"}}}}}})},
       {"responses", {{"200", {{"description", "The hold as it now stands"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(int64_t id, IdParam(call));
        CS_TRY(json body, intake::ParseJson(call.req.body));
        if (!body.is_object() || !body.contains("hold") || !body["hold"].is_boolean() ||
            body.size() != 1) {
          return Fail(Error::InvalidField("hold", field_codes::kRequired,
                                          "send {\"hold\": true} or {\"hold\": false}"));
        }
        bool hold = body["hold"].get<bool>();
        CS_TRY_STATUS(b->contacts.SetLegalHold(call.who, id, hold));
        return Reply::Json(200, {{"id", id}, {"legal_hold", hold}});
      }});

  routes.push_back(Route{
      "POST",
      "/api/v1/subject-requests",
      {},
      "subjects.request",
      true,
      {{"summary",
        "A request of the person concerned (Decree 356/2025): export or erase their data"},
       {"tags", {"data protection"}},
       {"requestBody",
        RequestBody(
            {{"type", "object"},
             {"required", {"action", "reason"}},
             {"properties",
              {{"action", {{"type", "string"}, {"enum", {"export", "erase"}}}},
               {"phone", {{"type", "string"}}},
               {"references", {{"type", "array"}, {"items", {{"type", "string"}}}}},
               {"reason",
                {{"type", "string"}, {"description", "The request's number and date"}}}}}})},
       {"responses", {{"200", {{"description", "The data (export) or what was erased"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(json body, intake::ParseJson(call.req.body));
        FieldErrors errs;
        if (!body.is_object())
          return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
        for (auto it = body.begin(); it != body.end(); ++it) {
          if (it.key() != "action" && it.key() != "phone" && it.key() != "references" &&
              it.key() != "reason") {
            errs.Add(it.key(), field_codes::kUnknownField, "unknown field");
          }
        }
        std::string action =
            body.value("action", json()).is_string() ? body["action"].get<std::string>() : "";
        if (action != "export" && action != "erase")
          errs.Add("action", field_codes::kRequired, "export or erase");
        std::string reason =
            body.value("reason", json()).is_string() ? body["reason"].get<std::string>() : "";
        if (reason.empty() || reason.size() > 500)
          errs.Add("reason", field_codes::kRequired, "the request's number and date");
        intake::SubjectQuery q;
        if (body.contains("phone")) {
          if (!body["phone"].is_string())
            errs.Add("phone", field_codes::kInvalidType, "a string");
          else
            q.phone = body["phone"].get<std::string>();
        }
        if (body.contains("references")) {
          if (!body["references"].is_array() || body["references"].size() > 1000) {
            errs.Add("references", field_codes::kInvalidType, "an array of references");
          } else {
            for (const auto& r : body["references"]) {
              if (r.is_string())
                q.references.push_back(r.get<std::string>());
              else
                errs.Add("references", field_codes::kInvalidType, "strings");
            }
          }
        }
        CS_TRY_STATUS(std::move(errs).ToStatus("invalid request"));
        auth::Principal who = call.who;
        who.reason = reason;
        if (action == "export") {
          CS_TRY(auto views, b->contacts.SubjectExport(who, q));
          json out = {{"contacts", json::array()}};
          for (const auto& v : views)
            out["contacts"].push_back(intake::EncodeContact(v.contact, v.extras, {}));
          return Reply::Json(200, out);
        }
        CS_TRY(auto erased, b->contacts.SubjectErase(who, q));
        return Reply::Json(200, {{"erased", erased.first}, {"left_on_legal_hold", erased.second}});
      }});
}

}  // namespace childsafe::api
