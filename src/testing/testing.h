#pragma once
// Shared test fixtures: where the repository is, the real data files, temporary directories.

#include <atomic>
#include <filesystem>
#include <string>

#include "common/time.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"

namespace childsafe::testing {

/// The repository root (CTest sets CHILDSAFE_SOURCE_DIR; falls back to the compile-time path).
std::string SourceDir();
/// The real taxonomy and provinces from data/, loaded once per process.
const domain::Taxonomy& RealTaxonomy();
const domain::Provinces& RealProvinces();

/// A clock the test moves by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixSeconds now) : now_(now) {}
  UnixSeconds Now() const override { return now_.load(); }
  void Set(UnixSeconds t) { now_ = t; }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<UnixSeconds> now_;
};

/// A fresh temporary directory removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace childsafe::testing
