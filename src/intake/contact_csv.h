#pragma once
// The CSV form of contacts, for spreadsheets: one row per contact, coded fields plus (optionally)
// the summary. JSON Lines is the complete form (every field); CSV keeps children in one column.
//
// Columns (header row required, any order, unknown columns refused):
//   reference, received_at, channel, centre, counsellor, call_type, duration_seconds,
//   caller_relation, caller_age_band, caller_gender, children, categories, outcome, urgency,
//   summary
// `children` is a ';'-separated list of "age|gender|province" (any part may be empty);
// `categories` is a ';'-separated list of category codes.

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "intake/contact_service.h"

namespace childsafe::intake {

/// The header written by exports (with or without `summary`).
std::vector<std::string> ContactCsvHeader(bool with_summary);
/// One exported row.
std::vector<std::string> ContactCsvRow(const domain::Contact& c, bool with_summary);

/// Reads a whole CSV file into import rows (a malformed row becomes an error row; a malformed
/// file or header is an error for the whole file).
Result<std::vector<ImportRow>> ReadContactsCsv(std::istream& in);
/// Reads a JSON Lines file (one contact object per line) into import rows.
Result<std::vector<ImportRow>> ReadContactsJsonLines(std::istream& in);

/// Most rows one import may hold (a larger file is refused rather than exhausting memory).
inline constexpr size_t kMaxImportRows = 5'000'000;

}  // namespace childsafe::intake
