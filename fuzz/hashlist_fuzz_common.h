#pragma once
// Shared checks for the hash-list fuzz targets: whatever the input, every good row must carry
// well-formed hashes, lines must be in file order, and nothing may be lost between the streaming
// and the collecting forms of the parser.
#include <cstdlib>
#include <string_view>

#include "hashlist/hash_list.h"

namespace childsafe::hashlist::fuzz {

class CheckingSink : public HashListSink {
 public:
  void OnRow(HashListRow&& row) override {
    if (row.hashes.empty() || row.line < last_line_) std::abort();
    last_line_ = row.line;
    for (const TypedHash& h : row.hashes) {
      if (static_cast<int>(h.hex.size()) != HexLength(h.type)) std::abort();
      for (char c : h.hex) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) std::abort();
      }
    }
    if (row.quality && (*row.quality < 0 || *row.quality > 100)) std::abort();
    ++rows;
  }
  void OnError(RowError&& error) override {
    if (error.problems.empty() || error.line < last_line_) std::abort();
    if (error.raw.size() > kMaxRawErrorBytes) std::abort();
    last_line_ = error.line;
    ++errors;
  }
  size_t rows = 0;
  size_t errors = 0;

 private:
  size_t last_line_ = 0;
};

template <class StreamFn, class CollectFn>
void Check(std::string_view text, StreamFn stream, CollectFn collect) {
  for (int variant = 0; variant < 2; ++variant) {
    ParseOptions options;
    if (variant == 1) options.default_type = HashType::kPdq;
    options.max_record_bytes = 4096;
    CheckingSink sink;
    const auto status = stream(text, options, sink);
    const auto collected = collect(text, options);
    if (status.has_value() != collected.has_value()) std::abort();
    if (!collected) continue;
    if (collected->rows.size() != sink.rows || collected->rejected != sink.errors) std::abort();
  }
}

}  // namespace childsafe::hashlist::fuzz
