#include "domain/contact.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/testing.h"

namespace childsafe::domain {
namespace {

class ContactTest : public ::testing::Test {
 protected:
  UnixSeconds now_ = *ParseTimestamp("2025-06-15T10:00:00+07:00");
  ValidationContext ctx_{testing::RealTaxonomy(), testing::RealProvinces(), now_};

  Contact DataContact() {
    Contact c;
    c.received_at = now_ - 3600;
    c.channel = "phone";
    c.centre = "hanoi";
    c.counsellor = "tv-017";
    c.call_type = "child_about_self";
    c.duration_seconds = 540;
    c.caller = Caller{"self", "under_16", "girl", "", ""};
    c.children = {Child{14, "girl", "01", "", "", "", ""}};
    c.categories = {"online.sextortion"};
    c.outcome = "counselling";
    c.urgency = "urgent";
    c.summary = "Em bị đe doạ tung ảnh.";
    return c;
  }

  static bool HasField(const Status& s, const std::string& field, std::string_view code) {
    if (s) return false;
    return std::any_of(s.error().fields.begin(), s.error().fields.end(),
                       [&](const FieldError& f) { return f.field == field && f.code == code; });
  }
};

TEST_F(ContactTest, AcceptsAWellFormedDataContact) {
  auto s = ValidateContact(DataContact(), ctx_);
  EXPECT_TRUE(s) << s.error().ToString();
  EXPECT_TRUE(IsOnline(DataContact(), ctx_.taxonomy));
}

TEST_F(ContactTest, AcceptsAOneClickNonDataContact) {
  Contact c;
  c.received_at = now_;
  c.channel = "phone";
  c.centre = "angiang";
  c.call_type = "silent";
  c.outcome = "none";
  EXPECT_TRUE(ValidateContact(c, ctx_));
  EXPECT_FALSE(IsOnline(c, ctx_.taxonomy));
}

TEST_F(ContactTest, RejectsANonDataCallTypeWithCategories) {
  Contact c = DataContact();
  c.call_type = "prank";
  c.urgency.clear();
  auto s = ValidateContact(c, ctx_);
  EXPECT_TRUE(HasField(s, "categories", "not_allowed"));
  EXPECT_TRUE(HasField(s, "children", "not_allowed"));
  EXPECT_TRUE(HasField(s, "outcome", "not_allowed"));
}

TEST_F(ContactTest, ReportsEveryProblemAtOnce) {
  Contact c = DataContact();
  c.channel = "pigeon";
  c.categories = {"online.sextortion", "nope", "online.sextortion"};
  c.children[0].age = 40;
  c.children[0].province = "99";
  c.received_at = now_ + 3600;
  c.duration_seconds = -1;
  auto s = ValidateContact(c, ctx_);
  EXPECT_TRUE(HasField(s, "channel", "unknown_code"));
  EXPECT_TRUE(HasField(s, "categories/1", "unknown_code"));
  EXPECT_TRUE(HasField(s, "categories/2", "duplicate"));
  EXPECT_TRUE(HasField(s, "children/0/age", "out_of_range"));
  EXPECT_TRUE(HasField(s, "received_at", "in_future"));
  EXPECT_TRUE(HasField(s, "duration_seconds", "out_of_range"));
}

TEST_F(ContactTest, DataContactsNeedAChildACategoryAndAnUrgency) {
  Contact c = DataContact();
  c.children.clear();
  c.categories.clear();
  c.urgency.clear();
  auto s = ValidateContact(c, ctx_);
  EXPECT_TRUE(HasField(s, "children", "required"));
  EXPECT_TRUE(HasField(s, "categories", "required"));
  EXPECT_TRUE(HasField(s, "urgency", "required"));
}

TEST_F(ContactTest, ProvinceMustBeValidOnTheContactsDate) {
  Contact c = DataContact();
  c.children[0].province = "27";  // old Bắc Ninh: valid in June 2025
  EXPECT_TRUE(ValidateContact(c, ctx_));
  c.received_at = *ParseTimestamp("2025-07-01T00:30:00+07:00");
  ValidationContext later{ctx_.taxonomy, ctx_.provinces, c.received_at + 60};
  EXPECT_TRUE(HasField(ValidateContact(c, later), "children/0/province", "not_allowed"));
}

TEST_F(ContactTest, ChildAboutSelfIsTheCaller) {
  Contact c = DataContact();
  c.caller->relation = "parent";
  EXPECT_TRUE(HasField(ValidateContact(c, ctx_), "caller/relation", "not_allowed"));
}

TEST_F(ContactTest, RejectsInvalidUtf8AndOverlongText) {
  Contact c = DataContact();
  c.summary = std::string("ok \xC3", 4);
  EXPECT_TRUE(HasField(ValidateContact(c, ctx_), "summary", "invalid_utf8"));
  c.summary = std::string(kMaxSummaryChars + 1, 'a');
  EXPECT_TRUE(HasField(ValidateContact(c, ctx_), "summary", "too_long"));
  c = DataContact();
  c.taxonomy_version = "vn111-1999.1";
  EXPECT_TRUE(HasField(ValidateContact(c, ctx_), "taxonomy_version", "not_allowed"));
}

TEST_F(ContactTest, FormatsHumanReferences) {
  EXPECT_EQ(FormatReference(2025, 123), "111-2025-000123");
  EXPECT_EQ(FormatReference(2025, 1234567), "111-2025-1234567");
}

}  // namespace
}  // namespace childsafe::domain
