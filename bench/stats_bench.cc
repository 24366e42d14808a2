// Statistics over four years of a national hotline, through the HTTP API, against the same
// GROUP BY run by the sqlite3 shell (and by SQLite in-process) on the raw table of the same
// database, in the same run.
//
// Workloads (each grouping over 2021-06-01 .. 2025-06-01, all contacts and online-only):
//   day, week, month, quarter, half_year, year, channel, call_type, category, outcome, province,
//   age_band, gender, centre
// For each: median and p95 of 30 API requests (keep-alive), median of 3 sqlite3-shell runs (a
// process per query, as an analyst would run it), median of 5 in-process SQLite runs; ratios.
// Also: the time to generate the dataset, and the server's resident memory once it holds it.
//
// Usage: stats_bench [--dir build/bench-data/stats] [--quick]   (--quick: 3 groupings, fewer runs)
#include <httplib.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "process.h"

namespace {

using Clock = std::chrono::steady_clock;
using childsafe::testing::ChildProcess;
using childsafe::testing::RunChildsafe;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

bool Exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

long RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// The equivalent GROUP BY on the raw tables. Local time is UTC+7 (25200 s).
std::string Sql(const std::string& by, bool online) {
  const std::string from = "1622480400", to = "1748710800";  // 2021-06-01, 2025-06-01 local
  std::string where = "c.received_at >= " + from + " AND c.received_at < " + to +
                      (online ? " AND c.online = 1" : "");
  std::string local = "c.received_at + 25200, 'unixepoch'";
  std::map<std::string, std::pair<std::string, std::string>> key = {
      {"day", {"date(" + local + ")", ""}},
      {"week", {"strftime('%Y-%W', " + local + ")", ""}},
      {"month", {"strftime('%Y-%m', " + local + ")", ""}},
      {"quarter",
       {"strftime('%Y', " + local + ") || ((CAST(strftime('%m', " + local +
            ") AS INTEGER) + 2) / 3)",
        ""}},
      {"half_year",
       {"strftime('%Y', " + local + ") || (CAST(strftime('%m', " + local + ") AS INTEGER) > 6)",
        ""}},
      {"year", {"strftime('%Y', " + local + ")", ""}},
      {"channel", {"c.channel", ""}},
      {"call_type", {"c.call_type", ""}},
      {"outcome", {"c.outcome", ""}},
      {"centre", {"c.centre", ""}},
      {"category",
       {"substr(k.category, 1, instr(k.category, '.') - 1)",
        " LEFT JOIN contact_categories k ON k.contact_id = c.id"}},
      {"province",
       {"ch.province_current", " LEFT JOIN contact_children ch ON ch.contact_id = c.id"}},
      {"age_band", {"ch.age", " LEFT JOIN contact_children ch ON ch.contact_id = c.id"}},
      {"gender", {"ch.gender", " LEFT JOIN contact_children ch ON ch.contact_id = c.id"}},
  };
  auto& [expr, join] = key.at(by);
  bool distinct = !join.empty();  // many-valued: count each contact once per group, like the index
  return "SELECT " + expr + " AS g, COUNT(" + std::string(distinct ? "DISTINCT c.id" : "*") +
         ") FROM contacts c" + join + " WHERE " + where + " GROUP BY g";
}

double SqliteInProcessMs(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  auto t0 = Clock::now();
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr);
  int rows = 0;
  while (sqlite3_step(s) == SQLITE_ROW) ++rows;
  sqlite3_finalize(s);
  double ms = Ms(Clock::now() - t0);
  sqlite3_close(h);
  return ms;
}

