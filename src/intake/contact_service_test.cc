#include "intake/contact_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "testing/services.h"

namespace childsafe::intake {
namespace {

using testing::TestHotline;

const auth::Principal kAdmin =
    auth::Principal::Make(auth::Principal::Kind::kApiToken, 1, "admin", "administrator");
const auth::Principal kOther =
    auth::Principal::Make(auth::Principal::Kind::kApiToken, 2, "other", "administrator");

int64_t Count(storage::Database& db) {
  int64_t n = 0;
  EXPECT_TRUE(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(n, t.CountContacts());
    return {};
  }));
  return n;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(ContactServiceTest, CreatesWithAReferenceAndNeverEchoesThePhone) {
  TestHotline h;
  auto r = h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, "");
  ASSERT_TRUE(r) << r.error().ToString();
  const domain::Contact& c = r->view.contact;
  EXPECT_GT(c.id, 0);
  EXPECT_EQ(c.reference, "111-2025-000001");
  EXPECT_EQ(c.version, 1);
  EXPECT_EQ(c.created_at, h.clock().Now());
  EXPECT_EQ(c.taxonomy_version, "vn111-2025.1");
  EXPECT_TRUE(c.caller->phone.empty());
  EXPECT_TRUE(r->view.extras.has_caller_phone);
  EXPECT_TRUE(r->view.extras.online);
  auto second = h.contacts().Create(kAdmin, h.SampleSilentCall(), std::nullopt, "");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->view.contact.reference, "111-2025-000002");

  auto got = h.contacts().Get(kAdmin, c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->contact.summary, "Con gái bị người lạ trên mạng đe doạ tung ảnh.");
  EXPECT_EQ(got->contact.children[0].name, "Nguyễn Thị Bé");
  EXPECT_EQ(got->contact.children[0].date_of_birth, "2011-02-03");
  EXPECT_EQ(got->contact.caller->name, "Nguyễn Thị Mẹ");
  EXPECT_TRUE(got->contact.caller->phone.empty());
  auto by_ref = h.contacts().GetByReference(kAdmin, "111-2025-000001");
  ASSERT_TRUE(by_ref);
  EXPECT_EQ(by_ref->contact.id, c.id);
  EXPECT_EQ(h.contacts().Get(kAdmin, 999).error().code, ErrorCode::kNotFound);
}

TEST(ContactServiceTest, SensitiveTextNeverReachesTheDatabaseFile) {
  TestHotline h;
  domain::Contact c = h.SampleDataContact();
  const std::string canary_summary = "CANARY-SUMMARY-7f3a9c", canary_name = "CANARY-NAME-b81e22";
  c.summary = "Bé kể: " + canary_summary;
  c.children[0].name = canary_name;
  c.caller->phone = "0987654321";
  ASSERT_TRUE(h.contacts().Create(kAdmin, c, std::nullopt, ""));
  std::string bytes = FileBytes(h.db_path()) + FileBytes(h.db_path() + "-wal");
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.find(canary_summary), std::string::npos);
  EXPECT_EQ(bytes.find(canary_name), std::string::npos);
  EXPECT_EQ(bytes.find("0987654321"), std::string::npos);
  EXPECT_EQ(bytes.find("Nguyễn Thị Mẹ"), std::string::npos);
}

TEST(ContactServiceTest, IdempotencyKeyMakesRetriesSafe) {
  TestHotline h;
  auto a = h.contacts().Create(kAdmin, h.SampleDataContact(), "key-1", "fingerprint-A");
  auto b = h.contacts().Create(kAdmin, h.SampleDataContact(), "key-1", "fingerprint-A");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->replayed);
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(a->view.contact.id, b->view.contact.id);
  EXPECT_EQ(Count(h.db()), 1);
  auto reused = h.contacts().Create(kAdmin, h.SampleSilentCall(), "key-1", "fingerprint-B");
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kConflict);
  // Keys belong to their principal.
  auto other = h.contacts().Create(kOther, h.SampleDataContact(), "key-1", "fingerprint-A");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->replayed);
  EXPECT_EQ(Count(h.db()), 2);
  EXPECT_EQ(
      h.contacts().Create(kAdmin, h.SampleDataContact(), std::string(201, 'k'), "x").error().code,
      ErrorCode::kInvalidArgument);
}

TEST(ContactServiceTest, InvalidContactsWriteNothing) {
  TestHotline h;
  domain::Contact c = h.SampleSilentCall();
  c.categories = {"online.grooming"};
  auto r = h.contacts().Create(kAdmin, c, "k", "f");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at(0).field, "categories");
  EXPECT_EQ(Count(h.db()), 0);
  // The key was not consumed by the failed attempt.
  auto ok = h.contacts().Create(kAdmin, h.SampleSilentCall(), "k", "f2");
  EXPECT_TRUE(ok);
}

