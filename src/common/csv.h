#pragma once
// CSV (RFC 4180) reading and writing for imports and exports: quoted fields with embedded commas,
// quotes ("") and newlines, CRLF or LF line ends, an optional UTF-8 byte-order mark. Every error
// names the line where the bad record starts. Bounded: a field over 1 MiB or a record over 1,000
// fields is an error, so a hostile file cannot exhaust memory.

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}
  /// Reads the next record into `fields`. Returns false at end of input. Blank lines are skipped.
  Result<bool> Next(std::vector<std::string>& fields);
  /// 1-based line number where the last record returned by Next started.
  size_t line() const { return record_line_; }

  static constexpr size_t kMaxField = 1 << 20;
  static constexpr size_t kMaxFields = 1000;

 private:
  int Get();
  std::istream& in_;
  size_t line_ = 1;
  size_t record_line_ = 0;
  bool started_ = false;
};

/// Quotes a field if it needs it (comma, quote, CR/LF, leading/trailing space).
std::string CsvField(std::string_view s);
/// Joins fields into one CSV line (no line end).
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace childsafe
