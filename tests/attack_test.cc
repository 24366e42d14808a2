// The attack suite: a running server, a browser-like client and an attacker. Every attack must be
// refused with the right status, and nothing may leak or change. At the end the server's log is
// searched for the personal data the test planted (canaries): none may appear.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "crypto/secrets.h"
#include "process.h"
#include "testing/testing.h"

namespace childsafe::testing {
namespace {

using nlohmann::json;

const std::string kSummaryCanary = "CANARY-SUMMARY-4f1c9e";
const std::string kNameCanary = "CANARY-NAME-8d2b7a";
const std::string kPhoneCanary = "0911223344";
const std::string kAdminPassword = "bầu-trời-xanh-ngắt-một-màu";
const std::string kLanPassword = "con-đò-nhỏ-bên-sông-quê";
const std::string kAnPassword = "cánh-đồng-lúa-chín-vàng";

// Sends bytes as they are (no client-side normalisation) and returns the raw response.
std::string RawHttp(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

int RawStatus(const std::string& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.", 0) != 0) return 0;
  return std::atoi(response.c_str() + 9);
}

class AttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->File("var/childsafe.db");
    log_ = dir_->File("server.log");
    std::filesystem::create_directories(dir_->File("web"));
    std::ofstream(dir_->File("web/index.html")) << "<!doctype html><title>childsafe</title>";
    std::ofstream(dir_->File("secret.txt")) << "TOP-SECRET-OUTSIDE-WEB-ROOT";
    ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db_}).exit_code, 0);
    auto admin = RunWithStdin({"user", "add", "--db", db_, "--username", "admin", "--display-name",
                               "Admin", "--role", "administrator", "--password-stdin"},
                              kAdminPassword);
    ASSERT_EQ(admin.exit_code, 0) << admin.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(admin.out, m, std::regex("secret: ([A-Z2-7]+)")));
    admin_totp_ = *crypto::Base32Decode(m[1].str());
    ASSERT_EQ(RunWithStdin({"user", "add", "--db", db_, "--username", "tv.lan", "--display-name",
                            "Lan", "--role", "counsellor", "--centre", "hanoi", "--password-stdin"},
                           kLanPassword)
                  .exit_code,
              0);
    ASSERT_EQ(
        RunWithStdin({"user", "add", "--db", db_, "--username", "tv.an", "--display-name", "An",
                      "--role", "counsellor", "--centre", "angiang", "--password-stdin"},
                     kAnPassword)
            .exit_code,
        0);
    auto tok = RunChildsafe(
        {"--log-level", "warn", "token", "create", "--db", db_, "--name", "attack-suite"});
    admin_token_ = tok.out.substr(0, tok.out.find('\n'));
    auto partner = RunChildsafe({"--log-level", "warn", "token", "create", "--db", db_, "--name",
                                 "partner", "--role", "partner"});
    partner_token_ = partner.out.substr(0, partner.out.find('\n'));
    server_ = new ChildProcess({"--log-level", "debug", "--log-file", log_, "serve", "--db", db_,
                                "--port", "0", "--threads", "16", "--web-root", dir_->File("web")});
    for (int i = 0; i < 20 && !port_; ++i) {
      auto line = server_->WaitForLine("", std::chrono::seconds(30));
      if (!line) break;
      port_ = PortFromLine(*line);
    }
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    server_->Signal(SIGTERM);
    server_->Wait(std::chrono::seconds(20));
    delete server_;
    delete dir_;
  }

  static RunResult RunWithStdin(std::vector<std::string> args, const std::string& input) {
    std::string in_file = dir_->File("stdin.txt");
    std::ofstream(in_file) << input << "\n";
    std::string cmd = ChildsafeBinary() + " --log-level warn";
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " < " + in_file + " 2>&1";
    RunResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WEXITSTATUS(status);
    std::filesystem::remove(in_file);
    return r;
  }

  httplib::Client Admin() {
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(admin_token_);
    return c;
  }

  struct Browser {
    std::string cookie, csrf;
  };

  Browser SignIn(const std::string& user, const std::string& password, const std::string& code = "",
                 const std::string& planted_cookie = "") {
    httplib::Client c("127.0.0.1", port_);
    httplib::Headers h;
    if (!planted_cookie.empty()) h.emplace("Cookie", planted_cookie);
    json body = {{"username", user}, {"password", password}};
    if (!code.empty()) body["totp_code"] = code;
    auto r = c.Post("/api/v1/auth/login", h, body.dump(), "application/json");
    Browser b;
    if (!r || r->status != 200) {
      if (r)
        std::fprintf(stderr, "sign-in of %s: %d %s\n", user.c_str(), r->status, r->body.c_str());
      else
        std::fprintf(stderr, "sign-in of %s: no response (%d)\n", user.c_str(),
                     static_cast<int>(r.error()));
      return b;
    }
    std::string set = r->get_header_value("Set-Cookie");
    b.cookie = set.substr(0, set.find(';'));
    b.csrf = json::parse(r->body)["csrf_token"];
    EXPECT_NE(set.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
    return b;
  }

  std::string ContactBody(const std::string& centre) {
    return json{
        {"received_at", "2025-06-15T08:00:00+07:00"},
        {"channel", "phone"},
        {"centre", centre},
        {"call_type", "about_child"},
        {"caller", {{"relation", "parent"}, {"phone", kPhoneCanary}}},
        {"children",
         json::array(
             {{{"age", 13}, {"gender", "girl"}, {"province", "01"}, {"name", kNameCanary}}})},
        {"categories", {"online.sextortion"}},
        {"outcome", "counselling"},
        {"urgency", "urgent"},
        {"summary", "Trẻ kể: " + kSummaryCanary}}
        .dump();
  }

  int64_t ContactCount() {
    auto c = Admin();
    auto r = c.Get("/api/v1/stats?from=2025-01-01&to=2026-01-01");
    return json::parse(r->body)["total"];
  }

  static TempDir* dir_;
  static std::string db_, log_, admin_token_, partner_token_, admin_totp_;
  static ChildProcess* server_;
  static int port_;
};

