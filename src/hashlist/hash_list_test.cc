#include "hashlist/hash_list.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace childsafe::hashlist {
namespace {

constexpr std::string_view kPdq =
    "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
constexpr std::string_view kPdqUpper =
    "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22";
constexpr std::string_view kMd5 = "d41d8cd98f00b204e9800998ecf8427e";
constexpr std::string_view kSha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
constexpr std::string_view kSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string S(std::string_view s) { return std::string(s); }

ParsedHashList MustParse(Result<ParsedHashList> r) {
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? std::move(*r) : ParsedHashList{};
}

// The codes of every problem of the error on `line`, or "" if that line was not rejected.
std::string CodesAt(const ParsedHashList& p, size_t line) {
  for (const RowError& e : p.errors) {
    if (e.line != line) continue;
    std::string codes;
    for (const FieldError& f : e.problems) codes += (codes.empty() ? "" : ",") + f.code;
    return codes;
  }
  return "";
}

std::string MessagesAt(const ParsedHashList& p, size_t line) {
  for (const RowError& e : p.errors) {
    if (e.line != line) continue;
    std::string m;
    for (const FieldError& f : e.problems) m += f.field + ": " + f.message + "\n";
    return m;
  }
  return "";
}

TEST(HashTypeTest, NamesAndAliases) {
  EXPECT_EQ(ParseHashType("PDQ"), HashType::kPdq);
  EXPECT_EQ(ParseHashType("HASH_PDQ"), HashType::kPdq);
  EXPECT_EQ(ParseHashType("ImagePDQ"), HashType::kPdq);
  EXPECT_EQ(ParseHashType("VideoMD5"), HashType::kMd5);
  EXPECT_EQ(ParseHashType("SHA-1"), HashType::kSha1);
  EXPECT_EQ(ParseHashType("sha_256"), HashType::kSha256);
  EXPECT_EQ(ParseHashType("pdna"), std::nullopt);
  EXPECT_EQ(ParseHashType(""), std::nullopt);
  EXPECT_EQ(HexLength(HashType::kPdq), 64);
  EXPECT_EQ(HexLength(HashType::kMd5), 32);
  EXPECT_EQ(HexLength(HashType::kSha1), 40);
  EXPECT_EQ(HexLength(HashType::kSha256), 64);
  EXPECT_EQ(HashTypeName(HashType::kSha256), "sha256");
}

TEST(CsvTest, TypedColumnsAndEveryOptionalField) {
  const std::string csv =
      "id,pdq,md5,quality,labels,media_type,deleted,first_seen,updated\n"
      "iwf-1," +
      S(kPdqUpper) + "," + S(kMd5) + ",92,A;sexual|A,image,false,2024-03-01," +
      "2025-06-01T08:30:00+07:00\n" + "ncmec-2,," + S(kMd5) + ",,B1,video,1,,1717200000\n";
  const auto p = MustParse(ParseCsv(csv));
  EXPECT_EQ(p.rejected, 0u);
  ASSERT_EQ(p.rows.size(), 2u);
  const HashListRow& a = p.rows[0];
  EXPECT_EQ(a.line, 2u);
  EXPECT_EQ(a.source_entry_id, "iwf-1");
  ASSERT_EQ(a.hashes.size(), 2u);
  EXPECT_EQ(a.hashes[0], (TypedHash{HashType::kPdq, S(kPdq)}));  // lower-cased
  EXPECT_EQ(a.hashes[1], (TypedHash{HashType::kMd5, S(kMd5)}));
  EXPECT_EQ(a.quality, 92);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"A", "sexual"}));  // split, de-duplicated
  EXPECT_EQ(a.media_type, MediaType::kImage);
  EXPECT_FALSE(a.deleted);
  EXPECT_EQ(a.first_seen, "2024-03-01");
  EXPECT_EQ(a.updated, "2025-06-01T08:30:00+07:00");
  EXPECT_EQ(a.raw, csv.substr(csv.find('\n') + 1,
                              csv.find('\n', csv.find('\n') + 1) - csv.find('\n') - 1));
  const HashListRow& b = p.rows[1];
  EXPECT_EQ(b.line, 3u);
  ASSERT_EQ(b.hashes.size(), 1u);
  EXPECT_EQ(b.hashes[0].type, HashType::kMd5);
  EXPECT_EQ(b.quality, std::nullopt);
  EXPECT_EQ(b.media_type, MediaType::kVideo);
  EXPECT_TRUE(b.deleted);
  EXPECT_EQ(b.updated, "1717200000");
}

