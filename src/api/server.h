#pragma once
// The HTTP adapter: JSON over HTTP/1.1 on cpp-httplib. Each route is a row of one table (method,
// path, permission, OpenAPI operation, handler); the server authenticates, checks the permission
// against the matrix, calls the handler (a few lines over one service call) and serialises.
//
// Every response carries security headers; every error is problem+json; an exception in a
// handler becomes a generic 500 with the detail in the log only (cpp-httplib 0.11 would otherwise
// put what() in a response header). Request metrics are kept per route for /metrics.
//
// Thread-safety: handlers run on the server's thread pool, concurrently.

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "api/problem.h"
#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"
#include "intake/contact_service.h"
#include "stats/stats_index.h"
#include "storage/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace childsafe::matching {
class MatchService;
}  // namespace childsafe::matching
namespace childsafe::triage {
class TriageService;
}  // namespace childsafe::triage

namespace childsafe::api {

/// The services the API adapts. All references outlive the server.
struct Backend {
  storage::Database& db;
  intake::ContactService& contacts;
  stats::StatsIndex& stats;
  const domain::Taxonomy& taxonomy;
  const domain::Provinces& provinces;
  const auth::PermissionMatrix& permissions;
  const Clock& clock;
  std::atomic<bool>* ready;  // set once the stats index is loaded (nullptr: always ready)
  auth::AccountService& accounts;
  const auth::AuditLog& audit;
  matching::MatchService* matching;  // known-image matching (issue 4); nullptr: not served
  triage::TriageService* triage;     // Vietnamese text triage (issue 5); nullptr: not served
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8111;   // 0: any free port
  int threads = 64;  // each keep-alive connection holds a thread while it is open
  size_t max_body_bytes = 1 << 20;
  /// Routes that take an upload (Route::upload, e.g. an image to match) accept bodies up to this.
  size_t max_upload_bytes = 20 << 20;
  int keep_alive_seconds = 30;
  /// Serve the browser application's files from here (GET, outside /api); empty: none.
  std::string web_root;
  /// TLS is terminated in front of this server (nginx): cookies get Secure, responses HSTS.
  bool behind_tls = false;
  /// Addresses of reverse proxies whose X-Forwarded-For is believed.
  std::vector<std::string> trusted_proxies;
  /// Origins allowed to send state-changing requests with a session cookie, besides the
  /// server's own ("https://111.example.vn"); anything else is refused as cross-site.
  std::vector<std::string> allowed_origins;
};

inline constexpr std::string_view kSessionCookie = "cs_session";

/// A JSON (or other) response from a handler.
struct Reply {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// A streamed body instead of `body` (server-sent events): after the headers, the server calls
  /// it again and again on the request's worker thread; each call writes what it has through
  /// `write` (false: the client went away), returns within about a second so a stopping server
  /// is not held up, and returns false when the stream is over.
  std::function<bool(const std::function<bool(std::string_view)>& write)> stream;

