// Text triage in the hotline (src/triage): what it adds to recording a contact, and how fast the
// blind-index search and the queue answer on a large database. In-process, one thread, against
// the real SQLite driver in a temporary directory (WAL, synchronous=FULL), the real lexicon and
// the messages of the evaluation set as typical texts.
//
// Workloads (each beside its baseline in the same run):
//   1. Prepare (triage + search words + keyed hashes) per message, against engine Triage alone
//   2. ContactService::Create (durable) with triage wired, against the same without triage
//   3. Import of --contacts contacts with text triaged and indexed, against without
//      (throughput, and database bytes per contact)
//   4. Search (GET /api/v1/contacts?q=...) over those contacts: a rare word, a word in ~1 in 20,
//      a word in most, two words; against listing the newest page without q
//   5. The queue: first page with --waiting contacts waiting
//
// Usage: triage_hotline_bench [--contacts 100000] [--creates 300] [--waiting 1000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "testing/services.h"
#include "text/loader.h"

namespace {

using namespace childsafe;
using Steady = std::chrono::steady_clock;

double Micros(Steady::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1)))];
}

void Line(const char* what, const std::vector<double>& us) {
  std::printf("  %-46s p50 %9.1f us   p99 %9.1f us   (n=%zu)\n", what, Percentile(us, 0.5),
              Percentile(us, 0.99), us.size());
}