TEST(CsvTest, GenericHashColumnIsTypedByDeclarationLengthOrDefault) {
  const std::string csv = "hash,hash_type\n" + S(kPdq) + ",HASH_PDQ\n" +  // 2: declared
                          S(kSha256) + ",sha-256\n" +                     // 3: declared
                          S(kMd5) + ",\n" +                               // 4: 32 digits: MD5
                          S(kSha1) + ",\n" +                              // 5: 40 digits: SHA-1
                          S(kSha256) + ",\n" +     // 6: 64 digits, undeclared: ambiguous
                          S(kMd5) + ",pdna\n" +    // 7: unsupported type
                          S(kMd5) + ",crc16x\n" +  // 8: unknown type
                          S(kMd5) + ",sha1\n";     // 9: declared type, wrong length
  const auto p = MustParse(ParseCsv(csv));
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[0].hashes[0].type, HashType::kPdq);
  EXPECT_EQ(p.rows[1].hashes[0].type, HashType::kSha256);
  EXPECT_EQ(p.rows[2].hashes[0].type, HashType::kMd5);
  EXPECT_EQ(p.rows[3].hashes[0].type, HashType::kSha1);
  EXPECT_EQ(p.rejected, 4u);
  EXPECT_EQ(CodesAt(p, 6), "required");
  EXPECT_NE(MessagesAt(p, 6).find("PDQ or SHA-256"), std::string::npos) << MessagesAt(p, 6);
  EXPECT_EQ(CodesAt(p, 7), "unknown_code");
  EXPECT_NE(MessagesAt(p, 7).find("not supported"), std::string::npos);
  EXPECT_EQ(CodesAt(p, 8), "unknown_code");
  EXPECT_EQ(CodesAt(p, 9), "invalid_format");
  EXPECT_NE(MessagesAt(p, 9).find("40 hex digits"), std::string::npos);

  // A default type resolves the 64-digit case (and only applies when nothing is declared).
  ParseOptions as_pdq;
  as_pdq.default_type = HashType::kPdq;
  const auto q = MustParse(ParseCsv("hash\n" + S(kSha256) + "\n", as_pdq));
  ASSERT_EQ(q.rows.size(), 1u);
  EXPECT_EQ(q.rows[0].hashes[0].type, HashType::kPdq);
}

TEST(CsvTest, BadRowsAreReportedWithLineNumbersAndGoodRowsKept) {
  const std::string csv = "pdq,quality,id\n" + S(kPdq) + ",50,ok-1\n" +  // 2 good
                          S(kPdq.substr(0, 63)) + ",50,short\n" +        // 3 length
                          S(kPdq.substr(0, 63)) + "g,50,nonhex\n" +      // 4 non-hex
                          S(kPdq) + ",101,q\n" +                         // 5 quality range
                          S(kPdq) + ",7.5,q2\n" +                        // 6 quality not integer
                          S(kPdq) + ",50\n" +                            // 7 too few fields
                          ",,no-hash\n" +                                // 8 no hash
                          S(kPdq) + ",50,bad\xff\xfe\n" +                // 9 invalid UTF-8
                          S(kPdq) + ",,ok-2\n";                          // 10 good
  const auto p = MustParse(ParseCsv(csv));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].line, 2u);
  EXPECT_EQ(p.rows[1].line, 10u);
  EXPECT_EQ(p.rows[1].quality, std::nullopt);
  EXPECT_EQ(p.rejected, 7u);
  ASSERT_EQ(p.errors.size(), 7u);
  EXPECT_EQ(CodesAt(p, 3), "invalid_format");
  EXPECT_EQ(CodesAt(p, 4), "invalid_format");
  EXPECT_EQ(CodesAt(p, 5), "out_of_range");
  EXPECT_EQ(CodesAt(p, 6), "out_of_range");
  EXPECT_EQ(CodesAt(p, 7), "invalid_format");
  EXPECT_NE(MessagesAt(p, 7).find("expected 3 fields"), std::string::npos);
  EXPECT_EQ(CodesAt(p, 8), "required");
  EXPECT_EQ(CodesAt(p, 9), "invalid_utf8");
  // Errors keep the record for review, but messages never repeat the values.
  for (const RowError& e : p.errors) {
    EXPECT_FALSE(e.raw.empty());
    for (const FieldError& f : e.problems) {
      EXPECT_EQ(f.message.find(kPdq.substr(0, 20)), std::string::npos) << f.message;
    }
  }
}

TEST(CsvTest, QualityNeedsAPdqHashAndTwoDifferentHashesOfOneTypeConflict) {
  const std::string other_pdq(64, 'a');
  const std::string csv = "md5,quality,pdq,hash,hash_type\n" + S(kMd5) + ",80,,,\n" +  // 2
                          S(kMd5) + ",," + S(kPdq) + "," + other_pdq + ",pdq\n" +      // 3
                          S(kMd5) + ",," + S(kPdq) + "," + S(kPdqUpper) + ",pdq\n";    // 4 same
  const auto p = MustParse(ParseCsv(csv));
  EXPECT_EQ(CodesAt(p, 2), "not_allowed");
  EXPECT_EQ(CodesAt(p, 3), "duplicate");
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].line, 4u);
  EXPECT_EQ(p.rows[0].hashes.size(), 2u);
}

