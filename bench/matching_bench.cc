// Matching service: hash lookups over HTTP against a 10-million-hash bank, beside the same lookups
// done in-process on the index and the plain-scan alternative, in the same run.
//
// Workloads:
//   0. the bank: N realistic PDQ hashes (clusters of near-duplicates 0-40 bits from their centre,
//      sizes 1 + geometric, mean 8: hamming::synthetic::Clustered, as the hamming bench), written
//      as a CSV hash list and imported with `childsafe bank import` (timed); the server is
//      started twice, first building the index from the database (it then saves the start-up
//      cache), then from the cache (both timed, with the index's memory and the process's RSS)
//   1. HTTP: C keep-alive clients POST /api/v1/match {"hashes": ["pdq:..."]} (B hashes a request,
//      1 by default) with an API token of role content_analyst scoped to match.query, for S
//      seconds after 1 s of warm-up; a share M of the queries (half by default) are near-duplicates
//      of stored hashes (0-31 bits flipped: they match, so each such request writes its audit
//      entry and waits for it to be durable before answering), the rest unrelated random hashes
//      (no match: most lookups at a hotline or a platform are of images in no list)
//   2. in-process: the same queries on a hamming::HammingIndex of the same hashes, 1 and 2 threads
//   3. plain scan: four XOR + POPCNT per stored hash, 1 thread (what a matcher without an index
//      does), on a few hundred queries
// Prints lookups/s, latency percentiles for (1), the ratios (1)/(2) and (1)/(3), and figures for
// docs/performance.md ("Matching service").
//
// Usage: matching_bench [--dir build/bench-data/matching] [--entries 10000000] [--seconds 10]
//                       [--clients 16] [--batch 1] [--match-share 0.5] [--keep] [--reuse]
// Memory: about 3.5 GB at 10M (the bench's own index and hashes, the server, the import process).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hamming/hamming_index.h"
#include "hamming/synthetic.h"
#include "process.h"

