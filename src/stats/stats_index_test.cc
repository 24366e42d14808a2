#include "stats/stats_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "testing/services.h"

namespace childsafe::stats {
namespace {

storage::ContactFacts Facts(int64_t id, const std::string& local_time, const std::string& call_type,
                            const std::string& outcome, std::vector<std::string> categories = {},
                            std::vector<storage::ContactFacts::ChildFacts> children = {}) {
  storage::ContactFacts f;
  f.id = id;
  f.version = 1;
  f.received_at = *ParseTimestamp(local_time);  // no offset: Asia/Ho_Chi_Minh
  f.channel = "phone";
  f.centre = "hanoi";
  f.call_type = call_type;
  f.outcome = outcome;
  f.categories = std::move(categories);
  f.children = std::move(children);
  f.online = false;
  for (const auto& c : f.categories) f.online = f.online || c.rfind("online.", 0) == 0;
  return f;
}

class StatsIndexTest : public ::testing::Test {
 protected:
  StatsIndex index_{testing::RealTaxonomy(), testing::RealProvinces()};

  StatsQuery Period(const char* from, const char* to, std::vector<Dimension> by = {}) {
    StatsQuery q;
    q.from = *ParseDate(from);
    q.to = *ParseDate(to);
    q.by = std::move(by);
    return q;
  }

