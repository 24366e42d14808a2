#include "api/server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include "auth/tokens.h"
#include "common/log.h"
#include "common/utf8.h"
#include "crypto/crypto.h"

namespace childsafe::api {

namespace {

// Pending connections the kernel queues for accept() (capped by net.core.somaxconn).
constexpr int kListenBacklog = 1024;

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
  if (!given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
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
      out += "(" +
             (param < r.param_patterns.size() ? r.param_patterns[param] : std::string("[^/]+")) +
             ")";
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
  if (e.retry_after_seconds > 0)
    r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  return r;
}

}  // namespace

void AddServerRoutes(std::vector<Route>& routes, ApiServer* server) {
  routes.push_back(Route{
      "GET",
      "/metrics",
      {},
      std::string(kPublic),
      false,
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
  routes.push_back(Route{
      "GET",
      "/api/v1/openapi.json",
      {},
      std::string(kPublic),
      false,
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
  AddAuthRoutes(routes, nullptr);
  AddAdminRoutes(routes, nullptr);
  AddMatchingRoutes(routes, nullptr);
  AddTriageRoutes(routes, nullptr);
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
  AddAuthRoutes(routes_, &b_);
  AddAdminRoutes(routes_, &b_);
  AddMatchingRoutes(routes_, &b_);
  AddTriageRoutes(routes_, &b_);
  AddServerRoutes(routes_, this);
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Register() {
  httplib::Server& s = *http_;
  const int threads = options_.threads;
  // cpp-httplib takes ownership of the task queue it is given.
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // With a route that takes uploads, the framework's limit is the upload limit; each request is
  // then held to its own route's limit in Dispatch. A body over max_body_bytes is read only for a
  // client that has authenticated on a protected route (checked below from the headers alone), so
  // anonymous clients still cannot make the server hold more than max_body_bytes for them.
  std::vector<std::pair<const Route*, std::regex>> matchers;
  bool uploads = false;
  for (const Route& r : routes_) {
    matchers.emplace_back(&r, std::regex(PathRegex(r)));
    uploads = uploads || r.upload;
  }
  s.set_payload_max_length(uploads ? std::max(options_.max_body_bytes, options_.max_upload_bytes)
                                   : options_.max_body_bytes);
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(options_.keep_alive_seconds);
  s.set_read_timeout(10);
  s.set_write_timeout(10);
  s.set_tcp_nodelay(true);
  for (const Route& r : routes_) {
    std::string pattern = PathRegex(r);
    auto h = [this, &r](const httplib::Request& req, httplib::Response& res) {
      Dispatch(r, req, res);
    };
    if (r.method == "GET")
      s.Get(pattern, h);
    else if (r.method == "POST")
      s.Post(pattern, h);
    else if (r.method == "PATCH")
      s.Patch(pattern, h);
    else if (r.method == "PUT")
      s.Put(pattern, h);
    else if (r.method == "DELETE")
      s.Delete(pattern, h);
  }
  // Bound what one request may carry in headers (cpp-httplib limits each line, not their number).
  s.set_pre_routing_handler([this, uploads, matchers = std::move(matchers)](
                                const httplib::Request& req, httplib::Response& res) {
    size_t bytes = 0;
    for (const auto& [k, v] : req.headers) bytes += k.size() + v.size() + 4;
    if (req.headers.size() <= 100 && bytes <= 16 * 1024) {
      if (!uploads) return httplib::Server::HandlerResponse::Unhandled;
      const std::string length = req.get_header_value("Content-Length");
      const bool large =
          req.has_header("Transfer-Encoding") ||
          (!length.empty() &&
           (length.size() > 18 || length.find_first_not_of("0123456789") != std::string::npos ||
            std::stoull(length) > options_.max_body_bytes));
      if (!large) return httplib::Server::HandlerResponse::Unhandled;
      const Route* route = nullptr;
      for (const auto& [r, pattern] : matchers) {
        if (r->method == req.method && std::regex_match(req.path, pattern)) route = r;
      }
      int refuse = route == nullptr || route->permission == kPublic ? 413 : 0;
      if (!refuse) {
        std::string session;
        auto who = Authenticate(*route, req, session);
        if (!who) refuse = HttpStatus(who.error().code);
      }
      if (!refuse) return httplib::Server::HandlerResponse::Unhandled;
      // Refused before a byte of the body is read; the connection closes after the answer.
      std::string id = RequestId(req);
      res.status = refuse;
      res.set_content(
          ProblemForStatus(refuse, NegotiateLang(req.get_header_value("Accept-Language")), id)
              .dump(),
          std::string(kProblemContentType));
      SecurityHeaders(res);
      res.set_header("X-Request-Id", id);
      res.set_header("Connection", "close");
      metrics_.Record("unmatched", req.method.substr(0, 10), refuse, 0);
      return httplib::Server::HandlerResponse::Handled;
    }
    std::string id = RequestId(req);
    res.status = 431;
    res.set_content(
        ProblemForStatus(431, NegotiateLang(req.get_header_value("Accept-Language")), id).dump(),
        std::string(kProblemContentType));
    SecurityHeaders(res);
    metrics_.Record("unmatched", req.method.substr(0, 10), 431, 0);
    return httplib::Server::HandlerResponse::Handled;
  });
  if (!options_.web_root.empty()) {
    s.Get("/(.*)",
          [this](const httplib::Request& req, httplib::Response& res) { ServeStatic(req, res); });
  }
  // Statuses the framework sets itself (no route, body too large, malformed request line, ...).
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already wrote a problem
    std::string id = RequestId(req);
    Lang lang = NegotiateLang(req.get_header_value("Accept-Language"));
    res.set_content(ProblemForStatus(res.status, lang, id).dump(),
                    std::string(kProblemContentType));
    SecurityHeaders(res);
    res.set_header("X-Request-Id", id);
    metrics_.Record("unmatched", req.method.empty() ? "?" : req.method.substr(0, 10), res.status,
                    0);
  });
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                             std::exception_ptr ep) {
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
    res.set_content(
        ProblemForStatus(500, NegotiateLang(req.get_header_value("Accept-Language")), "").dump(),
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
  if (options_.behind_tls)
    res.set_header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  res.set_header("X-Request-Id", request_id);
  if (reply.stream) {
    res.set_chunked_content_provider(
        reply.content_type, [step = std::move(reply.stream)](size_t, httplib::DataSink& sink) {
          const bool more = step([&sink](std::string_view d) {
            return d.empty() || (sink.is_writable() && sink.write(d.data(), d.size()));
          });
          if (!more) sink.done();
          return true;
        });
    return;
  }
  res.set_content(std::move(reply.body), reply.content_type);
}

void ApiServer::Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = RequestId(req);
  const Lang lang = NegotiateLang(req.get_header_value("Accept-Language"));
  auth::Principal who;
  std::string session_token;
  Result<Reply> reply = [&]() -> Result<Reply> {
    CS_TRY(who, Authenticate(route, req, session_token));
    who.address = ClientAddress(req);
    who.request_id = request_id;
    std::string reason = req.get_header_value("X-Access-Reason");
    if (reason.size() > 500 || !IsValidUtf8(reason)) {
      return Fail(Error::InvalidField("X-Access-Reason", field_codes::kInvalidFormat,
                                      "at most 500 characters of UTF-8"));
    }
    who.reason = reason;
    if (route.permission != kPublic) {
      if (who.must_change_password && route.permission != "self") {
        Error e = Error::PermissionDenied(
            "change your temporary password first (POST /api/v1/auth/password)");
        return Fail(std::move(e));
      }
      CS_TRY_STATUS(b_.permissions.Check(who, route.permission));
    }
    if (req.body.size() > (route.upload
                               ? std::max(options_.max_body_bytes, options_.max_upload_bytes)
                               : options_.max_body_bytes)) {
      return Fail(Error::TooLarge("the request body is over the limit for this route"));
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
    Call call{req, who, {}, lang, request_id, session_token, &options_};
    for (size_t i = 1; i < req.matches.size(); ++i)
      call.path_params.push_back(req.matches[i].str());
    try {
      return route.handler(call);
    } catch (const std::exception& e) {
      return Fail(Error::Internal(std::string("exception: ") + e.what()));
    }
  }();
  if (!reply) {
    const Error& e = reply.error();
    if (HttpStatus(e.code) >= 500) {
      log::Error("http.error", {{"route", route.path},
                                {"code", std::string(ErrorCodeName(e.code))},
                                {"detail", e.detail},
                                {"request_id", request_id}});
    }
    reply = ErrorReply(e, HttpStatus(e.code), lang, request_id);
  }
  Send(req, res, std::move(*reply), request_id);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.Record(route.path, route.method, res.status, seconds);
  log::Debug("http.request", {{"method", route.method},
                              {"route", route.path},
                              {"status", res.status},
                              {"ms", seconds * 1000},
                              {"request_id", request_id}});
}

Result<int> ApiServer::Bind() {
  Register();
  // Debian's cpp-httplib is a compiled library that listens with a backlog of 5: a burst of new
  // connections (a shift starting, 32 clients at once) overflows it, the kernel drops SYNs and
  // those clients wait the 1 s SYN retransmission. The listening socket is captured here and
  // listen() called again with a real backlog (Linux applies the new one). Also SO_REUSEADDR
  // instead of the library's SO_REUSEPORT, so that a second server on the same port fails to
  // start rather than silently sharing its connections.
  int listen_fd = -1;
  http_->set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });
  if (options_.port == 0) {
    int port = http_->bind_to_any_port(options_.host);
    if (port <= 0) return Fail(Error::Unavailable("cannot listen on " + options_.host));
    options_.port = port;
  } else if (!http_->bind_to_port(options_.host, options_.port)) {
    return Fail(Error::Unavailable("cannot listen on " + options_.host + ":" +
                                   std::to_string(options_.port) + " (in use?)"));
  }
  if (listen_fd >= 0 && ::listen(listen_fd, kListenBacklog) != 0) {
    return Fail(Error::Unavailable("cannot listen on " + options_.host));
  }
  return options_.port;
}

Status ApiServer::Run() {
  if (!http_->listen_after_bind())
    return Fail(Error::Unavailable("the server stopped unexpectedly"));
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
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + buf + "\n";
  };
  if (auto info = b_.db.Info()) {
    gauge("childsafe_db_file_bytes", "Size of the database file.",
          static_cast<double>(info->file_bytes));
    gauge("childsafe_db_wal_bytes", "Size of the write-ahead log.",
          static_cast<double>(info->wal_bytes));
    gauge("childsafe_db_pages", "Pages in the database.", static_cast<double>(info->page_count));
    gauge("childsafe_db_free_pages", "Free pages in the database.",
          static_cast<double>(info->freelist_count));
    gauge("childsafe_db_schema_version", "Schema version of the database.", info->schema_version);
    gauge("childsafe_db_commits_total", "Group commits (each one fsync).",
          static_cast<double>(info->write_batches), "counter");
    gauge("childsafe_db_write_units_total", "Units of work committed.",
          static_cast<double>(info->write_jobs), "counter");
  }
  gauge("childsafe_contacts", "Contacts in the statistics index.",
        static_cast<double>(b_.stats.contacts()));
  gauge("childsafe_stats_index_bytes", "Memory held by the statistics index.",
        static_cast<double>(b_.stats.memory_bytes()));
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  gauge("process_resident_memory_bytes", "Resident memory.",
        static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  gauge("process_start_time_seconds", "Start time (Unix seconds).",
        static_cast<double>(started_at_));
  return out;
}

std::string ApiServer::ClientAddress(const httplib::Request& req) const {
  std::string addr = req.remote_addr;
  if (!options_.trusted_proxies.empty() &&
      std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), addr) !=
          options_.trusted_proxies.end()) {
    std::string fwd = req.get_header_value("X-Forwarded-For");
    size_t comma = fwd.rfind(',');
    std::string last = comma == std::string::npos ? fwd : fwd.substr(comma + 1);
    last.erase(0, last.find_first_not_of(' '));
    if (!last.empty() && last.size() <= 45) addr = last;
  }
  return addr;
}

Result<auth::Principal> ApiServer::Authenticate(const Route& route, const httplib::Request& req,
                                                std::string& session_token) {
  const bool needs = route.permission != kPublic;
  std::string h = req.get_header_value("Authorization");
  if (!h.empty()) {
    if (h.size() < 8 || h.compare(0, 7, "Bearer ") != 0) {
      if (!needs) return auth::Principal::Make(auth::Principal::Kind::kSystem, 0, "anonymous", "");
      return Fail(Error::Unauthenticated("send 'Authorization: Bearer <token>' or sign in"));
    }
    auto who = auth::AuthenticateToken(b_.db, std::string_view(h).substr(7), b_.clock.Now());
    // Public routes answer anyone; stale credentials do not get in their way.
    if (!who && !needs)
      return auth::Principal::Make(auth::Principal::Kind::kSystem, 0, "anonymous", "");
    return who;
  }
  session_token = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
  const bool unsafe = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
  const auto anonymous = auth::Principal::Make(auth::Principal::Kind::kSystem, 0, "anonymous", "");
  if (unsafe) {
    // Cross-site requests with the user's cookie are refused before anything else happens.
    std::string site = req.get_header_value("Sec-Fetch-Site");
    std::string origin = req.get_header_value("Origin");
    if (site == "cross-site") return Fail(Error::PermissionDenied("cross-site request refused"));
    if (!origin.empty()) {
      std::string host = req.get_header_value("Host");
      bool same = origin == "http://" + host || origin == "https://" + host;
      bool allowed = std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                               origin) != options_.allowed_origins.end();
      if (!same && !allowed)
        return Fail(Error::PermissionDenied("request from another origin refused"));
    }
  }
  // Public routes (health, sign-in) never act on a session; sign-in ends whatever it carried.
  if (!needs) return anonymous;
  if (session_token.empty()) {
    return Fail(Error::Unauthenticated("sign in, or send 'Authorization: Bearer <token>'"));
  }
  auto who = b_.accounts.AuthenticateSession(session_token);
  if (!who) return Fail(who.error());
  if (unsafe)
    CS_TRY_STATUS(b_.accounts.CheckCsrf(session_token, req.get_header_value("X-CSRF-Token")));
  return who;
}

