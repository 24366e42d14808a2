// The server as a process: start, serve, stop on SIGTERM, and lose nothing it acknowledged when
// killed with SIGKILL in the middle of concurrent writes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "process.h"
#include "testing/testing.h"

namespace childsafe::testing {
namespace {

using nlohmann::json;

struct Server {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
};

std::string Token(const std::string& db) {
  auto r =
      RunChildsafe({"--log-level", "warn", "token", "create", "--db", db, "--name", "test client"});
  return r.out.substr(0, r.out.find('\n'));
}

Server Start(const std::string& db) {
  Server s;
  s.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      "--log-level", "warn", "serve", "--db", db, "--port", "0", "--threads", "40"});
  for (int i = 0; i < 20; ++i) {
    auto line = s.process->WaitForLine("", std::chrono::seconds(30));
    if (!line) break;
    if (line->find("serving on") != std::string::npos) {
      s.port = PortFromLine(*line);
      break;
    }
  }
  return s;
}

std::string Contact(const std::string& marker) {
  return json{{"received_at", "2025-06-15T08:00:00+07:00"},
              {"channel", "phone"},
              {"centre", "hanoi"},
              {"counsellor", marker},
              {"call_type", "silent"},
              {"outcome", "none"}}
      .dump();
}

TEST(ServerTest, AcknowledgedContactsSurviveSigkillExactlyOnce) {
  TempDir dir;
  std::string db = dir.File("var/childsafe.db");
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db}).exit_code, 0);
  const std::string token = Token(db);
  ASSERT_EQ(token.rfind("cs_", 0), 0u);
  Server s = Start(db);
  ASSERT_GT(s.port, 0);

  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> attempts{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", s.port);
      c.set_bearer_token_auth(token);
      c.set_connection_timeout(2);
      c.set_read_timeout(5);
      for (int i = 0; !stop; ++i) {
        std::string marker = "m-" + std::to_string(t) + "-" + std::to_string(i);
        attempts++;
        auto r = c.Post("/api/v1/contacts", {{"Idempotency-Key", marker}}, Contact(marker),
                        "application/json");
        if (!r) break;  // the server is gone
        if (r->status == 201) {
          std::lock_guard lock(mu);
          acknowledged.insert(marker);
        }
      }
    });
  }
  // Let writes flow, then kill the server without warning.
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard lock(mu);
    if (acknowledged.size() > 1500) break;
  }
  s.process->Signal(SIGKILL);
  EXPECT_EQ(s.process->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_GT(acknowledged.size(), 1500u);

  // Restart: everything acknowledged is there exactly once; nothing is there twice.
  Server again = Start(db);
  ASSERT_GT(again.port, 0);
  httplib::Client c("127.0.0.1", again.port);
  c.set_bearer_token_auth(token);
  std::map<std::string, int> seen;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    auto r = c.Get("/api/v1/contacts?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    json j = json::parse(r->body);
    for (const auto& it : j["items"]) seen[it["counsellor"]]++;
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  for (const auto& m : acknowledged) EXPECT_EQ(seen[m], 1) << m;
  for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
  EXPECT_LE(seen.size(), static_cast<size_t>(attempts.load()));

  // A retry of an acknowledged request after the crash is still recognised.
  std::string some = *acknowledged.begin();
  auto retry =
      c.Post("/api/v1/contacts", {{"Idempotency-Key", some}}, Contact(some), "application/json");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->get_header_value("Idempotent-Replayed"), "true");

  again.process->Signal(SIGTERM);
  EXPECT_EQ(again.process->Wait(std::chrono::seconds(10)), 0);
  auto check = RunChildsafe({"--log-level", "warn", "check", "--db", db});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(ServerTest, RefusesADatabaseFromTheFuture) {
  TempDir dir;
  std::string db = dir.File("h.db");
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db}).exit_code, 0);
  {
    // Simulate a newer childsafe having migrated it.
    auto r = std::system(
        ("sqlite3 " + db + " \"INSERT INTO schema_migrations VALUES (999, 'future', 0)\"").c_str());
    ASSERT_EQ(r, 0);
  }
  auto serve = RunChildsafe({"serve", "--db", db, "--port", "0"}, std::chrono::seconds(20));
  EXPECT_EQ(serve.exit_code, 4);
  EXPECT_NE(serve.err.find("newer than this childsafe"), std::string::npos) << serve.err;
}

// Regression: cpp-httplib's default listen backlog is 5, and a burst of new connections (a shift
// of counsellors starting, 32 benchmark clients) overflowed it: the kernel dropped SYNs and those
// clients waited the 1 s SYN retransmission. For a listening socket `ss` reports the backlog as
// its Send-Q.
TEST(ServerTest, ListensWithABacklogForBurstsOfConnections) {
  TempDir dir;
  std::string db = dir.File("h.db");
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db}).exit_code, 0);
  Server s = Start(db);
  ASSERT_NE(s.port, 0);
  const std::string cmd = "ss -Hltn 'sport = :" + std::to_string(s.port) + "'";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  std::istringstream in(out);
  std::string state;
  long recv_q = -1, send_q = -1;
  in >> state >> recv_q >> send_q;
  EXPECT_EQ(state, "LISTEN") << out;
  long somaxconn = 4096;  // the kernel caps the backlog at net.core.somaxconn
  if (std::ifstream f("/proc/sys/net/core/somaxconn"); f) f >> somaxconn;
  EXPECT_GE(send_q, std::min(1024L, somaxconn)) << out;
  EXPECT_GT(send_q, 5) << out;
  // And a second server on the same port refuses to start (SO_REUSEADDR, not SO_REUSEPORT, which
  // would let it share the first one's connections).
  auto second = RunChildsafe({"serve", "--db", db, "--port", std::to_string(s.port)},
                             std::chrono::seconds(20));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
  s.process->Signal(SIGTERM);
  EXPECT_EQ(s.process->Wait(std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace childsafe::testing
