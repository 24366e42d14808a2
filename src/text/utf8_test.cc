#include "text/utf8.h"

#include <gtest/gtest.h>

namespace childsafe::text {
namespace {

TEST(Utf8Test, DecodesEveryLength) {
  EXPECT_EQ(DecodeUtf8("a").cp, U'a');
  EXPECT_EQ(DecodeUtf8("đ").cp, U'đ');
  EXPECT_EQ(DecodeUtf8("ệ").cp, U'ệ');
  const DecodedChar emoji = DecodeUtf8("\xF0\x9F\x98\x82");
  EXPECT_TRUE(emoji.valid);
  EXPECT_EQ(emoji.cp, U'\U0001F602');
  EXPECT_EQ(emoji.length, 4);
}

TEST(Utf8Test, RejectsOverlongsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(DecodeUtf8("\xC0\x80").valid);          // overlong NUL
  EXPECT_FALSE(DecodeUtf8("\xE0\x80\xAF").valid);      // overlong '/'
  EXPECT_FALSE(DecodeUtf8("\xED\xA0\x80").valid);      // UTF-16 surrogate
  EXPECT_FALSE(DecodeUtf8("\xF4\x90\x80\x80").valid);  // above U+10FFFF
  EXPECT_FALSE(DecodeUtf8("\x80").valid);              // lone continuation byte
  EXPECT_FALSE(DecodeUtf8("\xFF").valid);
}

TEST(Utf8Test, RepairsByMaximalSubpart) {
  // F0 80: 80 cannot follow F0, so F0 alone is the maximal subpart; each 80 is another.
  EXPECT_EQ(RepairUtf8("a\xF0\x80\x80"
                       "b"),
            "a\uFFFD\uFFFD\uFFFD"
            "b");
  // E1 80 is a truncated but well-started sequence: one replacement for both bytes.
  EXPECT_EQ(RepairUtf8("\xE1\x80x"), "\uFFFDx");
  EXPECT_EQ(RepairUtf8("xâm hại"), "xâm hại");
}

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8("hoàn toàn hợp lệ, quite valid"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8(std::string(20, 'a') + "\xC3"), 20u);
  EXPECT_EQ(FindInvalidUtf8(std::string("ab\0cd", 5)), std::nullopt);  // NUL is valid UTF-8
}

TEST(Utf8Test, ValidateGivesAFieldErrorWithTheOffsetOnly) {
  EXPECT_TRUE(ValidateUtf8("Em cần giúp đỡ").has_value());
  const Status st = ValidateUtf8("ok \xFF secret", "message");
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(st.error().fields.size(), 1u);
  EXPECT_EQ(st.error().fields[0].field, "message");
  EXPECT_EQ(st.error().fields[0].code, field_codes::kInvalidUtf8);
  EXPECT_NE(st.error().fields[0].message.find("offset 3"), std::string::npos);
  // The client-visible text never echoes what the person typed.
  EXPECT_EQ(st.error().ToString().find("secret"), std::string::npos);
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
  const std::string s = "aệb";  // a, 3-byte ệ, b
  EXPECT_EQ(Utf8PrefixLength(s, 10), s.size());
  EXPECT_EQ(Utf8PrefixLength(s, 1), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 2), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 3), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 4), 4u);
}

TEST(Utf8Test, AppendRoundTrips) {
  for (char32_t cp : {U'a', U'\u00E9', U'\u1EC7', U'\uFFFD', U'\U0001F602', U'\U0010FFFF'}) {
    std::string s;
    AppendUtf8(s, cp);
    EXPECT_EQ(s.size(), Utf8Length(cp));
    const DecodedChar d = DecodeUtf8(s);
    EXPECT_TRUE(d.valid);
    EXPECT_EQ(d.cp, cp);
  }
}

}  // namespace
}  // namespace childsafe::text
