// Text triage over HTTP: POST /api/v1/triage with good and hostile input, the queue, decisions,
// alerts (list, acknowledgement, the server-sent-event stream), search and lexicon reload.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "api/server.h"
#include "auth/tokens.h"
#include "testing/services.h"

namespace childsafe::api {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class TriageApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = auth::PermissionMatrix::Load(testing::SourceDir() + "/data/auth/permissions.json");
    ASSERT_TRUE(m);
    matrix_ = std::make_unique<auth::PermissionMatrix>(std::move(*m));
    stats_ = std::make_unique<stats::StatsIndex>(testing::RealTaxonomy(), testing::RealProvinces());
    Backend b{h_.db(),  h_.contacts(), *stats_, testing::RealTaxonomy(), testing::RealProvinces(),
              *matrix_, h_.clock(),    &ready_, h_.accounts(),           h_.audit(),
              nullptr,  &h_.triage()};
    ServerOptions o;
    o.port = 0;
    o.threads = 8;
    server_ = std::make_unique<ApiServer>(b, o);
    auto port = server_->Bind();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
    thread_ = std::thread([this] { (void)server_->Run(); });
    admin_ = Client(Token("administrator"));
  }

  void TearDown() override {
    h_.triage().Shutdown();
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string Token(const std::string& role) {
    auto t = auth::IssueToken(h_.db(), "t-" + role, role, std::nullopt, h_.clock().Now());
    EXPECT_TRUE(t);
    return t ? t->token : "";
  }

  std::unique_ptr<httplib::Client> Client(const std::string& token) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_bearer_token_auth(token);
    c->set_read_timeout(20);
    return c;
  }

  static json Body(const httplib::Result& r) { return json::parse(r->body); }

  httplib::Result Triage(const std::string& body) {
    return admin_->Post("/api/v1/triage", body, "application/json");
  }

  // A message that arrives through an integration token: no counsellor, so it is queued.
  int64_t Arrive(const std::string& summary, int minutes_ago = 10) {
    json c = {{"received_at", FormatTimestampUtc(h_.clock().Now() - minutes_ago * 60)},
              {"channel", "web"},
              {"centre", "hanoi"},
              {"call_type", "child_about_self"},
              {"caller", {{"relation", "self"}}},
              {"children", json::array({{{"age", 14}, {"gender", "girl"}}})},
              {"categories", {"online.other"}},
              {"outcome", "counselling"},
              {"urgency", "urgent"},
              {"summary", summary}};
    auto r = admin_->Post("/api/v1/contacts", c.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return 0;
    EXPECT_EQ(r->status, 201) << r->body;
    return r->status == 201 ? Body(r)["id"].get<int64_t>() : 0;
  }

  static std::string Problem(const httplib::Result& r) {
    json p = json::parse(r->body);
    return p.contains("errors") ? p["errors"][0]["field"].get<std::string>() : "";
  }

  testing::TestHotline h_;
  std::unique_ptr<auth::PermissionMatrix> matrix_;
  std::unique_ptr<stats::StatsIndex> stats_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> admin_;
};

