#include "testing/testing.h"

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace childsafe::testing {

std::string SourceDir() {
  if (const char* dir = std::getenv("CHILDSAFE_SOURCE_DIR")) return dir;
  return CHILDSAFE_SOURCE_DIR_DEFAULT;
}

const domain::Taxonomy& RealTaxonomy() {
  static const domain::Taxonomy t = [] {
    auto r = domain::Taxonomy::Load(SourceDir() + "/data/taxonomy/vn111.v1.json");
    if (!r) throw std::runtime_error(r.error().ToString());
    return std::move(*r);
  }();
  return t;
}

const domain::Provinces& RealProvinces() {
  static const domain::Provinces p = [] {
    auto r = domain::Provinces::Load(SourceDir() + "/data/provinces");
    if (!r) throw std::runtime_error(r.error().ToString());
    return std::move(*r);
  }();
  return p;
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto p = base / ("childsafe-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace childsafe::testing
