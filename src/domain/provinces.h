#pragma once
// Viet Nam's province-level units, dated. Until 30 June 2025 there were 63 units; from 1 July 2025
// there are 34 (Resolution 202/2025/QH15), each old unit merged whole into one new one. A record
// keeps the code that was valid on its own date; statistics compare across the reform by mapping
// old codes to their successor (N:1, exact at province level).
//
// Loaded from data/provinces/ and immutable afterwards; safe to share between threads.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/time.h"

namespace childsafe::domain {

enum class ProvinceScheme { k63, k34 };

struct Province {
  std::string code;  // 2-digit GSO code, as text
  std::string name_vi;
  std::string name_ascii;
  // For 63-scheme units: the successor's 34-scheme code. For 34-scheme units: its own code.
  std::string successor;
  std::string centre;        // 111 call centre serving it (63-scheme only; empty otherwise)
  int population_thousands = 0;  // approximate; demo weighting only (63-scheme)
};

class Provinces {
 public:
  /// Loads vn-provinces-63.csv, vn-provinces-2025.csv, call-centres.csv and population-63.csv from
  /// `dir` and checks the invariants of data/provinces/README.md.
  static Result<Provinces> Load(const std::string& dir);

  /// The first local day of the 34-unit scheme: 2025-07-01.
  static LocalDay ReformDay();
  static ProvinceScheme SchemeOn(LocalDay day) {
    return day < ReformDay() ? ProvinceScheme::k63 : ProvinceScheme::k34;
  }

  /// The unit with `code` in `scheme`, or nullptr.
  const Province* Find(ProvinceScheme scheme, std::string_view code) const;
  /// Validates that `code` is a unit on local `day`; the error names `field`.
  Status ValidateOn(std::string_view code, LocalDay day, const std::string& field) const;
  /// The 34-scheme code a code recorded on `day` corresponds to (identity after the reform).
  /// Precondition: ValidateOn succeeded.
  const std::string& CurrentCode(std::string_view code, LocalDay day) const;

  const std::vector<Province>& units63() const { return units63_; }
  const std::vector<Province>& units34() const { return units34_; }

 private:
  std::vector<Province> units63_, units34_;
  std::unordered_map<std::string, size_t> index63_, index34_;
};

}  // namespace childsafe::domain
