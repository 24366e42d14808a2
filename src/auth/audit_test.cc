#include "auth/audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "testing/services.h"

namespace childsafe::auth {
namespace {

void Raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Principal who = Principal::Make(Principal::Kind::kUser, 7, "tv.lan", "counsellor");
    who.address = "10.0.0.5";
    who.reason = "follow-up call";
    for (int i = 1; i <= 6; ++i) {
      ASSERT_TRUE(h_.audit().Record(h_.db(), who, {"contact.read", "contact", std::to_string(i)},
                                    1000 + i));
    }
  }
  AuditVerifyReport Verify() {
    auto r = h_.audit().Verify(h_.db());
    EXPECT_TRUE(r);
    return *r;
  }
  testing::TestHotline h_;
};

TEST_F(AuditTest, RecordsWhoWhatWhenWhereWhy) {
  std::vector<storage::AuditEntry> entries;
  ASSERT_TRUE(h_.db().Read([&](storage::ReadTxn& t) -> Status {
    storage::AuditQuery q;
    q.actor = "user:7";
    CS_TRY(entries, t.QueryAudit(q));
    return {};
  }));
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[0].action, "contact.read");
  EXPECT_EQ(entries[0].object_id, "6");
  EXPECT_EQ(entries[0].address, "10.0.0.5");
  EXPECT_EQ(entries[0].reason, "follow-up call");
  EXPECT_EQ(entries[0].at, 1006);
  auto report = Verify();
  EXPECT_EQ(report.entries, 6);
  EXPECT_FALSE(report.first_bad_seq);
}

TEST_F(AuditTest, CatchesAnAlteredEntry) {
  Raw(h_.db_path(), "UPDATE audit_log SET object_id = '99' WHERE seq = 3");
  auto report = Verify();
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("altered"), std::string::npos);
}

TEST_F(AuditTest, CatchesARemovedEntry) {
  Raw(h_.db_path(), "DELETE FROM audit_log WHERE seq = 4");
  EXPECT_EQ(Verify().first_bad_seq, 4);
}

TEST_F(AuditTest, CatchesReorderedEntries) {
  // Swap the contents of entries 2 and 5 (keeping their sequence numbers).
  Raw(h_.db_path(),
      "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5; "
      "UPDATE audit_log SET seq = 5 WHERE seq = -2;");
  EXPECT_EQ(Verify().first_bad_seq, 2);
}

TEST_F(AuditTest, CatchesEntriesRemovedFromTheEnd) {
  Raw(h_.db_path(), "DELETE FROM audit_log WHERE seq >= 5");
  auto report = Verify();
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_NE(report.problem.find("removed from the end"), std::string::npos);
}

TEST_F(AuditTest, ForgingNeedsTheKey) {
  // Someone without the key recomputes nothing: a re-chained copy under another key fails.
  AuditLog other(crypto::SecretKey::Random());
  auto report = other.Verify(h_.db());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_bad_seq, 1);
}

}  // namespace
}  // namespace childsafe::auth