TempDir* AttackTest::dir_ = nullptr;
std::string AttackTest::db_, AttackTest::log_, AttackTest::admin_token_, AttackTest::partner_token_,
    AttackTest::admin_totp_;
ChildProcess* AttackTest::server_ = nullptr;
int AttackTest::port_ = 0;

TEST_F(AttackTest, A01_RecordsAnotherCentreOrRoleMayNotReachStayHidden) {
  auto admin = Admin();
  auto created = admin.Post("/api/v1/contacts", ContactBody("angiang"), "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  std::string id = std::to_string(json::parse(created->body)["id"].get<int64_t>());
  Browser lan = SignIn("tv.lan", kLanPassword);  // Hà Nội
  ASSERT_FALSE(lan.cookie.empty());
  httplib::Client c("127.0.0.1", port_);
  auto read = c.Get("/api/v1/contacts/" + id, {{"Cookie", lan.cookie}});
  EXPECT_EQ(read->status, 404);
  EXPECT_EQ(read->body.find(kSummaryCanary), std::string::npos);
  auto patch = c.Patch("/api/v1/contacts/" + id,
                       {{"Cookie", lan.cookie}, {"X-CSRF-Token", lan.csrf}, {"If-Match", "\"1\""}},
                       R"({"outcome": "report"})", "application/merge-patch+json");
  EXPECT_EQ(patch->status, 404);
  auto list = c.Get("/api/v1/contacts", {{"Cookie", lan.cookie}});
  EXPECT_EQ(json::parse(list->body)["items"].size(), 0u);
  httplib::Client partner("127.0.0.1", port_);
  partner.set_bearer_token_auth(partner_token_);
  EXPECT_EQ(partner.Get("/api/v1/contacts/" + id)->status, 403);
  EXPECT_EQ(partner.Get("/api/v1/audit")->status, 403);
  // The record itself is unchanged.
  auto again = admin.Get("/api/v1/contacts/" + id);
  EXPECT_EQ(json::parse(again->body)["outcome"], "counselling");
}

TEST_F(AttackTest, A02_ChangesFromAnotherSiteAreRefused) {
  Browser lan = SignIn("tv.lan", kLanPassword);
  ASSERT_FALSE(lan.cookie.empty());
  int64_t before = ContactCount();
  httplib::Client c("127.0.0.1", port_);
  auto post = [&](httplib::Headers h) {
    h.emplace("Cookie", lan.cookie);
    return c.Post("/api/v1/contacts", h, ContactBody("hanoi"), "application/json")->status;
  };
  EXPECT_EQ(post({}), 403);                            // no CSRF token
  EXPECT_EQ(post({{"X-CSRF-Token", "forged"}}), 403);  // a guessed one
  EXPECT_EQ(post({{"X-CSRF-Token", lan.csrf}, {"Origin", "https://evil.example"}}), 403);
  EXPECT_EQ(post({{"X-CSRF-Token", lan.csrf}, {"Sec-Fetch-Site", "cross-site"}}), 403);
  EXPECT_EQ(ContactCount(), before);
  EXPECT_EQ(post({{"X-CSRF-Token", lan.csrf}}), 201);  // the real page succeeds
}

TEST_F(AttackTest, A03_APlantedSessionIsReplacedAtSignIn) {
  Browser attacker = SignIn("tv.an", kAnPassword);
  ASSERT_FALSE(attacker.cookie.empty());
  Browser victim = SignIn("tv.lan", kLanPassword, "", attacker.cookie);
  ASSERT_FALSE(victim.cookie.empty());
  EXPECT_NE(victim.cookie, attacker.cookie);
  httplib::Client c("127.0.0.1", port_);
  EXPECT_EQ(c.Get("/api/v1/auth/me", {{"Cookie", attacker.cookie}})->status, 401);
  auto me = c.Get("/api/v1/auth/me", {{"Cookie", victim.cookie}});
  EXPECT_EQ(json::parse(me->body)["name"], "tv.lan");
  // Sign-out ends the session on the server, not only in the browser.
  auto out =
      c.Post("/api/v1/auth/logout", {{"Cookie", victim.cookie}, {"X-CSRF-Token", victim.csrf}}, "",
             "application/json");
  EXPECT_EQ(out->status, 200);
  EXPECT_EQ(c.Get("/api/v1/auth/me", {{"Cookie", victim.cookie}})->status, 401);
}

TEST_F(AttackTest, A04_BruteForceIsSlowedAndAccountsAreNotRevealed) {
  httplib::Client c("127.0.0.1", port_);
  auto login = [&](const std::string& user, const std::string& pw) {
    return c.Post("/api/v1/auth/login", json{{"username", user}, {"password", pw}}.dump(),
                  "application/json");
  };
  auto real = login("admin", "wrong-1");
  auto ghost = login("no-such-person", "wrong-1");
  EXPECT_EQ(real->status, 401);
  EXPECT_EQ(ghost->status, 401);
  EXPECT_EQ(json::parse(real->body)["detail"], json::parse(ghost->body)["detail"]);
  int throttled = 0;
  for (int i = 0; i < 30 && !throttled; ++i) {
    auto r = login("admin", "wrong-" + std::to_string(i + 2));
    if (r->status == 429) {
      throttled = i;
      EXPECT_FALSE(r->get_header_value("Retry-After").empty());
    } else {
      EXPECT_EQ(r->status, 401);
    }
  }
  EXPECT_GT(throttled, 0);
  // Even the right password (and code) waits now.
  auto right = c.Post("/api/v1/auth/login",
                      json{{"username", "admin"},
                           {"password", kAdminPassword},
                           {"totp_code", crypto::Totp(admin_totp_, std::time(nullptr))}}
                          .dump(),
                      "application/json");
  EXPECT_EQ(right->status, 429);
}

TEST_F(AttackTest, A05_SqlInjectionInEveryFilterChangesNothing) {
  int64_t before = ContactCount();
  auto admin = Admin();
  const std::vector<std::string> payloads = {
      "' OR 1=1--", "1; DROP TABLE contacts;--", "\" OR \"\"=\"",
      "phone') UNION SELECT summary FROM contacts--", "%27%20OR%201%3D1"};
  for (const char* param : {"channel", "call_type", "category", "outcome", "province", "centre",
                            "from", "to", "limit", "cursor", "online"}) {
    for (const auto& p : payloads) {
      auto r = admin.Get("/api/v1/contacts?" + std::string(param) + "=" + Encode(p));
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 400) << param << "=" << p;
      EXPECT_EQ(r->body.find(kSummaryCanary), std::string::npos);
    }
  }
  for (const char* param : {"by", "channel", "call_type", "outcome", "centre", "category", "from",
                            "min_cell", "format"}) {
    for (const auto& p : payloads) {
      auto r = admin.Get("/api/v1/stats?from=2025-01-01&to=2026-01-01&" + std::string(param) + "=" +
                         Encode(p));
      EXPECT_EQ(r->status, 400) << param << "=" << p;
    }
  }
  for (const char* param :
       {"actor", "object_type", "object_id", "action"}) {  // free text: bound, not parsed
    for (const auto& p : payloads) {
      auto r = admin.Get("/api/v1/audit?" + std::string(param) + "=" + Encode(p));
      EXPECT_EQ(r->status, 200) << param;
      EXPECT_EQ(json::parse(r->body)["items"].size(), 0u) << param;
    }
  }
  EXPECT_EQ(ContactCount(), before);
}