TEST(CsvTest, Rfc4180QuotingLineEndingsBomAndDelimiters) {
  const std::string csv =
      "\xEF\xBB\xBF"
      "\"id\",\"pdq\",\"labels\"\r\n"
      "\r\n"
      "\"a, with comma\"," +
      S(kPdq) +
      ",\"say \"\"hi\"\"\"\r\n"
      "\"multi\nline id\"," +
      S(kPdq) +
      ",B\r\n"
      "last," +
      S(kPdq) + ",C";  // no final newline
  const auto p = MustParse(ParseCsv(csv));
  EXPECT_EQ(p.blank_lines, 1u);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].source_entry_id, "a, with comma");
  EXPECT_EQ(p.rows[0].labels, (std::vector<std::string>{"say \"hi\""}));
  EXPECT_EQ(p.rows[0].line, 3u);
  // A quoted newline is legal CSV, but not in an id: that record (lines 4-5) is rejected...
  EXPECT_EQ(p.rejected, 1u);
  EXPECT_EQ(CodesAt(p, 4), "invalid_format");
  // ...and line counting continues after it.
  EXPECT_EQ(p.rows[1].line, 6u);
  EXPECT_EQ(p.rows[1].labels, (std::vector<std::string>{"C"}));

  const auto semi = MustParse(ParseCsv("md5;labels\n" + S(kMd5) + ";A,B\n"));
  ASSERT_EQ(semi.rows.size(), 1u);
  EXPECT_EQ(semi.rows[0].labels, (std::vector<std::string>{"A,B"}));
  const auto tab = MustParse(ParseCsv("md5\tid\n" + S(kMd5) + "\tx\n"));
  ASSERT_EQ(tab.rows.size(), 1u);
  EXPECT_EQ(tab.rows[0].source_entry_id, "x");
}

TEST(CsvTest, MalformedQuotingAndOverlongRecords) {
  ParseOptions small;
  small.max_record_bytes = 200;
  const std::string csv =
      "id,md5\n"
      "\"x\"y," +
      S(kMd5) + "\n" +                                // 2: text after closing quote
      "ok," + S(kMd5) + "\n" +                        // 3
      std::string(300, 'z') + "," + S(kMd5) + "\n" +  // 4: too long
      "ok2," + S(kMd5) + "\n" +                       // 5
      "\"never closed," + S(kMd5) + "\n" +            // 6: unterminated quote...
      "ok3," + S(kMd5) + "\n";                        // 7: ...swallows this line
  const auto p = MustParse(ParseCsv(csv, small));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].line, 3u);
  EXPECT_EQ(p.rows[1].line, 5u);
  EXPECT_EQ(p.rejected, 3u);
  EXPECT_NE(MessagesAt(p, 2).find("closing quote"), std::string::npos);
  EXPECT_NE(MessagesAt(p, 4).find("longer than 200"), std::string::npos);
  EXPECT_NE(MessagesAt(p, 6).find("lines 6 to 8"), std::string::npos) << MessagesAt(p, 6);
}

TEST(CsvTest, FileLevelProblemsAndWarnings) {
  EXPECT_FALSE(ParseCsv(""));
  EXPECT_FALSE(ParseCsv(" \r\n\n"));
  auto none = ParseCsv("id,labels\n1,A\n");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no hash column"), std::string::npos);
  auto twice = ParseCsv("id,entry_id,md5\n1,2," + S(kMd5) + "\n");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("both give"), std::string::npos);

  const auto p =
      MustParse(ParseCsv("md5,pdna,notes,label,category,\n" + S(kMd5) + ",xx,yy,A,B,\n"));
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].labels, (std::vector<std::string>{"A", "B"}));  // both label columns
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("pdna"), std::string::npos);
  EXPECT_NE(p.warnings[1].find("notes (unnamed)"), std::string::npos) << p.warnings[1];
}

TEST(CsvTest, ErrorDetailsAreCappedButEveryRejectionIsCounted) {
  std::string csv = "md5\n";
  for (int i = 0; i < 50; ++i) csv += "nothex\n";
  ParseOptions options;
  options.max_errors = 10;
  const auto p = MustParse(ParseCsv(csv, options));
  EXPECT_EQ(p.errors.size(), 10u);
  EXPECT_EQ(p.rejected, 50u);
}

