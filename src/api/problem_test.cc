#include "api/problem.h"

#include <gtest/gtest.h>

namespace childsafe::api {
namespace {

TEST(ProblemTest, MapsEveryCodeToOneStatus) {
  EXPECT_EQ(HttpStatus(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatus(ErrorCode::kInternal), 500);
}

TEST(ProblemTest, VietnameseFirstAndNoServerDetail) {
  EXPECT_EQ(NegotiateLang(""), Lang::kVi);
  EXPECT_EQ(NegotiateLang("vi-VN,vi;q=0.9,en;q=0.5"), Lang::kVi);
  EXPECT_EQ(NegotiateLang("en-GB,en;q=0.9"), Lang::kEn);
  Error e = Error::InvalidField("children/0/age", field_codes::kOutOfRange, "must be between 0 and 25");
  auto vi = ProblemJson(e, Lang::kVi, "r1");
  EXPECT_EQ(vi["status"], 400);
  EXPECT_EQ(vi["title"], "Yêu cầu không hợp lệ");
  EXPECT_EQ(vi["errors"][0]["field"], "children/0/age");
  EXPECT_EQ(vi["errors"][0]["message"], "Giá trị ngoài phạm vi cho phép");
  EXPECT_EQ(vi["errors"][0]["message_en"], "must be between 0 and 25");
  auto en = ProblemJson(e, Lang::kEn, "r1");
  EXPECT_EQ(en["title"], "Invalid request");
  Error internal = Error::Internal("sqlite: disk I/O error in contacts");
  auto p = ProblemJson(internal, Lang::kVi, "r2");
  EXPECT_EQ(p["status"], 500);
  EXPECT_FALSE(p.contains("detail"));
  EXPECT_EQ(p.dump().find("sqlite"), std::string::npos);
}

}  // namespace
}  // namespace childsafe::api
