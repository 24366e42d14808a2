// HTTP adapters of text triage (triage::TriageService): triage a text, the queue, counsellors'
// decisions, supervisor alerts (a list, acknowledgement and a server-sent-event stream), and the
// administrator's lexicon reload.
#include <httplib.h>

#include <algorithm>
#include <chrono>

#include "api/cursor.h"
#include "api/server.h"
#include "common/utf8.h"
#include "crypto/crypto.h"
#include "intake/contact_json.h"
#include "triage/findings.h"
#include "triage/triage_service.h"

namespace childsafe::api {

namespace {

using nlohmann::json;

Result<triage::TriageService*> Service(Backend* b) {
  if (!b->triage) return Fail(Error::Unavailable("text triage is not served by this server"));
  return b->triage;
}

Result<int64_t> PathId(const Call& call, const char* what) {
  try {
    return std::stoll(call.path_params.at(0));
  } catch (...) {
    return Fail(Error::NotFound(std::string("no such ") + what));
  }
}

json TimeOrNull(const std::optional<UnixSeconds>& t) {
  return t ? json(FormatTimestampUtc(*t)) : json(nullptr);
}

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json QueueItemJson(const storage::QueueItem& it) {
  const storage::ContactTriageRecord& t = it.triage;
  return {{"contact_id", t.contact_id},
          {"reference", it.reference},
          {"received_at", FormatTimestampUtc(it.received_at)},
          {"received_at_local", FormatDateTimeVi(it.received_at)},
          {"channel", it.channel},
          {"centre", it.centre},
          {"counsellor", OrNull(it.counsellor)},
          {"priority", std::string(triage::LevelNameOf(t.priority))},
          {"priority_set_by", OrNull(t.priority_set_by)},
          {"level", std::string(triage::LevelNameOf(t.level))},
          {"score", static_cast<double>(t.score_milli) / 1000.0},
          {"state", t.queue_state},
          {"taken_by", OrNull(t.taken_by)},
          {"taken_at", TimeOrNull(t.taken_at)},
          {"open_alert", it.open_alert},
          {"triaged_at", FormatTimestampUtc(t.triaged_at)},
          {"lexicon_version", t.lexicon_version}};
}

json AlertJson(const storage::TriageAlert& a) {
  return {{"id", a.id},
          {"contact_id", a.contact_id},
          {"reference", a.reference},
          {"centre", a.centre},
          {"channel", a.channel},
          {"counsellor", OrNull(a.counsellor)},
          {"received_at", FormatTimestampUtc(a.received_at)},
          {"raised_at", FormatTimestampUtc(a.raised_at)},
          {"raised_at_local", FormatDateTimeVi(a.raised_at)},
          {"level", std::string(triage::LevelNameOf(a.level))},
          {"score", static_cast<double>(a.score_milli) / 1000.0},
          {"acknowledged_at", TimeOrNull(a.acknowledged_at)},
          {"acknowledged_by", OrNull(a.acknowledged_by)}};
}

std::string EncodeQueueCursor(const storage::QueueCursor& c) {
  return EncodeCursor("q1", {c.priority, c.received_at, c.contact_id});
}

Result<storage::QueueCursor> DecodeQueueCursor(const std::string& text) {
  CS_TRY(auto parts, DecodeCursor(text, "q1", 3));
  if (parts[0] < 0 || parts[0] > 3 || parts[2] <= 0) return Fail(InvalidCursor());
  return storage::QueueCursor{static_cast<int>(parts[0]), parts[1], parts[2]};
}

// The member of a flat JSON object whose string value holds byte `offset` of `body`, or "" — to
// name the field an invalid UTF-8 byte was sent in (the JSON parser only gives the offset).
std::string MemberAt(std::string_view body, size_t offset) {
  std::string key, last_key;
  bool in_string = false, escaped = false, expecting_value = false;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < body.size() && i <= offset; ++i) {
    char c = body[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1 && !expecting_value) last_key = std::string(body.substr(start, i - start));
        expecting_value = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      start = i + 1;
    } else if (c == ':' && depth == 1) {
      expecting_value = true;
      key = last_key;
    } else if (c == ',' && depth == 1) {
      expecting_value = false;
      key.clear();
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return in_string && !key.empty() && key.size() <= 64 && IsValidUtf8(key) ? key : std::string();
}

// The body of POST /api/v1/triage: {"text": "..."}.
Result<std::string> TriageText(const std::string& body) {
  size_t bad = 0;
  if (!IsValidUtf8(body, &bad)) {
    std::string field = MemberAt(body, bad);
    return Fail(Error::InvalidField(field.empty() ? "" : field, field_codes::kInvalidUtf8,
                                    "not valid UTF-8 (byte " + std::to_string(bad) + ")"));
  }
  CS_TRY(json j, intake::ParseJson(body));
  if (!j.is_object()) {
    return Fail(Error::InvalidField("", field_codes::kInvalidType, "send {\"text\": \"...\"}"));
  }
  FieldErrors errs;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "text") {
      errs.Add(it.key().substr(0, 64), field_codes::kUnknownField, "unknown field");
    }
  }
  if (!j.contains("text")) {
    errs.Add("text", field_codes::kRequired, "the text to triage");
  } else if (!j["text"].is_string()) {
    errs.Add("text", field_codes::kInvalidType, "a string");
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid request"));
  return j["text"].get<std::string>();
}

Result<text::Level> ParseLevelField(const json& v, const char* field) {
  if (v.is_string()) {
    if (auto l = text::ParseLevel(v.get<std::string>())) return *l;
  }
  return Fail(
      Error::InvalidField(field, field_codes::kUnknownCode, "low, medium, high or emergency"));
}

// The body of a decision: {"priority": "medium", "suggestions": {"fraud": "wrong"}}.
Result<triage::Decision> DecisionOf(const std::string& body) {
  CS_TRY(json j, intake::ParseJson(body));
  if (!j.is_object()) {
    return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
  }
  FieldErrors errs;
  triage::Decision d;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "priority") {
      auto l = ParseLevelField(*it, "priority");
      if (l) {
        d.priority = *l;
      } else {
        errs.Add("priority", field_codes::kUnknownCode, "low, medium, high or emergency");
      }
    } else if (it.key() == "suggestions") {
      if (!it->is_object() || it->size() > 50) {
        errs.Add("suggestions", field_codes::kInvalidType,
                 "an object: category -> \"right\", \"wrong\" or null");
        continue;
      }
      for (auto s = it->begin(); s != it->end(); ++s) {
        if (s->is_null()) {
          d.verdicts[s.key()] = "";
        } else if (s->is_string()) {
          d.verdicts[s.key()] = s->get<std::string>();
        } else {
          errs.Add("suggestions/" + s.key().substr(0, 64), field_codes::kInvalidType,
                   "\"right\", \"wrong\" or null");
        }
      }
    } else {
      errs.Add(it.key().substr(0, 64), field_codes::kUnknownField, "unknown field");
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid decision"));
  return d;
}

json IdParamDoc(const char* description) {
  return {{"name", "id"},
          {"in", "path"},
          {"required", true},
          {"description", description},
          {"schema", {{"type", "integer"}}}};
}

const json kSignalSchema = {
    {"type", "object"},
    {"description",
     "A risk signal: its lexicon category, where it is in the text (UTF-8 bytes and UTF-16 code "
     "units, end exclusive) and the characters there, its weight before and after context"},
    {"properties",
     {{"category", {{"type", "string"}}},
      {"label_vi", {{"type", "string"}}},
      {"label_en", {{"type", "string"}}},
      {"begin", {{"type", "integer"}}},
      {"end", {{"type", "integer"}}},
      {"begin_utf16", {{"type", "integer"}}},
      {"end_utf16", {{"type", "integer"}}},
      {"text", {{"type", "string"}}},
      {"weight", {{"type", "number"}}},
      {"effective", {{"type", "number"}}},
      {"context",
       {{"type", "array"},
        {"items",
         {{"type", "string"},
          {"enum", {"negated", "reported", "genre", "past", "idiom", "urgent"}}}}}}}}};

json TriageResultSchema() {
  return {{"type", "object"},
          {"properties",
           {{"level", {{"type", "string"}, {"enum", {"low", "medium", "high", "emergency"}}}},
            {"score", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
            {"model_emergency",
             {{"type", {"number", "null"}},
              {"description",
               "the triage model's probability that the message is an emergency (null without "
               "a model); from the model's threshold up it makes the best emergency category "
               "an emergency"}}},
            {"lexicon_version", {{"type", "string"}}},
            {"signals", {{"type", "array"}, {"items", kSignalSchema}}},
            {"suggested_categories",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"category", {{"type", "string"}}},
                  {"label_vi", {{"type", "string"}}},
                  {"label_en", {{"type", "string"}}},
                  {"score", {{"type", "number"}}},
                  {"level", {{"type", "string"}}},
                  {"model",
                   {{"type", {"number", "null"}},
                    {"description",
                     "the triage model's probability for the category (null without a model)"}}},
                  {"source",
                   {{"type", "string"},
                    {"enum", {"lexicon", "model"}},
                    {"description",
                     "model: suggested by the model alone, no pattern matched (nothing to "
                     "highlight)"}}},
                  {"taxonomy", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                  {"verdict",
                   {{"type", {"string", "null"}}, {"enum", {"right", "wrong", nullptr}}}}}}}}}},
            {"entities",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"kind", {{"type", "string"}, {"enum", {"url", "email", "phone", "handle"}}}},
                  {"value", {{"type", "string"}}},
                  {"begin", {{"type", "integer"}}},
                  {"end", {{"type", "integer"}}}}}}}}},
            {"flags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
}

