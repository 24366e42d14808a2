#include "api/server.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

#include "auth/tokens.h"
#include "common/log.h"
#include "crypto/crypto.h"

namespace childsafe::api {

namespace {

// Security headers on every response (the API serves JSON; nothing may frame or sniff it).
void SecurityHeaders(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set_header("Cache-Control", "no-store");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

std::string RequestId(const httplib::Request& req) {
  // Accept a caller's id only if it is short and plain, so it cannot inject into logs.
  std::string given = req.get_header_value("X-Request-Id");
  if (!given.empty() && given.size() <= 64 &&
      std::all_of(given.begin(), given.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; })) {
    return given;
  }
  return crypto::RandomToken(9);
}

std::string PathRegex(const Route& r) {
  std::string out;
  size_t param = 0;
  for (size_t i = 0; i < r.path.size(); ++i) {
    char c = r.path[i];
    if (c == '{') {
      size_t end = r.path.find('}', i);
      out += "(" + (param < r.param_patterns.size() ? r.param_patterns[param] : std::string("[^/]+")) + ")";
      ++param;
      i = end;
    } else if (c == '.') {
      out += "\\.";
    } else {
      out += c;
    }
  }
  return out;
}

// A problem+json reply for an error, with the given status.
Reply ErrorReply(const Error& e, int status, Lang lang, const std::string& request_id) {
  Reply r = Reply::Json(status, ProblemJson(e, lang, request_id, status));
  r.content_type = std::string(kProblemContentType);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"childsafe\"");
  return r;
}

}  // namespace

void AddServerRoutes(std::vector<Route>& routes, ApiServer* server) {
  routes.push_back(Route{"GET", "/metrics", {}, std::string(kPublic), false,
                         {{"summary", "Prometheus metrics"},
                          {"description", "Requests and latency by route and status, database and index figures."},
                          {"tags", {"system"}},
                          {"responses", {{"200", {{"description", "Prometheus text format"}}}}}},
                         [server](const Call&) -> Result<Reply> {
                           Reply r;
                           r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                           r.body = server->MetricsText();
                           return r;
                         }});
  routes.push_back(Route{"GET", "/api/v1/openapi.json", {}, std::string(kPublic), false,
                         {{"summary", "This API's OpenAPI document"},
                          {"tags", {"system"}},
                          {"responses", {{"200", {{"description", "OpenAPI 3.1 document"}}}}}},
                         [server](const Call&) -> Result<Reply> { return Reply::Json(200, server->OpenApi()); }});
}

nlohmann::json ServedOpenApiDocument() {
  std::vector<Route> routes;
  AddSystemRoutes(routes, nullptr);
  AddContactRoutes(routes, nullptr);
  AddStatsRoutes(routes, nullptr);
  AddServerRoutes(routes, nullptr);
  return OpenApiDocument(routes);
}

Reply Reply::Json(int status, const nlohmann::json& j) {
  Reply r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

ApiServer::ApiServer(Backend backend, ServerOptions options)
    : b_(backend), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  started_at_ = b_.clock.Now();
  AddSystemRoutes(routes_, &b_);
  AddContactRoutes(routes_, &b_);
  AddStatsRoutes(routes_, &b_);
  AddServerRoutes(routes_, this);
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Register() {
  httplib::Server& s = *http_;
  const int threads = options_.threads;
  // cpp-httplib takes ownership of the task queue it is given.
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(options_.max_body_bytes);
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(options_.keep_alive_seconds);
  s.set_read_timeout(10);
  s.set_write_timeout(10);
  s.set_tcp_nodelay(true);
  for (const Route& r : routes_) {
    std::string pattern = PathRegex(r);
    auto h = [this, &r](const httplib::Request& req, httplib::Response& res) { Dispatch(r, req, res); };
    if (r.method == "GET") s.Get(pattern, h);
    else if (r.method == "POST") s.Post(pattern, h);
    else if (r.method == "PATCH") s.Patch(pattern, h);
    else if (r.method == "PUT") s.Put(pattern, h);
    else if (r.method == "DELETE") s.Delete(pattern, h);
  }
  // Statuses the framework sets itself (no route, body too large, malformed request line, ...).
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already wrote a problem
    std::string id = RequestId(req);
    Lang lang = NegotiateLang(req.get_header_value("Accept-Language"));
    res.set_content(ProblemForStatus(res.status, lang, id).dump(), std::string(kProblemContentType));
    SecurityHeaders(res);
    res.set_header("X-Request-Id", id);
    metrics_.Record("unmatched", req.method.empty() ? "?" : req.method.substr(0, 10), res.status, 0);
  });
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("http.exception", {{"detail", what}, {"method", req.method}});
    res.status = 500;
    res.headers.clear();
    res.set_content(ProblemForStatus(500, NegotiateLang(req.get_header_value("Accept-Language")), "").dump(),
                    std::string(kProblemContentType));
    SecurityHeaders(res);
  });
}

void ApiServer::Send(const httplib::Request& req, httplib::Response& res, Reply reply,
                     const std::string& request_id) {
  (void)req;
  res.status = reply.status;
  for (auto& [k, v] : reply.headers) res.set_header(k, v);
  SecurityHeaders(res);
  res.set_header("X-Request-Id", request_id);
  res.set_content(std::move(reply.body), reply.content_type);
}

