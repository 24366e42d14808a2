#pragma once
// Internal to src/hashlist: what the CSV and JSON Lines parsers share — recognising column/key
// names, and turning one record's values into a HashListRow or a list of problems.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hashlist/hash_list.h"

namespace childsafe::hashlist::internal {

enum class Field {
  kPdq,
  kMd5,
  kSha1,
  kSha256,  // a hash of that type
  kHash,    // a hash whose type is declared by kHashType or guessed
  kHashType,
  kId,
  kQuality,
  kLabels,
  kMediaType,
  kDeleted,
  kFirstSeen,
  kUpdated,
};

/// Lower-case ASCII letters and digits only: "Hash-Value", "hash_value", "hashValue" all give
/// "hashvalue". Names are compared in this form.
std::string NormalizeName(std::string_view name);

/// The field a column or key name stands for, or nullopt if it is not one we read.
std::optional<Field> FieldForName(std::string_view name);

/// True if `name` is a hash type we know of but do not support (PhotoDNA, TMK+PDQF, vPDQ, ...),
/// so that a column or key of that name is ignored with a warning rather than reported unknown.
bool IsUnsupportedHashName(std::string_view name);

/// One record's values before validation.
struct RawValue {
  Field field;
  std::string name;  // as it appears in the file, for messages
  std::string text;  // the value, as text (JSON numbers and booleans already rendered)
};
struct RawRecord {
  std::vector<RawValue> values;
  std::vector<std::string> labels;  // from a JSON array of labels
};

/// Validates and converts one record. On success the row has line/raw unset.
std::variant<HashListRow, std::vector<FieldError>> BuildRow(const RawRecord& record,
                                                            const ParseOptions& options);

/// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// Trims ASCII spaces and tabs.
std::string_view Trim(std::string_view s);

/// The error value for a rejected record, with its raw text cut to kMaxRawErrorBytes.
RowError MakeRowError(size_t line, std::string_view raw, std::vector<FieldError> problems);

}  // namespace childsafe::hashlist::internal
