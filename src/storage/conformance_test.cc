// The storage conformance suite (see conformance.h). Instantiated per driver in <driver>_test.cc.
#include "storage/conformance.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

namespace childsafe::storage {
namespace {

StoredContact MakeContact(UnixSeconds received, const std::string& ref, bool data = true) {
  StoredContact sc;
  domain::Contact& c = sc.contact;
  c.reference = ref;
  c.version = 1;
  c.created_at = c.updated_at = received + 10;
  c.received_at = received;
  c.channel = data ? "phone" : "zalo";
  c.centre = "hanoi";
  c.counsellor = "tv-01";
  c.call_type = data ? "about_child" : "silent";
  c.duration_seconds = 300;
  c.outcome = data ? "counselling" : "none";
  c.taxonomy_version = "vn111-2025.1";
  if (data) {
    c.urgency = "urgent";
    c.caller = domain::Caller{"parent", "18-59", "girl", "", ""};
    c.children = {domain::Child{12, "boy", "27", "", "", "", ""},
                  domain::Child{std::nullopt, "girl", "", "", "", "", ""}};
    c.categories = {"online.grooming", "violence.psychological"};
    sc.online = true;
    sc.child_province_current = {"24", ""};
    sc.sealed.summary = std::string("\x01sealed-summary", 15);
    sc.sealed.caller_name = "sealed-name";
    sc.sealed.children = {SealedChild{"n0", "a0", "", "d0"}, SealedChild{}};
    sc.caller_pseudonym = std::string(32, '\x07');
  }
  return sc;
}

Result<int64_t> Insert(Database& db, const StoredContact& sc) {
  int64_t id = 0;
  CS_TRY_STATUS(db.Write([&](WriteTxn& t) -> Status {
    CS_TRY(id, t.InsertContact(sc));
    return {};
  }));
  return id;
}

std::optional<StoredContact> Get(Database& db, int64_t id) {
  std::optional<StoredContact> out;
  EXPECT_TRUE(db.Read([&](ReadTxn& t) -> Status {
    CS_TRY(out, t.GetContact(id));
    return {};
  }));
  return out;
}

TEST_P(StorageConformance, ContactsRoundTripEveryField) {
  StoredContact in = MakeContact(1700000000, "111-2023-000001");
  auto id = Insert(*db_, in);
  ASSERT_TRUE(id) << id.error().ToString();
  auto out = Get(*db_, *id);
  ASSERT_TRUE(out);
  const domain::Contact& c = out->contact;
  EXPECT_EQ(c.id, *id);
  EXPECT_EQ(c.reference, "111-2023-000001");
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.received_at, 1700000000);
  EXPECT_EQ(c.created_at, 1700000010);
  EXPECT_EQ(c.call_type, "about_child");
  EXPECT_EQ(c.duration_seconds, 300);
  ASSERT_TRUE(c.caller);
  EXPECT_EQ(c.caller->relation, "parent");
  EXPECT_EQ(c.caller->age_band, "18-59");
  ASSERT_EQ(c.children.size(), 2u);
  EXPECT_EQ(c.children[0].age, 12);
  EXPECT_EQ(c.children[0].province, "27");
  EXPECT_FALSE(c.children[1].age);
  EXPECT_EQ(out->child_province_current, (std::vector<std::string>{"24", ""}));
  EXPECT_EQ(c.categories, (std::vector<std::string>{"online.grooming", "violence.psychological"}));
  EXPECT_EQ(c.urgency, "urgent");
  EXPECT_TRUE(out->online);
  EXPECT_EQ(out->sealed.summary, in.sealed.summary);
  EXPECT_EQ(out->sealed.caller_name, "sealed-name");
  EXPECT_EQ(out->sealed.children[0].date_of_birth, "d0");
  EXPECT_EQ(out->caller_pseudonym, in.caller_pseudonym);

  std::optional<StoredContact> by_ref;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(by_ref, t.GetContactByReference("111-2023-000001"));
    return {};
  }));
  ASSERT_TRUE(by_ref);
  EXPECT_EQ(by_ref->contact.id, *id);
  EXPECT_FALSE(Get(*db_, *id + 100));
}

TEST_P(StorageConformance, NonDataContactHasNoCallerChildrenOrCategories) {
  auto id = Insert(*db_, MakeContact(1700000000, "111-2023-000002", false));
  ASSERT_TRUE(id);
  auto out = Get(*db_, *id);
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->contact.caller);
  EXPECT_TRUE(out->contact.children.empty());
  EXPECT_TRUE(out->contact.categories.empty());
  EXPECT_TRUE(out->sealed.summary.empty());
  EXPECT_FALSE(out->online);
}