void ApiServer::Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = RequestId(req);
  const Lang lang = NegotiateLang(req.get_header_value("Accept-Language"));
  auth::Principal who;
  Result<Reply> reply = [&]() -> Result<Reply> {
    if (route.permission != kPublic) {
      std::string h = req.get_header_value("Authorization");
      if (h.size() < 8 || h.compare(0, 7, "Bearer ") != 0) {
        return Fail(Error::Unauthenticated("send 'Authorization: Bearer <token>'"));
      }
      CS_TRY(who, auth::AuthenticateToken(b_.db, std::string_view(h).substr(7), b_.clock.Now()));
      CS_TRY_STATUS(b_.permissions.Check(who, route.permission));
    }
    if (route.json_body) {
      std::string ct = req.get_header_value("Content-Type");
      std::string base = ct.substr(0, ct.find(';'));
      if (base != "application/json" && base != "application/merge-patch+json") {
        return ErrorReply(Error::InvalidField("Content-Type", field_codes::kInvalidFormat,
                                              "send application/json"),
                          415, lang, request_id);
      }
    }
    Call call{req, who, {}, lang, request_id};
    for (size_t i = 1; i < req.matches.size(); ++i) call.path_params.push_back(req.matches[i].str());
    try {
      return route.handler(call);
    } catch (const std::exception& e) {
      return Fail(Error::Internal(std::string("exception: ") + e.what()));
    }
  }();
  if (!reply) {
    const Error& e = reply.error();
    if (HttpStatus(e.code) >= 500) {
      log::Error("http.error", {{"route", route.path}, {"code", std::string(ErrorCodeName(e.code))},
                                {"detail", e.detail}, {"request_id", request_id}});
    }
    reply = ErrorReply(e, HttpStatus(e.code), lang, request_id);
  }
  Send(req, res, std::move(*reply), request_id);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.Record(route.path, route.method, res.status, seconds);
  log::Debug("http.request", {{"method", route.method}, {"route", route.path}, {"status", res.status},
                              {"ms", seconds * 1000}, {"request_id", request_id}});
}

Result<int> ApiServer::Bind() {
  Register();
  if (options_.port == 0) {
    int port = http_->bind_to_any_port(options_.host);
    if (port <= 0) return Fail(Error::Unavailable("cannot listen on " + options_.host));
    options_.port = port;
    return port;
  }
  if (!http_->bind_to_port(options_.host, options_.port)) {
    return Fail(Error::Unavailable("cannot listen on " + options_.host + ":" +
                                   std::to_string(options_.port) + " (in use?)"));
  }
  return options_.port;
}

Status ApiServer::Run() {
  if (!http_->listen_after_bind()) return Fail(Error::Unavailable("the server stopped unexpectedly"));
  return {};
}

void ApiServer::Stop() {
  if (http_) http_->stop();
}

std::string ApiServer::MetricsText() const {
  std::string out;
  metrics_.Render(out);
  auto gauge = [&](const char* name, const char* help, double v, const char* type = "gauge") {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + buf + "\n";
  };
  if (auto info = b_.db.Info()) {
    gauge("childsafe_db_file_bytes", "Size of the database file.", static_cast<double>(info->file_bytes));
    gauge("childsafe_db_wal_bytes", "Size of the write-ahead log.", static_cast<double>(info->wal_bytes));
    gauge("childsafe_db_pages", "Pages in the database.", static_cast<double>(info->page_count));
    gauge("childsafe_db_free_pages", "Free pages in the database.", static_cast<double>(info->freelist_count));
    gauge("childsafe_db_schema_version", "Schema version of the database.", info->schema_version);
    gauge("childsafe_db_commits_total", "Group commits (each one fsync).", static_cast<double>(info->write_batches), "counter");
    gauge("childsafe_db_write_units_total", "Units of work committed.", static_cast<double>(info->write_jobs), "counter");
  }
  gauge("childsafe_contacts", "Contacts in the statistics index.", static_cast<double>(b_.stats.contacts()));
  gauge("childsafe_stats_index_bytes", "Memory held by the statistics index.", static_cast<double>(b_.stats.memory_bytes()));
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  gauge("process_resident_memory_bytes", "Resident memory.", static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  gauge("process_start_time_seconds", "Start time (Unix seconds).", static_cast<double>(started_at_));
  return out;
}

// ---- parameter helpers --------------------------------------------------------------------------

Status CheckQueryParams(const httplib::Request& req, std::initializer_list<const char*> allowed) {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  FieldErrors errs;
  std::set<std::string> reported;
  for (const auto& [k, v] : req.params) {
    if (!ok.count(k) && reported.insert(k).second) {
      errs.Add(k.size() > 64 ? k.substr(0, 64) : k, field_codes::kUnknownField, "unknown query parameter");
    }
  }
  return std::move(errs).ToStatus("invalid query");
}

std::vector<std::string> ListParam(const httplib::Request& req, const char* name) {
  std::vector<std::string> out;
  auto range = req.params.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    const std::string& v = it->second;
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

Result<std::optional<bool>> BoolParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<bool>();
  std::string v = req.get_param_value(name);
  if (v == "true" || v == "1") return std::optional<bool>(true);
  if (v == "false" || v == "0") return std::optional<bool>(false);
  return Fail(Error::InvalidField(name, field_codes::kInvalidFormat, "use true or false"));
}

Result<std::optional<LocalDay>> DateParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<LocalDay>();
  CS_TRY(LocalDay d, ParseDate(req.get_param_value(name), name));
  return std::optional<LocalDay>(d);
}

Result<std::optional<int64_t>> IntParam(const httplib::Request& req, const char* name, int64_t min,
                                        int64_t max) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  std::string v = req.get_param_value(name);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(Error::InvalidField(name, field_codes::kInvalidType, "must be a whole number"));
  }
  int64_t n = std::stoll(v);
  if (n < min || n > max) {
    return Fail(Error::InvalidField(name, field_codes::kOutOfRange,
                                    "must be between " + std::to_string(min) + " and " + std::to_string(max)));
  }
  return std::optional<int64_t>(n);
}

}  // namespace childsafe::api
