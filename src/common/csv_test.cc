#include "common/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace childsafe {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text, std::vector<size_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader r(in);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> f;
  while (true) {
    auto more = r.Next(f);
    EXPECT_TRUE(more) << more.error().ToString();
    if (!more || !*more) break;
    out.push_back(f);
    if (lines) lines->push_back(r.line());
  }
  return out;
}

TEST(CsvTest, ReadsQuotedFieldsBomAndBothLineEnds) {
  std::vector<size_t> lines;
  auto rows = ReadAll("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n\n2,\"two\nlines\",\n3,,", &lines);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"3", "", ""}));
  EXPECT_EQ(lines, (std::vector<size_t>{1, 2, 4, 6}));
}

TEST(CsvTest, RefusesMalformedRecordsNamingTheLine) {
  for (const char* bad : {"a,\"open\n", "a,b\"c\n", "a,\"x\"y\n"}) {
    std::istringstream in(std::string("h\n") + bad);
    CsvReader r(in);
    std::vector<std::string> f;
    ASSERT_TRUE(r.Next(f));
    auto res = r.Next(f);
    ASSERT_FALSE(res) << bad;
    EXPECT_NE(res.error().message.find("line 2"), std::string::npos) << res.error().message;
  }
  std::istringstream huge(std::string(CsvReader::kMaxField + 10, 'x'));
  CsvReader r(huge);
  std::vector<std::string> f;
  EXPECT_FALSE(r.Next(f));
}

TEST(CsvTest, WritesWhatItReads) {
  std::vector<std::string> fields = {"plain", "a,b", "q\"q", "multi\nline", " pad ", "xâm hại", ""};
  auto rows = ReadAll(CsvLine(fields) + "\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], fields);
}

}  // namespace
}  // namespace childsafe
