#include "common/time.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace childsafe {
namespace {

TEST(TimeTest, CivilRoundTripAcrossCenturies) {
  for (LocalDay d = DaysFromCivil({1900, 1, 1}); d < DaysFromCivil({2101, 1, 1}); d += 17) {
    CivilDate c = CivilFromDays(d);
    ASSERT_TRUE(IsValidCivil(c));
    ASSERT_EQ(DaysFromCivil(c), d);
  }
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
}

TEST(TimeTest, LocalDayIsHoChiMinhTime) {
  // 2025-05-31T17:00:00Z is 2025-06-01 00:00 in Viet Nam.
  UnixSeconds t = *ParseTimestamp("2025-05-31T17:00:00Z");
  EXPECT_EQ(FormatDateIso(LocalDayOf(t)), "2025-06-01");
  EXPECT_EQ(FormatDateIso(LocalDayOf(t - 1)), "2025-05-31");
  EXPECT_EQ(LocalDayStart(LocalDayOf(t)), t);
  EXPECT_EQ(LocalHourOf(t), 0);
  EXPECT_EQ(LocalHourOf(t - 1), 23);
}

TEST(TimeTest, ParsesBothDateForms) {
  EXPECT_EQ(*ParseDate("2021-06-01"), *ParseDate("01/06/2021"));
  EXPECT_EQ(FormatDateVi(*ParseDate("2021-06-01")), "01/06/2021");
  EXPECT_FALSE(ParseDate("2021-02-29"));
  EXPECT_TRUE(ParseDate("2024-02-29"));
  EXPECT_FALSE(ParseDate("2021/06/01"));
  EXPECT_FALSE(ParseDate("1/6/2021"));
  EXPECT_FALSE(ParseDate(""));
  auto bad = ParseDate("31/02/2025", "from");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(bad.error().fields.size(), 1u);
  EXPECT_EQ(bad.error().fields[0].field, "from");
}

TEST(TimeTest, ParsesTimestampsWithAndWithoutOffsets) {
  auto utc = ParseTimestamp("2025-03-12T01:15:00Z");
  auto local = ParseTimestamp("2025-03-12T08:15:00+07:00");
  auto naked = ParseTimestamp("2025-03-12T08:15:00");
  auto frac = ParseTimestamp("2025-03-12T01:15:00.123456Z");
  ASSERT_TRUE(utc && local && naked && frac);
  EXPECT_EQ(*utc, *local);
  EXPECT_EQ(*utc, *naked);
  EXPECT_EQ(*utc, *frac);
  EXPECT_EQ(FormatTimestampUtc(*utc), "2025-03-12T01:15:00Z");
  EXPECT_EQ(FormatTimestampLocal(*utc), "2025-03-12T08:15:00+07:00");
  EXPECT_EQ(FormatDateTimeVi(*utc), "12/03/2025 08:15");
  EXPECT_EQ(*ParseTimestamp("2025-03-12T01:15:00-05:30"), *utc + 5 * 3600 + 1800);
  for (const char* bad :
       {"2025-03-12", "2025-13-01T00:00:00Z", "2025-03-12T24:00:00Z", "2025-03-12T01:15:00+7",
        "2025-03-12T01:15:00Zjunk", "garbage", "2025-03-12T01:15:00.Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(TimeTest, IsoWeeksAndWeekdays) {
  // 2021-01-01 (Friday) belongs to ISO week 53 of 2020; 2021-01-04 is week 1 of 2021.
  LocalDay d = *ParseDate("2021-01-01");
  EXPECT_EQ(Weekday(d), 4);
  EXPECT_EQ(IsoWeekOf(d).year, 2020);
  EXPECT_EQ(IsoWeekOf(d).week, 53);
  LocalDay mon = *ParseDate("2021-01-04");
  EXPECT_EQ(Weekday(mon), 0);
  EXPECT_EQ(IsoWeekOf(mon).year, 2021);
  EXPECT_EQ(IsoWeekOf(mon).week, 1);
  EXPECT_EQ(WeekStart(d), *ParseDate("2020-12-28"));
  EXPECT_EQ(Weekday(*ParseDate("1969-12-31")), 2);  // a Wednesday, before the epoch
}

}  // namespace
// Dates are written digit by digit (no snprintf): the same text as printf over the whole range.
TEST(TimeTest, DateFormatsMatchPrintfOverCenturies) {
  for (LocalDay d = DaysFromCivil({1900, 1, 1}); d < DaysFromCivil({2101, 1, 1}); d += 1) {
    CivilDate c = CivilFromDays(d);
    char iso[16], vi[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", c.year, c.month, c.day);
    std::snprintf(vi, sizeof vi, "%02d/%02d/%04d", c.day, c.month, c.year);
    ASSERT_EQ(FormatDateIso(d), iso);
    ASSERT_EQ(FormatDateVi(d), vi);
  }
  EXPECT_EQ(FormatDateIso(DaysFromCivil({1, 2, 3})), "0001-02-03");
}

}  // namespace childsafe
