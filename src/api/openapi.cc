// The OpenAPI 3.1 document, built from the route table so it cannot drift from the routes.
#include <algorithm>

#include "api/server.h"

namespace childsafe::api {

namespace {

const char* kComponents = R"json({
  "securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An API token (cs_...). The first administrator token is printed when the server first starts."}
  },
  "schemas": {
    "Problem": {
      "type": "object",
      "description": "RFC 9457 problem details. title and errors[].message are Vietnamese unless Accept-Language asks for English; errors[].message_en is always English.",
      "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string"}, "detail": {"type": "string"}, "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
          "field": {"type": "string", "description": "JSON path of the field, e.g. children/0/age"},
          "code": {"type": "string", "enum": ["required", "invalid_type", "invalid_format", "unknown_code", "unknown_field", "out_of_range", "too_long", "not_allowed", "in_future", "invalid_utf8", "duplicate"]},
          "message": {"type": "string"}, "message_en": {"type": "string"}}}}
      }
    },
    "Caller": {"type": "object", "additionalProperties": false, "properties": {
      "relation": {"type": "string"}, "age_band": {"type": "string"}, "gender": {"type": "string"},
      "name": {"type": "string", "description": "Sensitive: encrypted at rest"},
      "phone": {"type": "string", "writeOnly": true, "description": "Never stored: kept only as a keyed pseudonym to recognise repeat callers"}}},
    "Child": {"type": "object", "additionalProperties": false, "properties": {
      "age": {"type": "integer", "minimum": 0, "maximum": 25}, "gender": {"type": "string"},
      "province": {"type": "string", "description": "Province code valid on the contact's date (63 units before 01/07/2025, 34 after)"},
      "name": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": "string"},
      "date_of_birth": {"type": "string"}}},
    "ContactInput": {"type": "object", "additionalProperties": false,
      "required": ["received_at", "channel", "centre", "call_type", "outcome"],
      "properties": {
        "received_at": {"type": "string", "format": "date-time"},
        "channel": {"type": "string"}, "centre": {"type": "string"}, "counsellor": {"type": "string"},
        "call_type": {"type": "string"}, "duration_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
        "caller": {"$ref": "#/components/schemas/Caller"},
        "children": {"type": "array", "maxItems": 20, "items": {"$ref": "#/components/schemas/Child"}},
        "categories": {"type": "array", "maxItems": 30, "items": {"type": "string"}},
        "outcome": {"type": "string"}, "urgency": {"type": "string"},
        "summary": {"type": "string", "maxLength": 20000, "description": "Sensitive: encrypted at rest"},
        "taxonomy_version": {"type": "string"}}},
    "Contact": {"allOf": [{"$ref": "#/components/schemas/ContactInput"}, {"type": "object", "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string", "example": "111-2025-000123"},
        "version": {"type": "integer"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "received_at_local": {"type": "string"}, "online": {"type": "boolean"},
        "caller_phone_recorded": {"type": "boolean"},
        "triage": {"type": "object", "description": "What text triage found in the summary (full reads only): level, score, queue priority, signals with spans, suggested categories with verdicts, entities, flags, queue state, alerts. See docs/queue.md"},
        "repeat_caller": {"type": "object", "properties": {
          "previous_contacts": {"type": "integer"}, "last_received_at": {"type": "string"},
          "text_vi": {"type": "string"}, "text_en": {"type": "string"}}}}}]},
    "ContactPage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
      "limit": {"type": "integer"}, "next_cursor": {"type": ["string", "null"]}}},
    "Stats": {"type": "object", "properties": {
      "period": {"type": "object"}, "filters": {"type": "object"},
      "by": {"type": "array", "items": {"type": "string"}},
      "total": {"type": ["integer", "null"]},
      "rows": {"type": "array", "items": {"type": "object"}}}}
  }
})json";

}  // namespace

nlohmann::json ApiServer::OpenApi() const { return OpenApiDocument(routes_); }

nlohmann::json OpenApiDocument(const std::vector<Route>& routes) {
  using nlohmann::json;
  json paths = json::object();
  for (const Route& r : routes) {
    json op = r.operation;
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    op["operationId"] = method + r.path;
    if (r.permission != kPublic) {
      op["security"] = json::array({{{"bearer", json::array()}}});
      op["x-permission"] = r.permission;
      auto& responses = op["responses"];
      for (const char* code : {"400", "401", "403", "404", "413", "500"}) {
        if (!responses.contains(code)) {
          responses[code] = {{"description", "Problem"},
                             {"content",
                              {{"application/problem+json",
                                {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
        }
      }
    }
    paths[r.path][method] = std::move(op);
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "childsafe API"},
            {"version", "1"},
            {"description",
             "Hotline 111: contacts, statistics, accounts and sessions, administration and "
             "the audit trail, known-image matching, and text triage with its queue and "
             "alerts. Times are UTC (RFC 3339); periods and dates are local to "
             "Asia/Ho_Chi_Minh. Errors are application/problem+json."}}},
          {"servers", json::array({{{"url", "http://127.0.0.1:8111"}}})},
          {"paths", paths},
          {"components", json::parse(kComponents)}};
}

nlohmann::json RequestBody(const nlohmann::json& schema, const char* media_type) {
  return {{"required", true}, {"content", {{media_type, {{"schema", schema}}}}}};
}

nlohmann::json JsonResponse(const char* description, const nlohmann::json& schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

}  // namespace childsafe::api
