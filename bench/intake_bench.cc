// Intake throughput: contacts created over HTTP by 32 concurrent keep-alive clients against the
// server process, each acknowledged (201) only once its transaction is on disk, beside the rate
// of raw SQLite one-row transactions (WAL, synchronous=FULL) on the same disk, in the same run.
//
// Workloads:
//   1. raw SQLite: one thread, one row per transaction, for --seconds
//   2. raw SQLite: 32 threads, one connection each, one row per transaction (lock contention)
//   3. childsafe: 32 keep-alive HTTP connections POSTing /api/v1/contacts (a data contact with a
//      child, a category and a summary that is encrypted and triaged), unique Idempotency-Key each,
//      mostly different callers' phones (one in ten from 100 repeat callers), for --seconds after
//      2 s of warm-up. The load comes from wrk (Debian's wrk, C and epoll: two threads drive the
//      32 connections with little CPU, so the 2-core machine's time goes to the server); without
//      wrk, from 32 C++ client threads in this process, whose own CPU then competes with the
//      server's (the figure is lower and says so).
// Prints rates, latency percentiles of (3), the ratio (3)/(1), and the group-commit batch size.
//
// Usage: intake_bench [--dir build/bench-data/intake] [--seconds 10] [--clients 32]
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.h"

namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// One row per transaction, durable (WAL + synchronous=FULL), like an acknowledged write.
double RawSqliteRate(const std::string& path, int threads, double seconds) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  {
    sqlite3* h = nullptr;
    sqlite3_open(path.c_str(), &h);
    sqlite3_exec(
        h,
        "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, received_at INTEGER, "
        "channel TEXT, call_type TEXT, outcome TEXT, summary BLOB)",
        nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  std::atomic<long> done{0};
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      sqlite3* h = nullptr;
      sqlite3_open(path.c_str(), &h);
      sqlite3_exec(h, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000", nullptr, nullptr,
                   nullptr);
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(h,
                         "INSERT INTO t (received_at, channel, call_type, outcome, summary) VALUES "
                         "(?, 'phone', 'about_child', 'counselling', randomblob(120))",
                         -1, &s, nullptr);
      while (Clock::now() < deadline) {
        sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        sqlite3_bind_int64(s, 1, 1749956400);
        sqlite3_step(s);
        sqlite3_reset(s);
        if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) done++;
      }
      sqlite3_finalize(s);
      sqlite3_close(h);
    });
  }
  for (auto& t : ts) t.join();
  return static_cast<double>(done.load()) / seconds;
}

// What one load run measured.
struct Load {
  std::string generator;
  double rate = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
  long failed = 0;
};

bool HaveWrk() { return std::system("command -v wrk >/dev/null 2>&1") == 0; }

// "5.74ms", "812.00us", "1.02s" -> milliseconds.
double WrkMs(const std::string& v) {
  double x = std::atof(v.c_str());
  if (v.find("us") != std::string::npos) return x / 1000;
  if (v.find("ms") != std::string::npos) return x;
  if (v.find('s') != std::string::npos) return x * 1000;
  return x;
}