namespace {

using Clock = std::chrono::steady_clock;
using childsafe::imagehash::Hash256;
namespace synthetic = childsafe::hamming::synthetic;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

long RssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// The last "matching.bank_loaded" entry of a JSON-lines log.
nlohmann::json BankLoaded(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  nlohmann::json last = nlohmann::json::object();
  while (std::getline(in, line)) {
    if (line.find("matching.bank_loaded") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) last = j;
  }
  return last;
}

struct Server {
  std::unique_ptr<childsafe::testing::ChildProcess> process;
  int port = 0;
  double ready_seconds = 0;  // from start until the match route answers
};

Server Start(const std::string& db, const std::string& log, const std::string& token, int threads) {
  std::filesystem::remove(log);
  Server s;
  const auto started = Clock::now();
  s.process = std::make_unique<childsafe::testing::ChildProcess>(
      std::vector<std::string>{"--log-level", "info", "--log-file", log, "serve", "--db", db,
                               "--port", "0", "--threads", std::to_string(threads)});
  for (int i = 0; i < 30 && !s.port; ++i) {
    auto line = s.process->WaitForLine("", std::chrono::seconds(60));
    if (!line) break;
    s.port = childsafe::testing::PortFromLine(*line);
  }
  if (!s.port) return s;
  httplib::Client c("127.0.0.1", s.port);
  c.set_bearer_token_auth(token);
  const std::string probe = "{\"hashes\": [\"md5:00000000000000000000000000000000\"]}";
  for (int i = 0; i < 6000; ++i) {
    auto r = c.Post("/api/v1/match", probe, "application/json");
    if (r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.ready_seconds = Seconds(started);
  return s;
}

void Stop(Server& s) {
  if (!s.process) return;
  s.process->Signal(SIGTERM);
  s.process->Wait(std::chrono::seconds(60));
  s.process.reset();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "build/bench-data/matching";
  size_t n = 10'000'000;
  double seconds = 10;
  int clients = 16, batch = 1;
  double match_share = 0.5;
  bool keep = false, reuse = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--dir")
      dir = next();
    else if (a == "--entries")
      n = std::stoull(next());
    else if (a == "--seconds")
      seconds = std::stod(next());
    else if (a == "--clients")
      clients = std::stoi(next());
    else if (a == "--batch")
      batch = std::max(1, std::stoi(next()));
    else if (a == "--match-share")
      match_share = std::stod(next());
    else if (a == "--keep")
      keep = true;
    else if (a == "--reuse")
      reuse = true;
  }
  ::setenv("CHILDSAFE_BINARY_DIR", CHILDSAFE_BINARY_DIR_DEFAULT, 0);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::filesystem::create_directories(dir);
  std::printf(
      "== matching service: %zu-hash bank, %d keep-alive clients, %d hash(es) a request, "
      "%.0f s ==\n",
      n, clients, batch, seconds);

  // ---- 0. the bank -----------------------------------------------------------------------------
  using childsafe::testing::RunChildsafe;
  auto t0 = Clock::now();
  const auto entries = synthetic::Clustered(n, 77);
  std::printf("generated %zu clustered hashes in %.1f s\n", n, Seconds(t0));
  const std::string db = dir + "/matching.db", csv = dir + "/bank.csv", log = dir + "/server.log";
  // --reuse: the database of an earlier run with --keep (the same seed gives the same hashes).
  if (!reuse || !std::filesystem::exists(db)) {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
    std::filesystem::remove_all(db + ".banks");
    std::filesystem::remove(dir + "/master.key");
    {
      std::ofstream out(csv, std::ios::binary | std::ios::trunc);
      out << "id,pdq,labels\n";
      std::string line;
      for (size_t i = 0; i < entries.size(); ++i) {
        line = "e" + std::to_string(i) + "," + entries[i].hash.ToHex() + ",A\n";
        out << line;
      }
    }
    RunChildsafe({"--log-level", "warn", "migrate", "--db", db});
    t0 = Clock::now();
    auto imported = RunChildsafe(
        {"--log-level", "warn", "bank", "import", csv, "--db", db, "--name", "BENCH_10M",
         "--source", "synthetic", "--licence", "benchmark only", "--json"},
        std::chrono::seconds(3600));
    const double import_s = Seconds(t0);
    auto report = nlohmann::json::parse(imported.out, nullptr, false);
    if (imported.exit_code != 0 || report.is_discarded()) {
      std::fprintf(stderr, "import failed (%d): %s\n", imported.exit_code, imported.err.c_str());
      return 1;
    }
    std::printf("import: %s rows, %s added, %s duplicates in %.1f s (%.0f rows/s), CSV %.0f MB\n",
                report["rows"].dump().c_str(), report["added"].dump().c_str(),
                report["duplicates"].dump().c_str(), import_s,
                report["rows"].get<double>() / import_s,
                static_cast<double>(std::filesystem::file_size(csv)) / 1e6);
    std::filesystem::remove(csv);
  } else {
    std::printf("reusing %s\n", db.c_str());
  }
  auto tok = RunChildsafe({"--log-level", "warn", "token", "create", "--db", db, "--name",
                           "platform", "--role", "content_analyst", "--scopes", "match.query"});
  const std::string token = tok.out.substr(0, tok.out.find('\n'));

  // First start: from the database (and the cache is written); second: from the cache.
  // (The log is read after each stop: it is flushed at exit.)
  std::filesystem::remove_all(db + ".banks");
  Server server = Start(db, log, token, clients + 8);
  if (!server.port) return 1;
  const double first_ready = server.ready_seconds;
  const long first_rss = RssKib(server.process->pid());
  Stop(server);
  auto first = BankLoaded(log);
  std::printf(
      "server start, index from the database: ready in %.1f s (bank load %.1f s), "
      "RSS %.0f MB\n",
      first_ready, first.value("seconds", 0.0), static_cast<double>(first_rss) / 1024);
  server = Start(db, log, token, clients + 8);
  if (!server.port) return 1;
  const double cached_ready = server.ready_seconds;
  const long rss = RssKib(server.process->pid());

  // Queries: a share of near-duplicates of stored hashes (they match), the rest unrelated.
  std::mt19937_64 rng(2024);
  std::vector<Hash256> queries(20000);
  std::uniform_real_distribution<double> share(0, 1);
  for (size_t i = 0; i < queries.size(); ++i) {
    queries[i] = share(rng) < match_share
                     ? synthetic::FlipBits(entries[rng() % entries.size()].hash,
                                           static_cast<int>(rng() % 32), rng)
                     : synthetic::RandomHash(rng);
  }

  // ---- 1. HTTP ---------------------------------------------------------------------------------
  std::atomic<long> lookups{0}, failed{0}, matched{0};
  std::mutex mu;
  std::vector<double> latencies, matched_latencies, other_latencies;
  const auto warmup_end = Clock::now() + std::chrono::seconds(1);
  const auto deadline = warmup_end + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);  // as curl and browsers do (else Nagle + delayed ACK: 40 ms)
      c.set_bearer_token_auth(token);
      c.set_read_timeout(30);
      std::vector<double> mine, mine_matched, mine_other;
      size_t next = static_cast<size_t>(t) * 997;
      while (Clock::now() < deadline) {
        std::string body = "{\"hashes\": [";
        for (int k = 0; k < batch; ++k) {
          body += (k ? ",\"pdq:" : "\"pdq:") + queries[next++ % queries.size()].ToHex() + "\"";
        }
        body += "]}";
        const auto q0 = Clock::now();
        auto r = c.Post("/api/v1/match", body, "application/json");
        const auto q1 = Clock::now();
        if (q0 < warmup_end) continue;
        if (r && r->status == 200) {
          lookups += batch;
          const double ms = std::chrono::duration<double, std::milli>(q1 - q0).count();
          mine.push_back(ms);
          if (r->body.find("\"status\":\"match\"") != std::string::npos) {
            ++matched;
            mine_matched.push_back(ms);
          } else {
            mine_other.push_back(ms);
          }
        } else {
          ++failed;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      matched_latencies.insert(matched_latencies.end(), mine_matched.begin(), mine_matched.end());
      other_latencies.insert(other_latencies.end(), mine_other.begin(), mine_other.end());
    });
  }
  for (auto& t : threads) t.join();
  const double http_rate = static_cast<double>(lookups.load()) / seconds;
  std::printf(
      "HTTP: %.0f lookups/s (%.0f requests/s; goal >= 2000 lookups/s), latency p50 %.2f ms, "
      "p90 %.2f ms, p99 %.2f ms (goal <= 20 ms), max %.1f ms; %ld requests matched, %ld "
      "failed\n",
      http_rate, http_rate / batch, Percentile(latencies, 0.5), Percentile(latencies, 0.9),
      Percentile(latencies, 0.99), Percentile(latencies, 1.0), matched.load(), failed.load());
  std::printf(
      "  requests that matched (audit entry written, fsync awaited): p50 %.2f ms, p99 %.2f "
      "ms; that did not: p50 %.2f ms, p99 %.2f ms\n",
      Percentile(matched_latencies, 0.5), Percentile(matched_latencies, 0.99),
      Percentile(other_latencies, 0.5), Percentile(other_latencies, 0.99));
  {
    httplib::Client m("127.0.0.1", server.port);
    if (auto r = m.Get("/metrics")) {
      double commits = 0, units = 0;
      for (const char* name : {"childsafe_db_commits_total ", "childsafe_db_write_units_total "}) {
        auto p = r->body.find(name);
        if (p != std::string::npos) {
          (name[13] == 'c' ? commits : units) = std::atof(r->body.c_str() + p + std::strlen(name));
        }
      }
      if (commits > 0) {
        std::printf(
            "  audit entries written with group commit: %.0f units of work in %.0f "
            "commits\n",
            units, commits);
      }
    }
  }
  const long rss_after = RssKib(server.process->pid());
  Stop(server);
  auto cached = BankLoaded(log);
  std::printf(
      "server start, index from the cache:    ready in %.1f s (bank load %.1f s, from %s), "
      "RSS %.0f MB, index %.0f MB (%.1f bytes/hash)\n",
      cached_ready, cached.value("seconds", 0.0), cached.value("from", std::string("?")).c_str(),
      static_cast<double>(rss) / 1024, cached.value("bytes", 0.0) / 1e6,
      cached.value("bytes", 0.0) / static_cast<double>(n));