TEST_F(TriageApiTest, TriagesATextWithSpansAndSuggestions) {
  const std::string text =
      "Có người lạ trên mạng đe doạ tung ảnh nóng của em nếu không chuyển tiền.";
  auto r = Triage(json{{"text", text}}.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = Body(r);
  EXPECT_EQ(j["level"], "emergency");
  EXPECT_GT(j["score"].get<double>(), 0.8);
  ASSERT_FALSE(j["signals"].empty());
  for (const auto& s : j["signals"]) {
    const auto b = s["begin"].get<size_t>(), e = s["end"].get<size_t>();
    EXPECT_EQ(s["text"], text.substr(b, e - b));
  }
  EXPECT_EQ(j["suggested_categories"][0]["category"], "sextortion");
  EXPECT_EQ(j["suggested_categories"][0]["taxonomy"][0], "online.sextortion");
  EXPECT_FALSE(j["lexicon_version"].get<std::string>().empty());
  // Roles without the permission are refused.
  auto manager = Client(Token("manager"));
  EXPECT_EQ(manager->Post("/api/v1/triage", json{{"text", "x"}}.dump(), "application/json")->status,
            403);
}

TEST_F(TriageApiTest, BadInputIsAProblemNamingTheFieldAndNeverACrash) {
  // Invalid UTF-8 inside the text member: 400 naming "text".
  auto bad = Triage(std::string("{\"text\": \"em mu\xC3\x28n ch\xE1\xBA\xBFt\"}"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->get_header_value("Content-Type"), "application/problem+json; charset=utf-8");
  EXPECT_EQ(Problem(bad), "text");
  EXPECT_EQ(Body(bad)["errors"][0]["code"], "invalid_utf8");
  EXPECT_EQ(Problem(Triage("{\"text\": \"\"}")), "text");
  EXPECT_EQ(Problem(Triage("{}")), "text");
  EXPECT_EQ(Problem(Triage("{\"text\": 42}")), "text");
  EXPECT_EQ(Problem(Triage("{\"text\": \"a\", \"colour\": 1}")), "colour");
  EXPECT_EQ(Triage("[\"text\"]")->status, 400);
  EXPECT_EQ(Triage("{\"text\": ")->status, 400);
  EXPECT_EQ(admin_->Post("/api/v1/triage", "{\"text\": \"a\"}", "text/plain")->status, 415);

  // 1 MB of one character: refused by size, naming the field, quickly.
  auto started = Clock::now();
  auto huge = Triage(json{{"text", std::string(1000000, 'a')}}.dump());
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(Problem(huge), "text");
  // 200 KB of one character (under the limit): triaged in bounded time, nothing found.
  auto long_text = Triage(json{{"text", std::string(200 * 1024, 'a')}}.dump());
  ASSERT_TRUE(long_text);
  EXPECT_EQ(long_text->status, 200);
  EXPECT_EQ(Body(long_text)["level"], "low");
  auto repeated = Triage(json{{"text", std::string(100000, 'u') + " cứuuuuuu"}}.dump());
  EXPECT_EQ(repeated->status, 200);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));

  // Words split by zero-width characters, a right-to-left override, mixed scripts: still found,
  // and flagged so the counsellor knows the text was disguised.
  auto hidden = Triage(json{{"text", "em mu\u200Bốn t\u200Cự t\u200Dử \u202Engay bây giờ"}}.dump());
  ASSERT_EQ(hidden->status, 200) << hidden->body;
  json h = Body(hidden);
  EXPECT_EQ(h["level"], "emergency");
  auto flags = h["flags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(flags.begin(), flags.end(), "zero_width"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "bidi_control"), flags.end());
  auto mixed = Triage(json{{"text", "Привет, 你好, مرحبا — em ổn"}}.dump());
  EXPECT_EQ(mixed->status, 200);
  EXPECT_EQ(Body(mixed)["level"], "low");
  auto blank = Triage(json{{"text", " \u200B\u200B \n "}}.dump());
  EXPECT_EQ(blank->status, 200);
  EXPECT_EQ(Body(blank)["level"], "low");
}

TEST_F(TriageApiTest, QueueTakeDecisionAndTheContactsTriage) {
  const int64_t low = Arrive("Em hỏi về lịch thi học kỳ.", 30);
  const int64_t urgent = Arrive("Em muốn tự tử ngay bây giờ, em đã chuẩn bị thuốc ngủ rồi.", 5);
  auto q = admin_->Get("/api/v1/queue");
  ASSERT_EQ(q->status, 200) << q->body;
  json items = Body(q)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["contact_id"], urgent);  // priority before arrival
  EXPECT_EQ(items[0]["priority"], "emergency");
  EXPECT_EQ(items[0]["open_alert"], true);
  EXPECT_FALSE(items[0].contains("summary"));  // coded fields only
  EXPECT_EQ(items[1]["contact_id"], low);
  auto page = admin_->Get("/api/v1/queue?limit=1");
  ASSERT_FALSE(Body(page)["next_cursor"].is_null());
  auto page2 =
      admin_->Get("/api/v1/queue?limit=1&cursor=" + Body(page)["next_cursor"].get<std::string>());
  EXPECT_EQ(Body(page2)["items"][0]["contact_id"], low);
  EXPECT_EQ(Problem(admin_->Get("/api/v1/queue?cursor=nope")), "cursor");
  EXPECT_EQ(Problem(admin_->Get("/api/v1/queue?state=closed")), "state");

  const std::string take = "/api/v1/queue/" + std::to_string(urgent) + "/take";
  auto taken = admin_->Post(take, "", "application/json");
  ASSERT_EQ(taken->status, 200) << taken->body;
  EXPECT_EQ(Body(taken)["taken_by"], "t-administrator");
  EXPECT_EQ(admin_->Post(take, "", "application/json")->status, 409);
  EXPECT_EQ(admin_->Post("/api/v1/queue/999999/take", "", "application/json")->status, 404);

  // The contact's full read carries its triage; a PATCH still works and cannot set it.
  const std::string path = "/api/v1/contacts/" + std::to_string(urgent);
  json c = Body(admin_->Get(path));
  ASSERT_TRUE(c.contains("triage")) << c.dump();
  EXPECT_EQ(c["triage"]["level"], "emergency");
  EXPECT_EQ(c["triage"]["queue"]["state"], "taken");
  EXPECT_FALSE(c["triage"]["signals"].empty());
  auto patched = admin_->Patch(
      path, {{"If-Match", "\"" + std::to_string(c["version"].get<int>()) + "\""}},
      json{{"outcome", "intervention_connection"}}.dump(), "application/merge-patch+json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(Body(patched)["triage"]["priority"], "emergency");
  auto forged =
      admin_->Patch(path, {}, json{{"triage", {{"priority", "low"}}}, {"version", 3}}.dump(),
                    "application/merge-patch+json");
  EXPECT_EQ(forged->status, 400);
  EXPECT_EQ(Problem(forged), "triage");

  const std::string decide = path + "/triage-decision";
  auto d = admin_->Post(
      decide, json{{"priority", "high"}, {"suggestions", {{"suicide_self_harm", "right"}}}}.dump(),
      "application/json");
  ASSERT_EQ(d->status, 200) << d->body;
  EXPECT_EQ(Body(d)["priority"], "high");
  EXPECT_EQ(Body(d)["verdicts"]["suicide_self_harm"], "right");
  EXPECT_EQ(Problem(admin_->Post(decide, json{{"priority", "urgent"}}.dump(), "application/json")),
            "priority");
  EXPECT_EQ(Problem(admin_->Post(decide, json{{"suggestions", {{"fraud", "wrong"}}}}.dump(),
                                 "application/json")),
            "suggestions/fraud");
  EXPECT_EQ(Problem(admin_->Post(decide, "{}", "application/json")), "priority");
  json after = Body(admin_->Get(path));
  EXPECT_EQ(after["triage"]["priority"], "high");
  EXPECT_EQ(after["triage"]["suggested_categories"][0]["verdict"], "right");
}

TEST_F(TriageApiTest, AlertsListAcknowledgeAndStream) {
  const int64_t id = Arrive("Em muốn tự tử ngay bây giờ, em đã chuẩn bị thuốc ngủ rồi.");
  auto supervisor = Client(Token("supervisor"));
  auto list = supervisor->Get("/api/v1/alerts");
  ASSERT_EQ(list->status, 200) << list->body;
  json items = Body(list)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["contact_id"], id);
  EXPECT_EQ(items[0]["level"], "emergency");
  const int64_t alert = items[0]["id"];

  // The stream: open alerts first, then ends (wait=0).
  auto s = supervisor->Get("/api/v1/alerts/stream?wait=0");
  ASSERT_EQ(s->status, 200) << s->body;
  EXPECT_EQ(s->get_header_value("Content-Type"), "text/event-stream; charset=utf-8");
  EXPECT_NE(s->body.find("retry: 5000"), std::string::npos);
  EXPECT_NE(s->body.find("id: " + std::to_string(alert) + "\nevent: alert\ndata: {"),
            std::string::npos)
      << s->body;
  // From a Last-Event-ID on, only what came after it.
  auto after =
      supervisor->Get("/api/v1/alerts/stream?wait=0", {{"Last-Event-ID", std::to_string(alert)}});
  EXPECT_EQ(after->body.find("event: alert"), std::string::npos) << after->body;
  EXPECT_EQ(Problem(supervisor->Get("/api/v1/alerts/stream?wait=0", {{"Last-Event-ID", "x"}})),
            "Last-Event-ID");
  auto counsellor = Client(Token("counsellor"));
  EXPECT_EQ(counsellor->Get("/api/v1/alerts/stream?wait=0")->status, 403);
  EXPECT_EQ(counsellor->Get("/api/v1/alerts")->status, 403);

  // A live stream hears of a new emergency within a moment of its commit.
  std::string received;
  std::atomic<bool> got{false};
  std::thread listener([&] {
    auto c = Client(Token("supervisor"));
    c->Get("/api/v1/alerts/stream?wait=20", {{"Last-Event-ID", std::to_string(alert)}},
           [&](const char* data, size_t n) {
             received.append(data, n);
             if (received.find("event: alert") != std::string::npos) {
               got = true;
               return false;  // enough: close the stream
             }
             return true;
           });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto raised = Clock::now();
  const int64_t second = Arrive("Có người lạ đe doạ tung ảnh nóng của em ngay tối nay.");
  listener.join();
  EXPECT_TRUE(got.load()) << received;
  EXPECT_LT(Clock::now() - raised, std::chrono::seconds(5));
  EXPECT_NE(received.find("\"contact_id\":" + std::to_string(second)), std::string::npos)
      << received;

  auto ack =
      supervisor->Post("/api/v1/alerts/" + std::to_string(alert) + "/ack", "", "application/json");
  ASSERT_EQ(ack->status, 200) << ack->body;
  EXPECT_EQ(Body(ack)["acknowledged_by"], "t-supervisor");
  json open = Body(supervisor->Get("/api/v1/alerts"))["items"];
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0]["contact_id"], second);
  EXPECT_EQ(Body(supervisor->Get("/api/v1/alerts?state=all"))["items"].size(), 2u);
  EXPECT_EQ(supervisor->Post("/api/v1/alerts/999/ack", "", "application/json")->status, 404);
  EXPECT_EQ(Problem(supervisor->Get("/api/v1/alerts?state=maybe")), "state");
}

