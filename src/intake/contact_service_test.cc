#include "intake/contact_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "testing/services.h"

namespace childsafe::intake {
namespace {

using testing::TestHotline;

const auth::Principal kAdmin{auth::Principal::Kind::kApiToken, 1, "admin", "administrator"};
const auth::Principal kOther{auth::Principal::Kind::kApiToken, 2, "other", "administrator"};

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
  EXPECT_EQ(h.contacts().Create(kAdmin, h.SampleDataContact(), std::string(201, 'k'), "x").error().code,
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
