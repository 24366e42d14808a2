// BankIndex: exact against brute force on clustered banks, the same state whether built at once,
// extended import by import or loaded from the cache, and digest tables.
#include "matching/bank_index.h"

#include <gtest/gtest.h>

#include <random>

#include "hamming/synthetic.h"
#include "matching/match_service.h"
#include "testing/services.h"

namespace childsafe::matching {
namespace {

using imagehash::Hash256;

TEST(DigestTableTest, FindsEveryEntryWithTheValueAndNothingElse) {
  std::vector<DigestTable<16>::Item> items;
  for (int i = 0; i < 1000; ++i) {
    DigestTable<16>::Item it{};
    it.value[0] = static_cast<uint8_t>(i % 251);
    it.value[15] = static_cast<uint8_t>(i % 7);
    it.id = i;
    items.push_back(it);
  }
  DigestTable<16> table(items);
  for (const auto& it : items) {
    std::vector<int64_t> ids;
    table.Find(std::string_view(reinterpret_cast<const char*>(it.value.data()), 16), ids);
    std::vector<int64_t> expected;
    for (const auto& other : items) {
      if (other.value == it.value) expected.push_back(other.id);
    }
    EXPECT_EQ(ids, expected);
  }
  std::vector<int64_t> none;
  table.Find(std::string(16, '\xff'), none);
  table.Find("short", none);
  EXPECT_TRUE(none.empty());
}

class BankIndexTest : public ::testing::Test {
 protected:
  std::shared_ptr<const auth::Keyring> KeyringPtr() {
    return std::shared_ptr<const auth::Keyring>(&h_.keyring(), [](const auth::Keyring*) {});
  }
  std::unique_ptr<MatchService> Service(const std::string& cache = "") {
    MatchOptions o;
    o.cache_dir = cache;
    return std::make_unique<MatchService>(h_.db(), h_.permissions(), h_.audit(), KeyringPtr(),
                                          h_.clock(), o);
  }
  static std::string Csv(const std::vector<hamming::IndexEntry>& entries, size_t from, size_t to,
                         const std::vector<bool>* deleted = nullptr) {
    std::string csv = "pdq,deleted\n";
    for (size_t i = from; i < to; ++i) {
      csv += entries[i].hash.ToHex() + "," + ((deleted && (*deleted)[i]) ? "true" : "false") + "\n";
    }
    return csv;
  }
  testing::TestHotline h_;
};

// Every lookup equals a brute-force scan of the live entries: none missed, none extra.
TEST_F(BankIndexTest, ExactAgainstBruteForceWhetherBuiltExtendedOrCached) {
  auto entries = hamming::synthetic::Clustered(6000, 11);
  auto service = Service(h_.dir().File("cache"));
  ASSERT_TRUE(service->Load());
  ImportRequest r;
  r.bank = "CLUSTERED";
  r.source = r.licence = "test";
  // Three imports; the third withdraws some hashes of the first.
  ASSERT_TRUE(service->Import(auth::Principal::System(), r, Csv(entries, 0, 3000)));
  ASSERT_TRUE(service->Import(auth::Principal::System(), r, Csv(entries, 3000, 6000)));
  std::vector<bool> withdraw(entries.size(), false);
  std::string tombstones = "pdq,deleted\n";
  for (size_t i = 0; i < 3000; i += 7) {
    withdraw[i] = true;
    tombstones += entries[i].hash.ToHex() + ",true\n";
  }
  ASSERT_TRUE(service->Import(auth::Principal::System(), r, tombstones));
  // The live set: distinct hashes not withdrawn (a withdrawal removes every copy).
  std::set<Hash256> withdrawn, live_set;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (withdraw[i]) withdrawn.insert(entries[i].hash);
  }
  for (const auto& e : entries) {
    if (!withdrawn.count(e.hash)) live_set.insert(e.hash);
  }
  std::vector<Hash256> live(live_set.begin(), live_set.end());

  auto fresh = Service(h_.dir().File("cache"));  // loads from the cache
  ASSERT_TRUE(fresh->Load());
  auto rebuilt = Service();  // no cache: from the database
  ASSERT_TRUE(rebuilt->Load());
  EXPECT_EQ(service->index().Banks().at(0).loaded_from, "incremental");
  EXPECT_EQ(fresh->index().Banks().at(0).loaded_from, "cache");
  EXPECT_EQ(rebuilt->index().Banks().at(0).loaded_from, "database");

  std::mt19937_64 rng(5);
  for (int q = 0; q < 300; ++q) {
    Hash256 query = q % 2 ? hamming::synthetic::RandomHash(rng)
                          : hamming::synthetic::FlipBits(entries[rng() % entries.size()].hash,
                                                         static_cast<int>(rng() % 40), rng);
    for (int radius : {0, 10, 31}) {
      size_t expected = 0;
      for (const auto& h : live) expected += imagehash::HammingDistance(h, query) <= radius;
      Lookup l;
      l.pdq = {query};
      LookupOptions o;
      o.radius = radius;
      for (MatchService* s : {service.get(), fresh.get(), rebuilt.get()}) {
        auto found = s->index().Find(l, o);
        ASSERT_TRUE(found);
        // Distinct hashes within the radius (duplicates of a hash were not imported twice).
        std::set<int64_t> ids;
        for (const auto& h : found->hits) ids.insert(h.entry_id);
        EXPECT_EQ(ids.size(), expected) << "query " << q << " radius " << radius;
        for (const auto& h : found->hits) EXPECT_LE(h.distance, radius);
      }
    }
  }
}

TEST_F(BankIndexTest, RefusesRadiiOutsideTheRange) {
  BankIndex index;
  Lookup l;
  l.pdq = {Hash256{}};
  LookupOptions o;
  o.radius = -1;
  EXPECT_FALSE(index.Find(l, o));
  o.radius = BankIndex::kMaxRadius + 1;
  EXPECT_FALSE(index.Find(l, o));
  o.radius = 31;
  EXPECT_TRUE(index.Find(l, o));  // an empty index finds nothing, without error
}

}  // namespace
}  // namespace childsafe::matching