// The same requests from wrk: a Lua script gives each request its own Idempotency-Key and phone.
Load WrkLoad(const std::string& dir, int port, const std::string& token,
             const std::string& body_template, int clients, double seconds) {
  const std::string script = dir + "/intake.lua";
  {
    std::ofstream out(script, std::ios::trunc);
    out << "local counter = 0\n"
           "local threads = 0\n"
           "function setup(thread) threads = threads + 1; thread:set('tid', threads) end\n"
           "local template = [==["
        << body_template
        << "]==]\n"
           "request = function()\n"
           "  counter = counter + 1\n"
           "  local n\n"
           "  if counter % 10 == 0 then n = math.floor(counter / 10) % 100\n"
           "  else n = (100 + tid * 1000000 + counter) % 100000000 end\n"
           "  local body = (template:gsub('PHONE_NUMBER', string.format('09%08d', n)))\n"
           "  return wrk.format('POST', '/api/v1/contacts', {['Host'] = '127.0.0.1', "
           "['Content-Type'] = 'application/json', ['Authorization'] = 'Bearer "
        << token
        << "', "
           "['Idempotency-Key'] = 'w-' .. tid .. '-' .. counter}, body)\n"
           "end\n";
  }
  auto run = [&](double secs) {
    const std::string cmd = "wrk -t2 -c" + std::to_string(clients) + " -d" +
                            std::to_string(static_cast<int>(secs)) + "s --latency -s " + script +
                            " http://127.0.0.1:" + std::to_string(port) + "/api/v1/contacts 2>&1";
    std::string text;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
      ::pclose(p);
    }
    return text;
  };
  run(2);  // warm-up
  const std::string text = run(seconds);
  Load l;
  l.generator = "wrk";
  auto after = [&](const std::string& label) -> std::string {
    auto p = text.find(label);
    if (p == std::string::npos) return "";
    p += label.size();
    while (p < text.size() && text[p] == ' ') ++p;
    auto e = text.find_first_of(" \n", p);
    return text.substr(p, e - p);
  };
  l.rate = std::atof(after("Requests/sec:").c_str());
  l.p50 = WrkMs(after(" 50%"));
  l.p90 = WrkMs(after(" 90%"));
  l.p99 = WrkMs(after(" 99%"));
  {  // "Latency   6.85ms    5.73ms 210.14ms   95.49%": the third figure is the maximum
    auto p = text.find("Latency ");
    if (p != std::string::npos) {
      std::istringstream in(text.substr(p + 8, 80));
      std::string avg, sd, mx;
      in >> avg >> sd >> mx;
      l.max = WrkMs(mx);
    }
  }
  l.failed = std::atol(after("Non-2xx or 3xx responses:").c_str());
  auto errors = text.find("Socket errors:");
  if (errors != std::string::npos) {
    std::printf("  wrk: %s\n", text.substr(errors, text.find('\n', errors) - errors).c_str());
    l.failed += 1;
  }
  if (l.rate == 0) std::printf("wrk output:\n%s\n", text.c_str());
  return l;
}