  static Reply Json(int status, const nlohmann::json& j);
};

/// What a handler gets: the request, who is asking, path parameters in order, the language.
struct Call {
  const httplib::Request& req;
  const auth::Principal& who;
  std::vector<std::string> path_params;
  Lang lang;
  std::string request_id;
  std::string session_token;  // the session cookie's value, if the request carried one
  const ServerOptions* options = nullptr;
};

using Handler = std::function<Result<Reply>(const Call&)>;

/// One route. `path` uses OpenAPI templates ("/api/v1/contacts/{id}"); `param_patterns` gives
/// the regex each template parameter must match, in order.
struct Route {
  std::string method;  // GET, POST, PATCH, ...
  std::string path;
  std::vector<std::string> param_patterns;
  std::string permission;    // a permission of the matrix, or "public" (signed in or not)
  bool json_body = false;    // the request must carry a JSON body
  nlohmann::json operation;  // OpenAPI operation object (summary, parameters, responses, ...)
  Handler handler;
  /// The body may be an upload of up to ServerOptions::max_upload_bytes (others: max_body_bytes).
  bool upload = false;
};

inline constexpr std::string_view kPublic = "public";

class ApiServer {
 public:
  ApiServer(Backend backend, ServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Adds a route (before Bind).
  void AddRoute(Route route) { routes_.push_back(std::move(route)); }
  /// Registers the routes and binds the listening socket; returns the port (useful with port 0).
  Result<int> Bind();
  /// Serves until Stop(). Call after Bind().
  Status Run();
  void Stop();

  const std::vector<Route>& routes() const { return routes_; }
  /// The OpenAPI 3.1 document of every route.
  nlohmann::json OpenApi() const;
  /// Request, database and process metrics in the Prometheus text format.
  std::string MetricsText() const;

 private:
  void Register();
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  void Send(const httplib::Request& req, httplib::Response& res, Reply reply,
            const std::string& request_id);
  void ServeStatic(const httplib::Request& req, httplib::Response& res);
  std::string ClientAddress(const httplib::Request& req) const;
  Result<auth::Principal> Authenticate(const Route& route, const httplib::Request& req,
                                       std::string& session_token);

  Backend b_;
  ServerOptions options_;
  std::vector<Route> routes_;
  std::unique_ptr<httplib::Server> http_;
  Metrics metrics_;
  UnixSeconds started_at_ = 0;
};

// Route groups (routes_*.cc). Each appends its rows to the table.
// Handlers keep the pointer and use it only when called, so a table built with nullptr serves to
// generate documentation.
void AddSystemRoutes(std::vector<Route>& routes, Backend* b);
void AddContactRoutes(std::vector<Route>& routes, Backend* b);
void AddStatsRoutes(std::vector<Route>& routes, Backend* b);
void AddAuthRoutes(std::vector<Route>& routes, Backend* b);
void AddAdminRoutes(std::vector<Route>& routes, Backend* b);
void AddMatchingRoutes(std::vector<Route>& routes, Backend* b);
void AddTriageRoutes(std::vector<Route>& routes, Backend* b);
/// /metrics and the OpenAPI document (they need the server itself).
void AddServerRoutes(std::vector<Route>& routes, ApiServer* server);

/// The OpenAPI 3.1 document of a route table.
nlohmann::json OpenApiDocument(const std::vector<Route>& routes);
/// The document of every route the server serves, built without a backend (for docs/api/).
nlohmann::json ServedOpenApiDocument();
/// OpenAPI fragments the route tables share: a required request body of `media_type` with
/// `schema`, and a response with a JSON body.
nlohmann::json RequestBody(const nlohmann::json& schema,
                           const char* media_type = "application/json");
nlohmann::json JsonResponse(const char* description, const nlohmann::json& schema);

// Shared by the handlers.
/// A Set-Cookie value for the session (HttpOnly, SameSite=Strict, Secure behind TLS); an empty
/// token clears it.
std::string SessionCookie(const std::string& token, const ServerOptions& o,
                          int64_t max_age_seconds);
/// The value of one cookie in a Cookie header, or "".
std::string CookieValue(const std::string& header, std::string_view name);
/// Parses a query string strictly: unknown parameters are an error naming them.
Status CheckQueryParams(const httplib::Request& req, std::initializer_list<const char*> allowed);
/// A single-valued parameter (given twice is an error: no guessing which one counts).
Result<std::string> OneParam(const httplib::Request& req, const char* name);
/// A comma-separated (or repeated) list parameter.
std::vector<std::string> ListParam(const httplib::Request& req, const char* name);
/// A boolean parameter ("true"/"false"/"1"/"0"); error names the parameter.
Result<std::optional<bool>> BoolParam(const httplib::Request& req, const char* name);
/// A local date parameter (YYYY-MM-DD or dd/mm/yyyy).
Result<std::optional<LocalDay>> DateParam(const httplib::Request& req, const char* name);
/// An integer parameter within [min, max].
Result<std::optional<int64_t>> IntParam(const httplib::Request& req, const char* name, int64_t min,
                                        int64_t max);

}  // namespace childsafe::api
