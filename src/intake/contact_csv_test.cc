#include "intake/contact_csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/csv.h"
#include "testing/services.h"

namespace childsafe::intake {
namespace {

TEST(ContactCsvTest, ExportedRowsImportBack) {
  testing::TestHotline h;
  domain::Contact c = h.SampleDataContact();
  c.reference = "111-2025-000042";
  c.children.push_back(domain::Child{std::nullopt, "unknown", "", "", "", "", ""});
  c.categories.push_back("violence.psychological");
  c.summary = "dòng một, \"trích\"\ndòng hai";
  std::string text = CsvLine(ContactCsvHeader(true)) + "\n" + CsvLine(ContactCsvRow(c, true)) + "\n";
  std::istringstream in(text);
  auto rows = ReadContactsCsv(in);
  ASSERT_TRUE(rows) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  ASSERT_TRUE((*rows)[0].contact) << (*rows)[0].contact.error().ToString();
  const domain::Contact& back = *(*rows)[0].contact;
  EXPECT_EQ(back.reference, c.reference);
  EXPECT_EQ(back.received_at, c.received_at);
  EXPECT_EQ(back.children.size(), 2u);
  EXPECT_EQ(back.children[0].age, 14);
  EXPECT_FALSE(back.children[1].age);
  EXPECT_EQ(back.categories, c.categories);
  EXPECT_EQ(back.summary, c.summary);
  EXPECT_EQ(back.caller->relation, "parent");
}

TEST(ContactCsvTest, ReportsBadRowsByLineAndRefusesBadHeaders) {
  std::istringstream in(
      "received_at,channel,centre,call_type,outcome,children,duration_seconds\n"
      "2025-06-15T08:00:00+07:00,phone,hanoi,silent,none,,\n"
      "not-a-time,phone,hanoi,silent,none,,\n"
      "2025-06-15T08:00:00+07:00,phone,hanoi,about_child,counselling,9|boy,12x\n"
      "2025-06-15T08:00:00+07:00,phone\n");
  auto rows = ReadContactsCsv(in);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_TRUE((*rows)[0].contact);
  EXPECT_EQ((*rows)[1].line, 3u);
  EXPECT_EQ((*rows)[1].contact.error().fields.at(0).field, "received_at");
  EXPECT_EQ((*rows)[2].contact.error().fields.size(), 2u);
  EXPECT_FALSE((*rows)[3].contact);

  std::istringstream unknown("received_at,channel,centre,call_type,outcome,colour\n");
  EXPECT_EQ(ReadContactsCsv(unknown).error().fields.at(0).field, "colour");
  std::istringstream missing("channel\n");
  EXPECT_EQ(ReadContactsCsv(missing).error().fields.at(0).code, "required");
  std::istringstream empty("");
  EXPECT_FALSE(ReadContactsCsv(empty));
}

TEST(ContactCsvTest, ReadsJsonLinesWithLineNumbers) {
  std::istringstream in(
      R"({"received_at":"2025-06-15T08:00:00+07:00","channel":"phone","centre":"hanoi","call_type":"silent","outcome":"none"})"
      "\n\n{broken\n"
      R"({"received_at":"2025-06-15T08:00:00+07:00","colour":"red"})"
      "\n");
  auto rows = ReadContactsJsonLines(in);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_TRUE((*rows)[0].contact);
  EXPECT_EQ((*rows)[1].line, 3u);
  EXPECT_FALSE((*rows)[1].contact);
  EXPECT_EQ((*rows)[2].contact.error().fields.at(0).field, "colour");
}

}  // namespace
}  // namespace childsafe::intake