TEST(ContactServiceTest, RecognisesARepeatCallerWithoutKeepingTheNumber) {
  TestHotline h;
  for (int i = 0; i < 4; ++i) {
    domain::Contact c = h.SampleDataContact();
    c.received_at -= (10 - i) * 86400;
    c.caller->phone = i % 2 ? "+84 912 345 678" : "0912.345.678";
    ASSERT_TRUE(h.contacts().Create(kAdmin, c, std::nullopt, ""));
  }
  auto fifth = h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, "");
  ASSERT_TRUE(fifth);
  ASSERT_TRUE(fifth->view.extras.repeat);
  EXPECT_EQ(fifth->view.extras.repeat->previous_contacts, 4);
  EXPECT_EQ(RepeatCallerTextVi(*fifth->view.extras.repeat),
            "Đã liên hệ 4 lần trước, lần gần nhất 08/06/2025");
  EXPECT_EQ(RepeatCallerTextEn(*fifth->view.extras.repeat),
            "Called 4 times before, last on 08/06/2025");
  domain::Contact stranger = h.SampleDataContact();
  stranger.caller->phone = "0900000000";
  auto s = h.contacts().Create(kAdmin, stranger, std::nullopt, "");
  EXPECT_EQ(s->view.extras.repeat->previous_contacts, 0);
}

TEST(ContactServiceTest, UpdatesNeedTheCurrentVersion) {
  TestHotline h;
  std::vector<storage::ContactFacts> seen;
  h.contacts().AddListener([&](const storage::ContactFacts& f) { seen.push_back(f); });
  auto created = h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, "");
  ASSERT_TRUE(created);
  int64_t id = created->view.contact.id;
  domain::Contact change = h.contacts().Get(kAdmin, id)->contact;
  change.outcome = "intervention_connection";
  change.reference = "tampered";
  change.caller->phone.clear();
  h.clock().Advance(60);
  auto updated = h.contacts().Update(kAdmin, id, 1, change);
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ(updated->contact.version, 2);
  EXPECT_EQ(updated->contact.outcome, "intervention_connection");
  EXPECT_EQ(updated->contact.reference, "111-2025-000001");  // system fields cannot change
  EXPECT_EQ(updated->contact.summary, created->view.contact.summary);
  EXPECT_TRUE(updated->extras.has_caller_phone);  // the pseudonym was kept

  change.outcome = "report";
  auto stale = h.contacts().Update(kAdmin, id, 1, change);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(h.contacts().Get(kAdmin, id)->contact.outcome, "intervention_connection");

  change.categories = {"bogus"};
  EXPECT_EQ(h.contacts().Update(kAdmin, id, 2, change).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(h.contacts().Get(kAdmin, id)->contact.version, 2);
  EXPECT_EQ(h.contacts().Update(kAdmin, 999, 1, change).error().code, ErrorCode::kNotFound);

  ASSERT_EQ(seen.size(), 2u);  // created, updated once
  EXPECT_EQ(seen[1].outcome, "intervention_connection");
  EXPECT_EQ(seen[1].version, 2);
}

TEST(ContactServiceTest, ListsCodedFieldsWithFilters) {
  TestHotline h;
  ASSERT_TRUE(h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, ""));
  ASSERT_TRUE(h.contacts().Create(kAdmin, h.SampleSilentCall(), std::nullopt, ""));
  domain::Contact other = h.SampleDataContact();
  other.categories = {"violence.physical"};
  other.children[0].province = "79";
  ASSERT_TRUE(h.contacts().Create(kAdmin, other, std::nullopt, ""));

  ContactFilter f;
  auto all = h.contacts().List(kAdmin, f);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->items.size(), 3u);
  for (const auto& v : all->items) EXPECT_TRUE(v.contact.summary.empty());
  f.categories = {"online"};  // a top-level code selects its subcategories
  EXPECT_EQ(h.contacts().List(kAdmin, f)->items.size(), 1u);
  f = {};
  f.online = false;
  EXPECT_EQ(h.contacts().List(kAdmin, f)->items.size(), 2u);
  f = {};
  f.provinces = {"79"};
  EXPECT_EQ(h.contacts().List(kAdmin, f)->items.size(), 1u);
  f = {};
  f.from = LocalDayOf(h.clock().Now()) + 1;
  EXPECT_EQ(h.contacts().List(kAdmin, f)->items.size(), 0u);
  f = {};
  f.channels = {"carrier-pigeon"};
  f.provinces = {"27"};  // a pre-reform code: filters use the 34 units
  auto bad = h.contacts().List(kAdmin, f);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields.size(), 2u);
}

