// The HTTP API against a real server on a free loopback port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <set>
#include <thread>

#include "api/server.h"
#include "auth/tokens.h"
#include "testing/services.h"

namespace childsafe::api {
namespace {

using nlohmann::json;

json With(json base, const json& patch) {
  base.merge_patch(patch);
  return base;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = auth::PermissionMatrix::Load(testing::SourceDir() + "/data/auth/permissions.json");
    ASSERT_TRUE(m);
    matrix_ = std::make_unique<auth::PermissionMatrix>(std::move(*m));
    stats_ = std::make_unique<stats::StatsIndex>(testing::RealTaxonomy(), testing::RealProvinces());
    h_.contacts().AddListener([this](const storage::ContactFacts& f) { stats_->Upsert(f); });
    Backend b{h_.db(),  h_.contacts(), *stats_, testing::RealTaxonomy(), testing::RealProvinces(),
              *matrix_, h_.clock(),    &ready_, h_.accounts(),           h_.audit(),
              nullptr,  &h_.triage()};
    ServerOptions o;
    o.port = 0;
    o.threads = 8;
    server_ = std::make_unique<ApiServer>(b, o);
    server_->AddRoute(
        Route{"GET",
              "/api/v1/test-throws",
              {},
              std::string(kPublic),
              false,
              {{"summary", "test only"}, {"responses", {{"200", {{"description", "never"}}}}}},
              [](const Call&) -> Result<Reply> {
                throw std::runtime_error("secret detail /var/lib/db.sqlite");
              }});
    auto port = server_->Bind();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
    thread_ = std::thread([this] { (void)server_->Run(); });
    auto token =
        auth::IssueToken(h_.db(), "test admin", "administrator", std::nullopt, h_.clock().Now());
    ASSERT_TRUE(token);
    token_ = token->token;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth(token_);
    client_->set_read_timeout(10);
  }