double SqliteShellMs(const std::string& db, const std::string& sql) {
  std::string cmd = "sqlite3 -readonly '" + db + "' \"" + sql + "\" > /dev/null";
  auto t0 = Clock::now();
  int rc = std::system(cmd.c_str());
  double ms = Ms(Clock::now() - t0);
  if (rc != 0) std::fprintf(stderr, "sqlite3 failed: %s\n", sql.c_str());
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir =
      "build/bench-data/stats";  // its own folder: the key file lies beside the database
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    if (a == "--quick") quick = true;
  }
  ::setenv("CHILDSAFE_BINARY_DIR", CHILDSAFE_BINARY_DIR_DEFAULT, 0);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/stats-demo.db";

  std::printf("== statistics: four years of Hotline 111 (demo dataset, seed 111) ==\n");
  if (!Exists(db)) {
    auto t0 = Clock::now();
    auto r = RunChildsafe({"--log-level", "warn", "demo-data", "--db", db, "--seed", "111"},
                          std::chrono::seconds(600));
    if (r.exit_code != 0) {
      std::fprintf(stderr, "demo-data failed: %s\n", r.err.c_str());
      return 1;
    }
    std::printf("generate 2021-06-01..2025-06-01: %.1f s (goal < 60 s)\n%s",
                Ms(Clock::now() - t0) / 1000, r.out.c_str());
  } else {
    std::printf("(reusing %s; delete it to time the generation)\n", db.c_str());
  }
  // A reused database may predate the binary's newest migration.
  RunChildsafe({"--log-level", "warn", "migrate", "--db", db});
  auto token =
      RunChildsafe({"--log-level", "warn", "token", "create", "--db", db, "--name", "bench"});
  std::string tok = token.out.substr(0, token.out.find('\n'));

  ChildProcess server(
      {"--log-level", "warn", "serve", "--db", db, "--port", "0", "--threads", "8"});
  int port = 0;
  for (int i = 0; i < 30 && !port; ++i) {
    auto line = server.WaitForLine("", std::chrono::seconds(60));
    if (!line) break;
    port = childsafe::testing::PortFromLine(*line);
  }
  if (port == 0) {
    std::fprintf(stderr, "the server did not start (see: childsafe serve --db %s)\n", db.c_str());
    return 1;
  }
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_bearer_token_auth(tok);
  c.set_read_timeout(60);
  auto t_ready = Clock::now();
  while (true) {
    auto r = c.Get("/readyz");
    if (r && r->status == 200) break;
    if (Ms(Clock::now() - t_ready) > 120000) return 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::printf(
      "server ready (index loaded) %.2f s after listening; resident memory %ld MiB (goal <= 150 "
      "MiB)\n\n",
      Ms(Clock::now() - t_ready) / 1000, RssKiB(server.pid()) / 1024);

  std::vector<std::string> groupings = {
      "day",       "week",     "month",   "quarter",  "half_year", "year",   "channel",
      "call_type", "category", "outcome", "province", "age_band",  "gender", "centre"};
  if (quick) groupings = {"month", "outcome", "province"};
  const int api_runs = quick ? 10 : 30, shell_runs = 3, inproc_runs = quick ? 2 : 5;
  std::printf("%-10s %-7s %9s %9s %10s %10s %9s %9s\n", "by", "filter", "api p50", "api p95",
              "sqlite3", "in-proc", "x shell", "x in-proc");
  std::vector<double> all_medians, worst_ratio;
  for (const auto& by : groupings) {
    for (bool online : {false, true}) {
      std::string path =
          "/api/v1/stats?from=2021-06-01&to=2025-06-01&by=" + by + (online ? "&online=true" : "");
      std::vector<double> api;
      for (int i = 0; i < api_runs + 2; ++i) {
        auto t0 = Clock::now();
        auto r = c.Get(path);
        double ms = Ms(Clock::now() - t0);
        if (!r || r->status != 200) {
          std::fprintf(stderr, "API failed for %s\n", path.c_str());
          return 1;
        }
        if (i >= 2) api.push_back(ms);  // two warm-up requests
      }
      std::vector<double> shell, inproc;
      std::string sql = Sql(by, online);
      for (int i = 0; i < shell_runs; ++i) shell.push_back(SqliteShellMs(db, sql));
      for (int i = 0; i < inproc_runs; ++i) inproc.push_back(SqliteInProcessMs(db, sql));
      double p50 = Percentile(api, 0.5), p95 = Percentile(api, 0.95);
      double sh = Percentile(shell, 0.5), ip = Percentile(inproc, 0.5);
      all_medians.push_back(p50);
      worst_ratio.push_back(sh / p50);
      std::printf("%-10s %-7s %7.2fms %7.2fms %8.1fms %8.1fms %8.1fx %8.1fx\n", by.c_str(),
                  online ? "online" : "all", p50, p95, sh, ip, sh / p50, ip / p50);
    }
  }
  std::printf(
      "\nworst API median: %.2f ms (goal <= 20 ms); smallest speed-up over the sqlite3 shell: "
      "%.1fx "
      "(goal >= 10x)\n",
      *std::max_element(all_medians.begin(), all_medians.end()),
      *std::min_element(worst_ratio.begin(), worst_ratio.end()));
  server.Signal(SIGTERM);
  server.Wait(std::chrono::seconds(20));
  return 0;
}
