// The collecting forms of the parsers, and format detection.
#include "hashlist/hash_list.h"

namespace childsafe::hashlist {
namespace {

class Collector : public HashListSink {
 public:
  Collector(ParsedHashList& out, size_t max_errors) : out_(out), max_errors_(max_errors) {}
  void OnRow(HashListRow&& row) override { out_.rows.push_back(std::move(row)); }
  void OnError(RowError&& error) override {
    ++out_.rejected;
    if (out_.errors.size() < max_errors_) out_.errors.push_back(std::move(error));
  }

 private:
  ParsedHashList& out_;
  size_t max_errors_;
};

}  // namespace

Result<ParsedHashList> ParseCsv(std::string_view text, const ParseOptions& options) {
  ParsedHashList out;
  out.format = HashListFormat::kCsv;
  Collector collector(out, options.max_errors);
  CS_TRY_STATUS(ParseCsv(text, options, collector, &out.warnings, &out.blank_lines));
  return out;
}

Result<ParsedHashList> ParseJsonLines(std::string_view text, const ParseOptions& options) {
  ParsedHashList out;
  out.format = HashListFormat::kJsonLines;
  Collector collector(out, options.max_errors);
  CS_TRY_STATUS(ParseJsonLines(text, options, collector, &out.warnings, &out.blank_lines));
  return out;
}

HashListFormat DetectFormat(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{' ? HashListFormat::kJsonLines
                                                               : HashListFormat::kCsv;
}

Result<ParsedHashList> ParseHashList(std::string_view text, const ParseOptions& options) {
  return DetectFormat(text) == HashListFormat::kJsonLines ? ParseJsonLines(text, options)
                                                          : ParseCsv(text, options);
}

}  // namespace childsafe::hashlist