TEST(CsvTest, TheThreatExchangeNeedlesAsAPdqList) {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/testdata/pdq/reg-test-input/needles.txt");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << "pdq\n" << in.rdbuf();
  const auto p = MustParse(ParseCsv(ss.str()));
  EXPECT_EQ(p.rows.size(), 100u);
  EXPECT_EQ(p.rejected, 0u);
  EXPECT_EQ(p.rows[0].hashes[0].hex,
            "98736629670cc19fc9f23862f66cce1f599e32c78e236c78619d202e9e66c157");
}

TEST(JsonLinesTest, FlatNcmecAndStopNciiShapes) {
  const std::string jsonl =
      "{\"id\": 17, \"pdq\": \"" + S(kPdqUpper) +
      "\", \"quality\": 88, \"labels\": [\"A1\", "
      "\"B2\"], \"deleted\": false, \"media_type\": \"image\"}\n"
      "\n"
      "{\"id\": \"n-9\", \"classification\": \"A1\", \"fingerprints\": {\"md5\": \"" +
      S(kMd5) + "\", \"sha1\": \"" + S(kSha1) +
      "\", \"pdna\": \"0,1,2\"}}\r\n"
      "{\"signalType\": \"ImagePDQ\", \"hashValue\": \"" +
      S(kPdq) + "\", \"caseNumbers\": {}}\n";
  const auto p = MustParse(ParseJsonLines(jsonl));
  EXPECT_EQ(p.rejected, 0u) << MessagesAt(p, 1) << MessagesAt(p, 3) << MessagesAt(p, 4);
  EXPECT_EQ(p.blank_lines, 1u);
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[0].source_entry_id, "17");
  EXPECT_EQ(p.rows[0].hashes[0], (TypedHash{HashType::kPdq, S(kPdq)}));
  EXPECT_EQ(p.rows[0].quality, 88);
  EXPECT_EQ(p.rows[0].labels, (std::vector<std::string>{"A1", "B2"}));
  EXPECT_EQ(p.rows[1].line, 3u);
  EXPECT_EQ(p.rows[1].hashes.size(), 2u);
  EXPECT_EQ(p.rows[1].labels, (std::vector<std::string>{"A1"}));
  EXPECT_EQ(p.rows[2].line, 4u);
  EXPECT_EQ(p.rows[2].hashes[0].type, HashType::kPdq);
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("fingerprints.pdna"), std::string::npos);
  EXPECT_NE(p.warnings[1].find("caseNumbers"), std::string::npos);
}

TEST(JsonLinesTest, BadLinesAreReportedWithReasons) {
  const std::string jsonl =
      "{\"md5\": \"" + S(kMd5) + "\"}\n" +                               // 1 good
      "{\"md5\": \"" + S(kMd5) + "\"\n" +                                // 2 not JSON
      "[\"" + S(kMd5) + "\"]\n" +                                        // 3 not an object
      "{\"md5\": 12345}\n" +                                             // 4 wrong type
      "{\"md5\": \"" + S(kMd5) + "\", \"quality\": \"high\"}\n" +        // 5 quality
      "{}\n" +                                                           // 6 no hash
      "{\"a\":" + std::string(20, '[') + std::string(20, ']') + "}\n" +  // 7 too deep
      "{\"hash\": \"" + S(kSha256) + "\"}\n" +                           // 8 ambiguous
      "{\"hash\": \"" + S(kSha256) + "\", \"type\": \"sha256\"}\n";      // 9 good
  const auto p = MustParse(ParseJsonLines(jsonl));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].line, 1u);
  EXPECT_EQ(p.rows[1].line, 9u);
  EXPECT_EQ(p.rows[1].hashes[0].type, HashType::kSha256);
  EXPECT_EQ(p.rejected, 7u);
  EXPECT_NE(MessagesAt(p, 2).find("not valid JSON"), std::string::npos);
  EXPECT_EQ(CodesAt(p, 3), "invalid_type");
  EXPECT_EQ(CodesAt(p, 4), "invalid_type");
  EXPECT_EQ(CodesAt(p, 5), "out_of_range");
  EXPECT_EQ(CodesAt(p, 6), "required");
  EXPECT_NE(MessagesAt(p, 7).find("nested too deeply"), std::string::npos);
  EXPECT_NE(MessagesAt(p, 8).find("PDQ or SHA-256"), std::string::npos);
  EXPECT_FALSE(ParseJsonLines("\n\n"));
}

TEST(DetectFormatTest, BraceMeansJsonLines) {
  EXPECT_EQ(DetectFormat("\n  {\"md5\": \"x\"}"), HashListFormat::kJsonLines);
  EXPECT_EQ(DetectFormat("md5\nabc"), HashListFormat::kCsv);
  const auto p = MustParse(ParseHashList("{\"md5\": \"" + S(kMd5) + "\"}\n"));
  EXPECT_EQ(p.format, HashListFormat::kJsonLines);
  EXPECT_EQ(p.rows.size(), 1u);
}

}  // namespace
}  // namespace childsafe::hashlist
