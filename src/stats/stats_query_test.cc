#include "stats/stats_query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "testing/testing.h"

namespace childsafe::stats {
namespace {

class StatsQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; ++i) {
      storage::ContactFacts f;
      f.id = i;
      f.version = 1;
      f.received_at = *ParseTimestamp("2025-03-0" + std::to_string(i) + "T10:00:00+07:00");
      f.call_type = i == 3 ? "silent" : "about_child";
      f.outcome = i == 3 ? "none" : "counselling";
      f.channel = "phone";
      f.centre = "hanoi";
      if (i != 3) f.categories = {"online.grooming"}, f.online = true;
      index_.Upsert(f);
    }
  }
  StatsIndex index_{testing::RealTaxonomy(), testing::RealProvinces()};
};

TEST_F(StatsQueryTest, ParsesRequestsAndNamesBadParameters) {
  StatsRequest r;
  r.from = "01/03/2025";
  r.to = "2025-04-01";
  r.by = {"outcome"};
  auto res = RunStats(index_, r);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->total, 3);
  StatsRequest bad;
  bad.from = "2025-13-01";
  bad.by = {"colour"};
  auto err = RunStats(index_, bad);
  ASSERT_FALSE(err);
  std::set<std::string> fields;
  for (auto& f : err.error().fields) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"from", "to", "by"}));
}

TEST_F(StatsQueryTest, FormatsJsonCsvAndTables) {
  StatsRequest r;
  r.from = "2025-03-01";
  r.to = "2025-04-01";
  r.by = {"outcome"};
  r.query.online = true;
  auto res = RunStats(index_, r);
  ASSERT_TRUE(res);
  auto j = nlohmann::json::parse(StatsJson(*res, r));
  EXPECT_EQ(j["period"]["time_zone"], "Asia/Ho_Chi_Minh");
  EXPECT_EQ(j["period"]["from_vi"], "01/03/2025");
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["rows"][0]["outcome"], "counselling");
  EXPECT_EQ(j["rows"][0]["outcome_label"]["vi"], "Tư vấn");
  EXPECT_EQ(j["filters"]["online"], true);
  std::string csv = StatsCsv(*res, true);
  EXPECT_EQ(csv, "outcome,outcome_vi,count\r\ncounselling,Tư vấn,2\r\n");
  std::string table = StatsTable(*res, r, true);
  EXPECT_NE(table.find("Tư vấn (counselling)"), std::string::npos);
  EXPECT_NE(table.find("Tổng số: 2"), std::string::npos);
  EXPECT_EQ(GroupDigits(1550000, true), "1.550.000");
  EXPECT_EQ(GroupDigits(1550000, false), "1,550,000");
  EXPECT_EQ(GroupDigits(91, true), "91");
}

// The JSON writer escapes what JSON requires and copies everything else (UTF-8 included) as is.
TEST_F(StatsQueryTest, JsonEscapesQuotesBackslashesAndControlsInLabels) {
  StatsRequest r;
  r.from = "2025-03-01";
  r.to = "2025-04-01";
  r.by = {"outcome"};
  auto res = RunStats(index_, r);
  ASSERT_TRUE(res);
  ASSERT_FALSE(res->rows.empty());
  const std::string odd = std::string("a\"b\\c\n\r\t\x01\x1f Tư vấn ") + "\xe2\x80\x8b" + "end";
  res->rows[0].keys[0].vi = odd;
  res->rows[0].keys[0].code = "\"";
  auto j = nlohmann::json::parse(StatsJson(*res, r));
  EXPECT_EQ(j["rows"][0]["outcome_label"]["vi"], odd);
  EXPECT_EQ(j["rows"][0]["outcome"], "\"");
}

}  // namespace
}  // namespace childsafe::stats