void ApiServer::ServeStatic(const httplib::Request& req, httplib::Response& res) {
  const std::string request_id = RequestId(req);
  auto refuse = [&](int status) {
    res.status = status;
    res.set_content(
        ProblemForStatus(status, NegotiateLang(req.get_header_value("Accept-Language")), request_id)
            .dump(),
        std::string(kProblemContentType));
    SecurityHeaders(res);
    metrics_.Record("static", "GET", status, 0);
  };
  // httplib has already percent-decoded the path: "%2e%2e" arrives as "..".
  const std::string& path = req.path;
  if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos ||
      path.find('\\') != std::string::npos || path.find('\0') != std::string::npos ||
      path.find("//") != std::string::npos || path.rfind("/api/", 0) == 0 || path.size() > 512) {
    return refuse(path.rfind("/api/", 0) == 0 ? 404 : 400);
  }
  std::error_code ec;
  std::filesystem::path root = std::filesystem::weakly_canonical(options_.web_root, ec);
  std::filesystem::path file = root / (path == "/" ? std::string("index.html") : path.substr(1));
  std::filesystem::path real = std::filesystem::weakly_canonical(file, ec);
  auto rel = real.lexically_relative(root);
  if (ec || rel.empty() || *rel.begin() == ".." || !std::filesystem::is_regular_file(real, ec)) {
    return refuse(404);
  }
  std::ifstream in(real, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff2", "font/woff2"},
      {".ico", "image/x-icon"}};
  auto type = kTypes.find(real.extension().string());
  res.status = 200;
  res.set_content(std::move(body),
                  type == kTypes.end() ? "application/octet-stream" : type->second);
  SecurityHeaders(res);
  // The browser application: its own scripts and styles only, no inline script, no framing.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                 "frame-ancestors 'none'");
  res.set_header("Cache-Control", "no-cache");
  if (options_.behind_tls)
    res.set_header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  metrics_.Record("static", "GET", 200, 0);
}