TEST_F(AttackTest, A06_PathTraversalOnStaticFilesFindsNothing) {
  EXPECT_EQ(RawStatus(RawHttp(port_, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            200);
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
        "/web/../../secret.txt", "/..%5csecret.txt", "/%00/../secret.txt",
        "/....//....//etc/passwd", "/../../../../etc/passwd", "//etc/passwd",
        "/index.html/../../secret.txt"}) {
    std::string res = RawHttp(
        port_, std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int status = RawStatus(res);
    EXPECT_TRUE(status == 400 || status == 404) << path << " -> " << status;
    EXPECT_EQ(res.find("TOP-SECRET"), std::string::npos) << path;
    EXPECT_EQ(res.find("root:"), std::string::npos) << path;
  }
}

TEST_F(AttackTest, A07_OversizedHeadersAndBodiesAreRefused) {
  std::string big_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') +
      "\r\nConnection: close\r\n\r\n";
  std::string res = RawHttp(port_, big_header);
  EXPECT_NE(RawStatus(res), 200);
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "Connection: close\r\n\r\n";
  EXPECT_NE(RawStatus(RawHttp(port_, many)), 200);
  auto admin = Admin();
  int64_t before = ContactCount();
  auto body =
      admin.Post("/api/v1/contacts", std::string(2 * 1024 * 1024, ' ') + ContactBody("hanoi"),
                 "application/json");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->status, 413);
  EXPECT_EQ(ContactCount(), before);
  EXPECT_EQ(admin.Get("/healthz")->status, 200);  // still serving
}