TEST_P(StorageConformance, UpdateNeedsTheCurrentVersionAndLosesNothing) {
  auto id = Insert(*db_, MakeContact(1700000000, "111-2023-000003"));
  ASSERT_TRUE(id);
  StoredContact changed = *Get(*db_, *id);
  changed.contact.outcome = "intervention_connection";
  changed.contact.categories = {"online.sextortion"};
  changed.contact.children.pop_back();
  changed.sealed.children.pop_back();
  changed.child_province_current.pop_back();
  changed.contact.updated_at += 100;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.UpdateContact(changed, 1); }));
  auto now = Get(*db_, *id);
  EXPECT_EQ(now->contact.version, 2);
  EXPECT_EQ(now->contact.outcome, "intervention_connection");
  EXPECT_EQ(now->contact.categories, std::vector<std::string>{"online.sextortion"});
  EXPECT_EQ(now->contact.children.size(), 1u);

  // A second writer with the old version: conflict, and the stored record is untouched.
  StoredContact stale = changed;
  stale.contact.outcome = "report";
  auto st = db_->Write([&](WriteTxn& t) { return t.UpdateContact(stale, 1); });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Get(*db_, *id)->contact.outcome, "intervention_connection");
  EXPECT_EQ(Get(*db_, *id)->contact.version, 2);

  stale.contact.id = *id + 999;
  EXPECT_EQ(db_->Write([&](WriteTxn& t) { return t.UpdateContact(stale, 1); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StorageConformance, AFailedUnitOfWorkLeavesNothingBehind) {
  int64_t inserted = 0;
  auto st = db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(inserted, t.InsertContact(MakeContact(1700000000, "111-2023-000004")));
    CS_TRY_STATUS(t.PutSetting("half", "written"));
    return Fail(Error::Invalid("changed my mind"));
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_GT(inserted, 0);
  EXPECT_FALSE(Get(*db_, inserted));
  std::optional<std::string> setting;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(setting, t.GetSetting("half"));
    return {};
  }));
  EXPECT_FALSE(setting);
  // A duplicate reference is refused and the first survives.
  ASSERT_TRUE(Insert(*db_, MakeContact(1700000000, "111-2023-000005")));
  auto dup = Insert(*db_, MakeContact(1700000001, "111-2023-000005"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
}

TEST_P(StorageConformance, ListsNewestFirstWithFiltersAndCursors) {
  // 30 contacts an hour apart; every third is non-data.
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) {
    auto sc =
        MakeContact(1700000000 + i * 3600, "111-2023-1" + std::to_string(100 + i), i % 3 != 0);
    if (i % 5 == 0 && i % 3 != 0) sc.contact.categories = {"violence.physical"}, sc.online = false;
    if (i % 3 != 0 && i % 2 == 0) sc.child_province_current = {"79", ""};
    auto id = Insert(*db_, sc);
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  auto list = [&](ContactQuery q) {
    std::vector<int64_t> out;
    for (int guard = 0; guard < 100; ++guard) {
      ContactPage page;
      EXPECT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
        CS_TRY(page, t.ListContacts(q));
        return {};
      }));
      for (auto& it : page.items) out.push_back(it.contact.id);
      if (!page.next) break;
      q.after = page.next;
    }
    return out;
  };
  ContactQuery all;
  all.limit = 7;
  auto got = list(all);
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got.front(), ids.back());                                // newest first
  EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).size(), 30u);  // each exactly once

  ContactQuery q;
  q.call_types = {"silent"};
  EXPECT_EQ(list(q).size(), 10u);
  q = {};
  q.online = true;
  EXPECT_EQ(list(q).size(), 16u);  // 20 data contacts minus the 4 re-categorised
  q = {};
  q.categories = {"violence.physical"};
  EXPECT_EQ(list(q).size(), 4u);
  q = {};
  q.provinces = {"79"};
  EXPECT_EQ(list(q).size(), 10u);
  q = {};
  q.from = 1700000000 + 10 * 3600;
  q.to = 1700000000 + 20 * 3600;
  EXPECT_EQ(list(q).size(), 10u);
  q.channels = {"zalo"};
  q.limit = 1;
  EXPECT_EQ(list(q).size(), 3u);  // the non-data contacts among 10..19: 12, 15, 18
}

