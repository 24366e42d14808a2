// Fuzz target: the CSV and JSON Lines contact importers (files from other systems).
#include <cstdint>
#include <sstream>
#include <string>

#include "intake/contact_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  {
    std::istringstream in(text);
    auto rows = childsafe::intake::ReadContactsCsv(in);
    if (rows) {
      for (const auto& r : *rows) (void)r.line;
    }
  }
  {
    std::istringstream in(text);
    (void)childsafe::intake::ReadContactsJsonLines(in);
  }
  return 0;
}