const json kQueueItemSchema = {{"type", "object"},
                               {"properties",
                                {{"contact_id", {{"type", "integer"}}},
                                 {"reference", {{"type", "string"}}},
                                 {"received_at", {{"type", "string"}}},
                                 {"channel", {{"type", "string"}}},
                                 {"centre", {{"type", "string"}}},
                                 {"counsellor", {{"type", {"string", "null"}}}},
                                 {"priority", {{"type", "string"}}},
                                 {"priority_set_by", {{"type", {"string", "null"}}}},
                                 {"level", {{"type", "string"}}},
                                 {"score", {{"type", "number"}}},
                                 {"state", {{"type", "string"}, {"enum", {"waiting", "taken"}}}},
                                 {"taken_by", {{"type", {"string", "null"}}}},
                                 {"taken_at", {{"type", {"string", "null"}}}},
                                 {"open_alert", {{"type", "boolean"}}}}}};

const json kAlertSchema = {{"type", "object"},
                           {"properties",
                            {{"id", {{"type", "integer"}}},
                             {"contact_id", {{"type", "integer"}}},
                             {"reference", {{"type", "string"}}},
                             {"centre", {{"type", "string"}}},
                             {"channel", {{"type", "string"}}},
                             {"raised_at", {{"type", "string"}}},
                             {"level", {{"type", "string"}}},
                             {"score", {{"type", "number"}}},
                             {"acknowledged_at", {{"type", {"string", "null"}}}},
                             {"acknowledged_by", {{"type", {"string", "null"}}}}}}};