TEST(ContactServiceTest, ImportIsAllOrNothingUnlessAskedOtherwise) {
  TestHotline h;
  auto row = [&](size_t line, domain::Contact c) { return ImportRow{line, std::move(c)}; };
  domain::Contact bad = h.SampleSilentCall();
  bad.channel = "fax";
  domain::Contact with_ref = h.SampleDataContact();
  with_ref.reference = "111-2025-000500";
  std::vector<ImportRow> rows;
  rows.push_back(row(2, h.SampleDataContact()));
  rows.push_back(row(3, bad));
  rows.push_back(row(4, with_ref));
  auto report = h.contacts().Import(auth::Principal::System(), rows, {});
  ASSERT_TRUE(report);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].first, 3u);
  EXPECT_EQ(report->written, 0u);
  EXPECT_EQ(Count(h.db()), 0);

  ImportOptions skip;
  skip.skip_invalid = true;
  report = h.contacts().Import(auth::Principal::System(), rows, skip);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->written, 2u);
  EXPECT_EQ(Count(h.db()), 2);
  // An imported reference of our own format moves the counter past it: the row without a
  // reference got 501, the next new contact 502.
  auto next = h.contacts().Create(kAdmin, h.SampleSilentCall(), std::nullopt, "");
  EXPECT_EQ(next->view.contact.reference, "111-2025-000502");

  // Importing the same file again: existing references are errors, or skipped if asked.
  std::vector<ImportRow> again;
  again.push_back(row(2, with_ref));
  report = h.contacts().Import(auth::Principal::System(), again, {});
  EXPECT_EQ(report->errors.size(), 1u);
  ImportOptions skip_existing;
  skip_existing.skip_existing = true;
  report = h.contacts().Import(auth::Principal::System(), again, skip_existing);
  EXPECT_TRUE(report->errors.empty());
  EXPECT_EQ(report->skipped_existing, 1u);
  EXPECT_EQ(Count(h.db()), 3);
}

TEST(ContactServiceTest, ExportsWithOrWithoutSensitiveFields) {
  TestHotline h;
  ASSERT_TRUE(h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, ""));
  ASSERT_TRUE(h.contacts().Create(kAdmin, h.SampleSilentCall(), std::nullopt, ""));
  std::vector<ContactView> out;
  ASSERT_TRUE(h.contacts().Export(kAdmin, {}, true, [&](const ContactView& v) -> Status {
    out.push_back(v);
    return {};
  }));
  ASSERT_EQ(out.size(), 2u);
  bool found = false;
  for (auto& v : out) found = found || v.contact.summary.find("đe doạ") != std::string::npos;
  EXPECT_TRUE(found);
  out.clear();
  ASSERT_TRUE(h.contacts().Export(kAdmin, {}, false, [&](const ContactView& v) -> Status {
    out.push_back(v);
    return {};
  }));
  for (auto& v : out) EXPECT_TRUE(v.contact.summary.empty());
}

}  // namespace
}  // namespace childsafe::intake

