// JSON Lines hash lists (docs/formats/hash-list.md): one JSON object per line.
#include <nlohmann/json.hpp>
#include <set>

#include "hashlist/hash_list.h"
#include "hashlist/record.h"

namespace childsafe::hashlist {
namespace {

using internal::Field;
using nlohmann::json;

constexpr int kMaxDepth = 8;

// Nesting depth of a JSON text, checked before parsing so that hostile input cannot drive the
// parser or the destructor into deep recursion.
int Depth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

// The value as text for a scalar field; false if its JSON type does not fit the field.
bool ScalarText(const json& v, Field field, std::string& out) {
  if (v.is_null()) {
    out.clear();
    return true;
  }
  if (v.is_string()) {
    out = v.get<std::string>();
    return true;
  }
  if (v.is_number_unsigned() || v.is_number_integer()) {
    if (field == Field::kId || field == Field::kQuality || field == Field::kFirstSeen ||
        field == Field::kUpdated || field == Field::kDeleted) {
      out = v.dump();
      return true;
    }
    return false;
  }
  if (v.is_boolean()) {
    if (field != Field::kDeleted) return false;
    out = v.get<bool>() ? "true" : "false";
    return true;
  }
  return false;
}

Field FieldOf(HashType type) {
  switch (type) {
    case HashType::kPdq:
      return Field::kPdq;
    case HashType::kMd5:
      return Field::kMd5;
    case HashType::kSha1:
      return Field::kSha1;
    case HashType::kSha256:
      return Field::kSha256;
  }
  return Field::kHash;
}

std::string Shorten(std::string_view name) {
  if (name.empty()) return "(unnamed)";
  std::string s(name.substr(0, 64));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return s;
}

}  // namespace

Status ParseJsonLines(std::string_view text, const ParseOptions& options, HashListSink& sink,
                      std::vector<std::string>* warnings, size_t* blank_lines) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Fail(Error::Invalid("the hash list is empty"));
  }
  std::set<std::string> ignored, unsupported;
  size_t blanks = 0;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (internal::Trim(line).empty()) {
      ++blanks;
      continue;
    }
    auto reject = [&](std::string_view code, std::string message,
                      std::string field = std::string()) {
      sink.OnError(internal::MakeRowError(
          line_no, line, {{std::move(field), std::string(code), std::move(message)}}));
    };
    if (line.size() > options.max_record_bytes) {
      reject(field_codes::kTooLong,
             "the line is longer than " + std::to_string(options.max_record_bytes) + " bytes");
      continue;
    }
    if (!internal::IsValidUtf8(line)) {
      reject(field_codes::kInvalidUtf8, "the line is not valid UTF-8");
      continue;
    }
    if (Depth(line) > kMaxDepth) {
      reject(field_codes::kInvalidFormat, "the JSON is nested too deeply");
      continue;
    }
    const json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      reject(field_codes::kInvalidFormat, "the line is not valid JSON");
      continue;
    }
    if (!doc.is_object()) {
      reject(field_codes::kInvalidType, "each line must be one JSON object");
      continue;
    }

    internal::RawRecord record;
    std::vector<FieldError> problems;
    for (const auto& [key, value] : doc.items()) {
      const std::string norm = internal::NormalizeName(key);
      if (norm == "fingerprints" || norm == "hashes" || norm == "signals") {
        if (!value.is_object()) {
          problems.push_back({key, std::string(field_codes::kInvalidType),
                              "must be an object of hash type to hash value"});
          continue;
        }
        for (const auto& [type_name, hash] : value.items()) {
          const std::optional<HashType> type = ParseHashType(type_name);
          if (!type) {
            (internal::IsUnsupportedHashName(type_name) ? unsupported : ignored)
                .insert(Shorten(key + "." + type_name));
            continue;
          }
          if (!hash.is_string()) {
            problems.push_back({key + "." + type_name, std::string(field_codes::kInvalidType),
                                "a hash must be a string of hex digits"});
            continue;
          }
          record.values.push_back({FieldOf(*type), key + "." + type_name, hash.get<std::string>()});
        }
        continue;
      }
      const std::optional<Field> field = internal::FieldForName(key);
      if (!field) {
        (internal::IsUnsupportedHashName(key) ? unsupported : ignored).insert(Shorten(key));
        continue;
      }
      if (*field == Field::kLabels && value.is_array()) {
        for (const json& item : value) {
          if (!item.is_string()) {
            problems.push_back(
                {key, std::string(field_codes::kInvalidType), "labels must be strings"});
            break;
          }
          record.labels.push_back(item.get<std::string>());
        }
        continue;
      }
      std::string text_value;
      if (!ScalarText(value, *field, text_value)) {
        problems.push_back(
            {key, std::string(field_codes::kInvalidType), "this field has the wrong JSON type"});
        continue;
      }
      record.values.push_back({*field, key, std::move(text_value)});
    }
    auto built = internal::BuildRow(record, options);
    if (auto* row = std::get_if<HashListRow>(&built); row && problems.empty()) {
      row->line = line_no;
      row->raw = std::string(line);
      sink.OnRow(std::move(*row));
      continue;
    }
    if (auto* more = std::get_if<std::vector<FieldError>>(&built)) {
      for (FieldError& p : *more) {
        // "the record has no hash" is implied when a hash field had the wrong type.
        if (!problems.empty() && p.field.empty()) continue;
        problems.push_back(std::move(p));
      }
    }
    sink.OnError(internal::MakeRowError(line_no, line, std::move(problems)));
  }
  if (warnings) {
    if (!unsupported.empty()) {
      std::string w = "keys ignored because that hash type is not supported:";
      for (const auto& n : unsupported) w += " " + n;
      warnings->push_back(w);
    }
    if (!ignored.empty()) {
      std::string w = "keys ignored because they are not known fields:";
      for (const auto& n : ignored) w += " " + n;
      warnings->push_back(w);
    }
  }
  if (blank_lines) *blank_lines = blanks;
  return {};
}

}  // namespace childsafe::hashlist
