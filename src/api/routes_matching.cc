// Known-image matching: POST /api/v1/match (an image upload or a list of hashes), the hash banks,
// and the blurred preview of kept evidence. Thin adapters over matching::MatchService.
#include <httplib.h>

#include "api/server.h"
#include "intake/contact_json.h"
#include "matching/match_json.h"
#include "matching/match_service.h"

namespace childsafe::api {

namespace {

using nlohmann::json;

Result<matching::MatchService*> Service(Backend* b) {
  if (!b || !b->matching) {
    return Fail(Error::Unavailable("known-image matching is not served by this server"));
  }
  return b->matching;
}

json ProblemRef() {
  return {
      {"description", "Problem"},
      {"content",
       {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

json MatchResponseSchema() {
  json hit = {{"type", "object"},
              {"properties",
               {{"bank", {{"type", "string"}}},
                {"bank_id", {{"type", "integer"}}},
                {"entry_id", {{"type", "integer"}}},
                {"source_entry_id", {{"type", "string"}}},
                {"labels", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                {"hash_type", {{"type", "string"}, {"enum", {"pdq", "md5", "sha1", "sha256"}}}},
                {"distance", {{"type", "integer"}, {"minimum", 0}, {"maximum", 256}}},
                {"variant", {{"type", "string"}}}}}};
  json outcome = {
      {"status",
       {{"type", "string"},
        {"enum", {"match", "no_match", "low_quality", "suppressed"}},
        {"description",
         "low_quality: the image's PDQ quality is below 50, so its perceptual hash was not "
         "matched (exact digests still were); suppressed: every match was withheld because a "
         "negative bank (known false positives) holds an entry at least as close"}}},
      {"matches", {{"type", "array"}, {"items", hit}, {"maxItems", 100}}},
      {"total", {{"type", "integer"}}},
      {"suppressed", {{"type", "integer"}}}};
  json result = outcome;
  result["index"] = {{"type", "integer"}};
  result["hash_type"] = {{"type", "string"}};
  json image = outcome;
  image["image"] = {{"type", "object"},
                    {"description",
                     "format, width, height, quality (0-100), quality_ok, pdq, md5, sha1, "
                     "sha256, path (exact|fast), flavor, dihedral (when asked)"}};
  image["evidence_id"] = {{"type", "integer"},
                          {"description", "Set when this deployment keeps matched images"}};
  return {
      {"oneOf", json::array({{{"type", "object"}, {"title", "image"}, {"properties", image}},
                             {{"type", "object"},
                              {"title", "hashes"},
                              {"properties",
                               {{"radius", {{"type", "integer"}}},
                                {"results",
                                 {{"type", "array"},
                                  {"items", {{"type", "object"}, {"properties", result}}}}}}}}})}};
}

Result<bool> Flag(const Call& call, const char* name) {
  CS_TRY(auto v, BoolParam(call.req, name));
  return v.value_or(false);
}

Result<Reply> MatchImage(const Call& call, matching::MatchService* s, std::string_view bytes) {
  CS_TRY_STATUS(CheckQueryParams(call.req, {"dihedral", "fast", "radius", "banks"}));
  matching::ImageMatchRequest r;
  CS_TRY(r.dihedral, Flag(call, "dihedral"));
  CS_TRY(r.fast, Flag(call, "fast"));
  CS_TRY(auto radius, IntParam(call.req, "radius", 0, 256));
  if (radius) r.match.radius = static_cast<int>(*radius);
  r.match.banks = ListParam(call.req, "banks");
  CS_TRY(auto m, s->MatchImage(call.who,
                               std::span<const uint8_t>(
                                   reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                               r));
  json out = matching::MatchOutcomeJson(m.outcome);
  out["image"] = matching::ImageHashesJson(m.hashes);
  out["radius"] = r.match.radius;
  if (m.evidence_id) out["evidence_id"] = *m.evidence_id;
  return Reply::Json(200, out);
}

}  // namespace

void AddMatchingRoutes(std::vector<Route>& routes, Backend* b) {
  routes.push_back(Route{
      "POST",
      "/api/v1/match",
      {},
      "match.query",
      false,
      {{"summary",
        "Match an image or a list of hashes against the known-image hash banks (tra cứu ảnh đã "
        "biết)"},
       {"description",
        "Send an image (multipart/form-data with one file part named `image`, or the raw file "
        "as the body with an image/* or application/octet-stream type), or a JSON list of hashes. "
        "An image is hashed in memory (PDQ, MD5, SHA-1, SHA-256) and not stored unless this "
        "deployment keeps matched images as evidence (encrypted). PDQ matches within `radius` "
        "bits (default 31); images of PDQ quality below 50 are reported as `low_quality` instead "
        "of matched. Negative banks (known false positives) suppress matches. Every request that "
        "matches is written to the audit trail (ids, banks, distances; never the image). "
        "Platforms use an API token of role content_analyst limited to the scope match.query "
        "(`childsafe token create --role content_analyst --scopes match.query`). Uploads are "
        "limited to 20 MiB and 50 megapixels by default (413)."},
       {"tags", {"matching"}},
       {"parameters",
        json::array(
            {{{"name", "dihedral"},
              {"in", "query"},
              {"description", "Image only: also match the 8 rotations and mirrors"},
              {"schema", {{"type", "boolean"}}}},
             {{"name", "fast"},
              {"in", "query"},
              {"description",
               "Image only: decode large JPEGs at reduced scale (a few bits from the exact hash)"},
              {"schema", {{"type", "boolean"}}}},
             {{"name", "radius"},
              {"in", "query"},
              {"description", "Image only: PDQ match radius (0-48, default 31)"},
              {"schema", {{"type", "integer"}, {"minimum", 0}, {"maximum", 48}}}},
             {{"name", "banks"},
              {"in", "query"},
              {"description", "Image only: only these banks (comma-separated names)"},
              {"schema", {{"type", "string"}}}}})},
       {"requestBody",
        {{"required", true},
         {"content",
          {{"multipart/form-data",
            {{"schema",
              {{"type", "object"},
               {"properties", {{"image", {{"type", "string"}, {"format", "binary"}}}}}}}}},
           {"image/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}},
           {"application/octet-stream", {{"schema", {{"type", "string"}, {"format", "binary"}}}}},
           {"application/json",
            {{"schema",
              {{"type", "object"},
               {"additionalProperties", false},
               {"required", {"hashes"}},
               {"properties",
                {{"hashes",
                  {{"type", "array"},
                   {"maxItems", 1000},
                   {"items",
                    {{"oneOf",
                      json::array(
                          {{{"type", "string"},
                            {"description",
                             "\"pdq:HEX\", \"md5:HEX\", ... or bare hex (32 MD5, 40 SHA-1, 64 of "
                             "`type`)"}},
                           {{"type", "object"},
                            {"additionalProperties", false},
                            {"required", {"type", "value"}},
                            {"properties",
                             {{"type",
                               {{"type", "string"}, {"enum", {"pdq", "md5", "sha1", "sha256"}}}},
                              {"value", {{"type", "string"}}},
                              {"quality",
                               {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}}}}}})}}}}},
                 {"type",
                  {{"type", "string"},
                   {"enum", {"pdq", "sha256"}},
                   {"description", "What bare 64-digit hashes are (default pdq)"}}},
                 {"radius", {{"type", "integer"}, {"minimum", 0}, {"maximum", 48}}},
                 {"banks", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}}}}},
       {"responses",
        {{"200",
          {{"description", "Matches"},
           {"content", {{"application/json", {{"schema", MatchResponseSchema()}}}}}}},
         {"413", ProblemRef()},
         {"415", ProblemRef()},
         {"429", ProblemRef()},
         {"503", ProblemRef()}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* s, Service(b));
        const std::string ct = call.req.get_header_value("Content-Type");
        const std::string base = ct.substr(0, ct.find(';'));
        if (base == "application/json") {
          CS_TRY_STATUS(CheckQueryParams(call.req, {}));
          CS_TRY(json j, intake::ParseJson(call.req.body));
          CS_TRY(auto body, matching::DecodeHashMatchBody(j));
          CS_TRY(auto outcomes, s->MatchHashes(call.who, body.hashes, body.request));
          json results = json::array();
          for (size_t i = 0; i < outcomes.size(); ++i) {
            json r = matching::MatchOutcomeJson(outcomes[i]);
            r["index"] = i;
            r["hash_type"] = std::string(hashlist::HashTypeName(body.hashes[i].type));
            results.push_back(std::move(r));
          }
          return Reply::Json(200, {{"radius", body.request.radius}, {"results", results}});
        }
        if (base == "multipart/form-data") {
          if (call.req.files.size() != 1 || !call.req.has_file("image")) {
            return Fail(Error::InvalidField(
                "image", field_codes::kRequired,
                "send exactly one file part, named image (nothing else in the form)"));
          }
          return MatchImage(call, s, call.req.files.find("image")->second.content);
        }
        if (base.rfind("image/", 0) == 0 || base == "application/octet-stream") {
          return MatchImage(call, s, call.req.body);
        }
        Reply r = Reply::Json(
            415, ProblemJson(Error::InvalidField("Content-Type", field_codes::kInvalidFormat,
                                                 "send multipart/form-data, an image/* body or "
                                                 "application/json"),
                             call.lang, call.request_id, 415));
        r.content_type = std::string(kProblemContentType);
        return r;
      },
      true});

  routes.push_back(
      Route{"GET",
            "/api/v1/banks",
            {},
            "banks.read",
            false,
            {{"summary", "The hash banks: provenance, labels, state and size (danh sách mã băm)"},
             {"tags", {"matching"}},
             {"responses", {{"200", {{"description", "{\"items\": [bank, ...]}"}}}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(auto* s, Service(b));
              CS_TRY_STATUS(CheckQueryParams(call.req, {}));
              CS_TRY(auto banks, s->ListBanks(call.who));
              json items = json::array();
              for (const auto& bank : banks) items.push_back(matching::BankSummaryJson(bank));
              return Reply::Json(200, {{"items", items}});
            }});

  routes.push_back(Route{
      "PATCH",
      "/api/v1/banks/{name}",
      {"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"},
      "banks.manage",
      true,
      {{"summary", "Enable or disable a bank: {\"enabled\": false} stops it matching at once"},
       {"tags", {"matching"}},
       {"parameters", json::array({{{"name", "name"},
                                    {"in", "path"},
                                    {"required", true},
                                    {"schema", {{"type", "string"}}}}})},
       {"requestBody", RequestBody({{"type", "object"},
                                    {"additionalProperties", false},
                                    {"required", {"enabled"}},
                                    {"properties", {{"enabled", {{"type", "boolean"}}}}}})},
       {"responses", {{"200", {{"description", "The bank"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* s, Service(b));
        CS_TRY(json j, intake::ParseJson(call.req.body));
        if (!j.is_object()) {
          return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
        }
        FieldErrors errs;
        std::optional<bool> enabled;
        for (auto it = j.begin(); it != j.end(); ++it) {
          if (it.key() != "enabled") {
            errs.Add(it.key().substr(0, 64), field_codes::kUnknownField, "unknown field");
          } else if (!it->is_boolean()) {
            errs.Add("enabled", field_codes::kInvalidType, "true or false");
          } else {
            enabled = it->get<bool>();
          }
        }
        if (!enabled && errs.empty()) errs.Add("enabled", field_codes::kRequired, "true or false");
        CS_TRY_STATUS(std::move(errs).ToStatus("invalid change"));
        CS_TRY(auto bank, s->SetBankEnabled(call.who, call.path_params.at(0), *enabled));
        return Reply::Json(200, matching::BankSummaryJson(bank));
      }});

  routes.push_back(Route{
      "GET",
      "/api/v1/evidence/{id}/preview",
      {"[0-9]{1,18}"},
      "evidence.preview",
      false,
      {{"summary",
        "A kept evidence image: a strongly blurred 24-pixel PNG by default; ?reveal=true returns "
        "the image itself"},
       {"description",
        "Revealing needs the permission evidence.reveal and a reason in X-Access-Reason; both "
        "the preview and the reveal are written to the audit trail."},
       {"tags", {"matching"}},
       {"parameters",
        json::array({{{"name", "id"},
                      {"in", "path"},
                      {"required", true},
                      {"schema", {{"type", "integer"}}}},
                     {{"name", "reveal"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}},
                     {{"name", "X-Access-Reason"},
                      {"in", "header"},
                      {"description", "Required to reveal: why the image itself must be seen"},
                      {"schema", {{"type", "string"}, {"maxLength", 500}}}}})},
       {"responses",
        {{"200",
          {{"description", "image/png (preview), or the stored image format (revealed)"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* s, Service(b));
        CS_TRY_STATUS(CheckQueryParams(call.req, {"reveal"}));
        CS_TRY(bool reveal, Flag(call, "reveal"));
        int64_t id = 0;
        try {
          id = std::stoll(call.path_params.at(0));
        } catch (...) {
          return Fail(Error::NotFound("no such evidence"));
        }
        CS_TRY(auto image, s->Evidence(call.who, id, reveal));
        Reply r;
        r.status = 200;
        r.content_type = image.content_type;
        r.body = std::move(image.bytes);
        r.headers.emplace_back("Content-Disposition", "inline");
        r.headers.emplace_back("X-Evidence-Revealed", image.revealed ? "true" : "false");
        return r;
      }});
}

}  // namespace childsafe::api