namespace childsafe::intake {
namespace {

auth::Principal Counsellor(const std::string& name, const std::string& centre) {
  auth::Principal p = auth::Principal::Make(auth::Principal::Kind::kUser, 42, name, "counsellor");
  p.centre = centre;
  return p;
}

TEST(ContactAccessTest, CounsellorsReachTheirCentreAndCorrectOnlyTheirOwn) {
  testing::TestHotline h;
  auth::Principal lan = Counsellor("tv.lan", "hanoi"), an = Counsellor("tv.an", "angiang");
  domain::Contact mine = h.SampleDataContact();  // centre hanoi
  mine.counsellor.clear();
  auto created = h.contacts().Create(lan, mine, std::nullopt, "");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->view.contact.counsellor, "tv.lan");  // recorded as themself
  int64_t id = created->view.contact.id;
  EXPECT_TRUE(h.contacts().Get(lan, id));
  auto other_centre = h.contacts().Get(an, id);
  ASSERT_FALSE(other_centre);
  EXPECT_EQ(other_centre.error().code, ErrorCode::kNotFound);  // not even its existence is shown
  // Lists carry only the counsellor's own centre, whatever is asked.
  ASSERT_TRUE(
      h.contacts().Create(kAdmin, h.SampleSilentCall(), std::nullopt, ""));  // centre danang
  ContactFilter f;
  EXPECT_EQ(h.contacts().List(lan, f)->items.size(), 1u);
  f.centres = {"danang"};
  EXPECT_EQ(h.contacts().List(lan, f)->items.size(), 0u);
  // Corrections: own records only.
  auth::Principal colleague = Counsellor("tv.hoa", "hanoi");
  domain::Contact change = h.contacts().Get(lan, id)->contact;
  change.outcome = "report";
  EXPECT_EQ(h.contacts().Update(colleague, id, 1, change).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(h.contacts().Update(lan, id, 1, change));
  // Managers see aggregates only.
  auth::Principal manager =
      auth::Principal::Make(auth::Principal::Kind::kUser, 9, "mgr", "manager");
  EXPECT_EQ(h.contacts().List(manager, {}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(h.contacts().Get(manager, id).error().code, ErrorCode::kNotFound);
}

TEST(ContactAccessTest, EveryReadIsAuditedWithItsReasonAndRefusalsToo) {
  testing::TestHotline h;
  auto created = h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, "");
  int64_t id = created->view.contact.id;
  auth::Principal reader = kAdmin;
  reader.reason = "gọi lại theo dõi";
  reader.address = "10.1.2.3";
  ASSERT_TRUE(h.contacts().Get(reader, id));
  (void)h.contacts().Get(Counsellor("tv.an", "angiang"), id);
  std::vector<storage::AuditEntry> reads;
  ASSERT_TRUE(h.db().Read([&](storage::ReadTxn& t) -> Status {
    storage::AuditQuery q;
    q.object_type = "contact";
    q.object_id = std::to_string(id);
    q.action = "contact.read";
    CS_TRY(reads, t.QueryAudit(q));
    return {};
  }));
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].outcome, "denied");
  EXPECT_EQ(reads[1].outcome, "ok");
  EXPECT_EQ(reads[1].reason, "gọi lại theo dõi");
  EXPECT_EQ(reads[1].address, "10.1.2.3");
  EXPECT_EQ(reads[1].details.find("đe doạ"), std::string::npos);  // never the content
}

TEST(ContactAccessTest, RetentionErasesOldNarrativesButNotHeldOnes) {
  testing::TestHotline h;
  domain::Contact old_contact = h.SampleDataContact();
  old_contact.received_at -= 3 * 365 * 86400;
  auto a = h.contacts().Create(kAdmin, old_contact, std::nullopt, "");
  auto b = h.contacts().Create(kAdmin, old_contact, std::nullopt, "");
  auto c = h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, "");
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(h.contacts().SetLegalHold(kAdmin, b->view.contact.id, true));
  auto dry = h.contacts().RunRetention(auth::Principal::System(), 365, true);
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->due, 1);
  EXPECT_EQ(dry->erased, 0);
  EXPECT_FALSE(h.contacts().Get(kAdmin, a->view.contact.id)->contact.summary.empty());
  auto run = h.contacts().RunRetention(auth::Principal::System(), 365, false);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->erased, 1);
  auto erased = h.contacts().Get(kAdmin, a->view.contact.id);
  EXPECT_TRUE(erased->contact.summary.empty());
  EXPECT_TRUE(erased->contact.children[0].name.empty());
  EXPECT_EQ(erased->contact.categories, old_contact.categories);  // statistics keep their codes
  EXPECT_FALSE(erased->extras.has_caller_phone);
  EXPECT_FALSE(h.contacts().Get(kAdmin, b->view.contact.id)->contact.summary.empty());  // held
  EXPECT_FALSE(h.contacts().Get(kAdmin, c->view.contact.id)->contact.summary.empty());  // too young
  EXPECT_EQ(h.contacts().RunRetention(kAdmin, 365, false).error().code,
            ErrorCode::kPermissionDenied);
}

TEST(ContactAccessTest, RequestsOfThePersonConcerned) {
  testing::TestHotline h;
  domain::Contact c = h.SampleDataContact();
  c.caller->phone = "0977 111 222";
  auto a = h.contacts().Create(kAdmin, c, std::nullopt, "");
  auto b = h.contacts().Create(kAdmin, c, std::nullopt, "");
  ASSERT_TRUE(
      h.contacts().Create(kAdmin, h.SampleDataContact(), std::nullopt, ""));  // someone else
  auto exported = h.contacts().SubjectExport(kAdmin, {"+84977111222", {}});
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->size(), 2u);
  EXPECT_EQ((*exported)[0].contact.summary, c.summary);
  ASSERT_TRUE(h.contacts().SetLegalHold(kAdmin, b->view.contact.id, true));
  auto erased = h.contacts().SubjectErase(kAdmin, {"0977111222", {}});
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->first, 1);
  EXPECT_EQ(erased->second, 1);
  EXPECT_TRUE(h.contacts().Get(kAdmin, a->view.contact.id)->contact.summary.empty());
  EXPECT_EQ(h.contacts().SubjectExport(kAdmin, {}).error().fields.at(0).field, "phone");
  EXPECT_EQ(h.contacts().SubjectExport(Counsellor("x", "hanoi"), {"0977111222", {}}).error().code,
            ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace childsafe::intake