  std::map<std::string, int64_t> Counts(const StatsQuery& q) {
    auto r = index_.Query(q);
    EXPECT_TRUE(r) << r.error().ToString();
    std::map<std::string, int64_t> out;
    for (const auto& row : r->rows) {
      std::string key;
      for (const auto& k : row.keys) key += (key.empty() ? "" : "/") + k.code;
      out[key] = row.count;
    }
    return out;
  }
};

TEST_F(StatsIndexTest, PeriodsAreLocalDatesStartInclusiveEndExclusive) {
  index_.Upsert(Facts(1, "2025-05-31T23:59:59", "silent", "none"));
  index_.Upsert(Facts(2, "2025-06-01T00:00:00", "silent", "none"));  // 2025-05-31T17:00Z
  index_.Upsert(Facts(3, "2025-06-30T23:59:59", "silent", "none"));
  index_.Upsert(Facts(4, "2025-07-01T00:00:00", "silent", "none"));
  EXPECT_EQ(index_.Query(Period("2025-06-01", "2025-07-01"))->total, 2);
  EXPECT_EQ(index_.Query(Period("2025-05-01", "2025-08-01"))->total, 4);
  auto by_month = Counts(Period("2025-05-01", "2025-08-01", {Dimension::kMonth}));
  EXPECT_EQ(by_month,
            (std::map<std::string, int64_t>{{"2025-05", 1}, {"2025-06", 2}, {"2025-07", 1}}));
}

TEST_F(StatsIndexTest, GroupsByEveryTimeUnit) {
  index_.Upsert(Facts(1, "2024-12-31T12:00:00", "silent", "none"));
  index_.Upsert(Facts(2, "2025-01-01T12:00:00", "silent", "none"));
  index_.Upsert(Facts(3, "2025-07-15T12:00:00", "silent", "none"));
  auto q = Period("2024-12-01", "2025-12-31");
  q.by = {Dimension::kYear};
  EXPECT_EQ(Counts(q), (std::map<std::string, int64_t>{{"2024", 1}, {"2025", 2}}));
  q.by = {Dimension::kHalfYear};
  EXPECT_EQ(Counts(q),
            (std::map<std::string, int64_t>{{"2024-H2", 1}, {"2025-H1", 1}, {"2025-H2", 1}}));
  q.by = {Dimension::kQuarter};
  auto quarters = Counts(q);
  EXPECT_EQ(quarters["2024-Q4"], 1);
  EXPECT_EQ(quarters["2025-Q1"], 1);
  EXPECT_EQ(quarters["2025-Q2"], 0);  // time-only groupings keep empty periods
  EXPECT_EQ(quarters["2025-Q3"], 1);
  q.by = {Dimension::kWeek};
  auto weeks = Counts(q);
  EXPECT_EQ(weeks["2025-W01"], 2);  // 31/12/2024 and 01/01/2025 share ISO week 1 of 2025
  EXPECT_EQ(weeks["2025-W29"], 1);
  q.by = {Dimension::kDay};
  EXPECT_EQ(Counts(q)["2025-07-15"], 1);
  auto r = index_.Query(q);
  EXPECT_EQ(r->rows.front().keys[0].vi, "01/12/2024");  // dd/mm/yyyy for people
}

TEST_F(StatsIndexTest, ManyValuedFieldsCountEachContactOncePerGroup) {
  using C = storage::ContactFacts::ChildFacts;
  index_.Upsert(Facts(1, "2025-03-01T10:00:00", "about_child", "counselling",
                      {"online.sextortion", "online.grooming", "violence.physical"},
                      {C{14, "girl", "79"}, C{9, "boy", "79"}, C{std::nullopt, "", ""}}));
  index_.Upsert(Facts(2, "2025-03-02T10:00:00", "silent", "none"));
  auto q = Period("2025-01-01", "2026-01-01", {Dimension::kCategory});
  EXPECT_EQ(Counts(q),
            (std::map<std::string, int64_t>{{"online", 1}, {"violence", 1}, {"none", 1}}));
  q.by = {Dimension::kSubcategory};
  EXPECT_EQ(Counts(q).size(), 4u);
  q.by = {Dimension::kProvince};
  EXPECT_EQ(Counts(q), (std::map<std::string, int64_t>{{"79", 1}, {"unknown", 1}, {"none", 1}}));
  q.by = {Dimension::kAgeBand, Dimension::kGender};
  auto cross = Counts(q);
  EXPECT_EQ(cross["14-15/girl"], 1);
  EXPECT_EQ(cross["6-10/girl"], 1);  // a cross product of the contact's values
  EXPECT_EQ(cross["none/none"], 1);
  EXPECT_EQ(index_.Query(q)->total, 2);
}

TEST_F(StatsIndexTest, FiltersAndTheOnlineFlag) {
  index_.Upsert(
      Facts(1, "2025-03-01T10:00:00", "about_child", "counselling", {"online.sextortion"}));
  index_.Upsert(Facts(2, "2025-03-01T11:00:00", "about_child", "report", {"violence.physical"}));
  index_.Upsert(Facts(3, "2025-03-01T12:00:00", "prank", "none"));
  auto q = Period("2025-01-01", "2026-01-01", {Dimension::kOutcome});
  q.online = true;
  EXPECT_EQ(Counts(q), (std::map<std::string, int64_t>{{"counselling", 1}}));
  q.online = false;
  EXPECT_EQ(index_.Query(q)->total, 2);
  q.online.reset();
  q.data_contacts = false;
  EXPECT_EQ(index_.Query(q)->total, 1);
  q.data_contacts.reset();
  q.categories = {"violence"};
  EXPECT_EQ(index_.Query(q)->total, 1);
  q.categories = {"online.sextortion", "violence.physical"};
  EXPECT_EQ(index_.Query(q)->total, 2);
  q.categories = {};
  q.outcomes = {"report", "none"};
  EXPECT_EQ(index_.Query(q)->total, 2);
  q.outcomes = {"bogus"};
  q.by = {Dimension::kOutcome, Dimension::kOutcome};
  auto bad = index_.Query(q);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields.size(), 2u);
  EXPECT_FALSE(index_.Query(Period("2025-02-01", "2025-01-01")));
}

TEST_F(StatsIndexTest, UpdatesReplaceAndOldNotificationsAreIgnored) {
  auto f = Facts(7, "2025-03-01T10:00:00", "about_child", "counselling", {"online.grooming"});
  index_.Upsert(f);
  f.outcome = "intervention_connection";
  f.version = 3;
  index_.Upsert(f);
  auto stale = f;
  stale.outcome = "report";
  stale.version = 2;
  index_.Upsert(stale);
  auto q = Period("2025-01-01", "2026-01-01", {Dimension::kOutcome});
  EXPECT_EQ(Counts(q), (std::map<std::string, int64_t>{{"intervention_connection", 1}}));
  EXPECT_EQ(index_.contacts(), 1u);
}

TEST_F(StatsIndexTest, SuppressesSmallCellsWhenAsked) {
  for (int i = 1; i <= 7; ++i) index_.Upsert(Facts(i, "2025-03-01T10:00:00", "silent", "none"));
  index_.Upsert(Facts(8, "2025-03-01T10:00:00", "about_child", "report", {"violence.physical"}));
  auto q = Period("2025-01-01", "2026-01-01", {Dimension::kOutcome});
  q.min_cell = 5;
  auto r = index_.Query(q);
  ASSERT_TRUE(r);
  for (const auto& row : r->rows) {
    if (row.keys[0].code == "report") {
      EXPECT_TRUE(row.suppressed);
      EXPECT_EQ(row.count, 0);
    } else {
      EXPECT_EQ(row.count, 7);
    }
  }
}

// The index must agree with a naive recount for random data and random queries.
TEST_F(StatsIndexTest, AgreesWithANaiveRecount) {
  std::mt19937 rng(42);
  const auto& tx = testing::RealTaxonomy();
  std::vector<storage::ContactFacts> all;
  const char* provs[] = {"01", "79", "48", ""};
  for (int id = 1; id <= 3000; ++id) {
    storage::ContactFacts f;
    f.id = id;
    f.version = 1;
    f.received_at = 1700000000 + static_cast<int64_t>(rng() % (400 * 86400));
    f.channel = tx.channels().at(rng() % tx.channels().size()).code;
    f.centre = tx.centres().at(rng() % 3).code;
    bool data = rng() % 4 == 0;
    f.call_type = data ? "about_child" : "silent";
    f.outcome = data ? tx.outcomes().at(rng() % 3).code : "none";
    if (data) {
      for (unsigned k = 0; k < 1 + rng() % 3; ++k) {
        f.categories.push_back(tx.subcategories()[rng() % tx.subcategories().size()].code);
      }
      std::sort(f.categories.begin(), f.categories.end());
      f.categories.erase(std::unique(f.categories.begin(), f.categories.end()), f.categories.end());
      for (unsigned k = 0; k < 1 + rng() % 2; ++k) {
        f.children.push_back({static_cast<int>(rng() % 18), "girl", provs[rng() % 4]});
      }
      for (const auto& c : f.categories) {
        f.online = f.online || tx.subcategory(*tx.FindSubcategory(c)).online;
      }
    }
    all.push_back(f);
    index_.Upsert(f);
  }
  for (int trial = 0; trial < 20; ++trial) {
    StatsQuery q;
    q.from = LocalDayOf(1700000000) + static_cast<LocalDay>(rng() % 200);
    q.to = q.from + 1 + static_cast<LocalDay>(rng() % 200);
    if (trial % 3 == 0) q.online = true;
    q.by = {trial % 2 ? Dimension::kCategory : Dimension::kOutcome, Dimension::kMonth};
    std::map<std::string, int64_t> expected;
    int64_t total = 0;
    for (const auto& f : all) {
      LocalDay d = LocalDayOf(f.received_at);
      if (d < q.from || d >= q.to || (q.online && !f.online)) continue;
      ++total;
      CivilDate c = CivilFromDays(d);
      char month[16];
      std::snprintf(month, sizeof month, "%04d-%02d", c.year, c.month);
      std::set<std::string> firsts;
      if (q.by[0] == Dimension::kOutcome) {
        firsts.insert(f.outcome);
      } else {
        for (const auto& cat : f.categories) firsts.insert(cat.substr(0, cat.find('.')));
        if (firsts.empty()) firsts.insert("none");
      }
      for (const auto& a : firsts) expected[a + "/" + month]++;
    }
    auto got = Counts(q);
    std::erase_if(got, [](const auto& kv) { return kv.second == 0; });
    EXPECT_EQ(got, expected) << "trial " << trial;
    EXPECT_EQ(index_.Query(q)->total, total);
  }
}

TEST(StatsIndexLoadTest, LoadsWhatTheDatabaseHolds) {
  testing::TestHotline h;
  auth::Principal admin = auth::Principal::System();
  ASSERT_TRUE(h.contacts().Create(admin, h.SampleDataContact(), std::nullopt, ""));
  ASSERT_TRUE(h.contacts().Create(admin, h.SampleSilentCall(), std::nullopt, ""));
  StatsIndex index(testing::RealTaxonomy(), testing::RealProvinces());
  ASSERT_TRUE(index.LoadFrom(h.db()));
  EXPECT_EQ(index.contacts(), 2u);
  // Later contacts arrive through the service's listener.
  h.contacts().AddListener([&](const storage::ContactFacts& f) { index.Upsert(f); });
  ASSERT_TRUE(h.contacts().Create(admin, h.SampleDataContact(), std::nullopt, ""));
  StatsQuery q;
  q.from = LocalDayOf(h.clock().Now()) - 1;
  q.to = q.from + 3;
  q.online = true;
  EXPECT_EQ(index.Query(q)->total, 2);
  EXPECT_GT(index.memory_bytes(), 0u);
}

}  // namespace
}  // namespace childsafe::stats
