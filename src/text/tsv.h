#pragma once
// The small TSV reader of the text engine's data files (lexicon, model; internal to src/text).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe::text::internal {

struct TsvRow {
  int line = 0;  // 1-based line number in the file
  std::vector<std::string_view> cells;
};

/// Splits a TSV file into rows of cells (views into `tsv`), skipping blank lines and '#'
/// comments; a trailing '\r' is dropped.
std::vector<TsvRow> SplitTsv(std::string_view tsv);

/// Cells first.. of `row` as the line has them, tabs included (first < cells.size()).
std::string_view CellsFrom(const TsvRow& row, size_t first);

/// kInvalidArgument "<file> line <line>: <problem>".
Error RowError(std::string_view file, int line, std::string_view problem);

/// The whole of `s` as a number, or nullopt.
std::optional<double> ParseNumber(std::string_view s);

}  // namespace childsafe::text::internal