TEST_P(StorageConformance, ScansFactsForStatistics) {
  auto a = Insert(*db_, MakeContact(1700000000, "111-2023-000010"));
  auto b = Insert(*db_, MakeContact(1700003600, "111-2023-000011", false));
  auto c = Insert(*db_, MakeContact(1700007200, "111-2023-000012"));
  ASSERT_TRUE(a && b && c);
  std::vector<ContactFacts> facts;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) {
    return t.ScanContactFacts(0, [&](const ContactFacts& f) { facts.push_back(f); });
  }));
  ASSERT_EQ(facts.size(), 3u);
  EXPECT_EQ(facts[0].id, *a);
  EXPECT_EQ(facts[0].children.size(), 2u);
  EXPECT_EQ(facts[0].children[0].province_current, "24");
  EXPECT_EQ(facts[0].categories.size(), 2u);
  EXPECT_TRUE(facts[0].online);
  EXPECT_TRUE(facts[1].children.empty());
  EXPECT_TRUE(facts[1].categories.empty());
  EXPECT_EQ(facts[1].caller_age_band, "");
  EXPECT_EQ(facts[2].categories.size(), 2u);
  facts.clear();
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) {
    return t.ScanContactFacts(*a, [&](const ContactFacts& f) { facts.push_back(f); });
  }));
  EXPECT_EQ(facts.size(), 2u);
}

TEST_P(StorageConformance, RecognisesRepeatCallersByPseudonym) {
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(
        Insert(*db_, MakeContact(1700000000 + i * 86400, "111-2023-00002" + std::to_string(i))));
  auto last = Insert(*db_, MakeContact(1700000000 + 9 * 86400, "111-2023-000029"));
  RepeatCallerInfo info;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(info, t.RepeatCaller(std::string(32, '\x07'), 1700000000 + 9 * 86400, *last));
    return {};
  }));
  EXPECT_EQ(info.previous_contacts, 4);
  EXPECT_EQ(info.last_received_at, 1700000000 + 3 * 86400);
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(info, t.RepeatCaller(std::string(32, '\x08'), 1800000000, 0));
    return {};
  }));
  EXPECT_EQ(info.previous_contacts, 0);
  EXPECT_FALSE(info.last_received_at);
}

TEST_P(StorageConformance, SequencesIdempotencyKeysTokensAndSettings) {
  std::vector<int64_t> seq;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
      CS_TRY(int64_t v, t.NextSequence("ref-2025", 1));
      seq.push_back(v);
      return {};
    }));
  }
  EXPECT_EQ(seq, (std::vector<int64_t>{1, 2, 3}));
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(int64_t last, t.NextSequence("ref-2025", 10));  // reserves 4..13
    EXPECT_EQ(last, 13);
    CS_TRY(int64_t next, t.NextSequence("ref-2025", 1));
    EXPECT_EQ(next, 14);
    CS_TRY_STATUS(t.RaiseSequence("ref-2025", 10));  // lower: no change
    CS_TRY(next, t.NextSequence("ref-2025", 1));
    EXPECT_EQ(next, 15);
    CS_TRY_STATUS(t.RaiseSequence("ref-2025", 100));
    CS_TRY(next, t.NextSequence("ref-2025", 1));
    EXPECT_EQ(next, 101);
    CS_TRY_STATUS(t.RaiseSequence("fresh", 7));
    CS_TRY(next, t.NextSequence("fresh", 1));
    EXPECT_EQ(next, 8);
    return {};
  }));

  IdempotencyRecord r{"token:1", "abc", "hash", 42, 1700000000};
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.PutIdempotency(r); }));
  EXPECT_EQ(db_->Write([&](WriteTxn& t) { return t.PutIdempotency(r); }).error().code,
            ErrorCode::kConflict);
  std::optional<IdempotencyRecord> got;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetIdempotency("token:1", "abc"));
    return {};
  }));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->resource_id, 42);
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetIdempotency("token:2", "abc"));  // keys are scoped
    return {};
  }));
  EXPECT_FALSE(got);

  ApiToken tok{0, "admin", "h1", "administrator", "", 1700000000, std::nullopt, std::nullopt};
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.InsertApiToken(tok).map([](int64_t) {}); }));
  std::optional<ApiToken> found;
  int64_t count = 0;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(found, t.FindApiToken("h1"));
    CS_TRY(count, t.CountApiTokens());
    return {};
  }));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "admin");
  EXPECT_EQ(found->role, "administrator");
  EXPECT_EQ(count, 1);

  crypto::WrappedKey k{1, "field", 1, "wrapped-bytes"};
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.PutDataKey(k, 1700000000); }));
  k.master_id = 2;
  k.wrapped = "rewrapped";
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.RewrapDataKey(k); }));
  std::vector<crypto::WrappedKey> keys;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(keys, t.ListDataKeys());
    return {};
  }));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].master_id, 2u);
  EXPECT_EQ(keys[0].wrapped, "rewrapped");

  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.PutSetting("a", "1"); }));
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.PutSetting("a", "2"); }));
  std::optional<std::string> v;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(v, t.GetSetting("a"));
    return {};
  }));
  EXPECT_EQ(v, "2");
}

