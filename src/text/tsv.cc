#include "text/tsv.h"

#include <charconv>

namespace childsafe::text::internal {

std::vector<TsvRow> SplitTsv(std::string_view tsv) {
  std::vector<TsvRow> rows;
  int line_number = 0;
  size_t pos = 0;
  while (pos < tsv.size()) {
    size_t eol = tsv.find('\n', pos);
    if (eol == std::string_view::npos) eol = tsv.size();
    std::string_view line = tsv.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    TsvRow row;
    row.line = line_number;
    size_t start = 0;
    while (true) {
      const size_t tab = line.find('\t', start);
      row.cells.push_back(
          line.substr(start, tab == std::string_view::npos ? line.npos : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string_view CellsFrom(const TsvRow& row, size_t first) {
  const std::string_view a = row.cells[first];
  const std::string_view z = row.cells.back();
  return {a.data(), static_cast<size_t>(z.data() + z.size() - a.data())};
}

Error RowError(std::string_view file, int line, std::string_view problem) {
  return Error::Invalid(std::string(file) + " line " + std::to_string(line) + ": " +
                        std::string(problem));
}

std::optional<double> ParseNumber(std::string_view s) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace childsafe::text::internal
