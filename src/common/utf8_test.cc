#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace childsafe {
namespace {

TEST(Utf8Test, AcceptsVietnameseAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("xâm hại trẻ em — Tổng đài 111 😀"));
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_EQ(Utf8Length("xâm hại"), 7u);
  size_t at = 99;
  EXPECT_FALSE(IsValidUtf8(std::string("ab\xC3", 3), &at));  // truncated
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("a\x80z"));  // stray continuation
}

}  // namespace
}  // namespace childsafe