// One server-sent-events stream of alerts (see the route's description).
struct AlertStream {
  triage::TriageService* service = nullptr;
  auth::Principal who;
  std::shared_ptr<triage::StreamSlot> slot;
  int64_t last_id = 0;
  bool backlog_open = false;  // the first step sends the open alerts (no Last-Event-ID given)
  uint64_t epoch = 0;
  std::chrono::steady_clock::time_point deadline, next_poll, next_heartbeat;

  static std::string Event(const storage::TriageAlert& a) {
    return "id: " + std::to_string(a.id) + "\nevent: alert\ndata: " + AlertJson(a).dump() + "\n\n";
  }

  bool Step(const std::function<bool(std::string_view)>& write) {
    using Clock = std::chrono::steady_clock;
    if (service->shutting_down()) return false;
    auto now = Clock::now();
    if (backlog_open) {
      backlog_open = false;
      triage::AlertFilter f;
      f.limit = 100;
      auto open = service->ListAlerts(who, f);
      auto latest = service->LatestAlertId(who);
      if (!open || !latest) return false;
      std::reverse(open->begin(), open->end());  // oldest first
      for (const auto& a : *open) {
        if (!write(Event(a))) return false;
      }
      last_id = *latest;
      next_poll = now + std::chrono::seconds(2);
    } else if (now >= next_poll) {
      // Alerts of other server instances (and any this process raised) since the last one sent.
      auto fresh = service->AlertsAfter(who, last_id, 100);
      if (!fresh) return false;
      for (const auto& a : *fresh) {
        if (!write(Event(a))) return false;
        last_id = a.id;
      }
      next_poll = now + std::chrono::seconds(2);
    }
    if (now >= deadline) return false;  // the client reconnects with Last-Event-ID
    if (now >= next_heartbeat) {
      if (!write(": keep-alive\n\n")) return false;
      next_heartbeat = now + std::chrono::seconds(15);
    }
    auto wait = std::min<Clock::duration>(std::chrono::seconds(1), deadline - now);
    uint64_t seen =
        service->WaitForAlert(epoch, std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (seen != epoch) {
      epoch = seen;
      next_poll = Clock::now();  // a local alert: look now
    }
    return true;
  }
};

}  // namespace

