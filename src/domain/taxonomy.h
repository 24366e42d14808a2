#pragma once
// The hotline's taxonomy: the coded values a contact is recorded with, with Vietnamese and English
// labels. It is data (data/taxonomy/*.json), versioned, validated when loaded, never hard-coded:
// code here refers only to the few codes whose meaning the rules depend on (the call-type kinds,
// the three outcomes the hotline publishes).
//
// A Taxonomy is immutable after loading and safe to share between threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace childsafe::domain {

struct Label {
  std::string vi;
  std::string en;
};

/// One coded value, e.g. {code "counselling", vi "Tư vấn", en "Counselling"}.
struct Code {
  std::string code;
  Label label;
};

/// An ordered set of codes; the index of a code is stable for one loaded taxonomy.
class CodeSet {
 public:
  CodeSet() = default;
  explicit CodeSet(std::vector<Code> codes);

  /// Index of `code`, or nullopt if unknown. O(1).
  std::optional<uint16_t> Find(std::string_view code) const;
  bool Contains(std::string_view code) const { return Find(code).has_value(); }
  const Code& at(size_t i) const { return codes_.at(i); }
  size_t size() const { return codes_.size(); }
  const std::vector<Code>& codes() const { return codes_; }

 private:
  std::vector<Code> codes_;
  std::unordered_map<std::string, uint16_t> index_;
};

enum class CallKind : uint8_t { kData, kNonData };

struct ChiPair {
  std::string category;
  std::string subcategory;
};

/// A second-level category (what a contact is tagged with), e.g. "online.sextortion".
struct Subcategory {
  std::string code;
  Label label;
  ChiPair chi;
  bool online = false;
  uint16_t parent = 0;  // index into Taxonomy::categories()
};

struct AgeBand {
  std::string code;
  Label label;
  int min = -1;  // -1: the "unknown" band
  int max = -1;
};

class Taxonomy {
 public:
  /// Parses and validates a taxonomy document (see data/taxonomy/README.md). Every problem is
  /// reported as a FieldError naming its JSON path.
  static Result<Taxonomy> Parse(std::string_view json_text);
  /// Reads and parses a file.
  static Result<Taxonomy> Load(const std::string& path);

  const std::string& version() const { return version_; }

  const CodeSet& call_types() const { return call_types_; }
  CallKind call_kind(uint16_t call_type) const { return call_kinds_.at(call_type); }
  /// Kind of a call-type code; nullopt if unknown.
  std::optional<CallKind> KindOf(std::string_view call_type) const;

  const CodeSet& channels() const { return channels_; }
  const CodeSet& centres() const { return centres_; }
  const CodeSet& outcomes() const { return outcomes_; }
  const CodeSet& urgencies() const { return urgencies_; }
  const CodeSet& genders() const { return genders_; }
  const CodeSet& caller_age_bands() const { return caller_age_bands_; }
  const CodeSet& caller_relations() const { return caller_relations_; }
  const CodeSet& categories() const { return categories_; }  // top level
  const CodeSet& child_age_bands() const { return child_age_band_codes_; }
  const std::vector<AgeBand>& child_age_band_ranges() const { return child_age_bands_; }
  /// Band index for an age in years (nullopt age -> the "unknown" band).
  uint16_t ChildAgeBandOf(std::optional<int> age) const;

  const std::vector<Subcategory>& subcategories() const { return subcategories_; }
  std::optional<uint16_t> FindSubcategory(std::string_view code) const;
  const Subcategory& subcategory(uint16_t i) const { return subcategories_.at(i); }

 private:
  std::string version_;
  CodeSet call_types_;
  std::vector<CallKind> call_kinds_;
  CodeSet channels_, centres_, outcomes_, urgencies_, genders_, caller_age_bands_,
      caller_relations_, categories_, child_age_band_codes_;
  std::vector<AgeBand> child_age_bands_;
  uint16_t unknown_age_band_ = 0;
  std::vector<Subcategory> subcategories_;
  std::unordered_map<std::string, uint16_t> subcategory_index_;
};

/// Codes whose meaning the software relies on (they must exist in every taxonomy version).
namespace codes {
inline constexpr std::string_view kOutcomeCounselling = "counselling";
inline constexpr std::string_view kOutcomeIntervention = "intervention_connection";
inline constexpr std::string_view kOutcomeReport = "report";
inline constexpr std::string_view kOutcomeInformation = "information";
inline constexpr std::string_view kOutcomeNone = "none";
inline constexpr std::string_view kCallChildAboutSelf = "child_about_self";
inline constexpr std::string_view kRelationSelf = "self";
inline constexpr std::string_view kUnknown = "unknown";
}  // namespace codes

}  // namespace childsafe::domain
