#pragma once
// The statistics index: the coded facts of every contact, held in memory as compact columns
// (about 14 bytes a contact plus a few bytes per child and category), so that any grouping of
// four years of a national hotline is one pass over memory instead of a GROUP BY over the
// database. It holds no sensitive data at all: codes, dates and counts.
//
// Counting rules (docs/statistics.md):
//  - a row counts contacts; a contact is counted once per distinct group it falls in. Grouping by
//    a many-valued field (category, and the child fields province, age band, gender) counts a
//    contact with two categories in both, so such rows can sum to more than the total;
//  - contacts without categories or children fall in the group "none"; children whose field was
//    not recorded fall in "unknown";
//  - provinces are the 34 units from 1 July 2025; earlier records are mapped to their successor;
//  - periods are local dates (Asia/Ho_Chi_Minh), start inclusive, end exclusive.
//
// Thread-safety: Upsert and Query may be called from any thread (a reader-writer lock).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"
#include "storage/store.h"

namespace childsafe::stats {

enum class Dimension : uint8_t {
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kHalfYear,
  kYear,  // time (local)
  kChannel,
  kCallType,
  kCallKind,
  kCategory,
  kSubcategory,
  kOutcome,
  kUrgency,
  kCentre,
  kProvince,
  kAgeBand,
  kGender,  // of the children
  kCallerAgeBand,
  kCallerGender,
};

/// "month" -> kMonth; accepts the names in DimensionName and "half-year".
std::optional<Dimension> ParseDimension(std::string_view name);
std::string_view DimensionName(Dimension d);
bool IsTimeDimension(Dimension d);
/// All dimension names, for help texts and the OpenAPI document.
const std::vector<std::string_view>& DimensionNames();

struct StatsQuery {
  LocalDay from = 0;  // inclusive
  LocalDay to = 0;    // exclusive
  std::vector<Dimension> by;
  std::optional<bool> online;  // only contacts about abuse in the online environment (or not)
  std::optional<bool> data_contacts;  // only data (true) or non-data (false) call types
  std::vector<std::string> channels, call_types, outcomes, centres, categories;  // any-of
  /// Counts from 1 to min_cell - 1 are suppressed (published figures); 0 = exact counts.
  int min_cell = 0;
};

struct StatsLabel {
  std::string code;  // "counselling", "2025-06", "79", "none", "unknown"
  std::string vi, en;
};

struct StatsRow {
  std::vector<StatsLabel> keys;  // one per dimension of the query, in order
  int64_t count = 0;
  bool suppressed = false;  // count hidden (between 1 and min_cell - 1)
};

struct StatsResult {
  std::vector<Dimension> by;
  std::vector<StatsRow> rows;  // sorted by keys (time in order, codes in taxonomy order)
  int64_t total = 0;           // distinct contacts matching the period and filters
  bool total_suppressed = false;
};

struct KeySpace;  // a grouping's keys and labels for one query (stats_index.cc)

class StatsIndex {
 public:
  StatsIndex(const domain::Taxonomy& taxonomy, const domain::Provinces& provinces);

  /// Adds or replaces the facts of one contact (keyed by id; an older version never replaces a
  /// newer one).
  void Upsert(const storage::ContactFacts& facts);
  /// Loads every contact the database holds beyond what the index has (id order).
  Status LoadFrom(storage::Database& db);

  /// Answers a query. kInvalidArgument for an empty or reversed period, too many dimensions (4)
  /// or unknown filter codes; every problem names its field.
  Result<StatsResult> Query(const StatsQuery& q) const;

  size_t contacts() const;
  size_t memory_bytes() const;

 private:
  struct Row {
    uint16_t day = 0;  // days since kBaseDay
    uint8_t channel = 0, call_type = 0, outcome = 0, centre = 0, urgency = 0;
    uint8_t caller_age_band = 0, caller_gender = 0;
    uint8_t flags = 0;   // kPresent | kOnline | kData
    uint32_t extra = 0;  // offset into extras_ (0 = no children or categories)
    uint32_t version = 0;
  };
  static constexpr uint8_t kPresent = 1, kOnline = 2, kData = 4;

  /// For a single-valued coded grouping: its codes and the Row byte that holds its index.
  struct FieldOf {
    const domain::CodeSet* codes = nullptr;  // nullptr: not a single-valued coded grouping
    uint8_t Row::*field = nullptr;
  };
  FieldOf SingleField(Dimension d) const;
  /// Category, subcategory and the children's fields: several values per contact.
  static bool IsManyValued(Dimension d);

  uint8_t Code(const domain::CodeSet& set, const std::string& code) const;
  /// The keys and labels of a time grouping over [from, to): the same for every query of that
  /// period, so the last few are kept (a dashboard asks the same periods again and again; a
  /// day-by-day table of four years is 1,461 labelled keys).
  std::shared_ptr<const KeySpace> TimeKeys(Dimension d, LocalDay from, LocalDay to) const;
  void UpsertLocked(const storage::ContactFacts& f);
  static void SetMember(std::vector<uint32_t>& ids, uint32_t id, bool member);

  const domain::Taxonomy& taxonomy_;
  const domain::Provinces& provinces_;
  mutable std::shared_mutex mu_;
  struct CachedKeys {
    Dimension dim;
    LocalDay from, to;
    std::shared_ptr<const KeySpace> keys;
  };
  mutable std::mutex time_keys_mu_;
  mutable std::vector<CachedKeys> time_keys_;  // most recent last, at most kTimeKeysKept
  static constexpr size_t kTimeKeysKept = 32;
  std::vector<Row> rows_;        // indexed by contact id
  std::vector<uint8_t> extras_;  // [n_children, (band, gender, province)*n, n_cats, (lo, hi)*n]
  // Sorted ids of the contacts with a flag, so selective queries (online-only, data contacts,
  // a category) visit a few thousand rows instead of all of them.
  std::vector<uint32_t> online_ids_, data_ids_;
  size_t present_ = 0;
  int64_t max_id_ = 0;
};

}  // namespace childsafe::stats
