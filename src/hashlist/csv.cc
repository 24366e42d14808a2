// CSV hash lists (docs/formats/hash-list.md): RFC 4180 records, a header naming the columns.
#include <algorithm>
#include <map>

#include "hashlist/hash_list.h"
#include "hashlist/record.h"

namespace childsafe::hashlist {
namespace {

using internal::Field;

struct CsvRecord {
  size_t line = 0;
  std::string_view raw;  // without the line ending
  std::vector<std::string> fields;
  std::string error;  // non-empty: the record is malformed
  bool rest_consumed = false;
};

// Splits text into records. Memory per record is bounded by max_record_bytes.
class CsvReader {
 public:
  CsvReader(std::string_view text, char delimiter, size_t max_record_bytes, size_t first_line)
      : text_(text), delimiter_(delimiter), max_(max_record_bytes), line_(first_line) {}

  size_t line() const { return line_; }

  bool Next(CsvRecord& rec) {
    if (pos_ >= text_.size()) return false;
    rec.line = line_;
    rec.fields.clear();
    rec.error.clear();
    rec.rest_consumed = false;
    const size_t start = pos_;
    size_t kept = 0;  // bytes of field text kept for this record
    std::string field;
    auto append = [&](std::string_view s) {
      if (kept + s.size() <= max_) field.append(s);
      kept += s.size();
    };
    while (true) {
      if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        while (true) {
          const size_t q = text_.find('"', pos_);
          if (q == std::string_view::npos) {
            line_ += static_cast<size_t>(std::count(text_.begin() + pos_, text_.end(), '\n'));
            pos_ = text_.size();
            rec.raw = text_.substr(start);
            rec.error = "a quoted field is never closed, so the rest of the file (lines " +
                        std::to_string(rec.line) + " to " + std::to_string(line_) +
                        ") cannot be read";
            rec.rest_consumed = true;
            return true;
          }
          const std::string_view part = text_.substr(pos_, q - pos_);
          line_ += static_cast<size_t>(std::count(part.begin(), part.end(), '\n'));
          append(part);
          pos_ = q + 1;
          if (pos_ < text_.size() && text_[pos_] == '"') {
            append("\"");
            ++pos_;
            continue;
          }
          break;
        }
        if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' &&
            text_[pos_] != '\r') {
          rec.error = "text follows a closing quote (a quote inside a field must be doubled)";
          const size_t eol = text_.find('\n', pos_);
          const size_t end = eol == std::string_view::npos ? text_.size() : eol;
          rec.raw = StripCr(text_.substr(start, end - start));
          pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
          if (eol != std::string_view::npos) ++line_;
          return true;
        }
      } else {
        const char stops[] = {delimiter_, '\n', '\r', '\0'};
        size_t end = text_.find_first_of(std::string_view(stops, 3), pos_);
        if (end == std::string_view::npos) end = text_.size();
        append(text_.substr(pos_, end - pos_));
        pos_ = end;
      }
      rec.fields.push_back(std::move(field));
      field.clear();
      if (pos_ >= text_.size()) {
        rec.raw = text_.substr(start);
        break;
      }
      const char c = text_[pos_];
      if (c == delimiter_) {
        ++pos_;
        continue;
      }
      rec.raw = text_.substr(start, pos_ - start);
      pos_ += (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ? 2 : 1;
      ++line_;
      break;
    }
    if (kept > max_) {
      rec.error = "the record is longer than " + std::to_string(max_) + " bytes";
      rec.fields.clear();
    }
    return true;
  }

