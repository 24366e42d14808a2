#include "api/cursor.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace childsafe::api {
namespace {

TEST(CursorTest, RoundTripsItsOwnCursors) {
  const std::vector<int64_t> parts = {2, -1749956400, 123456789012};
  auto back = DecodeCursor(EncodeCursor("q1", parts), "q1", 3);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, parts);
}

TEST(CursorTest, RefusesWhatItDidNotGiveOutNamingTheField) {
  auto b64 = [](const std::string& s) { return crypto::Base64UrlEncode(s); };
  for (const std::string& text :
       {std::string(""), std::string("!!!"), std::string(101, 'A'), b64("q1"), b64("q1:"),
        b64("q1:1:2"), b64("q1:1:2:3:4"), b64("v1:1:2:3"), b64("q1:1::3"), b64("q1:1:2:3 "),
        b64("q1:+1:2:3"), b64("q1:1:2:99999999999999999999"), b64("q1:0x1:2:3"), b64("q1x1:2:3"),
        b64("q1:1:2:3:")}) {
    auto r = DecodeCursor(text, "q1", 3);
    ASSERT_FALSE(r) << text;
    ASSERT_EQ(r.error().fields.size(), 1u);
    EXPECT_EQ(r.error().fields[0].field, "cursor");
  }
}

}  // namespace
}  // namespace childsafe::api