TEST_F(TriageApiTest, SearchThroughTheBlindIndex) {
  const int64_t a = Arrive("Con tôi bị xâm hại ở trường.");
  Arrive("Em hỏi về lịch thi học kỳ.");
  auto r = admin_->Get("/api/v1/contacts?q=xam%20hai");
  ASSERT_EQ(r->status, 200) << r->body;
  json items = Body(r)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], a);
  EXPECT_EQ(
      Body(admin_->Get("/api/v1/contacts?q=X%C3%82M%20H%E1%BA%A0I&channel=web"))["items"].size(),
      1u);
  EXPECT_TRUE(Body(admin_->Get("/api/v1/contacts?q=xam%20thi"))["items"].empty());
  EXPECT_EQ(Problem(admin_->Get("/api/v1/contacts?q=%2E%2E%2E")), "q");
  EXPECT_EQ(Problem(admin_->Get("/api/v1/contacts?q=%C3%28")), "q");
}

TEST_F(TriageApiTest, OnlyAdministratorsReloadTheLexicon) {
  auto supervisor = Client(Token("supervisor"));
  EXPECT_EQ(supervisor->Post("/api/v1/triage/reload", "", "application/json")->status, 403);
  auto r = admin_->Post("/api/v1/triage/reload", "", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["lexicon_version"], testing::RealTriageEngine()->version());
}

}  // namespace
}  // namespace childsafe::api