TEST_F(AttackTest, A08_InvalidUtf8IsRefusedNamingTheProblem) {
  auto admin = Admin();
  int64_t before = ContactCount();
  std::string body = ContactBody("hanoi");
  body.replace(body.find("Trẻ"), 3, "\xC3\x28");
  auto r = admin.Post("/api/v1/contacts", body, "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["errors"][0]["code"], "invalid_utf8");
  EXPECT_EQ(admin.Get("/api/v1/contacts?channel=%C3%28")->status, 400);
  // Bytes that are not text in a header: the HTTP parser refuses the request before any route.
  EXPECT_EQ(admin.Get("/healthz", {{"X-Access-Reason", "\xff\xfe"}})->status, 400);
  EXPECT_EQ(admin.Get("/api/v1/contacts", {{"X-Access-Reason", "\xff\xfe"}})->status, 400);
  // Well-formed UTF-8 that is too long is refused by the server, naming the header.
  auto long_reason = admin.Get("/api/v1/contacts", {{"X-Access-Reason", std::string(600, 'x')}});
  EXPECT_EQ(long_reason->status, 400);
  EXPECT_EQ(json::parse(long_reason->body)["errors"][0]["field"], "X-Access-Reason");
  EXPECT_EQ(ContactCount(), before);
}

TEST_F(AttackTest, A09_ExpiredAndForgedCredentialsGetNothing) {
  auto admin = Admin();
  char expires[40];
  std::time_t soon = std::time(nullptr) + 2;
  std::strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&soon));
  auto t =
      admin.Post("/api/v1/tokens",
                 json{{"name", "short"}, {"role", "supervisor"}, {"expires_at", expires}}.dump(),
                 "application/json");
  ASSERT_EQ(t->status, 201) << t->body;
  std::string token = json::parse(t->body)["token"];
  httplib::Client c("127.0.0.1", port_);
  c.set_bearer_token_auth(token);
  EXPECT_EQ(c.Get("/api/v1/taxonomy")->status, 200);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(c.Get("/api/v1/taxonomy")->status, 401);
  for (const std::string& forged :
       {std::string("cs_") + std::string(43, 'A'), admin_token_ + "x",
        admin_token_.substr(0, admin_token_.size() - 1), std::string("Bearer"),
        std::string("s_") + std::string(43, 'A')}) {
    httplib::Client f("127.0.0.1", port_);
    f.set_bearer_token_auth(forged);
    auto r = f.Get("/api/v1/contacts");
    EXPECT_EQ(r->status, 401) << forged;
    EXPECT_EQ(r->body.find(kSummaryCanary), std::string::npos);
  }
  EXPECT_EQ(c.Get("/api/v1/contacts", {{"Cookie", "cs_session=s_forgedforgedforgedforgedforged"}})
                ->status,
            401);
  // A revoked token stops at once.
  auto t2 = admin.Post("/api/v1/tokens", json{{"name", "revoke-me"}, {"role", "supervisor"}}.dump(),
                       "application/json");
  json t2j = json::parse(t2->body);
  httplib::Client r2("127.0.0.1", port_);
  r2.set_bearer_token_auth(t2j["token"].get<std::string>());
  EXPECT_EQ(r2.Get("/api/v1/taxonomy")->status, 200);
  EXPECT_EQ(admin.Delete("/api/v1/tokens/" + std::to_string(t2j["id"].get<int64_t>()))->status,
            200);
  EXPECT_EQ(r2.Get("/api/v1/taxonomy")->status, 401);
}