std::string SessionCookie(const std::string& token, const ServerOptions& o, int64_t max_age) {
  std::string c = std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict";
  if (o.behind_tls) c += "; Secure";
  c += "; Max-Age=" + std::to_string(token.empty() ? 0 : max_age);
  return c;
}

std::string CookieValue(const std::string& header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    std::string_view item(header.data() + pos,
                          (end == std::string::npos ? header.size() : end) - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=') {
      return std::string(item.substr(name.size() + 1));
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

// ---- parameter helpers --------------------------------------------------------------------------

Status CheckQueryParams(const httplib::Request& req, std::initializer_list<const char*> allowed) {
  std::set<std::string> ok(allowed.begin(), allowed.end());
  FieldErrors errs;
  std::set<std::string> reported;
  for (const auto& [k, v] : req.params) {
    if (!ok.count(k) && reported.insert(k).second) {
      errs.Add(k.size() > 64 ? k.substr(0, 64) : k, field_codes::kUnknownField,
               "unknown query parameter");
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
      std::string item =
          v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

Result<std::string> OneParam(const httplib::Request& req, const char* name) {
  if (req.get_param_value_count(name) > 1) {
    return Fail(Error::InvalidField(name, field_codes::kDuplicate, "given more than once"));
  }
  return req.get_param_value(name);
}

Result<std::optional<bool>> BoolParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<bool>();
  CS_TRY(std::string v, OneParam(req, name));
  if (v == "true" || v == "1") return std::optional<bool>(true);
  if (v == "false" || v == "0") return std::optional<bool>(false);
  return Fail(Error::InvalidField(name, field_codes::kInvalidFormat, "use true or false"));
}

Result<std::optional<LocalDay>> DateParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<LocalDay>();
  CS_TRY(std::string v, OneParam(req, name));
  CS_TRY(LocalDay d, ParseDate(v, name));
  return std::optional<LocalDay>(d);
}

Result<std::optional<int64_t>> IntParam(const httplib::Request& req, const char* name, int64_t min,
                                        int64_t max) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  CS_TRY(std::string v, OneParam(req, name));
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(Error::InvalidField(name, field_codes::kInvalidType, "must be a whole number"));
  }
  int64_t n = std::stoll(v);
  if (n < min || n > max) {
    return Fail(Error::InvalidField(
        name, field_codes::kOutOfRange,
        "must be between " + std::to_string(min) + " and " + std::to_string(max)));
  }
  return std::optional<int64_t>(n);
}

}  // namespace childsafe::api
