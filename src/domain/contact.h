#pragma once
// A contact: one call, message or visit to the hotline, as a counsellor records it.
//
// Coded fields (channel, call type, categories, outcome, ...) are taxonomy codes and feed the
// statistics. Identifying and narrative fields (marked SENSITIVE) are what the law calls
// sensitive personal data: the services encrypt them before they reach storage, never log them,
// and audit every read. A caller's phone number is never stored at all: only a keyed pseudonym.
//
// Value types; no I/O. Validation is a pure function of the contact, the taxonomy, the provinces
// and the current time.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"

namespace childsafe::domain {

struct Caller {
  std::string relation;  // caller_relations code
  std::string age_band;  // caller_age_bands code
  std::string gender;    // genders code
  std::string name;      // SENSITIVE
  std::string phone;     // SENSITIVE, input only: turned into a pseudonym, never stored
};

struct Child {
  std::optional<int> age;  // years; nullopt = unknown
  std::string gender;      // genders code
  std::string province;    // province code valid on the contact's date; empty = unknown
  std::string name;           // SENSITIVE
  std::string address;        // SENSITIVE
  std::string phone;          // SENSITIVE
  std::string date_of_birth;  // SENSITIVE, "YYYY-MM-DD" or "dd/mm/yyyy"
};

struct Contact {
  // Assigned by the system.
  int64_t id = 0;
  std::string reference;  // "111-2025-000123"
  int64_t version = 0;    // optimistic concurrency: bumped by every update
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;

  // Recorded by the counsellor (or an import).
  UnixSeconds received_at = 0;  // UTC
  std::string channel;
  std::string centre;
  std::string counsellor;  // staff identifier (user id once accounts exist)
  std::string call_type;
  int32_t duration_seconds = 0;
  std::optional<Caller> caller;
  std::vector<Child> children;
  std::vector<std::string> categories;  // subcategory codes, e.g. "online.sextortion"
  std::string outcome;
  std::string urgency;  // empty for non-data contacts
  std::string summary;  // SENSITIVE free text
  std::string taxonomy_version;
};

/// Limits that keep one record bounded.
inline constexpr size_t kMaxChildren = 20;
inline constexpr size_t kMaxCategories = 30;
inline constexpr size_t kMaxSummaryChars = 20000;
inline constexpr int32_t kMaxDurationSeconds = 24 * 3600;
/// A received time may be this far ahead of the server clock (clock skew between machines).
inline constexpr int64_t kFutureToleranceSeconds = 300;
/// The hotline's predecessor line opened in 2004; nothing older is a plausible contact.
inline constexpr int kEarliestYear = 2004;

struct ValidationContext {
  const Taxonomy& taxonomy;
  const Provinces& provinces;
  UnixSeconds now;
};

/// Checks every field and combination; reports every problem at once as FieldErrors whose
/// `field` is the JSON path ("children/0/province"). Rules:
///  - codes exist in the taxonomy; provinces are valid on the contact's local date;
///  - data call types have at least one child and one category, an urgency and an outcome;
///  - non-data call types have no children, no categories, and outcome "none" or "information";
///  - "child about self" callers are the child (relation "self");
///  - no duplicates, bounded sizes, valid UTF-8, no times in the future.
Status ValidateContact(const Contact& c, const ValidationContext& ctx);

/// True when any category of the contact is flagged `online` (a contact "about abuse in the
/// online environment" in the hotline's published figures). Unknown codes count as not online.
bool IsOnline(const Contact& c, const Taxonomy& taxonomy);

/// "111-2025-000123"
std::string FormatReference(int year, int64_t sequence);

}  // namespace childsafe::domain
