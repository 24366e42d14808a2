// The published figures over the published period: generated in full (about 1.58 million
// contacts, a few seconds), counted without a database.
#include <gtest/gtest.h>

#include <map>

#include "demo/demo_data.h"
#include "testing/testing.h"

namespace childsafe::demo {
namespace {

TEST(DemoFullTest, ReproducesTheHotlinesPublishedFigures) {
  DemoOptions o;
  o.seed = 111;
  o.from = *ParseDate("2021-06-01");
  o.to = *ParseDate("2025-06-01");
  const auto& tx = testing::RealTaxonomy();
  int64_t total = 0, non_data = 0;
  std::map<std::string, int64_t> online_by_outcome;
  std::map<std::string, int64_t> online_by_half;
  auto r = GenerateDemoData(o, tx, testing::RealProvinces(), [&](std::vector<domain::Contact>&& day) -> Status {
    for (const auto& c : day) {
      ++total;
      if (c.children.empty()) ++non_data;
      if (domain::IsOnline(c, tx)) {
        online_by_outcome[c.outcome]++;
        CivilDate d = CivilFromDays(LocalDayOf(c.received_at));
        online_by_half[std::to_string(d.year) + (d.month <= 6 ? "-H1" : "-H2")]++;
      }
    }
    return {};
  });
  ASSERT_TRUE(r);
  EXPECT_GE(total, 1'550'000);
  EXPECT_LE(total, 1'650'000);
  EXPECT_NEAR(static_cast<double>(non_data) / static_cast<double>(total), 0.9, 0.02);
  EXPECT_EQ(online_by_outcome, (std::map<std::string, int64_t>{
                                   {"counselling", 2043}, {"intervention_connection", 91}, {"report", 305}}));
  EXPECT_EQ(r->online_contacts, 2439);
  int64_t h1_2025 = online_by_half["2025-H1"];
  for (const auto& [half, n] : online_by_half) {
    if (half != "2025-H1") {
      EXPECT_LT(n, h1_2025) << half;
    }
  }
}

}  // namespace
}  // namespace childsafe::demo