TEST_P(StorageConformance, ConcurrentWritersAllLandExactlyOnce) {
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto st = db_->Write([&](WriteTxn& txn) -> Status {
          CS_TRY(int64_t n, txn.NextSequence("ref", 1));
          return txn.InsertContact(MakeContact(1700000000 + n, "111-2023-" + std::to_string(n)))
              .map([](int64_t) {});
        });
        if (!st) failures++;
        (void)t;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  int64_t count = 0;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(count, t.CountContacts());
    return {};
  }));
  EXPECT_EQ(count, kThreads * kEach);
  EXPECT_TRUE(db_->CheckIntegrity());
}

TEST_P(StorageConformance, UsersSessionsAndRecoveryCodes) {
  User u;
  u.username = "tv.lan";
  u.display_name = "Lan";
  u.role = "counsellor";
  u.centre = "hanoi";
  u.password_hash = "$argon2id$x";
  u.created_at = u.updated_at = 100;
  int64_t id = 0;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(id, t.InsertUser(u));
    return {};
  }));
  auto dup = db_->Write([&](WriteTxn& t) { return t.InsertUser(u).map([](int64_t) {}); });
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);  // usernames are unique
  std::optional<User> got;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetUserByName("tv.lan"));
    return {};
  }));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->centre, "hanoi");
  EXPECT_EQ(got->version, 1);
  User changed = *got;
  changed.failed_logins = 3;
  changed.locked_until = 500;
  changed.totp_secret = "sealed";
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.UpdateUser(changed, 1); }));
  EXPECT_EQ(db_->Write([&](WriteTxn& t) { return t.UpdateUser(changed, 1); }).error().code,
            ErrorCode::kConflict);
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetUser(id));
    CS_TRY(int64_t n, t.CountActiveUsers("counsellor"));
    EXPECT_EQ(n, 1);
    CS_TRY(n, t.CountActiveUsers("administrator"));
    EXPECT_EQ(n, 0);
    return {};
  }));
  EXPECT_EQ(got->failed_logins, 3);
  EXPECT_EQ(got->locked_until, 500);
  EXPECT_EQ(got->totp_secret, "sealed");
  EXPECT_EQ(got->version, 2);

  Session sess{"h1", id, "c1", 100, 100, 1000, std::nullopt, "127.0.0.1"};
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.InsertSession(sess));
    CS_TRY_STATUS(t.InsertSession(Session{"h2", id, "c2", 100, 100, 1000, std::nullopt, ""}));
    return t.TouchSession("h1", 200);
  }));
  std::optional<Session> s1;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(s1, t.GetSession("h1"));
    return {};
  }));
  EXPECT_EQ(s1->last_seen_at, 200);
  EXPECT_FALSE(s1->ended_at);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.EndUserSessions(id, 300); }));
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(s1, t.GetSession("h2"));
    return {};
  }));
  EXPECT_EQ(s1->ended_at, 300);

  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.ReplaceRecoveryCodes(id, {"r1", "r2"}); }));
  bool used = false;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(used, t.UseRecoveryCode(id, "r1", 400));
    EXPECT_TRUE(used);
    CS_TRY(used, t.UseRecoveryCode(id, "r1", 401));  // once only
    EXPECT_FALSE(used);
    CS_TRY(bool has, t.HasRecoveryCode(id, "r2"));
    EXPECT_TRUE(has);
    CS_TRY(has, t.HasRecoveryCode(id, "r1"));
    EXPECT_FALSE(has);
    return {};
  }));
}