// Without wrk: client threads in this process (they use the same two cores as the server).
Load ThreadLoad(int port, const std::string& token, const std::string& body_template, int clients,
                double seconds) {
  std::atomic<long> ok{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies;
  auto warmup_end = Clock::now() + std::chrono::seconds(2);
  auto deadline = warmup_end + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int t = 0; t < clients; ++t) {
    ts.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);  // as curl and browsers do (else Nagle + delayed ACK: 40 ms stalls)
      c.set_bearer_token_auth(token);
      std::vector<double> mine;
      long n = 0;
      while (Clock::now() < deadline) {
        std::string key = "b-" + std::to_string(t) + "-" + std::to_string(n);
        char phone[32];
        std::snprintf(phone, sizeof phone, "09%08ld",
                      n % 10 == 0 ? (n / 10) % 100 : (100 + t * 1'000'000L + n) % 100'000'000L);
        ++n;
        std::string body = body_template;
        body.replace(body.find("PHONE_NUMBER"), 12, phone);
        auto t0 = Clock::now();
        auto r = c.Post("/api/v1/contacts", {{"Idempotency-Key", key}}, body, "application/json");
        auto t1 = Clock::now();
        if (t0 < warmup_end) continue;
        if (r && r->status == 201) {
          ok++;
          mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          failed++;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : ts) t.join();
  Load l;
  l.generator = "client threads in the bench process";
  l.rate = static_cast<double>(ok.load()) / seconds;
  l.p50 = Percentile(latencies, 0.5);
  l.p90 = Percentile(latencies, 0.9);
  l.p99 = Percentile(latencies, 0.99);
  l.max = Percentile(latencies, 1.0);
  l.failed = failed.load();
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir =
      "build/bench-data/intake";  // its own folder: the key file lies beside the database
  double seconds = 10;
  int clients = 32;
  for (int i = 1; i + 1 < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir")
      dir = argv[++i];
    else if (a == "--seconds")
      seconds = std::atof(argv[++i]);
    else if (a == "--clients")
      clients = std::atoi(argv[++i]);
  }
  ::setenv("CHILDSAFE_BINARY_DIR", CHILDSAFE_BINARY_DIR_DEFAULT, 0);
  std::filesystem::create_directories(dir);
  std::printf("== intake: durable contact creation over HTTP vs raw SQLite, %.0f s each ==\n",
              seconds);

  double raw1 = RawSqliteRate(dir + "/raw.db", 1, seconds);
  std::printf("raw SQLite, 1 thread, 1 row/transaction (fsync each):      %8.0f rows/s\n", raw1);
  double raw32 = RawSqliteRate(dir + "/raw.db", clients, seconds);
  std::printf("raw SQLite, %d threads, 1 row/transaction:                 %8.0f rows/s\n", clients,
              raw32);

  const std::string db = dir + "/intake.db";
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  std::filesystem::remove(dir + "/master.key");
  childsafe::testing::RunChildsafe({"--log-level", "warn", "migrate", "--db", db});
  auto tok = childsafe::testing::RunChildsafe(
      {"--log-level", "warn", "token", "create", "--db", db, "--name", "bench"});
  std::string token = tok.out.substr(0, tok.out.find('\n'));
  childsafe::testing::ChildProcess server({"--log-level", "warn", "serve", "--db", db, "--port",
                                           "0", "--threads", std::to_string(clients + 8)});
  int port = 0;
  for (int i = 0; i < 30 && !port; ++i) {
    auto line = server.WaitForLine("", std::chrono::seconds(30));
    if (!line) break;
    port = childsafe::testing::PortFromLine(*line);
  }
  if (!port) return 1;

  const std::string body_template =
      nlohmann::json{{"received_at", "2025-06-15T08:00:00+07:00"},
                     {"channel", "phone"},
                     {"centre", "hanoi"},
                     {"counsellor", "tv-017"},
                     {"call_type", "about_child"},
                     {"duration_seconds", 540},
                     {"caller",
                      {{"relation", "parent"},
                       {"age_band", "18-59"},
                       {"gender", "girl"},
                       {"phone", "PHONE_NUMBER"}}},
                     {"children", nlohmann::json::array(
                                      {{{"age", 14}, {"gender", "girl"}, {"province", "01"}}})},
                     {"categories", {"online.sextortion"}},
                     {"outcome", "counselling"},
                     {"urgency", "urgent"},
                     {"summary",
                      "Con gái 14 tuổi bị người lạ trên mạng đe doạ phát tán ảnh nhạy cảm nếu "
                      "không chuyển tiền. "
                      "Tư vấn viên hướng dẫn lưu bằng chứng, không chuyển tiền và báo công an."}}
          .dump();
  Load load = HaveWrk() ? WrkLoad(dir, port, token, body_template, clients, seconds)
                        : ThreadLoad(port, token, body_template, clients, seconds);
  std::printf(
      "childsafe HTTP, %d keep-alive clients (%s), durable 201s: %8.0f contacts/s (goal >= 3000)\n",
      clients, load.generator.c_str(), load.rate);
  std::printf(
      "  latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (goal p99 <= 25 ms), max %.1f ms; %ld "
      "failed\n",
      load.p50, load.p90, load.p99, load.max, load.failed);
  std::printf("  ratio to raw SQLite 1 thread: %.1fx; to raw SQLite %d threads: %.1fx\n",
              load.rate / raw1, clients, load.rate / raw32);
  httplib::Client m("127.0.0.1", port);
  if (auto r = m.Get("/metrics")) {
    double commits = 0, units = 0;
    // The sample lines (a line start), not the "# HELP" lines that name the metric first.
    for (const char* name :
         {"\nchildsafe_db_commits_total ", "\nchildsafe_db_write_units_total "}) {
      auto p = r->body.find(name);
      if (p != std::string::npos)
        (name[14] == 'c' ? commits : units) = std::atof(r->body.c_str() + p + std::strlen(name));
    }
    if (commits > 0)
      std::printf("  group commit: %.0f units in %.0f commits (%.1f per fsync)\n", units, commits,
                  units / commits);
  }
  server.Signal(SIGTERM);
  server.Wait(std::chrono::seconds(20));
  return 0;
}