 private:
  static std::string_view StripCr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  std::string_view text_;
  char delimiter_;
  size_t max_;
  size_t pos_ = 0;
  size_t line_;
};

bool IsBlank(const CsvRecord& rec) { return rec.error.empty() && internal::Trim(rec.raw).empty(); }

char DetectDelimiter(std::string_view text) {
  const size_t eol = text.find('\n');
  const std::string_view first = text.substr(0, eol);
  for (char c : {',', ';', '\t'}) {
    if (first.find(c) != std::string_view::npos) return c;
  }
  return ',';
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

Status ParseCsv(std::string_view text, const ParseOptions& options, HashListSink& sink,
                std::vector<std::string>* warnings, size_t* blank_lines) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Fail(Error::Invalid("the hash list is empty"));
  }
  size_t blanks = 0;
  // Skip blank lines before the header, counting them.
  size_t first_line = 1;
  while (true) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    if (!internal::Trim(line.ends_with('\r') ? line.substr(0, line.size() - 1) : line).empty()) {
      break;
    }
    text.remove_prefix(eol + 1);
    ++first_line;
    ++blanks;
  }
  CsvReader reader(text, DetectDelimiter(text), options.max_record_bytes, first_line);
  CsvRecord rec;
  reader.Next(rec);
  if (!rec.error.empty()) {
    return Fail(Error::Invalid("the header line is malformed: " + rec.error));
  }
  if (!internal::IsValidUtf8(rec.raw)) {
    return Fail(Error::Invalid("the header line is not valid UTF-8"));
  }

  // Map the header.
  std::vector<std::optional<Field>> columns;
  std::vector<std::string> names;
  std::vector<std::string> ignored, unsupported;
  std::map<Field, std::string> seen;
  bool has_hash_column = false;
  for (const std::string& raw_name : rec.fields) {
    const std::string name(internal::Trim(raw_name));
    names.push_back(name);
    const std::optional<Field> field = internal::FieldForName(name);
    columns.push_back(field);
    if (!field) {
      (internal::IsUnsupportedHashName(name) ? unsupported : ignored).push_back(Shorten(name));
      continue;
    }
    if (*field != Field::kLabels) {
      auto [it, inserted] = seen.emplace(*field, name);
      if (!inserted) {
        return Fail(Error::Invalid("columns '" + Shorten(it->second) + "' and '" + Shorten(name) +
                                   "' both give the same field"));
      }
    }
    if (*field == Field::kPdq || *field == Field::kMd5 || *field == Field::kSha1 ||
        *field == Field::kSha256 || *field == Field::kHash) {
      has_hash_column = true;
    }
  }
  if (!has_hash_column) {
    return Fail(Error::Invalid(
        "no hash column: name a column pdq, md5, sha1 or sha256, or hash (with hash_type)"));
  }
  if (warnings) {
    if (!unsupported.empty()) {
      std::string w = "columns ignored because that hash type is not supported:";
      for (const auto& n : unsupported) w += " " + n;
      warnings->push_back(w);
    }
    if (!ignored.empty()) {
      std::string w = "columns ignored because they are not known fields:";
      for (const auto& n : ignored) w += " " + n;
      warnings->push_back(w);
    }
  }

  while (reader.Next(rec)) {
    if (IsBlank(rec)) {
      ++blanks;
      continue;
    }
    if (!rec.error.empty()) {
      sink.OnError(internal::MakeRowError(
          rec.line, rec.raw, {{"", std::string(field_codes::kInvalidFormat), rec.error}}));
      if (rec.rest_consumed) break;
      continue;
    }
    if (!internal::IsValidUtf8(rec.raw)) {
      sink.OnError(internal::MakeRowError(
          rec.line, rec.raw,
          {{"", std::string(field_codes::kInvalidUtf8), "the record is not valid UTF-8"}}));
      continue;
    }
    if (rec.fields.size() != columns.size()) {
      sink.OnError(internal::MakeRowError(
          rec.line, rec.raw,
          {{"", std::string(field_codes::kInvalidFormat),
            "expected " + std::to_string(columns.size()) + " fields as in the header, found " +
                std::to_string(rec.fields.size())}}));
      continue;
    }
    internal::RawRecord record;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c]) record.values.push_back({*columns[c], names[c], std::move(rec.fields[c])});
    }
    auto built = internal::BuildRow(record, options);
    if (auto* row = std::get_if<HashListRow>(&built)) {
      row->line = rec.line;
      row->raw = std::string(rec.raw);
      sink.OnRow(std::move(*row));
    } else {
      sink.OnError(internal::MakeRowError(rec.line, rec.raw,
                                          std::move(std::get<std::vector<FieldError>>(built))));
    }
  }
  if (blank_lines) *blank_lines = blanks;
  return {};
}

}  // namespace childsafe::hashlist
