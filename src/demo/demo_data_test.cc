#include "demo/demo_data.h"

#include <gtest/gtest.h>

#include <map>

#include "testing/services.h"

namespace childsafe::demo {
namespace {

std::vector<domain::Contact> Generate(uint64_t seed, const char* from, const char* to) {
  DemoOptions o;
  o.seed = seed;
  o.from = *ParseDate(from);
  o.to = *ParseDate(to);
  std::vector<domain::Contact> all;
  auto r = GenerateDemoData(o, testing::RealTaxonomy(), testing::RealProvinces(),
                            [&](std::vector<domain::Contact>&& day) -> Status {
                              for (auto& c : day) all.push_back(std::move(c));
                              return {};
                            });
  EXPECT_TRUE(r) << r.error().ToString();
  return all;
}

std::string Fingerprint(const domain::Contact& c) {
  std::string s = std::to_string(c.received_at) + c.call_type + c.outcome + c.channel + c.centre +
                  c.summary + c.counsellor;
  for (const auto& cat : c.categories) s += cat;
  for (const auto& ch : c.children) s += std::to_string(ch.age.value_or(-1)) + ch.gender + ch.province;
  if (c.caller) s += c.caller->relation + c.caller->phone;
  return s;
}

TEST(DemoDataTest, SameSeedSameData) {
  auto a = Generate(7, "2024-03-01", "2024-03-08");
  auto b = Generate(7, "2024-03-01", "2024-03-08");
  auto c = Generate(8, "2024-03-01", "2024-03-08");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 5000u);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(Fingerprint(a[i]), Fingerprint(b[i])) << i;
  size_t same = 0;
  for (size_t i = 0; i < std::min(a.size(), c.size()); ++i) same += Fingerprint(a[i]) == Fingerprint(c[i]);
  EXPECT_LT(same, a.size() / 10);
}

TEST(DemoDataTest, EveryContactIsValidAcrossTheProvinceReform) {
  auto all = Generate(111, "2025-06-25", "2025-07-05");
  domain::ValidationContext ctx{testing::RealTaxonomy(), testing::RealProvinces(),
                                *ParseTimestamp("2025-08-01T00:00:00Z")};
  size_t data = 0, with_province_after = 0;
  for (const auto& c : all) {
    auto st = domain::ValidateContact(c, ctx);
    ASSERT_TRUE(st) << st.error().ToString();
    if (!c.children.empty()) {
      ++data;
      if (LocalDayOf(c.received_at) >= domain::Provinces::ReformDay() && !c.children[0].province.empty()) {
        ++with_province_after;
        // After 1 July 2025 only the 34-unit codes are valid; validation above checked it.
      }
    }
  }
  EXPECT_GT(data, all.size() / 20);
  EXPECT_LT(data, all.size() / 5);
  EXPECT_GT(with_province_after, 100u);
}

TEST(DemoDataTest, LooksLikeAHotline) {
  auto all = Generate(111, "2023-01-01", "2023-02-01");
  std::map<std::string, int> centre, channel;
  std::map<int, int> hour;
  int non_data = 0, online = 0;
  for (const auto& c : all) {
    centre[c.centre]++;
    channel[c.channel]++;
    hour[LocalHourOf(c.received_at)]++;
    if (c.children.empty()) ++non_data;
    if (domain::IsOnline(c, testing::RealTaxonomy())) ++online;
  }
  double per_day = static_cast<double>(all.size()) / 31;
  EXPECT_GT(per_day, 700);  // 2023: 323,615 calls, about 887 a day; January has Tết
  EXPECT_LT(per_day, 1000);
  EXPECT_NEAR(static_cast<double>(non_data) / static_cast<double>(all.size()), 0.9, 0.03);
  EXPECT_EQ(centre.size(), 3u);
  EXPECT_GT(centre["hanoi"], centre["danang"]);
  EXPECT_GT(hour[2], 0);                      // the line is open at night
  EXPECT_GT(hour[19], 4 * hour[3]);           // and busiest in the evening
  EXPECT_GT(channel["phone"], 9 * (static_cast<int>(all.size()) - channel["phone"]));
  EXPECT_GT(online, 20);  // about 290 in the first half of 2023
  EXPECT_LT(online, 90);
}

TEST(DemoDataTest, WritesThroughTheService) {
  testing::TestHotline h(*ParseTimestamp("2025-08-01T00:00:00Z"));
  DemoOptions o;
  o.from = *ParseDate("2025-05-30");
  o.to = *ParseDate("2025-06-02");
  auto r = WriteDemoData(o, h.contacts());
  ASSERT_TRUE(r) << r.error().ToString();
  int64_t n = 0;
  ASSERT_TRUE(h.db().Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(n, t.CountContacts());
    return {};
  }));
  EXPECT_EQ(n, r->contacts);
  auto first = h.contacts().GetByReference(auth::Principal::System(), "111-2025-000001");
  ASSERT_TRUE(first);
  EXPECT_EQ(FormatDateIso(LocalDayOf(first->contact.received_at)), "2025-05-30");
}

}  // namespace
}  // namespace childsafe::demo
