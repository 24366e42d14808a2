// Fuzz target: the hamming index file decoder. Any input must be refused cleanly or decoded; a
// decoded file must re-encode to exactly the same bytes (the format is canonical) and load into
// an index that finds each of its records.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "hamming/hamming_index.h"
#include "hamming/index_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace childsafe::hamming;
  const std::span<const uint8_t> bytes(data, size);
  auto decoded = DecodeIndexFile(bytes);
  if (!decoded) {
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  const std::vector<uint8_t> again = EncodeIndexFile(*decoded);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  HammingIndex index(*decoded);
  for (const IndexEntry& e : *decoded) {
    auto found = index.Search(e.hash, 0);
    if (!found || std::none_of(found->begin(), found->end(),
                               [&](const Match& m) { return m.id == e.id && m.distance == 0; })) {
      std::abort();
    }
  }
  return 0;
}