TEST_F(AttackTest, A10_AdministratorsNeedTheirSecondFactorAndTemporaryPasswordsMustChange) {
  // (The throttle from A04 applies to admin; use a fresh supervisor account.)
  auto admin = Admin();
  auto created = admin.Post(
      "/api/v1/users",
      json{{"username", "gs.mai"}, {"display_name", "Mai"}, {"role", "supervisor"}}.dump(),
      "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  json u = json::parse(created->body);
  std::string temp = u["temporary_password"],
              secret = *crypto::Base32Decode(u["totp_secret"].get<std::string>());
  EXPECT_TRUE(SignIn("gs.mai", temp).cookie.empty());  // no code, no entry
  Browser mai = SignIn("gs.mai", temp, crypto::Totp(secret, std::time(nullptr)));
  ASSERT_FALSE(mai.cookie.empty());
  httplib::Client c("127.0.0.1", port_);
  EXPECT_EQ(c.Get("/api/v1/contacts", {{"Cookie", mai.cookie}})->status,
            403);  // change the password first
  auto change =
      c.Post("/api/v1/auth/password", {{"Cookie", mai.cookie}, {"X-CSRF-Token", mai.csrf}},
             json{{"current_password", temp}, {"new_password", "hoa-sen-trong-đầm-lầy"}}.dump(),
             "application/json");
  EXPECT_EQ(change->status, 200) << change->body;
  EXPECT_EQ(c.Get("/api/v1/contacts", {{"Cookie", mai.cookie}})->status, 200);
}

TEST_F(AttackTest, Z99_NothingLeakedIntoTheLogAndTheTrailIsIntact) {
  // Touch the sensitive data once more through every read path.
  auto admin = Admin();
  auto list = admin.Get("/api/v1/contacts");
  for (const auto& it : json::parse(list->body)["items"]) {
    auto r = admin.Get("/api/v1/contacts/" + std::to_string(it["id"].get<int64_t>()),
                       {{"X-Access-Reason", "attack suite"}});
    EXPECT_EQ(r->status, 200);
  }
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(std::chrono::seconds(20)), 0);
  std::ifstream in(log_);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_GT(log.size(), 1000u);
  for (const std::string& canary : {kSummaryCanary, kNameCanary, kPhoneCanary, kAdminPassword,
                                    kLanPassword, kAnPassword, admin_token_}) {
    EXPECT_EQ(log.find(canary), std::string::npos) << "found in the log: " << canary;
  }
  // Nor in the database or its WAL.
  for (const char* file : {"var/childsafe.db", "var/childsafe.db-wal"}) {
    std::ifstream db(dir_->File(file), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
    for (const std::string& canary : {kSummaryCanary, kNameCanary, kPhoneCanary}) {
      EXPECT_EQ(bytes.find(canary), std::string::npos) << file << ": " << canary;
    }
  }
  auto verify = RunChildsafe({"--log-level", "warn", "audit", "verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  auto check = RunChildsafe({"--log-level", "warn", "check", "--db", db_});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  server_ = new ChildProcess(
      {"--log-level", "warn", "serve", "--db", db_, "--port", "0"});  // for TearDown
}

}  // namespace
}  // namespace childsafe::testing
