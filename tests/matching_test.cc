// Known-image matching end to end: the `childsafe` binary's hash, bank and match commands, and a
// running server's POST /api/v1/match, banks and evidence routes — including the attack cases
// (malformed hashes, hostile and oversized images, decompression bombs, wrong content types),
// which must be refused with a problem naming the field, without crashing or growing without
// bound.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "process.h"
#include "testing/testing.h"

namespace childsafe::testing {
namespace {

using nlohmann::json;

const std::string kBridge = "reg-test-input/dih/bridge-1-original.jpg";
const std::string kBridgePdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const std::string kBridgeMd5 = "d35c785545392755e7e4164457657269";

std::string Vector(const std::string& relative) {
  return SourceDir() + "/testdata/pdq/" + relative;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A PNG signature and an IHDR declaring width x height (CRC correct), nothing else.
std::string PngHeader(uint32_t w, uint32_t h) {
  std::string ihdr = "IHDR";
  for (uint32_t v : {w, h}) {
    for (int s = 24; s >= 0; s -= 8) ihdr += static_cast<char>((v >> s) & 0xFF);
  }
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : ihdr) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\x00\x00\x00\x0d", 4) + ihdr;
  for (int s = 24; s >= 0; s -= 8) png += static_cast<char>((crc >> s) & 0xFF);
  return png;
}

// Sends the request's head only (no body) and returns the status of the answer, or 0.
int HeadOnlyStatus(int port, const std::string& head) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return 0;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  char buf[256] = {};
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  return n > 12 ? std::atoi(buf + 9) : 0;
}

RunResult Cs(std::vector<std::string> args) {
  args.insert(args.begin(), {"--log-level", "warn"});
  return RunChildsafe(args);
}

TEST(MatchingCliTest, HashBankImportListMatchExport) {
  TempDir dir;
  const std::string db = dir.File("var/childsafe.db");
  ASSERT_EQ(Cs({"migrate", "--db", db}).exit_code, 0);

  auto hashed = Cs({"hash", "--json", "--dihedral", Vector(kBridge)});
  ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
  json h = json::parse(hashed.out);
  EXPECT_EQ(h["pdq"], kBridgePdq);
  EXPECT_EQ(h["md5"], kBridgeMd5);
  EXPECT_EQ(h["quality"], 100);
  EXPECT_EQ(h["dihedral"].size(), 8u);
  auto not_image = Cs({"hash", SourceDir() + "/README.md"});
  EXPECT_EQ(not_image.exit_code, 2);
  EXPECT_NE(not_image.err.find("README.md"), std::string::npos);

  // A list with one bad row is refused whole, naming the line; nothing is written.
  std::ofstream(dir.File("list.csv")) << "id,pdq,md5,labels\n"
                                      << "iwf-1," << kBridgePdq << ",,A\n"
                                      << "iwf-2,not-a-hash,,B\n"
                                      << "iwf-3,," << kBridgeMd5 << ",C\n";
  auto refused = Cs({"bank", "import", dir.File("list.csv"), "--db", db, "--name", "IWF_TEST",
                     "--source", "IWF", "--licence", "member agreement 2025"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("line 3"), std::string::npos) << refused.err;
  auto listed = Cs({"bank", "list", "--db", db, "--json"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_TRUE(json::parse(listed.out)["items"].empty());
  auto dry =
      Cs({"bank", "import", dir.File("list.csv"), "--db", db, "--name", "IWF_TEST", "--source",
          "IWF", "--licence", "member agreement 2025", "--keep-good-rows", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_EQ(json::parse(dry.out)["added"], 2);
  EXPECT_TRUE(json::parse(Cs({"bank", "list", "--db", db, "--json"}).out)["items"].empty());
  auto kept = Cs({"bank", "import", dir.File("list.csv"), "--db", db, "--name", "IWF_TEST",
                  "--source", "IWF", "--licence", "member agreement 2025", "--keep-good-rows"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;

  listed = Cs({"bank", "list", "--db", db, "--json"});
  json bank = json::parse(listed.out)["items"].at(0);
  EXPECT_EQ(bank["name"], "IWF_TEST");
  EXPECT_EQ(bank["source"], "IWF");
  EXPECT_EQ(bank["licence"], "member agreement 2025");
  EXPECT_EQ(bank["entries"], 2);

  auto matched = Cs(
      {"match", "--db", db, "--json", Vector(kBridge), "md5:" + kBridgeMd5, std::string(64, '0')});
  ASSERT_EQ(matched.exit_code, 0) << matched.err;
  std::vector<json> lines;
  std::istringstream in(matched.out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["status"], "match");
  EXPECT_EQ(lines[0]["total"], 2);  // the file matches by PDQ and by MD5
  EXPECT_EQ(lines[1]["matches"][0]["labels"], json::array({"C"}));
  EXPECT_EQ(lines[2]["status"], "no_match");
  EXPECT_EQ(Cs({"match", "--db", db, "xyz"}).exit_code, 2);

  ASSERT_EQ(Cs({"bank", "disable", "IWF_TEST", "--db", db}).exit_code, 0);
  auto off = Cs({"match", "--db", db, "--json", "md5:" + kBridgeMd5});
  EXPECT_EQ(json::parse(off.out)["status"], "no_match");
  ASSERT_EQ(Cs({"bank", "enable", "IWF_TEST", "--db", db}).exit_code, 0);

  auto exported = Cs({"bank", "export", "IWF_TEST", "--db", db, "-o", dir.File("out.csv")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("out.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string csv = ReadAll(dir.File("out.csv"));
  EXPECT_NE(csv.find(kBridgePdq), std::string::npos);
  EXPECT_NE(csv.find(kBridgeMd5), std::string::npos);
  EXPECT_EQ(csv.find("not-a-hash"), std::string::npos);
}

class MatchingServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->File("var/childsafe.db");
    log_ = dir_->File("server.log");
    ASSERT_EQ(Cs({"migrate", "--db", db_}).exit_code, 0);
    std::ofstream(dir_->File("list.csv")) << "id,pdq,md5,labels\n"
                                          << "iwf-1," << kBridgePdq << ",,"
                                          << "A\n";
    ASSERT_EQ(Cs({"bank", "import", dir_->File("list.csv"), "--db", db_, "--name", "IWF_TEST",
                  "--source", "IWF", "--licence", "member agreement 2025"})
                  .exit_code,
              0);
    auto token = [](std::vector<std::string> extra) {
      std::vector<std::string> args = {"token", "create", "--db", db_, "--name", "t"};
      args.insert(args.end(), extra.begin(), extra.end());
      auto r = Cs(args);
      return r.out.substr(0, r.out.find('\n'));
    };
    admin_ = token({});
    platform_ = token({"--role", "content_analyst", "--scopes", "match.query"});
    analyst_ = token({"--role", "content_analyst"});
    counsellor_ = token({"--role", "counsellor"});
    server_ = new ChildProcess({"--log-level", "info", "--log-file", log_, "serve", "--db", db_,
                                "--port", "0", "--threads", "24", "--keep-evidence", "matched",
                                "--max-upload-mib", "8", "--bank-refresh-seconds", "1"});
    for (int i = 0; i < 20 && !port_; ++i) {
      auto line = server_->WaitForLine("", std::chrono::seconds(30));
      if (!line) break;
      port_ = PortFromLine(*line);
    }
    ASSERT_GT(port_, 0);
    // The banks load in the background: 503 until then.
    auto c = Client(admin_);
    for (int i = 0; i < 200; ++i) {
      auto r =
          c.Post("/api/v1/match", "{\"hashes\": [\"md5:" + kBridgeMd5 + "\"]}", "application/json");
      if (r && r->status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static void TearDownTestSuite() {
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(std::chrono::seconds(20)), 0);
    // Nothing about the images reaches the log: not the hashes of the uploads, not their bytes.
    std::string log = ReadAll(log_);
    EXPECT_EQ(log.find(kBridgeMd5), std::string::npos);
    EXPECT_EQ(log.find(kBridgePdq), std::string::npos);
    delete server_;
    delete dir_;
  }

  static httplib::Client Client(const std::string& token) {
    httplib::Client c("127.0.0.1", port_);
    c.set_bearer_token_auth(token);
    c.set_read_timeout(30);
    c.set_write_timeout(30);
    return c;
  }

  static std::set<std::string> Fields(const httplib::Result& r) {
    std::set<std::string> out;
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("errors")) {
      for (const auto& e : j["errors"]) out.insert(e["field"].get<std::string>());
    }
    return out;
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string db_, log_, admin_, platform_, analyst_, counsellor_;
  static inline ChildProcess* server_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(MatchingServerTest, PlatformsMatchImagesAndHashes) {
  auto c = Client(platform_);
  auto hashes =
      c.Post("/api/v1/match",
             json{{"hashes", {kBridgePdq, {{"type", "md5"}, {"value", kBridgeMd5}}}}}.dump(),
             "application/json");
  ASSERT_TRUE(hashes);
  ASSERT_EQ(hashes->status, 200) << hashes->body;
  json j = json::parse(hashes->body);
  EXPECT_EQ(j["results"][0]["status"], "match");
  EXPECT_EQ(j["results"][0]["matches"][0]["bank"], "IWF_TEST");
  EXPECT_EQ(j["results"][0]["matches"][0]["labels"], json::array({"A"}));
  EXPECT_EQ(j["results"][1]["status"], "no_match");

  const std::string image = ReadAll(Vector(kBridge));
  httplib::MultipartFormDataItems form = {{"image", image, "photo.jpg", "image/jpeg"}};
  auto upload = c.Post("/api/v1/match", form);
  ASSERT_TRUE(upload);
  ASSERT_EQ(upload->status, 200) << upload->body;
  j = json::parse(upload->body);
  EXPECT_EQ(j["status"], "match");
  EXPECT_EQ(j["image"]["pdq"], kBridgePdq);
  EXPECT_EQ(j["image"]["quality"], 100);
  EXPECT_TRUE(j.contains("evidence_id"));  // this deployment keeps matched images
  auto rotated = c.Post("/api/v1/match?dihedral=true",
                        ReadAll(Vector("reg-test-input/dih/bridge-2-rotate-90.jpg")), "image/jpeg");
  ASSERT_EQ(rotated->status, 200) << rotated->body;
  EXPECT_EQ(json::parse(rotated->body)["status"], "match");
  auto low =
      c.Post("/api/v1/match", ReadAll(Vector("misc-images/small.jpg")), "application/octet-stream");
  ASSERT_EQ(low->status, 200);
  EXPECT_EQ(json::parse(low->body)["image"]["quality_ok"], false);

  // The platform's token does only what its scope says; counsellors may not look up at all.
  EXPECT_EQ(c.Get("/api/v1/banks")->status, 403);
  EXPECT_EQ(
      Client(counsellor_).Post("/api/v1/match", "{\"hashes\": []}", "application/json")->status,
      403);
  // Every matching request is in the audit trail, with ids only.
  auto audit = Client(admin_).Get("/api/v1/audit?action=match.found");
  ASSERT_EQ(audit->status, 200);
  json entries = json::parse(audit->body)["items"];
  ASSERT_GE(entries.size(), 3u);
  EXPECT_EQ(audit->body.find(kBridgeMd5), std::string::npos);
  EXPECT_EQ(audit->body.find(kBridgePdq), std::string::npos);
}

TEST_F(MatchingServerTest, EvidenceIsBlurredUnlessRevealedWithAReason) {
  auto c = Client(analyst_);
  auto m = c.Post("/api/v1/match", ReadAll(Vector(kBridge)), "image/jpeg");
  ASSERT_EQ(m->status, 200);
  const std::string id = std::to_string(json::parse(m->body)["evidence_id"].get<int64_t>());
  auto preview = c.Get("/api/v1/evidence/" + id + "/preview");
  ASSERT_EQ(preview->status, 200) << preview->body;
  EXPECT_EQ(preview->get_header_value("Content-Type"), "image/png");
  EXPECT_LT(preview->body.size(), 4000u);
  EXPECT_EQ(preview->get_header_value("X-Evidence-Revealed"), "false");
  auto no_reason = c.Get("/api/v1/evidence/" + id + "/preview?reveal=true");
  EXPECT_EQ(no_reason->status, 400);
  EXPECT_EQ(Fields(no_reason), (std::set<std::string>{"reason"}));
  auto revealed = c.Get("/api/v1/evidence/" + id + "/preview?reveal=true",
                        {{"X-Access-Reason", "xác minh phản ánh 111-2025-000042"}});
  ASSERT_EQ(revealed->status, 200);
  EXPECT_EQ(revealed->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(revealed->body, ReadAll(Vector(kBridge)));
  // Administrators run the system; they do not look at evidence.
  EXPECT_EQ(
      Client(admin_)
          .Get("/api/v1/evidence/" + id + "/preview?reveal=true", {{"X-Access-Reason", "curious"}})
          ->status,
      403);
  EXPECT_EQ(c.Get("/api/v1/evidence/999999/preview")->status, 404);
  auto audit = Client(admin_).Get("/api/v1/audit?action=evidence.reveal");
  EXPECT_NE(audit->body.find("111-2025-000042"), std::string::npos);
}

TEST_F(MatchingServerTest, BanksAreListedAndSwitchedOff) {
  auto admin = Client(admin_);
  auto banks = Client(analyst_).Get("/api/v1/banks");
  ASSERT_EQ(banks->status, 200);
  EXPECT_EQ(json::parse(banks->body)["items"][0]["licence"], "member agreement 2025");
  EXPECT_EQ(Client(analyst_)
                .Patch("/api/v1/banks/IWF_TEST", "{\"enabled\": false}", "application/json")
                ->status,
            403);
  auto off = admin.Patch("/api/v1/banks/IWF_TEST", "{\"enabled\": false}", "application/json");
  ASSERT_EQ(off->status, 200) << off->body;
  EXPECT_EQ(json::parse(off->body)["enabled"], false);
  auto q =
      admin.Post("/api/v1/match", "{\"hashes\": [\"" + kBridgePdq + "\"]}", "application/json");
  EXPECT_EQ(json::parse(q->body)["results"][0]["status"], "no_match");
  EXPECT_EQ(Fields(admin.Patch("/api/v1/banks/IWF_TEST", "{\"enabled\": 1}", "application/json")),
            (std::set<std::string>{"enabled"}));
  EXPECT_EQ(admin.Patch("/api/v1/banks/NO_SUCH", "{\"enabled\": true}", "application/json")->status,
            404);
  ASSERT_EQ(
      admin.Patch("/api/v1/banks/IWF_TEST", "{\"enabled\": true}", "application/json")->status,
      200);
  q = admin.Post("/api/v1/match", "{\"hashes\": [\"" + kBridgePdq + "\"]}", "application/json");
  EXPECT_EQ(json::parse(q->body)["results"][0]["status"], "match");

  // An import on the command line reaches the running server within its refresh interval.
  std::ofstream(dir_->File("more.csv")) << "md5\n" << std::string(32, 'e') << "\n";
  ASSERT_EQ(
      Cs({"bank", "import", dir_->File("more.csv"), "--db", db_, "--name", "IWF_TEST"}).exit_code,
      0);
  std::string status;
  for (int i = 0; i < 100 && status != "match"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = admin.Post("/api/v1/match", "{\"hashes\": [\"md5:" + std::string(32, 'e') + "\"]}",
                        "application/json");
    status = json::parse(r->body)["results"][0]["status"];
  }
  EXPECT_EQ(status, "match");
}

// Attack-style input: each is refused with a problem naming the field, the server keeps serving.
TEST_F(MatchingServerTest, HostileInputIsRefusedNamingTheField) {
  auto c = Client(platform_);
  struct Case {
    std::string body;
    std::set<std::string> fields;
  };
  const std::string pdq(64, 'a');
  for (const Case& k : std::vector<Case>{
           {"{\"hashes\": [\"zz\"]}", {"hashes/0"}},
           {"{\"hashes\": [\"" + std::string(63, 'a') + "\"]}", {"hashes/0"}},
           {"{\"hashes\": [{\"type\": \"photodna\", \"value\": \"" + pdq + "\"}]}",
            {"hashes/0/type"}},
           {"{\"hashes\": [{\"type\": \"md5\", \"value\": \"" + pdq + "\"}]}", {"hashes/0/value"}},
           {"{\"hashes\": [\"" + pdq + "\"], \"radius\": 200}", {"radius"}},
           {"{\"hashes\": [\"" + pdq + "\"], \"banks\": [\"NOPE\"]}", {"banks/0"}},
           {"{\"hashes\": [\"" + pdq + "\"], \"colour\": 1}", {"colour"}},
           {"{\"hashes\": []}", {"hashes"}},
           {"{}", {"hashes"}},
           {"[1, 2]", {""}},
       }) {
    auto r = c.Post("/api/v1/match", k.body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << k.body << " -> " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json; charset=utf-8");
    EXPECT_EQ(Fields(r), k.fields) << k.body << " -> " << r->body;
  }
  // Not JSON, deeply nested JSON, too many hashes.
  EXPECT_EQ(c.Post("/api/v1/match", "{\"hashes\": [", "application/json")->status, 400);
  EXPECT_EQ(
      c.Post("/api/v1/match", std::string(5000, '[') + std::string(5000, ']'), "application/json")
          ->status,
      400);
  json many = {{"hashes", json::array()}};
  for (int i = 0; i < 1001; ++i) many["hashes"].push_back("md5:" + std::string(32, 'a'));
  EXPECT_EQ(Fields(c.Post("/api/v1/match", many.dump(), "application/json")),
            (std::set<std::string>{"hashes"}));
  // A content type that is neither an image nor JSON.
  EXPECT_EQ(c.Post("/api/v1/match", "hello", "text/plain")->status, 415);

  // Files that are not images, or are broken, or lie about their size: field "image".
  const std::string jpeg = ReadAll(Vector(kBridge));
  struct Upload {
    std::string name, bytes;
    int status;
  };
  for (const Upload& u : std::vector<Upload>{
           {"zip called .jpg", std::string("PK\x03\x04", 4) + std::string(3000, 'z'), 400},
           {"truncated JPEG", jpeg.substr(0, jpeg.size() / 3), 400},
           {"noise", std::string(65536, '\x5a'), 400},
           {"empty", "", 400},
           {"30000x30000 PNG bomb", PngHeader(30000, 30000), 413},
           {"65535x65535 PNG bomb", PngHeader(65535, 65535), 413},
       }) {
    auto r = c.Post("/api/v1/match", u.bytes, "image/jpeg");
    ASSERT_TRUE(r) << u.name;
    EXPECT_EQ(r->status, u.status) << u.name << " -> " << r->body;
    EXPECT_EQ(Fields(r), (std::set<std::string>{"image"})) << u.name << " -> " << r->body;
  }
  // Multipart without exactly one part named image.
  httplib::MultipartFormDataItems wrong = {{"file", jpeg, "a.jpg", "image/jpeg"}};
  EXPECT_EQ(Fields(c.Post("/api/v1/match", wrong)), (std::set<std::string>{"image"}));
  httplib::MultipartFormDataItems two = {{"image", jpeg, "a.jpg", "image/jpeg"},
                                         {"image2", jpeg, "b.jpg", "image/jpeg"}};
  EXPECT_EQ(Fields(c.Post("/api/v1/match", two)), (std::set<std::string>{"image"}));
  EXPECT_EQ(Fields(c.Post("/api/v1/match?radius=99", jpeg, "image/jpeg")),
            (std::set<std::string>{"radius"}));
  EXPECT_EQ(Fields(c.Post("/api/v1/match?colour=red", jpeg, "image/jpeg")),
            (std::set<std::string>{"colour"}));

  // Over the upload limit (8 MiB here): 413 before the body is read.
  auto huge = c.Post("/api/v1/match", std::string(9 << 20, '\xff'), "image/jpeg");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  // A large body is read only for a client that has authenticated: anyone else is answered
  // from the request's head alone.
  EXPECT_EQ(HeadOnlyStatus(port_,
                           "POST /api/v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "image/jpeg\r\nContent-Length: 5000000\r\n\r\n"),
            401);
  EXPECT_EQ(HeadOnlyStatus(port_,
                           "POST /api/v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: "
                           "Bearer cs_forgedforgedforgedforgedforgedforged\r\n"
                           "Content-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n"),
            401);
  EXPECT_EQ(HeadOnlyStatus(port_,
                           "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"),
            413);
  // Other routes keep their 1 MiB limit.
  EXPECT_EQ(Client(admin_)
                .Post("/api/v1/contacts", std::string(2 << 20, ' '), "application/json")
                ->status,
            413);

  // Many hostile uploads at once: all refused, the server still answers, its memory bounded.
  std::vector<std::thread> attackers;
  std::atomic<int> refused{0};
  for (int t = 0; t < 12; ++t) {
    attackers.emplace_back([&, t] {
      auto a = Client(platform_);
      for (int i = 0; i < 5; ++i) {
        auto r = a.Post("/api/v1/match", t % 2 ? PngHeader(40000, 40000) : jpeg.substr(0, 5000),
                        "image/jpeg");
        if (r && (r->status == 400 || r->status == 413)) ++refused;
      }
    });
  }
  for (auto& t : attackers) t.join();
  EXPECT_EQ(refused.load(), 60);
  auto ok = c.Post("/api/v1/match", jpeg, "image/jpeg");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status");
  long rss_kib = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss_kib = std::atol(line.c_str() + 6);
  }
  EXPECT_LT(rss_kib, 600 * 1024) << "server RSS " << rss_kib << " KiB";
}

}  // namespace
}  // namespace childsafe::testing
