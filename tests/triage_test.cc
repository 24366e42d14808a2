// Text triage end to end: `childsafe triage` and `triage eval|check` as an operator runs them, and
// a running server that triages a message, queues it, alerts supervisors (also as a live event
// stream), finds it by words typed without accents, reloads its lexicon on SIGHUP (refusing a bad
// one and keeping the running engine) and still stops promptly with a stream open.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "process.h"
#include "testing/testing.h"

namespace childsafe::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A copy of the repository's data directory that a test may change.
std::string CopyData(const TempDir& dir) {
  const fs::path to = dir.path() / "data";
  fs::copy(SourceDir() + "/data", to, fs::copy_options::recursive);
  return to.string();
}

void Append(const std::string& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

void Write(const std::string& file, const std::string& text) {
  std::ofstream(file, std::ios::trunc) << text;
}

TEST(TriageCli, ReportsATextWithHighlights) {
  auto r = RunChildsafe({"triage", "Em muốn tự tử ngay bây giờ"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("KHẨN CẤP / emergency"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("⟦muốn tự tử⟧"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mental_health.suicidal"), std::string::npos) << r.out;

  TempDir dir;
  Write(dir.File("msg.txt"), "ko ai giup em dc, no doa tung anh nong cua em len mang toi nay");
  auto f = RunChildsafe({"triage", "--file", dir.File("msg.txt"), "--json"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  json j = json::parse(f.out);
  EXPECT_EQ(j["suggested_categories"][0]["category"], "sextortion");
  EXPECT_EQ(RunChildsafe({"triage"}).exit_code, 2);
  EXPECT_EQ(RunChildsafe({"triage", "--file", dir.File("missing.txt")}).exit_code, 3);
}

TEST(TriageCli, EvalExitsNonZeroWhenAGoalIsNotMet) {
  TempDir dir;
  const std::string header = "id\tlevel\tcategories\tvariant\ttext\n";
  // Every message right: both goals met.
  Write(dir.File("good.tsv"),
        header +
            "a1\temergency\tsuicide_self_harm\tdia\tEm muốn tự tử ngay bây giờ\n"
            "a2\tlow\t-\tneutral\tEm hỏi lịch thi học kỳ\n");
  auto good = RunChildsafe({"triage", "eval", dir.File("good.tsv")});
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("emergency recall"), std::string::npos);
  EXPECT_NE(good.out.find("ĐẠT / met"), std::string::npos);
  // An emergency the engine cannot see: recall below 0.95.
  Write(dir.File("bad.tsv"), header + "b1\temergency\tsuicide_self_harm\tdia\tHôm nay trời đẹp\n");
  auto bad = RunChildsafe({"triage", "eval", dir.File("bad.tsv"), "--misses"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("CHƯA ĐẠT / not met"), std::string::npos) << bad.out;
  Write(dir.File("broken.tsv"), header + "c1\turgent\t-\tdia\tx\n");
  EXPECT_EQ(RunChildsafe({"triage", "eval", dir.File("broken.tsv")}).exit_code, 2);
}

TEST(TriageCli, CheckNamesTheBadLineOfALexicon) {
  TempDir dir;
  const std::string data = CopyData(dir);
  auto ok = RunChildsafe({"--data-dir", data, "triage", "check"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("the lexicon compiles"), std::string::npos);
  Append(data + "/triage/signals.tsv", "grooming\t2.5\t{unclosed\n");
  auto bad = RunChildsafe({"--data-dir", data, "triage", "check"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.err.find("signals.tsv"), std::string::npos) << bad.err;
}

struct Server {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
};

Server Start(const std::string& data, const std::string& db) {
  Server s;
  s.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{"--log-level", "warn", "--data-dir", data, "serve", "--db", db,
                               "--port", "0", "--threads", "16"});
  auto line = s.process->WaitForLine("serving on", std::chrono::seconds(60));
  if (line) s.port = PortFromLine(*line);
  return s;
}

TEST(TriageServer, TriagesQueuesAlertsSearchesAndReloadsWithoutARestart) {
  TempDir dir;
  const std::string data = CopyData(dir);
  const std::string db = dir.File("var/childsafe.db");
  ASSERT_EQ(
      RunChildsafe({"--log-level", "warn", "--data-dir", data, "migrate", "--db", db}).exit_code,
      0);
  auto tok = RunChildsafe({"--log-level", "warn", "--data-dir", data, "token", "create", "--db", db,
                           "--name", "webform"});
  const std::string token = tok.out.substr(0, tok.out.find('\n'));
  ASSERT_EQ(token.rfind("cs_", 0), 0u) << tok.out << tok.err;
  Server s = Start(data, db);
  ASSERT_GT(s.port, 0);
  httplib::Client c("127.0.0.1", s.port);
  c.set_bearer_token_auth(token);
  c.set_read_timeout(30);

  auto triage = [&](const std::string& text) {
    auto r = c.Post("/api/v1/triage", json{{"text", text}}.dump(), "application/json");
    EXPECT_TRUE(r);
    return r && r->status == 200 ? json::parse(r->body) : json();
  };
  json first = triage("Em muốn tự tử ngay bây giờ");
  EXPECT_EQ(first["level"], "emergency");
  const std::string v1 = first["lexicon_version"];

  // A message arrives (a web form through an integration token): triaged, queued, alerted.
  json contact = {{"received_at", "2025-06-15T08:00:00+07:00"},
                  {"channel", "web"},
                  {"centre", "hanoi"},
                  {"call_type", "child_about_self"},
                  {"caller", {{"relation", "self"}}},
                  {"children", json::array({{{"age", 13}, {"gender", "girl"}}})},
                  {"categories", {"online.sextortion"}},
                  {"outcome", "counselling"},
                  {"urgency", "critical"},
                  {"summary",
                   "Có người lạ đe doạ tung ảnh nóng của em nếu không chuyển tiền, "
                   "em bị xâm hại rồi."}};
  auto created = c.Post("/api/v1/contacts", contact.dump(), "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  const int64_t id = json::parse(created->body)["id"];
  json queue = json::parse(c.Get("/api/v1/queue")->body);
  ASSERT_EQ(queue["items"].size(), 1u) << queue.dump();
  EXPECT_EQ(queue["items"][0]["contact_id"], id);
  EXPECT_EQ(queue["items"][0]["priority"], "emergency");
  auto stream = c.Get("/api/v1/alerts/stream?wait=0");
  ASSERT_EQ(stream->status, 200);
  EXPECT_NE(stream->body.find("\"contact_id\":" + std::to_string(id)), std::string::npos)
      << stream->body;
  json found = json::parse(c.Get("/api/v1/contacts?q=xam%20hai")->body);
  ASSERT_EQ(found["items"].size(), 1u);
  EXPECT_EQ(found["items"][0]["id"], id);

  // A broken lexicon: SIGHUP refuses it and the running engine keeps answering.
  const std::string signals = data + "/triage/signals.tsv";
  std::ifstream in(signals);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Append(signals, "fraud\tnot-a-weight\tx\n");
  s.process->Signal(SIGHUP);
  EXPECT_TRUE(s.process->WaitForLine("refused", std::chrono::seconds(60)));
  json still = triage("Em muốn tự tử ngay bây giờ");
  EXPECT_EQ(still["level"], "emergency");
  EXPECT_EQ(still["lexicon_version"], v1);
  // Mended with a new signal: SIGHUP swaps it in, no restart.
  Write(signals, good + "fraud\t0.9\tmua thẻ cào gấp cho chú công an\n");
  s.process->Signal(SIGHUP);
  auto line = s.process->WaitForLine("lexicon reloaded", std::chrono::seconds(60));
  ASSERT_TRUE(line);
  json now = triage("Mua thẻ cào gấp cho chú công an");
  EXPECT_NE(now["lexicon_version"], v1);
  // The new signal is found and highlighted. (Whether fraud is also suggested is the model's
  // second opinion on a phrasing it never saw: here it doubts it, see docs/triage.md, run 11.)
  ASSERT_EQ(now["signals"].size(), 1u) << now.dump();
  EXPECT_EQ(now["signals"][0]["category"], "fraud") << now.dump();
  EXPECT_EQ(now["signals"][0]["text"], "Mua thẻ cào gấp cho chú công an") << now.dump();
  EXPECT_NE(line->find(now["lexicon_version"].get<std::string>()), std::string::npos);

  // An alert stream is open; SIGTERM still stops the server promptly.
  std::atomic<bool> opened{false};
  std::thread listener([&] {
    httplib::Client l("127.0.0.1", s.port);
    l.set_bearer_token_auth(token);
    l.set_read_timeout(60);
    l.Get("/api/v1/alerts/stream?wait=600", [&](const char*, size_t) {
      opened = true;
      return true;
    });
  });
  for (int i = 0; i < 50 && !opened; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(opened.load());
  const auto stopping = std::chrono::steady_clock::now();
  s.process->Signal(SIGTERM);
  EXPECT_EQ(s.process->Wait(std::chrono::seconds(20)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
  listener.join();
}

}  // namespace
}  // namespace childsafe::testing
