#include "common/result.h"

#include <gtest/gtest.h>

namespace childsafe {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Fail(Error::InvalidField("x", field_codes::kOutOfRange, "must be even"));
  return x / 2;
}

Result<int> Quarter(int x) {
  CS_TRY(int h, Half(x));
  CS_TRY(int q, Half(h));
  return q;
}

TEST(ResultTest, TryPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().fields.at(0).field, "x");
  EXPECT_EQ(r.error().ToString(), "invalid_argument: x: must be even (x: must be even)");
}

TEST(ResultTest, FieldErrorsCollectEveryProblem) {
  FieldErrors errs;
  EXPECT_TRUE(FieldErrors().ToStatus("unused"));
  errs.Add("a", field_codes::kRequired, "is required");
  errs.Add("b", field_codes::kUnknownCode, "unknown code");
  auto s = std::move(errs).ToStatus("invalid contact");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "invalid contact");
  ASSERT_EQ(s.error().fields.size(), 2u);
  EXPECT_EQ(s.error().fields[1].code, "unknown_code");
}

TEST(ResultTest, InternalErrorsHideTheirDetail) {
  Error e = Error::Internal("sqlite said: disk I/O error at page 7");
  EXPECT_EQ(e.message, "internal error");
  EXPECT_EQ(ErrorCodeName(e.code), "internal");
}

}  // namespace
}  // namespace childsafe
