#include "hashlist/record.h"

#include <algorithm>
#include <array>
#include <utility>

namespace childsafe::hashlist {

std::string_view HashTypeName(HashType type) {
  switch (type) {
    case HashType::kPdq:
      return "pdq";
    case HashType::kMd5:
      return "md5";
    case HashType::kSha1:
      return "sha1";
    case HashType::kSha256:
      return "sha256";
  }
  return "unknown";
}

int HexLength(HashType type) {
  switch (type) {
    case HashType::kPdq:
    case HashType::kSha256:
      return 64;
    case HashType::kMd5:
      return 32;
    case HashType::kSha1:
      return 40;
  }
  return 0;
}

std::optional<HashType> ParseHashType(std::string_view name) {
  const std::string n = internal::NormalizeName(name);
  // Names used by pytx/HMA (pdq, md5), ThreatExchange (HASH_PDQ), StopNCII (ImagePDQ, VideoMD5).
  static constexpr std::pair<std::string_view, HashType> kNames[] = {
      {"pdq", HashType::kPdq},           {"hashpdq", HashType::kPdq},
      {"imagepdq", HashType::kPdq},      {"pdqhash", HashType::kPdq},
      {"md5", HashType::kMd5},           {"hashmd5", HashType::kMd5},
      {"videomd5", HashType::kMd5},      {"imagemd5", HashType::kMd5},
      {"md5hash", HashType::kMd5},       {"sha1", HashType::kSha1},
      {"hashsha1", HashType::kSha1},     {"sha1hash", HashType::kSha1},
      {"sha256", HashType::kSha256},     {"hashsha256", HashType::kSha256},
      {"sha256hash", HashType::kSha256},
  };
  for (const auto& [alias, type] : kNames) {
    if (n == alias) return type;
  }
  return std::nullopt;
}

namespace internal {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Validates `text` as a hash of `type`; on success returns the lower-case hex.
std::optional<std::string> CheckHex(std::string_view text, HashType type, const std::string& field,
                                    std::vector<FieldError>& problems) {
  const int want = HexLength(type);
  if (!std::all_of(text.begin(), text.end(), IsHexDigit)) {
    problems.push_back({field, std::string(field_codes::kInvalidFormat),
                        "the " + std::string(HashTypeName(type)) +
                            " hash contains a character that is not a hex digit"});
    return std::nullopt;
  }
  if (static_cast<int>(text.size()) != want) {
    problems.push_back({field, std::string(field_codes::kInvalidFormat),
                        "a " + std::string(HashTypeName(type)) + " hash is " +
                            std::to_string(want) + " hex digits, this one has " +
                            std::to_string(text.size())});
    return std::nullopt;
  }
  std::string hex(text);
  for (char& c : hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return hex;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads exactly `n` digits at `pos` into `out`.
bool Digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// ISO 8601 date "YYYY-MM-DD", optionally "[T ]HH:MM[:SS[.fff]]" and "Z" or "+HH:MM"/"+HHMM";
// or Unix seconds (up to 12 digits).
bool ValidTimestamp(std::string_view s) {
  if (AllDigits(s)) return s.size() <= 12;
  size_t p = 0;
  int year, month, day;
  if (!Digits(s, p, 4, year) || p >= s.size() || s[p++] != '-' || !Digits(s, p, 2, month) ||
      p >= s.size() || s[p++] != '-' || !Digits(s, p, 2, day)) {
    return false;
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (p == s.size()) return true;
  if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return false;
  ++p;
  int hour, minute, second = 0;
  if (!Digits(s, p, 2, hour) || p >= s.size() || s[p++] != ':' || !Digits(s, p, 2, minute)) {
    return false;
  }
  if (p < s.size() && s[p] == ':') {
    ++p;
    if (!Digits(s, p, 2, second)) return false;
    if (p < s.size() && s[p] == '.') {
      ++p;
      const size_t start = p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      if (p == start || p - start > 9) return false;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (p == s.size()) return true;
  if (s[p] == 'Z' || s[p] == 'z') return p + 1 == s.size();
  if (s[p] != '+' && s[p] != '-') return false;
  ++p;
  int oh, om;
  if (!Digits(s, p, 2, oh)) return false;
  if (p < s.size() && s[p] == ':') ++p;
  if (!Digits(s, p, 2, om)) return false;
  return p == s.size() && oh <= 14 && om <= 59;
}

void Problem(std::vector<FieldError>& problems, const std::string& field, std::string_view code,
             std::string message) {
  problems.push_back({field, std::string(code), std::move(message)});
}

constexpr size_t kMaxIdBytes = 256;
constexpr size_t kMaxLabelBytes = 64;
constexpr size_t kMaxLabels = 32;

void AddLabels(std::string_view text, const std::string& field, std::vector<std::string>& labels,
               std::vector<FieldError>& problems) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(";|", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view label = Trim(text.substr(start, end - start));
    if (!label.empty()) {
      if (label.size() > kMaxLabelBytes) {
        Problem(problems, field, field_codes::kTooLong,
                "a label is longer than " + std::to_string(kMaxLabelBytes) + " bytes");
      } else if (HasControl(label)) {
        Problem(problems, field, field_codes::kInvalidFormat,
                "a label contains control characters");
      } else if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
        labels.emplace_back(label);
      }
    }
    start = end + 1;
  }
}

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string NormalizeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<Field> FieldForName(std::string_view name) {
  const std::string n = NormalizeName(name);
  if (n.empty()) return std::nullopt;
  if (auto type = ParseHashType(n)) {
    switch (*type) {
      case HashType::kPdq:
        return Field::kPdq;
      case HashType::kMd5:
        return Field::kMd5;
      case HashType::kSha1:
        return Field::kSha1;
      case HashType::kSha256:
        return Field::kSha256;
    }
  }
  static constexpr std::pair<std::string_view, Field> kNames[] = {
      {"hash", Field::kHash},
      {"hashvalue", Field::kHash},
      {"value", Field::kHash},
      {"signal", Field::kHash},
      {"signalvalue", Field::kHash},
      {"indicator", Field::kHash},
      {"hashtype", Field::kHashType},
      {"type", Field::kHashType},
      {"signaltype", Field::kHashType},
      {"indicatortype", Field::kHashType},
      {"id", Field::kId},
      {"sourceentryid", Field::kId},
      {"entryid", Field::kId},
      {"contentid", Field::kId},
      {"quality", Field::kQuality},
      {"pdqquality", Field::kQuality},
      {"labels", Field::kLabels},
      {"label", Field::kLabels},
      {"classification", Field::kLabels},
      {"category", Field::kLabels},
      {"categories", Field::kLabels},
      {"mediatype", Field::kMediaType},
      {"media", Field::kMediaType},
      {"deleted", Field::kDeleted},
      {"tombstone", Field::kDeleted},
      {"isdeleted", Field::kDeleted},
      {"firstseen", Field::kFirstSeen},
      {"firstseenat", Field::kFirstSeen},
      {"updated", Field::kUpdated},
      {"updatedat", Field::kUpdated},
      {"lastupdated", Field::kUpdated},
      {"timestamp", Field::kUpdated},
  };
  for (const auto& [alias, field] : kNames) {
    if (n == alias) return field;
  }
  return std::nullopt;
}

bool IsUnsupportedHashName(std::string_view name) {
  const std::string n = NormalizeName(name);
  static constexpr std::string_view kNames[] = {
      "pdna",     "photodna",    "hashphotodna", "tmkpdqf",       "tmk",    "vpdq",
      "netclean", "videntifier", "ssvhpdna",     "ssvhsaferhash", "clip",   "pdqocr",
      "videotmk", "sha512",      "sha384",       "crc32",         "ssdeep", "tlsh",
  };
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += len;
  }
  return true;
}

RowError MakeRowError(size_t line, std::string_view raw, std::vector<FieldError> problems) {
  RowError e;
  e.line = line;
  e.problems = std::move(problems);
  if (raw.size() > kMaxRawErrorBytes) {
    raw = raw.substr(0, kMaxRawErrorBytes);
    // Do not cut a UTF-8 sequence in half.
    while (!raw.empty() && (static_cast<unsigned char>(raw.back()) & 0xc0) == 0x80) {
      raw.remove_suffix(1);
    }
    if (!raw.empty() && static_cast<unsigned char>(raw.back()) >= 0xc0) raw.remove_suffix(1);
  }
  e.raw = std::string(raw);
  return e;
}

std::variant<HashListRow, std::vector<FieldError>> BuildRow(const RawRecord& record,
                                                            const ParseOptions& options) {
  HashListRow row;
  std::vector<FieldError> problems;
  const RawValue* generic = nullptr;
  const RawValue* declared = nullptr;

  auto add_hash = [&](HashType type, std::string hex, const std::string& field) {
    for (const TypedHash& h : row.hashes) {
      if (h.type != type) continue;
      if (h.hex != hex) {
        Problem(problems, field, field_codes::kDuplicate,
                "the record gives two different " + std::string(HashTypeName(type)) + " hashes");
      }
      return;
    }
    row.hashes.push_back({type, std::move(hex)});
  };

  for (const RawValue& v : record.values) {
    const std::string_view text = Trim(v.text);
    switch (v.field) {
      case Field::kPdq:
      case Field::kMd5:
      case Field::kSha1:
      case Field::kSha256: {
        if (text.empty()) break;  // this record has no hash of that type
        const HashType type = v.field == Field::kPdq    ? HashType::kPdq
                              : v.field == Field::kMd5  ? HashType::kMd5
                              : v.field == Field::kSha1 ? HashType::kSha1
                                                        : HashType::kSha256;
        if (auto hex = CheckHex(text, type, v.name, problems)) add_hash(type, *hex, v.name);
        break;
      }
      case Field::kHash:
        generic = &v;
        break;
      case Field::kHashType:
        declared = &v;
        break;
      case Field::kId:
        if (text.size() > kMaxIdBytes) {
          Problem(problems, v.name, field_codes::kTooLong,
                  "the id is longer than " + std::to_string(kMaxIdBytes) + " bytes");
        } else if (HasControl(text)) {
          Problem(problems, v.name, field_codes::kInvalidFormat,
                  "the id contains control characters");
        } else {
          row.source_entry_id = std::string(text);
        }
        break;
      case Field::kQuality:
        if (text.empty()) break;
        if (!AllDigits(text) || text.size() > 3 || std::stoi(std::string(text)) > 100) {
          Problem(problems, v.name, field_codes::kOutOfRange,
                  "quality must be a whole number from 0 to 100");
        } else {
          row.quality = std::stoi(std::string(text));
        }
        break;
      case Field::kLabels:
        AddLabels(text, v.name, row.labels, problems);
        break;
      case Field::kMediaType: {
        const std::string n = NormalizeName(text);
        if (n.empty()) {
          row.media_type = MediaType::kUnspecified;
        } else if (n == "image" || n == "photo" || n == "picture") {
          row.media_type = MediaType::kImage;
        } else if (n == "video") {
          row.media_type = MediaType::kVideo;
        } else {
          Problem(problems, v.name, field_codes::kUnknownCode, "media type must be image or video");
        }
        break;
      }
      case Field::kDeleted: {
        const std::string n = NormalizeName(text);
        if (n.empty() || n == "false" || n == "0" || n == "no") {
          row.deleted = false;
        } else if (n == "true" || n == "1" || n == "yes") {
          row.deleted = true;
        } else {
          Problem(problems, v.name, field_codes::kInvalidType,
                  "deleted must be true or false (or 1/0, yes/no)");
        }
        break;
      }
      case Field::kFirstSeen:
      case Field::kUpdated:
        if (text.empty()) break;
        if (!ValidTimestamp(text)) {
          Problem(problems, v.name, field_codes::kInvalidFormat,
                  "not an ISO 8601 date or date-time, nor Unix seconds");
        } else {
          (v.field == Field::kFirstSeen ? row.first_seen : row.updated) = std::string(text);
        }
        break;
    }
  }
  for (const std::string& label : record.labels) {
    AddLabels(label, "labels", row.labels, problems);
  }
  if (row.labels.size() > kMaxLabels) {
    Problem(problems, "labels", field_codes::kTooLong,
            "more than " + std::to_string(kMaxLabels) + " labels");
  }

  const std::string_view generic_text = generic ? Trim(generic->text) : std::string_view();
  const std::string_view declared_text = declared ? Trim(declared->text) : std::string_view();
  if (!generic_text.empty()) {
    std::optional<HashType> type;
    bool typed_ok = true;
    if (!declared_text.empty()) {
      type = ParseHashType(declared_text);
      if (!type) {
        typed_ok = false;
        Problem(problems, declared->name, field_codes::kUnknownCode,
                IsUnsupportedHashName(declared_text)
                    ? "this hash type is not supported: only pdq, md5, sha1 and sha256 are"
                    : "the hash type must be pdq, md5, sha1 or sha256");
      }
    } else if (options.default_type) {
      type = options.default_type;
    } else if (generic_text.size() == 32) {
      type = HashType::kMd5;
    } else if (generic_text.size() == 40) {
      type = HashType::kSha1;
    } else if (generic_text.size() == 64) {
      typed_ok = false;
      Problem(problems, generic->name, field_codes::kRequired,
              "64 hex digits can be PDQ or SHA-256: name the column pdq or sha256, add a "
              "hash_type, or choose a default type for the import");
    } else {
      typed_ok = false;
      Problem(problems, generic->name, field_codes::kInvalidFormat,
              "not a hash of a known length (32, 40 or 64 hex digits), and no hash type given");
    }
    if (typed_ok && type) {
      if (auto hex = CheckHex(generic_text, *type, generic->name, problems)) {
        add_hash(*type, *hex, generic->name);
      }
    }
  } else if (!declared_text.empty() && row.hashes.empty()) {
    Problem(problems, declared->name, field_codes::kRequired,
            "a hash type is given but the hash value is empty");
  }

  if (row.hashes.empty() && problems.empty()) {
    Problem(problems, "", field_codes::kRequired, "the record has no hash");
  }
  if (row.quality) {
    const bool has_pdq = std::any_of(row.hashes.begin(), row.hashes.end(),
                                     [](const TypedHash& h) { return h.type == HashType::kPdq; });
    if (!has_pdq && problems.empty()) {
      Problem(problems, "quality", field_codes::kNotAllowed,
              "quality applies to PDQ hashes, and the record has none");
    }
  }
  if (!problems.empty()) return problems;
  return row;
}

}  // namespace internal
}  // namespace childsafe::hashlist