void AddTriageRoutes(std::vector<Route>& routes, Backend* b) {
  routes.push_back(Route{
      "POST",
      "/api/v1/triage",
      {},
      "triage.run",
      true,
      {{"summary", "Triage a text: level, score, signals with their spans, suggested categories"},
       {"description",
        "Nothing is stored or logged. Text must be UTF-8 (400 naming \"text\" otherwise) and at "
        "most 256 KiB (413). The engine only orders and highlights; a counsellor decides."},
       {"tags", {"triage"}},
       {"requestBody", RequestBody({{"type", "object"},
                                    {"required", {"text"}},
                                    {"additionalProperties", false},
                                    {"properties", {{"text", {{"type", "string"}}}}}})},
       {"responses", {{"200", JsonResponse("The triage", TriageResultSchema())}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY(std::string text, TriageText(call.req.body));
        CS_TRY(json out, service->Analyse(call.who, text));
        return Reply::Json(200, out);
      }});

  routes.push_back(Route{
      "POST",
      "/api/v1/triage/reload",
      {},
      "triage.reload",
      false,
      {{"summary", "Reload the triage lexicon from the data directory without a restart"},
       {"description",
        "Recompiles data/triage/*.tsv and swaps the engine in atomically; requests in flight "
        "finish on the old one. A lexicon that does not compile is refused (409, naming the file "
        "and line) and the running one stays. Same as SIGHUP to the server. Audited."},
       {"tags", {"triage"}},
       {"responses",
        {{"200", JsonResponse("The lexicon now in use",
                              {{"type", "object"},
                               {"properties", {{"lexicon_version", {{"type", "string"}}}}}})},
         {"409", {{"description", "The lexicon on disk does not compile"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY(std::string version, service->Reload(call.who));
        return Reply::Json(200, {{"lexicon_version", version}});
      }});

  routes.push_back(Route{
      "GET",
      "/api/v1/queue",
      {},
      "queue.read",
      false,
      {{"summary", "Contacts waiting for a counsellor: highest priority first, then oldest"},
       {"description",
        "Contacts that arrived with text and nobody handling them (web form, chat, e-mail). "
        "state=taken lists those taken. Coded fields only; a counsellor sees their centre."},
       {"tags", {"triage"}},
       {"parameters",
        json::array(
            {{{"name", "state"},
              {"in", "query"},
              {"schema",
               {{"type", "string"}, {"enum", {"waiting", "taken"}}, {"default", "waiting"}}}},
             {{"name", "limit"},
              {"in", "query"},
              {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}},
             {{"name", "cursor"}, {"in", "query"}, {"schema", {{"type", "string"}}}}})},
       {"responses",
        {{"200", JsonResponse("A page of the queue",
                              {{"type", "object"},
                               {"properties",
                                {{"items", {{"type", "array"}, {"items", kQueueItemSchema}}},
                                 {"next_cursor", {{"type", {"string", "null"}}}}}}})}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY_STATUS(CheckQueryParams(call.req, {"state", "limit", "cursor"}));
        triage::QueueFilter f;
        CS_TRY(std::string state, OneParam(call.req, "state"));
        if (!state.empty()) f.state = state;
        CS_TRY(auto limit, IntParam(call.req, "limit", 1, 500));
        f.limit = static_cast<int>(limit.value_or(50));
        if (call.req.has_param("cursor")) {
          CS_TRY(std::string cursor, OneParam(call.req, "cursor"));
          CS_TRY(f.after, DecodeQueueCursor(cursor));
        }
        CS_TRY(auto page, service->ListQueue(call.who, f));
        json items = json::array();
        for (const auto& it : page.items) items.push_back(QueueItemJson(it));
        json out = {{"items", std::move(items)}, {"limit", f.limit}};
        out["next_cursor"] = page.next ? json(EncodeQueueCursor(*page.next)) : json(nullptr);
        return Reply::Json(200, out);
      }});

  routes.push_back(Route{"POST",
                         "/api/v1/queue/{id}/take",
                         {"[0-9]{1,18}"},
                         "queue.take",
                         false,
                         {{"summary", "Take a waiting contact: it becomes the caller's (audited)"},
                          {"tags", {"triage"}},
                          {"parameters", json::array({IdParamDoc("The contact's id")})},
                          {"responses",
                           {{"200", {{"description", "Taken"}}},
                            {"409", {{"description", "Someone has already taken it"}}}}}},
                         [b](const Call& call) -> Result<Reply> {
                           CS_TRY(auto* service, Service(b));
                           CS_TRY(int64_t id, PathId(call, "queue entry"));
                           CS_TRY(auto rec, service->Take(call.who, id));
                           return Reply::Json(
                               200, {{"contact_id", rec.contact_id},
                                     {"state", rec.queue_state},
                                     {"taken_by", OrNull(rec.taken_by)},
                                     {"taken_at", TimeOrNull(rec.taken_at)},
                                     {"priority", std::string(triage::LevelNameOf(rec.priority))}});
                         }});

  routes.push_back(Route{
      "POST",
      "/api/v1/contacts/{id}/triage-decision",
      {"[0-9]{1,18}"},
      "triage.review",
      true,
      {{"summary", "A counsellor's decision on a contact's triage (audited)"},
       {"description",
        "Change the queue priority (a person may lower it; the engine never does) and/or mark "
        "suggested categories right or wrong (null withdraws a verdict). Verdicts are stored "
        "encrypted; the audit trail records levels and counts only."},
       {"tags", {"triage"}},
       {"parameters", json::array({IdParamDoc("The contact's id")})},
       {"requestBody",
        RequestBody(
            {{"type", "object"},
             {"additionalProperties", false},
             {"properties",
              {{"priority", {{"type", "string"}, {"enum", {"low", "medium", "high", "emergency"}}}},
               {"suggestions",
                {{"type", "object"},
                 {"additionalProperties",
                  {{"type", {"string", "null"}}, {"enum", {"right", "wrong", nullptr}}}}}}}}})},
       {"responses", {{"200", {{"description", "The decision as it now stands"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY(int64_t id, PathId(call, "contact"));
        CS_TRY(triage::Decision d, DecisionOf(call.req.body));
        CS_TRY(json out, service->Decide(call.who, id, d));
        return Reply::Json(200, out);
      }});

  routes.push_back(Route{
      "GET",
      "/api/v1/alerts",
      {},
      "alerts.read",
      false,
      {{"summary", "Emergency alerts for supervisors, newest first (open ones unless state=all)"},
       {"tags", {"triage"}},
       {"parameters",
        json::array(
            {{{"name", "state"},
              {"in", "query"},
              {"schema", {{"type", "string"}, {"enum", {"open", "all"}}, {"default", "open"}}}},
             {{"name", "limit"},
              {"in", "query"},
              {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}},
             {{"name", "cursor"},
              {"in", "query"},
              {"description", "next_cursor of the previous page"},
              {"schema", {{"type", "string"}}}}})},
       {"responses",
        {{"200", JsonResponse("A page of alerts",
                              {{"type", "object"},
                               {"properties",
                                {{"items", {{"type", "array"}, {"items", kAlertSchema}}},
                                 {"next_cursor", {{"type", {"string", "null"}}}}}}})}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY_STATUS(CheckQueryParams(call.req, {"state", "limit", "cursor"}));
        triage::AlertFilter f;
        CS_TRY(std::string state, OneParam(call.req, "state"));
        if (state == "all") {
          f.open_only = false;
        } else if (!state.empty() && state != "open") {
          return Fail(Error::InvalidField("state", field_codes::kUnknownCode, "open or all"));
        }
        CS_TRY(auto limit, IntParam(call.req, "limit", 1, 500));
        f.limit = static_cast<int>(limit.value_or(50));
        CS_TRY(auto before, IntParam(call.req, "cursor", 1, int64_t{1} << 62));
        f.before_id = before;
        CS_TRY(auto alerts, service->ListAlerts(call.who, f));
        json items = json::array();
        for (const auto& a : alerts) items.push_back(AlertJson(a));
        json out = {{"items", std::move(items)}, {"limit", f.limit}};
        out["next_cursor"] = static_cast<int>(alerts.size()) == f.limit
                                 ? json(std::to_string(alerts.back().id))
                                 : json(nullptr);
        return Reply::Json(200, out);
      }});

  routes.push_back(
      Route{"POST",
            "/api/v1/alerts/{id}/ack",
            {"[0-9]{1,18}"},
            "alerts.ack",
            false,
            {{"summary", "Acknowledge an alert (the first acknowledgement stands; audited)"},
             {"tags", {"triage"}},
             {"parameters", json::array({IdParamDoc("The alert's id")})},
             {"responses", {{"200", JsonResponse("The alert", kAlertSchema)}}}},
            [b](const Call& call) -> Result<Reply> {
              CS_TRY(auto* service, Service(b));
              CS_TRY(int64_t id, PathId(call, "alert"));
              CS_TRY(auto a, service->Acknowledge(call.who, id));
              return Reply::Json(200, AlertJson(a));
            }});

  routes.push_back(Route{
      "GET",
      "/api/v1/alerts/stream",
      {},
      "alerts.read",
      false,
      {{"summary", "Alerts as server-sent events (text/event-stream), for the web application"},
       {"description",
        "Each alert is an event \"alert\" whose id is the alert's id and whose data is the alert "
        "as in GET /api/v1/alerts. Without Last-Event-ID the stream starts with the open alerts; "
        "with it, with every alert after that id. A comment is sent every 15 s; the stream ends "
        "after `wait` seconds (default 300) and EventSource reconnects with Last-Event-ID. At most "
        "16 streams are open at once (429 beyond)."},
       {"tags", {"triage"}},
       {"parameters",
        json::array(
            {{{"name", "wait"},
              {"in", "query"},
              {"description", "Seconds to keep the stream open (0: what is there, then end)"},
              {"schema",
               {{"type", "integer"}, {"minimum", 0}, {"maximum", 3600}, {"default", 300}}}},
             {{"name", "Last-Event-ID"}, {"in", "header"}, {"schema", {{"type", "string"}}}}})},
       {"responses",
        {{"200",
          {{"description", "The stream"},
           {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}}},
         {"429", {{"description", "Too many streams are open"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        CS_TRY(auto* service, Service(b));
        CS_TRY_STATUS(CheckQueryParams(call.req, {"wait"}));
        CS_TRY(auto wait, IntParam(call.req, "wait", 0, 3600));
        std::optional<int64_t> last_event;
        const std::string header = call.req.get_header_value("Last-Event-ID");
        if (!header.empty()) {
          if (header.size() > 18 || header.find_first_not_of("0123456789") != std::string::npos) {
            return Fail(Error::InvalidField("Last-Event-ID", field_codes::kInvalidFormat,
                                            "an alert id this stream sent"));
          }
          last_event = std::stoll(header);
        }
        CS_TRY(int64_t latest, service->LatestAlertId(call.who));  // checks the caller's scope
        (void)latest;
        CS_TRY(auto slot, service->OpenStream());
        auto stream = std::make_shared<AlertStream>();
        stream->service = service;
        stream->who = call.who;
        stream->slot = std::move(slot);
        stream->epoch = service->AlertEpoch();
        stream->backlog_open = !last_event;
        stream->last_id = last_event.value_or(0);
        const auto now = std::chrono::steady_clock::now();
        stream->deadline = now + std::chrono::seconds(wait.value_or(300));
        stream->next_poll = now;
        stream->next_heartbeat = now + std::chrono::seconds(15);
        Reply r;
        r.content_type = "text/event-stream; charset=utf-8";
        r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events through at once
        bool first = true;
        r.stream = [stream, first](const std::function<bool(std::string_view)>& write) mutable {
          if (first) {
            first = false;
            if (!write("retry: 5000\n\n")) return false;
          }
          return stream->Step(write);
        };
        return r;
      }});
}

}  // namespace childsafe::api
