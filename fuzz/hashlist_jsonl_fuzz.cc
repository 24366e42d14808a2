// Fuzz target: the JSON Lines hash-list importer (see hashlist_fuzz_common.h for the checks).
#include <cstdint>

#include "hashlist_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace childsafe::hashlist;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::Check(
      text,
      [](std::string_view t, const ParseOptions& o, HashListSink& s) {
        return ParseJsonLines(t, o, s);
      },
      [](std::string_view t, const ParseOptions& o) { return ParseJsonLines(t, o); });
  return 0;
}