TEST_P(StorageConformance, AuditTrailAppendsAndQueries) {
  for (int i = 1; i <= 5; ++i) {
    AuditEntry e{i,
                 1000 + i,
                 i % 2 ? "user:1" : "user:2",
                 "contact.read",
                 "contact",
                 std::to_string(i % 3),
                 "ok",
                 "",
                 "127.0.0.1",
                 "r" + std::to_string(i),
                 "{}",
                 "mac" + std::to_string(i)};
    ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.AppendAudit(e); }));
  }
  AuditEntry clash{3, 0, "x", "y", "", "", "ok", "", "", "", "{}", "m"};
  EXPECT_FALSE(db_->Write([&](WriteTxn& t) { return t.AppendAudit(clash); }));  // seq is unique
  std::optional<AuditEntry> last;
  std::vector<AuditEntry> page;
  std::vector<int64_t> scanned;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(last, t.LastAuditEntry());
    AuditQuery q;
    q.actor = "user:1";
    CS_TRY(page, t.QueryAudit(q));
    return t.ScanAudit(2, [&](const AuditEntry& e) -> Status {
      scanned.push_back(e.seq);
      return {};
    });
  }));
  EXPECT_EQ(last->seq, 5);
  EXPECT_EQ(last->mac, "mac5");
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].seq, 5);  // newest first
  EXPECT_EQ(scanned, (std::vector<int64_t>{3, 4, 5}));
  AuditQuery by_object;
  by_object.object_type = "contact";
  by_object.object_id = "1";
  by_object.before_seq = 5;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(page, t.QueryAudit(by_object));
    return {};
  }));
  ASSERT_EQ(page.size(), 2u);  // entries 4 and 1 concern contact 1
  EXPECT_EQ(page[0].seq, 4);
  EXPECT_EQ(page[1].seq, 1);
}

TEST_P(StorageConformance, ErasureKeepsCodedFieldsAndRespectsLegalHold) {
  auto a = Insert(*db_, MakeContact(1000000000, "111-2001-000001"));
  auto b = Insert(*db_, MakeContact(1000000100, "111-2001-000002"));
  auto c = Insert(*db_, MakeContact(1800000000, "111-2027-000001"));
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.SetLegalHold(*b, true); }));
  std::vector<int64_t> due;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(due, t.ContactsDueForErasure(1500000000, 100));
    return {};
  }));
  EXPECT_EQ(due, std::vector<int64_t>{*a});
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.EraseContact(*a, 2000); }));
  auto erased = Get(*db_, *a);
  EXPECT_TRUE(erased->sealed.summary.empty());
  EXPECT_TRUE(erased->sealed.caller_name.empty());
  EXPECT_TRUE(erased->caller_pseudonym.empty());
  EXPECT_TRUE(erased->sealed.children[0].name.empty());
  EXPECT_EQ(erased->contact.categories.size(), 2u);  // coded fields stay for statistics
  EXPECT_EQ(erased->contact.children[0].province, "27");
  std::pair<bool, std::optional<UnixSeconds>> protection;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(due, t.ContactsDueForErasure(1500000000, 100));
    CS_TRY(protection, t.ContactProtection(*a));
    return {};
  }));
  EXPECT_TRUE(due.empty());
  EXPECT_EQ(protection.second, 2000);
  std::vector<int64_t> by_caller;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(by_caller, t.ContactsByPseudonym(std::string(32, '\x07')));
    return {};
  }));
  EXPECT_EQ(by_caller, (std::vector<int64_t>{*b, *c}));
}

TEST_P(StorageConformance, TokensListAndRevoke) {
  int64_t id = 0;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(id, t.InsertApiToken(
                   ApiToken{0, "p", "hash", "partner", "match", 1, std::nullopt, std::nullopt}));
    return {};
  }));
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.RevokeApiToken(id, 50); }));
  EXPECT_EQ(db_->Write([&](WriteTxn& t) { return t.RevokeApiToken(id, 51); }).error().code,
            ErrorCode::kNotFound);
  std::vector<ApiToken> all;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(all, t.ListApiTokens());
    return {};
  }));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].revoked_at, 50);
  EXPECT_TRUE(all[0].token_hash.empty());  // never handed out again
  EXPECT_EQ(all[0].scopes, "match");
}

}  // namespace
}  // namespace childsafe::storage