  void TearDown() override {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  static json Body(const httplib::Result& r) { return json::parse(r->body); }

  httplib::Result Post(const std::string& path, const std::string& body,
                       httplib::Headers headers = {}) {
    return client_->Post(path, headers, body, "application/json");
  }

  std::string ValidContact() {
    return json{{"received_at", "2025-06-15T08:00:00+07:00"},
                {"channel", "zalo"},
                {"centre", "hanoi"},
                {"counsellor", "tv-1"},
                {"call_type", "about_child"},
                {"duration_seconds", 300},
                {"caller", {{"relation", "parent"}, {"phone", "0912345678"}}},
                {"children", json::array({{{"age", 14}, {"gender", "girl"}, {"province", "01"}}})},
                {"categories", {"online.sextortion"}},
                {"outcome", "counselling"},
                {"urgency", "urgent"},
                {"summary", "Con bị đe doạ tung ảnh"}}
        .dump();
  }

  int64_t CountContacts() {
    int64_t n = 0;
    EXPECT_TRUE(h_.db().Read([&](storage::ReadTxn& t) -> Status {
      CS_TRY(n, t.CountContacts());
      return {};
    }));
    return n;
  }

  testing::TestHotline h_;
  std::unique_ptr<auth::PermissionMatrix> matrix_;
  std::unique_ptr<stats::StatsIndex> stats_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::string token_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiTest, HealthReadinessAndSecurityHeaders) {
  auto r = client_->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  ready_ = false;
  EXPECT_EQ(client_->Get("/readyz")->status, 503);
}

TEST_F(ApiTest, NeedsAValidToken) {
  httplib::Client anon("127.0.0.1", port_);
  auto r = anon.Get("/api/v1/contacts");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json; charset=utf-8");
  EXPECT_NE(r->get_header_value("WWW-Authenticate").find("Bearer"), std::string::npos);
  EXPECT_EQ(Body(r)["title"], "Chưa xác thực");
  anon.set_bearer_token_auth(token_ + "x");
  EXPECT_EQ(anon.Get("/api/v1/contacts")->status, 401);
  // The OpenAPI document and health checks are public.
  EXPECT_EQ(anon.Get("/api/v1/openapi.json")->status, 200);
  // A role without the permission is refused.
  auto manager = auth::IssueToken(h_.db(), "mgr", "manager", std::nullopt, h_.clock().Now());
  anon.set_bearer_token_auth(manager->token);
  EXPECT_EQ(anon.Get("/api/v1/contacts")->status, 403);
  EXPECT_EQ(anon.Get("/api/v1/taxonomy")->status, 200);
}

TEST_F(ApiTest, CreatesReadsAndReplaysContacts) {
  auto r = Post("/api/v1/contacts", ValidContact(), {{"Idempotency-Key", "abc-1"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  json c = Body(r);
  EXPECT_EQ(c["reference"], "111-2025-000001");
  EXPECT_EQ(c["received_at"], "2025-06-15T01:00:00Z");
  EXPECT_EQ(c["online"], true);
  EXPECT_FALSE(c["caller"].contains("phone"));
  EXPECT_EQ(r->get_header_value("Location"),
            "/api/v1/contacts/" + std::to_string(c["id"].get<int64_t>()));
  EXPECT_EQ(r->get_header_value("ETag"), "\"1\"");

  auto again = Post("/api/v1/contacts", ValidContact(), {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(Body(again)["id"], c["id"]);
  auto other =
      Post("/api/v1/contacts", With(json::parse(ValidContact()), {{"channel", "web"}}).dump(),
           {{"Idempotency-Key", "abc-1"}});
  EXPECT_EQ(other->status, 409);
  EXPECT_EQ(CountContacts(), 1);

  auto got = client_->Get("/api/v1/contacts/" + std::to_string(c["id"].get<int64_t>()));
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(Body(got)["summary"], "Con bị đe doạ tung ảnh");
  EXPECT_EQ(client_->Get("/api/v1/contacts/999")->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/contacts/abc")->status, 404);
  EXPECT_EQ(Body(client_->Get("/api/v1/contacts/999"))["status"], 404);
}

TEST_F(ApiTest, BadInputGetsAProblemNamingTheFieldAndWritesNothing) {
  struct Case {
    std::string body;
    std::string field;
  };
  json valid = json::parse(ValidContact());
  std::vector<Case> cases = {
      {"{\"received_at\": ", ""},
      {With(valid, {{"colour", "red"}}).dump(), "colour"},
      {With(valid, {{"duration_seconds", "long"}}).dump(), "duration_seconds"},
      {With(valid, {{"channel", "pigeon"}}).dump(), "channel"},
      {With(valid, {{"received_at", "2099-01-01T00:00:00Z"}}).dump(), "received_at"},
      {With(valid, {{"call_type", "silent"}, {"urgency", nullptr}}).dump(), "categories"},
      {With(valid, {{"children", json::array({{{"age", 99}}})}}).dump(), "children/0/age"},
      {std::string("{\"summary\": \"\xC3\"}"), ""},
      {"[1, 2, 3]", ""},
      {"{\"duration_seconds\": -1e309}", ""},  // regression: used to escape as an exception
  };
  for (const auto& c : cases) {
    auto r = Post("/api/v1/contacts", c.body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << c.body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json; charset=utf-8");
    json p = Body(r);
    ASSERT_TRUE(p.contains("errors")) << r->body;
    std::set<std::string> fields;
    for (const auto& e : p["errors"]) fields.insert(e["field"]);
    EXPECT_TRUE(fields.count(c.field)) << c.body << " -> " << r->body;
  }
  // Over 1 MiB: 413 before the body is read.
  std::string huge = "{\"summary\": \"" + std::string(1100000, 'a') + "\"}";
  auto big = Post("/api/v1/contacts", huge);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(Body(big)["status"], 413);
  // Not JSON at all.
  auto text = client_->Post("/api/v1/contacts", ValidContact(), "text/plain");
  EXPECT_EQ(text->status, 415);
  EXPECT_EQ(CountContacts(), 0);
}

TEST_F(ApiTest, PatchNeedsTheCurrentVersionAndLosesNothing) {
  auto created = Body(Post("/api/v1/contacts", ValidContact()));
  std::string path = "/api/v1/contacts/" + std::to_string(created["id"].get<int64_t>());
  auto patch = [&](const json& body, httplib::Headers h) {
    return client_->Patch(path, h, body.dump(), "application/merge-patch+json");
  };
  auto ok = patch({{"outcome", "intervention_connection"}}, {{"If-Match", "\"1\""}});
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Body(ok)["version"], 2);
  EXPECT_EQ(Body(ok)["summary"], "Con bị đe doạ tung ảnh");  // untouched fields kept
  auto stale = patch({{"outcome", "report"}}, {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale->status, 409);
  auto by_body = patch({{"outcome", "report"}, {"version", 2}}, {});
  EXPECT_EQ(by_body->status, 200);
  EXPECT_EQ(patch({{"outcome", "counselling"}}, {})->status, 428);
  auto sys = patch({{"reference", "x"}, {"version", 3}}, {});
  EXPECT_EQ(sys->status, 400);
  EXPECT_EQ(Body(sys)["errors"][0]["field"], "reference");
  auto invalid = patch({{"categories", {"nope"}}, {"version", 3}}, {});
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(Body(invalid)["errors"][0]["field"], "categories/0");
  auto now = Body(client_->Get(path));
  EXPECT_EQ(now["version"], 3);
  EXPECT_EQ(now["outcome"], "report");
}

TEST_F(ApiTest, ListsWithFiltersAndCursors) {
  for (int i = 0; i < 7; ++i) {
    json c = json::parse(ValidContact());
    c["received_at"] = "2025-06-0" + std::to_string(i + 1) + "T08:00:00+07:00";
    if (i % 2) c["channel"] = "web";
    ASSERT_EQ(Post("/api/v1/contacts", c.dump())->status, 201);
  }
  std::set<int64_t> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = client_->Get("/api/v1/contacts?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r->status, 200);
    json j = Body(r);
    for (const auto& it : j["items"]) {
      seen.insert(it["id"].get<int64_t>());
      EXPECT_FALSE(it.contains("summary"));  // lists carry coded fields only
    }
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(Body(client_->Get("/api/v1/contacts?channel=web"))["items"].size(), 3u);
  EXPECT_EQ(Body(client_->Get("/api/v1/contacts?from=2025-06-02&to=04/06/2025"))["items"].size(),
            2u);
  auto bad = client_->Get("/api/v1/contacts?colour=red&limit=9999&online=maybe");
  EXPECT_EQ(bad->status, 400);
  auto cur = client_->Get("/api/v1/contacts?cursor=garbage");
  EXPECT_EQ(cur->status, 400);
  EXPECT_EQ(Body(cur)["errors"][0]["field"], "cursor");
  auto sql = client_->Get("/api/v1/contacts?channel=phone'%20OR%201=1--");
  EXPECT_EQ(sql->status, 400);
  EXPECT_EQ(Body(sql)["errors"][0]["code"], "unknown_code");
}

TEST_F(ApiTest, StatisticsAsJsonAndCsv) {
  ASSERT_EQ(Post("/api/v1/contacts", ValidContact())->status, 201);
  auto r = client_->Get("/api/v1/stats?from=2025-06-01&to=2025-07-01&by=outcome&online=true");
  ASSERT_EQ(r->status, 200) << r->body;
  json j = Body(r);
  EXPECT_EQ(j["total"], 1);
  EXPECT_EQ(j["rows"][0]["outcome"], "counselling");
  EXPECT_EQ(j["period"]["end_exclusive"], true);
  auto csv = client_->Get("/api/v1/stats?from=2025-06-01&to=2025-07-01&by=channel&format=csv");
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->body, "channel,channel_vi,count\r\nzalo,Zalo,1\r\n");
  auto bad = client_->Get("/api/v1/stats?from=2025-06-01&by=colour");
  EXPECT_EQ(bad->status, 400) << bad->body;
  json problem = Body(bad);
  std::set<std::string> fields;
  for (const auto& e : problem["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"to", "by"}));
}

TEST_F(ApiTest, ExceptionsBecomeAGeneric500WithoutDetail) {
  auto r = client_->Get("/api/v1/test-throws");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.find("secret"), std::string::npos);
  for (const auto& [k, v] : r->headers) {
    EXPECT_EQ(v.find("secret"), std::string::npos) << k;
    EXPECT_NE(k, "EXCEPTION_WHAT");
  }
  EXPECT_EQ(Body(r)["status"], 500);
}

TEST_F(ApiTest, EnglishOnRequest) {
  httplib::Headers en = {{"Accept-Language", "en-GB"}};
  auto r = client_->Get("/api/v1/contacts/999", en);
  EXPECT_EQ(Body(r)["title"], "Not found");
  EXPECT_EQ(Body(client_->Get("/nope", en))["title"], "Not found");
  EXPECT_EQ(Body(client_->Get("/nope"))["title"], "Không tìm thấy");
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatus) {
  ASSERT_EQ(Post("/api/v1/contacts", ValidContact())->status, 201);
  (void)client_->Get("/api/v1/contacts/999");
  auto m = client_->Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("childsafe_http_requests_total{route=\"/api/v1/"
                         "contacts\",method=\"POST\",status=\"201\"} 1"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("route=\"/api/v1/contacts/{id}\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(m->body.find("childsafe_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m->body.find("childsafe_db_commits_total"), std::string::npos);
  EXPECT_NE(m->body.find("childsafe_contacts 1"), std::string::npos);
}

TEST_F(ApiTest, EveryRouteIsInTheOpenApiDocumentAndTheDocsCopyIsCurrent) {
  json doc = Body(client_->Get("/api/v1/openapi.json"));
  std::set<std::string> documented, routed;
  for (auto p = doc["paths"].begin(); p != doc["paths"].end(); ++p) {
    for (auto m = p->begin(); m != p->end(); ++m) documented.insert(m.key() + " " + p.key());
  }
  for (const Route& r : server_->routes()) {
    std::string m = r.method;
    std::transform(m.begin(), m.end(), m.begin(), ::tolower);
    routed.insert(m + " " + r.path);
    // Every protected route names a permission the matrix knows.
    if (r.permission != kPublic) {
      EXPECT_TRUE(matrix_->HasPermission(r.permission)) << r.path;
    }
  }
  EXPECT_EQ(documented, routed);
  // docs/api/openapi.json is generated from the same table (`childsafe openapi`); keep it true.
  std::ifstream in(testing::SourceDir() + "/docs/api/openapi.json");
  ASSERT_TRUE(in)
      << "docs/api/openapi.json is missing: run childsafe openapi > docs/api/openapi.json";
  json committed = json::parse(in);
  json current = doc;
  current["paths"].erase("/api/v1/test-throws");
  EXPECT_TRUE(committed == current) << "docs/api/openapi.json is stale: regenerate it with "
                                       "build/release/childsafe openapi > docs/api/openapi.json";
}

}  // namespace
}  // namespace childsafe::api

namespace childsafe::api {
namespace {

// Every protected route × every role of the matrix: allowed exactly when the matrix grants the
// route's permission (denied → 403; allowed → anything but 401/403, since a handler may still
// refuse the empty input it is given). A route without a permission in the matrix fails above.
TEST_F(ApiTest, EveryRouteForEveryRoleFollowsTheMatrix) {
  ASSERT_EQ(Post("/api/v1/contacts", ValidContact())->status, 201);  // something for {id} to find
  int checked = 0;
  for (const auto& [role, info] : matrix_->roles()) {
    auto token = auth::IssueToken(h_.db(), "walk " + role, role, std::nullopt, h_.clock().Now());
    ASSERT_TRUE(token);
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(token->token);
    for (const Route& r : server_->routes()) {
      if (r.permission == kPublic) continue;
      std::string path = r.path;
      for (size_t p = path.find('{'); p != std::string::npos; p = path.find('{')) {
        path.replace(p, path.find('}', p) - p + 1, "1");
      }
      if (r.path == "/api/v1/stats") path += "?from=2025-01-01&to=2025-02-01";
      if (r.path == "/api/v1/alerts/stream") path += "?wait=0";  // else it stays open
      auto res = r.method == "GET"     ? c.Get(path)
                 : r.method == "POST"  ? c.Post(path, "{}", "application/json")
                 : r.method == "PUT"   ? c.Put(path, "{}", "application/json")
                 : r.method == "PATCH" ? c.Patch(path, "{}", "application/merge-patch+json")
                                       : c.Delete(path);
      ASSERT_TRUE(res) << r.method << " " << path;
      const bool granted = info.grants.count(r.permission) > 0;
      if (granted) {
        EXPECT_NE(res->status, 401) << role << " " << r.method << " " << r.path;
        EXPECT_NE(res->status, 403) << role << " " << r.method << " " << r.path << " " << res->body;
      } else {
        EXPECT_EQ(res->status, 403) << role << " " << r.method << " " << r.path;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 6 * 15);
}

}  // namespace
}  // namespace childsafe::api
