#pragma once
// Time for a Vietnamese hotline.
//
// Instants are stored as UTC seconds since the Unix epoch (UnixSeconds). Days, weeks, months and
// reporting periods are local to Asia/Ho_Chi_Minh, which has been UTC+7 without daylight saving
// since 1975, so a fixed offset is exact for every date this system will hold (GCC 12 has no
// std::chrono::tzdb; if Viet Nam ever changes its offset, LocalOffsetAt is the one place to teach).
//
// A LocalDay is the number of days since 1970-01-01 in local time. Periods are half-open:
// [from, to). All functions here are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace childsafe {

using UnixSeconds = int64_t;
using LocalDay = int32_t;

inline constexpr int64_t kSecondsPerDay = 86400;
inline constexpr int64_t kLocalUtcOffsetSeconds = 7 * 3600;
inline constexpr std::string_view kLocalTimeZone = "Asia/Ho_Chi_Minh";

/// Offset of local time from UTC at instant t (constant +7 h; see the file comment).
constexpr int64_t LocalOffsetAt(UnixSeconds /*t*/) { return kLocalUtcOffsetSeconds; }

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

/// Days since 1970-01-01 of a proleptic Gregorian date (valid for any int year in range).
LocalDay DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(LocalDay day);
bool IsValidCivil(CivilDate d);

/// Local calendar day of an instant.
LocalDay LocalDayOf(UnixSeconds t);
/// Local hour (0..23) of an instant.
int LocalHourOf(UnixSeconds t);
/// The UTC instant at which a local day starts (00:00 in Asia/Ho_Chi_Minh).
UnixSeconds LocalDayStart(LocalDay day);

/// Day of week, Monday = 0 .. Sunday = 6.
int Weekday(LocalDay day);
/// ISO 8601 week: the week-numbering year and week 1..53.
struct IsoWeek {
  int year;
  int week;
};
IsoWeek IsoWeekOf(LocalDay day);
/// The Monday that starts the ISO week containing `day`.
LocalDay WeekStart(LocalDay day);

/// Parses a local date written "2025-06-01" (ISO) or "01/06/2025" (Vietnamese dd/mm/yyyy).
/// `field` names the input in the error.
Result<LocalDay> ParseDate(std::string_view text, std::string_view field = "date");

/// Parses an RFC 3339 timestamp ("2025-03-12T08:15:00Z", "...+07:00", fractional seconds
/// ignored). Without an offset the time is read as Asia/Ho_Chi_Minh local time.
Result<UnixSeconds> ParseTimestamp(std::string_view text, std::string_view field = "time");

/// "2025-06-01"
std::string FormatDateIso(LocalDay day);
/// "01/06/2025" — how dates are shown to people.
std::string FormatDateVi(LocalDay day);
/// "2025-03-12T01:15:00Z"
std::string FormatTimestampUtc(UnixSeconds t);
/// "2025-03-12T08:15:00+07:00"
std::string FormatTimestampLocal(UnixSeconds t);
/// "12/03/2025 08:15" — local, for people.
std::string FormatDateTimeVi(UnixSeconds t);

/// A source of the current time, so services can be tested at any instant.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds Now() const = 0;
};

/// The real clock (thread-safe).
class SystemClock final : public Clock {
 public:
  UnixSeconds Now() const override;
  static const SystemClock& Instance();
};

}  // namespace childsafe
