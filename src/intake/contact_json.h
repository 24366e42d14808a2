#pragma once
// The JSON form of a contact, shared by the HTTP API, JSON Lines import/export and the CLI.
//
// Decoding is strict: unknown members, wrong types and malformed times are reported as field
// errors naming the JSON path (e.g. "children/0/age"), all at once. Decoding checks form only;
// domain::ValidateContact checks meaning (codes, combinations, dates).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/contact.h"
#include "storage/store.h"

namespace childsafe::intake {

enum class DecodeMode {
  kCreate,   // what a client sends to create: no id, reference, version or system times
  kImport,   // an import row: may carry its reference and created_at
  kReplace,  // a whole contact after a merge patch: system fields are allowed and ignored
};

/// Parses a JSON text into a json value; kInvalidArgument naming the byte offset if malformed
/// or not UTF-8. Depth is limited (nested deeper than 32 levels is refused).
Result<nlohmann::json> ParseJson(std::string_view text);

Result<domain::Contact> DecodeContact(const nlohmann::json& j, DecodeMode mode);

/// What a reader of one contact sees, beyond the contact itself.
struct ContactExtras {
  bool online = false;
  bool has_caller_phone = false;  // a phone number was given (only its pseudonym is kept)
  std::optional<storage::RepeatCallerInfo> repeat;
  /// What text triage found (ContactTriage::Describe); null: none. Sensitive: full reads only.
  nlohmann::json triage = nullptr;
};

struct EncodeOptions {
  bool sensitive = true;  // include the decrypted sensitive fields
};

nlohmann::json EncodeContact(const domain::Contact& c, const ContactExtras& extras,
                             const EncodeOptions& options);

/// RFC 7396 JSON merge patch: members of `patch` replace those of `target`; null removes.
nlohmann::json MergePatch(nlohmann::json target, const nlohmann::json& patch);

/// "Đã liên hệ 4 lần trước, lần gần nhất 12/03/2025" / "Called 4 times before, last on 12/03/2025".
std::string RepeatCallerTextVi(const storage::RepeatCallerInfo& info);
std::string RepeatCallerTextEn(const storage::RepeatCallerInfo& info);

}  // namespace childsafe::intake
