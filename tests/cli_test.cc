// The childsafe command line, run as a user would run it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.h"
#include "testing/testing.h"

namespace childsafe::testing {
namespace {

using nlohmann::json;

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(CliTest, TheDemoDatasetReproducesTheHotlinesPublishedFigures) {
  TempDir dir;
  std::string db = dir.File("demo.db");
  auto gen = RunChildsafe({"--log-level", "warn", "demo-data", "--db", db, "--seed", "111", "--from",
                           "2021-06-01", "--to", "2025-06-01"},
                          std::chrono::seconds(300));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto online = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "2021-06-01", "--to",
                              "2025-06-01", "--online", "--by", "outcome", "--format", "json"});
  ASSERT_EQ(online.exit_code, 0) << online.err;
  json j = json::parse(online.out);
  std::map<std::string, int64_t> by_outcome;
  for (const auto& row : j["rows"]) by_outcome[row["outcome"]] = row["count"];
  EXPECT_EQ(j["total"], 2439);
  EXPECT_EQ(by_outcome, (std::map<std::string, int64_t>{
                            {"counselling", 2043}, {"intervention_connection", 91}, {"report", 305}}));
  auto all = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "01/06/2021", "--to",
                           "01/06/2025", "--format", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_GE(json::parse(all.out)["total"].get<int64_t>(), 1550000);
  // The human table, in Vietnamese.
  auto table = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "2021-06-01", "--to",
                             "2025-06-01", "--online", "--by", "outcome"});
  EXPECT_NE(table.out.find("Tư vấn (counselling)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Tổng số: 2.439"), std::string::npos) << table.out;
  auto check = RunChildsafe({"--log-level", "warn", "check", "--db", db});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  // Demo data never goes into a database that already holds contacts.
  auto again = RunChildsafe({"--log-level", "warn", "demo-data", "--db", db});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_EQ(Lines(again.err), 1) << again.err;
}

TEST(CliTest, BadInputGetsOneLineAndANonZeroExit) {
  TempDir dir;
  std::string db = dir.File("x.db");
  auto missing = RunChildsafe({"stats", "--db", db, "--from", "2021-06-01", "--to", "2022-06-01"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(Lines(missing.err), 1) << missing.err;
  EXPECT_NE(missing.err.find("childsafe migrate"), std::string::npos);
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db}).exit_code, 0);
  auto bad_date = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "31/02/2021", "--to", "x", "--by", "colour"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_EQ(Lines(bad_date.err), 1) << bad_date.err;
  EXPECT_NE(bad_date.err.find("from"), std::string::npos);
  EXPECT_NE(bad_date.err.find("by"), std::string::npos);
  auto unknown = RunChildsafe({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(Lines(unknown.err), 1) << unknown.err;
  auto no_args = RunChildsafe({"stats", "--db", db});
  EXPECT_EQ(no_args.exit_code, 2);
  auto role = RunChildsafe({"--log-level", "warn", "token", "create", "--db", db, "--name", "x", "--role", "god"});
  EXPECT_EQ(role.exit_code, 2);
  auto help = RunChildsafe({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("demo-data"), std::string::npos);
}

TEST(CliTest, ExportThenImportKeepsEverything) {
  TempDir dir;
  std::string a = dir.File("a/hotline.db"), b = dir.File("b/hotline.db");
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "demo-data", "--db", a, "--from", "2024-02-01", "--to", "2024-02-03"}).exit_code, 0);
  for (const char* format : {"jsonl", "csv"}) {
    std::string file = dir.File(std::string("export.") + format);
    auto ex = RunChildsafe({"--log-level", "warn", "contacts", "export", "--db", a, "--format", format,
                            "--with-sensitive", "-o", file});
    ASSERT_EQ(ex.exit_code, 0) << ex.err;
    std::string target = dir.File(std::string(format) + "/hotline.db");
    ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", target}).exit_code, 0);
    auto im = RunChildsafe({"--log-level", "warn", "contacts", "import", file, "--db", target});
    ASSERT_EQ(im.exit_code, 0) << im.err;
    auto back = RunChildsafe({"--log-level", "warn", "contacts", "export", "--db", target, "--format", format, "--with-sensitive"});
    ASSERT_EQ(back.exit_code, 0);
    std::ifstream in(file);
    std::stringstream original;
    original << in.rdbuf();
    // The same contacts, field for field (apart from ids and system times); contacts received in
    // the same second may come out in another order, so compare by reference.
    auto by_reference = [&](const std::string& text) {
      std::map<std::string, std::string> out;
      std::istringstream lines(text);
      std::string line;
      bool header = std::string(format) == "csv";
      while (std::getline(lines, line)) {
        if (header) {
          header = false;
          continue;
        }
        if (std::string(format) == "csv") {
          out[line.substr(0, line.find(','))] = line;
        } else {
          json j = json::parse(line);
          // Phone numbers are never stored, only keyed pseudonyms that mean nothing to another
          // installation, so repeat-caller links do not travel with an export.
          for (const char* k : {"id", "created_at", "updated_at", "version", "caller_phone_recorded",
                                "repeat_caller"}) {
            j.erase(k);
          }
          out[j["reference"]] = j.dump();
        }
      }
      return out;
    };
    auto original_rows = by_reference(original.str()), back_rows = by_reference(back.out);
    EXPECT_GT(original_rows.size(), 1000u);
    EXPECT_EQ(original_rows, back_rows);
    // Importing the same file twice is refused: the references exist.
    auto twice = RunChildsafe({"--log-level", "warn", "contacts", "import", file, "--db", target});
    EXPECT_EQ(twice.exit_code, 2);
    auto skip = RunChildsafe({"--log-level", "warn", "contacts", "import", file, "--db", target, "--skip-existing"});
    EXPECT_EQ(skip.exit_code, 0) << skip.err;
  }
  (void)b;
}

TEST(CliTest, ImportRefusesABadFileAndWritesNothing) {
  TempDir dir;
  std::string db = dir.File("h.db"), file = dir.File("bad.csv");
  ASSERT_EQ(RunChildsafe({"--log-level", "warn", "migrate", "--db", db}).exit_code, 0);
  std::ofstream(file) << "received_at,channel,centre,call_type,outcome\n"
                      << "2024-05-01T10:00:00+07:00,phone,hanoi,silent,none\n"
                      << "2024-05-01T10:00:00+07:00,fax,hanoi,silent,none\n";
  auto r = RunChildsafe({"--log-level", "warn", "contacts", "import", file, "--db", db});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.csv:3: channel: unknown code"), std::string::npos) << r.err;
  auto stats = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "2024-01-01", "--to", "2025-01-01", "--format", "json"});
  EXPECT_EQ(json::parse(stats.out)["total"], 0);
  auto skip = RunChildsafe({"--log-level", "warn", "contacts", "import", file, "--db", db, "--skip-invalid"});
  EXPECT_EQ(skip.exit_code, 0);
  stats = RunChildsafe({"--log-level", "warn", "stats", "--db", db, "--from", "2024-01-01", "--to", "2025-01-01", "--format", "json"});
  EXPECT_EQ(json::parse(stats.out)["total"], 1);
}

}  // namespace
}  // namespace childsafe::testing