namespace childsafe::storage {
namespace {

// Known-image matching: banks with optimistic versions, imports whose entries are read back by
// import and by id, bounded purges, and kept evidence.
TEST_P(StorageConformance, HashBanksImportsEntriesAndEvidence) {
  HashBank bank;
  bank.name = "IWF_TEST";
  bank.description = "test list";
  bank.source = "IWF";
  bank.licence = "member agreement 2025";
  bank.created_at = bank.updated_at = 1700000000;
  bank.created_by = "cli:test";
  bank.version = 1;
  int64_t bank_id = 0, import_id = 0;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(bank_id, t.InsertHashBank(bank));
    return {};
  }));
  auto dup = db_->Write([&](WriteTxn& t) { return t.InsertHashBank(bank).map([](int64_t) {}); });
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);

  BankImport imp;
  imp.bank_id = bank_id;
  imp.state = "pending";
  imp.started_at = 1700000100;
  imp.imported_by = "cli:test";
  imp.file_name = "list.csv";
  imp.file_sha256 = std::string(64, 'a');
  imp.format = "csv";
  imp.labels = "A";
  std::vector<BankEntry> entries(3);
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].hash_type = i == 1 ? "md5" : "pdq";
    entries[i].value = std::string(i == 1 ? 16 : 32, static_cast<char>('\x10' + i));
    entries[i].line = static_cast<int64_t>(i + 2);
  }
  entries[0].source_entry_id = "e-1";
  entries[0].labels = "A|B";
  entries[0].quality = 90;
  entries[0].media_type = "image";
  entries[0].first_seen = "2024-01-02";
  entries[2].tombstone = true;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(import_id, t.InsertBankImport(imp));
    for (auto& e : entries) e.import_id = import_id;
    return t.InsertBankEntries(entries);
  }));
  imp.id = import_id;
  imp.state = "committed";
  imp.committed_at = 1700000200;
  imp.rows = 3;
  imp.added = 2;
  imp.withdrawn = 1;
  bank.id = bank_id;
  bank.content_version = 1;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.UpdateBankImport(imp));
    return t.UpdateHashBank(bank, 1);
  }));
  // A stale version changes nothing.
  bank.enabled = false;
  auto stale = db_->Write([&](WriteTxn& t) { return t.UpdateHashBank(bank, 1); });
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);

  std::vector<HashBank> banks;
  std::vector<BankImport> imports;
  std::vector<BankHashRef> refs;
  std::vector<std::string> values;
  std::vector<BankEntry> full, by_id;
  std::optional<HashBank> by_name;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(banks, t.ListHashBanks());
    CS_TRY(by_name, t.GetHashBankByName("IWF_TEST"));
    CS_TRY(imports, t.ListBankImports(bank_id));
    CS_TRY_STATUS(t.ScanBankHashes(import_id, "pdq", [&](const BankHashRef& r) -> Status {
      refs.push_back(r);
      values.emplace_back(r.value);  // the views die with the callback
      return {};
    }));
    CS_TRY_STATUS(t.ScanBankEntries(import_id, [&](const BankEntry& e) -> Status {
      full.push_back(e);
      return {};
    }));
    CS_TRY(by_id, t.GetBankEntries({full.at(0).id, full.at(1).id, 999999}));
    return {};
  }));
  ASSERT_EQ(banks.size(), 1u);
  EXPECT_EQ(banks[0].version, 2);
  EXPECT_EQ(banks[0].content_version, 1);
  EXPECT_TRUE(banks[0].enabled);
  EXPECT_EQ(banks[0].licence, "member agreement 2025");
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->id, bank_id);
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0].state, "committed");
  EXPECT_EQ(imports[0].committed_at, 1700000200);
  EXPECT_EQ(imports[0].added, 2);
  EXPECT_EQ(imports[0].labels, "A");
  ASSERT_EQ(refs.size(), 2u);  // the pdq entries only, in id order
  EXPECT_EQ(values[0], entries[0].value);
  EXPECT_TRUE(refs[1].tombstone);
  ASSERT_EQ(full.size(), 3u);
  // Ordered by type, then id.
  EXPECT_EQ(full[0].hash_type, "md5");
  EXPECT_EQ(full[1].hash_type, "pdq");
  EXPECT_LT(full[1].id, full[2].id);
  std::sort(full.begin(), full.end(),
            [](const BankEntry& a, const BankEntry& b) { return a.id < b.id; });
  EXPECT_EQ(full[0].bank_id, bank_id);
  EXPECT_EQ(full[0].labels, "A|B");
  EXPECT_EQ(full[0].quality, 90);
  EXPECT_EQ(full[0].source_entry_id, "e-1");
  EXPECT_EQ(full[0].first_seen, "2024-01-02");
  EXPECT_EQ(full[1].hash_type, "md5");
  EXPECT_EQ(full[1].value, entries[1].value);
  EXPECT_EQ(full[1].line, 3);
  EXPECT_FALSE(full[1].quality);
  EXPECT_EQ(by_id.size(), 2u);

  // Purging an import happens in bounded steps.
  int64_t deleted = 0;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(deleted, t.DeleteBankEntries(import_id, 2));
    return {};
  }));
  EXPECT_EQ(deleted, 2);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(deleted, t.DeleteBankEntries(import_id, 2));
    return t.DeleteBankImport(import_id);
  }));
  EXPECT_EQ(deleted, 1);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.DeleteHashBank(bank_id); }));
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(banks, t.ListHashBanks());
    return {};
  }));
  EXPECT_TRUE(banks.empty());

  MatchEvidence ev;
  ev.created_at = 1700000300;
  ev.created_by = "token:1";
  ev.format = "jpeg";
  ev.width = 640;
  ev.height = 480;
  ev.bytes = 12345;
  ev.sha256 = std::string(64, 'b');
  ev.matched = true;
  ev.details = "{}";
  ev.image = std::string("\x01sealed-image", 13);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(ev.id, t.NextSequence("match_evidence", 1));
    return t.InsertMatchEvidence(ev);
  }));
  std::optional<MatchEvidence> got;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetMatchEvidence(ev.id));
    return {};
  }));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->image, ev.image);
  EXPECT_EQ(got->preview, "");
  EXPECT_TRUE(got->matched);
  EXPECT_EQ(got->width, 640);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(deleted, t.DeleteMatchEvidenceBefore(1700000301));
    return {};
  }));
  EXPECT_EQ(deleted, 1);
}