  // ---- 2. in-process on the index
  // ----------------------------------------------------------------
  t0 = Clock::now();
  childsafe::hamming::HammingIndex index(entries);
  std::printf("in-process index built in %.1f s\n", Seconds(t0));
  auto in_process = [&](int nthreads) {
    std::atomic<size_t> next{0};
    std::atomic<long> done{0};
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(3);
    std::vector<std::thread> ts;
    for (int t = 0; t < nthreads; ++t) {
      ts.emplace_back([&] {
        while (Clock::now() < end) {
          auto r = index.Search(queries[next++ % queries.size()], 31);
          if (r) ++done;
        }
      });
    }
    for (auto& t : ts) t.join();
    return static_cast<double>(done.load()) / Seconds(start);
  };
  const double ip1 = in_process(1), ip2 = in_process(2);
  std::printf("in-process HammingIndex::Search: %.0f lookups/s on 1 thread, %.0f on 2\n", ip1, ip2);

  // ---- 3. plain scan
  // -----------------------------------------------------------------------------
  t0 = Clock::now();
  int scanned = 0;
  long found = 0;
  while (Seconds(t0) < 3 && scanned < 500) {
    const Hash256& q = queries[static_cast<size_t>(scanned++)];
    for (const auto& e : entries) found += childsafe::imagehash::HammingDistance(e.hash, q) <= 31;
  }
  const double scan_rate = scanned / Seconds(t0);
  std::printf("plain scan: %.1f lookups/s on 1 thread (%ld found)\n", scan_rate, found);

  std::printf("ratios: HTTP / in-process 2 threads = %.2f; HTTP / plain scan = %.0fx\n",
              http_rate / ip2, http_rate / scan_rate);
  std::printf("server RSS after the run: %.0f MB\n", static_cast<double>(rss_after) / 1024);
  if (!keep && !reuse) {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
    std::filesystem::remove_all(db + ".banks");
  }
  return failed.load() > 0 ? 1 : 0;
}
