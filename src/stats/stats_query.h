#pragma once
// Statistics requests as people and programs write them ("from=2021-06-01&by=outcome,month"),
// and the three ways results are shown: JSON (API), CSV (spreadsheets), an aligned table (CLI).
// Shared by the HTTP API and the command line so both answer the same question the same way.

#include <string>
#include <vector>

#include "common/result.h"
#include "stats/stats_index.h"

namespace childsafe::stats {

struct StatsRequest {
  std::string from, to;         // local dates, YYYY-MM-DD or dd/mm/yyyy; both required
  std::vector<std::string> by;  // dimension names
  StatsQuery query;             // filters (its from/to/by are filled from the fields above)
};

/// Parses the request and runs it. Errors name the parameter ("from", "by", ...).
Result<StatsResult> RunStats(const StatsIndex& index, StatsRequest& request);

/// The JSON document (written directly: a day-by-day table over years has thousands of rows).
std::string StatsJson(const StatsResult& result, const StatsRequest& request);
/// Header: for each grouping its code column and label column, then "count" (and "suppressed").
std::string StatsCsv(const StatsResult& result, bool vietnamese);
/// An aligned text table with a total line; numbers grouped the Vietnamese way (1.550.000) or
/// the English way (1,550,000).
std::string StatsTable(const StatsResult& result, const StatsRequest& request, bool vietnamese);

/// 1550000 -> "1.550.000" (vi) or "1,550,000" (en).
std::string GroupDigits(int64_t n, bool vietnamese);

}  // namespace childsafe::stats