// ---- text triage: records, the queue, alerts, search terms ----

ContactTriageRecord Triage(int64_t contact_id, int level, const std::string& state) {
  ContactTriageRecord r;
  r.contact_id = contact_id;
  r.level = r.priority = level;
  r.score_milli = 250 * level;
  r.lexicon_version = "lex-1";
  r.triaged_at = 1700000500;
  r.findings = std::string("\x02sealed-findings", 16);
  r.queue_state = state;
  return r;
}

TEST_P(StorageConformance, TriageRecordsOrderTheQueueAndTakingIsOnce) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    StoredContact sc = MakeContact(1700000000 + i * 100, "111-2023-00010" + std::to_string(i));
    sc.contact.counsellor = i == 3 ? "tv-09" : "";
    if (i == 2) sc.contact.centre = "danang";
    auto id = Insert(*db_, sc);
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.PutContactTriage(Triage(ids[0], 1, "waiting")));
    CS_TRY_STATUS(t.PutContactTriage(Triage(ids[1], 3, "waiting")));
    CS_TRY_STATUS(t.PutContactTriage(Triage(ids[2], 3, "waiting")));
    ContactTriageRecord taken = Triage(ids[3], 2, "taken");
    taken.taken_by = "tv-09";
    taken.taken_at = 1700000600;
    return t.PutContactTriage(taken);
  }));
  // Round trip, and an upsert replaces.
  std::optional<ContactTriageRecord> got;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetContactTriage(ids[1]));
    return {};
  }));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->findings, std::string("\x02sealed-findings", 16));
  EXPECT_EQ(got->score_milli, 750);
  EXPECT_TRUE(got->review.empty());
  EXPECT_FALSE(got->priority_set_at);
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    ContactTriageRecord r = *got;
    r.review = "sealed-review";
    r.priority = 0;
    r.priority_set_by = "user:3";
    r.priority_set_at = 1700000700;
    return t.PutContactTriage(r);
  }));
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetContactTriage(ids[1]));
    return {};
  }));
  EXPECT_EQ(got->review, "sealed-review");
  EXPECT_EQ(got->priority, 0);
  EXPECT_EQ(got->priority_set_by, "user:3");
  EXPECT_EQ(got->priority_set_at, 1700000700);
  // Priority high to low, then oldest first; filters by centre and by person; pages.
  auto queue = [&](QueueQuery q) {
    std::vector<int64_t> out;
    EXPECT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
      CS_TRY(auto page, t.ListQueue(q));
      for (const auto& it : page.items) out.push_back(it.triage.contact_id);
      if (page.next) out.push_back(-1);
      return {};
    }));
    return out;
  };
  EXPECT_EQ(queue({}), (std::vector<int64_t>{ids[2], ids[0], ids[1]}));
  QueueQuery hanoi;
  hanoi.centres = {"hanoi"};
  EXPECT_EQ(queue(hanoi), (std::vector<int64_t>{ids[0], ids[1]}));
  QueueQuery first;
  first.limit = 1;
  EXPECT_EQ(queue(first), (std::vector<int64_t>{ids[2], -1}));
  QueueQuery rest;
  rest.after = QueueCursor{3, 1700000200, ids[2]};
  EXPECT_EQ(queue(rest), (std::vector<int64_t>{ids[0], ids[1]}));
  QueueQuery taken;
  taken.state = "taken";
  taken.person = "tv-09";
  EXPECT_EQ(queue(taken), std::vector<int64_t>{ids[3]});
  // Taking: once, and the contact becomes the taker's.
  bool first_take = false, second_take = true;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(first_take, t.TakeQueueItem(ids[0], "tv-01", 1700000800));
    CS_TRY(second_take, t.TakeQueueItem(ids[0], "tv-02", 1700000900));
    return {};
  }));
  EXPECT_TRUE(first_take);
  EXPECT_FALSE(second_take);
  auto c = Get(*db_, ids[0]);
  EXPECT_EQ(c->contact.counsellor, "tv-01");
  EXPECT_EQ(c->contact.version, 2);
}