int64_t FileBytes(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    auto s = std::filesystem::file_size(path + suffix, ec);
    if (!ec) n += static_cast<int64_t>(s);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  size_t contacts = 100000, creates = 300, waiting = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--contacts")) contacts = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--creates")) creates = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--waiting")) waiting = std::stoul(argv[i + 1]);
  }
  auto set = text::LoadEvalSet(testing::SourceDir() + "/data/triage/eval/eval.tsv");
  if (!set) {
    std::fprintf(stderr, "%s\n", set.error().ToString().c_str());
    return 1;
  }
  std::vector<std::string> messages;
  for (const auto& e : set->examples) messages.push_back(e.text);
  size_t bytes = 0;
  for (const auto& m : messages) bytes += m.size();
  std::printf("Text triage in the hotline: %zu messages of the evaluation set (mean %zu bytes)\n\n",
              messages.size(), bytes / messages.size());

  testing::TestHotline h(1749956400);
  auto engine = testing::RealTriageEngine();
  const auth::Principal system = auth::Principal::System();
  auth::Principal webform =
      auth::Principal::Make(auth::Principal::Kind::kApiToken, 7, "webform", "administrator");

  // 1. Prepare against Triage alone.
  {
    std::vector<double> triage_us, prepare_us;
    for (int round = 0; round < 5; ++round) {
      for (const auto& m : messages) {
        auto t0 = Steady::now();
        auto r = engine->Triage(m);
        triage_us.push_back(Micros(Steady::now() - t0));
        domain::Contact c = h.SampleDataContact();
        c.summary = m;
        auto t1 = Steady::now();
        auto p = h.triage().Prepare(system, c, intake::ContactTriage::Event::kImport, 0);
        prepare_us.push_back(Micros(Steady::now() - t1));
        if (!p || r.lexicon_version.empty()) return 1;
      }
    }
    std::printf("1. Per message\n");
    Line("engine Triage alone (baseline)", triage_us);
    Line("Prepare: triage + search words + keyed hashes", prepare_us);
  }

  // 2. Durable creates with and without triage.
  {
    auto run = [&](bool with) {
      h.contacts().SetTriage(with ? &h.triage() : nullptr);
      std::vector<double> us;
      for (size_t i = 0; i < creates; ++i) {
        domain::Contact c = h.SampleDataContact();
        c.counsellor = "tv-1";  // recorded by a counsellor: not queued
        c.summary = messages[i % messages.size()];
        auto t0 = Steady::now();
        auto r = h.contacts().Create(webform, c, std::nullopt, "");
        us.push_back(Micros(Steady::now() - t0));
        if (!r) std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
      }
      return us;
    };
    auto without = run(false);
    auto with = run(true);
    std::printf("\n2. ContactService::Create, durable (fsync per commit)\n");
    Line("without triage (baseline)", without);
    Line("with triage, search terms, alerts", with);
  }

  // 3. Import with and without text triage.
  std::mt19937_64 rng(111);
  const std::string rare = "zebracanary";
  auto batch = [&](size_t n, size_t offset) {
    std::vector<domain::Contact> out;
    for (size_t i = 0; i < n; ++i) {
      domain::Contact c = h.SampleDataContact();
      c.received_at -= static_cast<int64_t>((offset + i) % (300 * 86400));
      c.summary = messages[rng() % messages.size()];
      if (i % 20 == 0) c.summary += " Liên quan học phí.";  // "hoc phi": about 1 in 20
      if (offset + i == n / 2) c.summary += " " + rare;
      out.push_back(std::move(c));
    }
    return out;
  };
  {
    const size_t chunk = 5000;
    auto load = [&](bool with, size_t n) {
      const int64_t before = FileBytes(h.db_path());
      auto t0 = Steady::now();
      for (size_t done = 0; done < n; done += chunk) {
        auto r = h.contacts().InsertMany(batch(std::min(chunk, n - done), done), with);
        if (!r) std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
      }
      const double s = std::chrono::duration<double>(Steady::now() - t0).count();
      return std::make_pair(
          static_cast<double>(n) / s,
          static_cast<double>(FileBytes(h.db_path()) - before) / static_cast<double>(n));
    };
    const size_t base_n = std::min<size_t>(contacts, 20000);
    auto without = load(false, base_n);
    auto with = load(true, contacts);
    std::printf("\n3. Import (InsertMany, %zu per unit of work)\n", chunk);
    std::printf("  %-46s %9.0f contacts/s   %6.0f bytes/contact (n=%zu)\n",
                "without triage (baseline)", without.first, without.second, base_n);
    std::printf("  %-46s %9.0f contacts/s   %6.0f bytes/contact (n=%zu)\n",
                "with triage and search terms", with.first, with.second, contacts);
  }

  // 4. Search.
  {
    auto time_list = [&](const std::string& q, size_t* found) {
      std::vector<double> us;
      for (int i = 0; i < 50; ++i) {
        intake::ContactFilter f;
        f.text = q;
        auto t0 = Steady::now();
        auto r = h.contacts().List(system, f);
        us.push_back(Micros(Steady::now() - t0));
        if (!r) {
          std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
          break;
        }
        *found = r->items.size();
      }
      return us;
    };
    size_t n = 0;
    std::printf(
        "\n4. Search over %zu indexed contacts (first page of 50; each search is audited: one "
        "durable write)\n",
        contacts);
    Line("newest page, no q (baseline)", time_list("", &n));
    Line(("rare word \"" + rare + "\"").c_str(), time_list(rare, &n));
    std::printf("  %46s (%zu found)\n", "", n);
    Line("\"hoc phi\" (about 1 in 20)", time_list("hoc phi", &n));
    Line("\"em\" (most contacts)", time_list("em", &n));
    Line("\"tu tu\" (two words, same word twice)", time_list("tu tu", &n));
    Line("\"em hoc phi\" (three words)", time_list("em hoc phi", &n));
  }

  // 5. The queue.
  {
    for (size_t i = 0; i < waiting; ++i) {
      domain::Contact c = h.SampleDataContact();
      c.counsellor.clear();
      c.channel = "web";
      c.summary = messages[i % messages.size()];
      auto r = h.contacts().Create(webform, c, std::nullopt, "");
      if (!r) std::fprintf(stderr, "%s\n", r.error().ToString().c_str());
    }
    std::vector<double> us;
    for (int i = 0; i < 50; ++i) {
      auto t0 = Steady::now();
      auto page = h.triage().ListQueue(system, {});
      us.push_back(Micros(Steady::now() - t0));
      if (!page) return 1;
    }
    std::printf("\n5. The queue with %zu waiting\n", waiting);
    Line("first page of 50", us);
  }
  return 0;
}
