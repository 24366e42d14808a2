// Fuzz target: the contact decoder (HTTP bodies and JSON Lines imports are outside input).
// Invariants: no crash, no hang; a decoded contact that validates re-encodes and decodes back to
// the same contact.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/contact.h"
#include "intake/contact_json.h"

namespace {

const childsafe::domain::Taxonomy* taxonomy = nullptr;
const childsafe::domain::Provinces* provinces = nullptr;

void LoadData() {
  if (taxonomy) return;
  const char* env = std::getenv("CHILDSAFE_SOURCE_DIR");
  std::string dir = env ? env : CHILDSAFE_SOURCE_DIR_DEFAULT;
  auto t = childsafe::domain::Taxonomy::Load(dir + "/data/taxonomy/vn111.v1.json");
  auto p = childsafe::domain::Provinces::Load(dir + "/data/provinces");
  if (!t || !p) std::abort();
  taxonomy = new childsafe::domain::Taxonomy(std::move(*t));
  provinces = new childsafe::domain::Provinces(std::move(*p));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LoadData();
  using namespace childsafe;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = intake::ParseJson(text);
  if (!j) return 0;
  for (auto mode : {intake::DecodeMode::kCreate, intake::DecodeMode::kImport, intake::DecodeMode::kReplace}) {
    auto c = intake::DecodeContact(*j, mode);
    if (!c) {
      if (c.error().code != ErrorCode::kInvalidArgument) std::abort();
      continue;
    }
    domain::ValidationContext ctx{*taxonomy, *provinces, 1893456000};  // 2030-01-01
    if (!domain::ValidateContact(*c, ctx)) continue;
    auto encoded = intake::EncodeContact(*c, {}, {});
    auto back = intake::DecodeContact(encoded, intake::DecodeMode::kReplace);
    if (!back) std::abort();
    if (intake::EncodeContact(*back, {}, {}) != encoded) std::abort();
  }
  (void)intake::MergePatch(*j, *j);
  return 0;
}