TEST_P(StorageConformance, AlertsAreListedAndAcknowledgedOnce) {
  auto a = Insert(*db_, MakeContact(1700000000, "111-2023-000201"));
  StoredContact other = MakeContact(1700000100, "111-2023-000202");
  other.contact.centre = "angiang";
  auto b = Insert(*db_, other);
  ASSERT_TRUE(a && b);
  int64_t x = 0, y = 0;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    TriageAlert alert;
    alert.contact_id = *a;
    alert.level = 3;
    alert.score_milli = 900;
    alert.raised_at = 1700000010;
    CS_TRY(x, t.InsertAlert(alert));
    alert.contact_id = *b;
    alert.raised_at = 1700000110;
    CS_TRY(y, t.InsertAlert(alert));
    return {};
  }));
  auto list = [&](AlertQuery q) {
    std::vector<int64_t> out;
    EXPECT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
      CS_TRY(auto alerts, t.ListAlerts(q));
      for (const auto& al : alerts) out.push_back(al.id);
      return {};
    }));
    return out;
  };
  EXPECT_EQ(list({}), (std::vector<int64_t>{y, x}));  // newest first
  AlertQuery after;
  after.after_id = 0;
  EXPECT_EQ(list(after), (std::vector<int64_t>{x, y}));  // streams: oldest first
  AlertQuery centre;
  centre.centres = {"angiang"};
  EXPECT_EQ(list(centre), std::vector<int64_t>{y});
  bool first = false, again = true;
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(first, t.AcknowledgeAlert(x, "gs-01", 1700000500));
    CS_TRY(again, t.AcknowledgeAlert(x, "gs-02", 1700000600));
    return {};
  }));
  EXPECT_TRUE(first);
  EXPECT_FALSE(again);
  AlertQuery open;
  open.open_only = true;
  EXPECT_EQ(list(open), std::vector<int64_t>{y});
  std::optional<TriageAlert> got;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(got, t.GetAlert(x));
    return {};
  }));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->acknowledged_by, "gs-01");
  EXPECT_EQ(got->acknowledged_at, 1700000500);
  EXPECT_EQ(got->reference, "111-2023-000201");
  EXPECT_EQ(got->centre, "hanoi");
  auto missing = db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY(auto ok, t.AcknowledgeAlert(424242, "gs-01", 1));
    (void)ok;
    return {};
  });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(StorageConformance, SearchTermsMatchEveryWordAndGoWithErasure) {
  auto a = Insert(*db_, MakeContact(1700000000, "111-2023-000301"));
  auto b = Insert(*db_, MakeContact(1700000100, "111-2023-000302"));
  ASSERT_TRUE(a && b);
  const std::string xam(16, '\x11'), hai(16, '\x22'), other(16, '\x33');
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) -> Status {
    CS_TRY_STATUS(t.ReplaceSearchTerms(*a, {xam, hai, hai}));  // duplicates are harmless
    CS_TRY_STATUS(t.ReplaceSearchTerms(*b, {xam, other}));
    return t.PutContactTriage(Triage(*a, 2, "none"));
  }));
  auto search = [&](std::vector<std::string> terms) {
    ContactQuery q;
    q.search_terms = std::move(terms);
    std::vector<int64_t> out;
    EXPECT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
      CS_TRY(auto page, t.ListContacts(q));
      for (const auto& it : page.items) out.push_back(it.contact.id);
      return {};
    }));
    return out;
  };
  EXPECT_EQ(search({xam}), (std::vector<int64_t>{*b, *a}));
  EXPECT_EQ(search({xam, hai}), std::vector<int64_t>{*a});
  EXPECT_TRUE(search({hai, other}).empty());
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.ReplaceSearchTerms(*b, {hai}); }));
  EXPECT_EQ(search({hai}), (std::vector<int64_t>{*b, *a}));
  EXPECT_EQ(search({other}), std::vector<int64_t>{});
  // Erasure takes the search terms and the sealed findings; the level stays.
  ASSERT_TRUE(db_->Write([&](WriteTxn& t) { return t.EraseContact(*a, 2000); }));
  EXPECT_EQ(search({hai}), std::vector<int64_t>{*b});
  std::optional<ContactTriageRecord> rec;
  ASSERT_TRUE(db_->Read([&](ReadTxn& t) -> Status {
    CS_TRY(rec, t.GetContactTriage(*a));
    return {};
  }));
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->findings.empty());
  EXPECT_EQ(rec->level, 2);
}

}  // namespace
}  // namespace childsafe::storage
