#include "common/csv.h"

namespace childsafe {

int CsvReader::Get() {
  int c = in_.get();
  if (c == '\n') ++line_;
  return c;
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (!started_) {
    started_ = true;
    // Skip a UTF-8 byte-order mark.
    if (in_.peek() == 0xEF) {
      char bom[3];
      in_.read(bom, 3);
      if (!(in_.gcount() == 3 && static_cast<unsigned char>(bom[1]) == 0xBB &&
            static_cast<unsigned char>(bom[2]) == 0xBF)) {
        for (std::streamsize i = in_.gcount(); i > 0; --i) in_.unget();
        in_.clear();
      }
    }
  }
  while (true) {
    // Skip blank lines between records.
    int c = in_.peek();
    if (c == '\r' || c == '\n') {
      Get();
      continue;
    }
    if (c == EOF) return false;
    break;
  }
  record_line_ = line_;
  std::string field;
  bool quoted = false;
  auto fail = [&](const std::string& what) {
    return Fail(Error::Invalid("line " + std::to_string(record_line_) + ": " + what));
  };
  auto push = [&]() -> Status {
    if (fields.size() >= kMaxFields) return Fail(Error::Invalid("too many fields"));
    fields.push_back(std::move(field));
    field.clear();
    quoted = false;
    return {};
  };
  bool at_field_start = true;
  while (true) {
    int c = Get();
    if (c == EOF) {
      if (!at_field_start || !fields.empty() || !field.empty()) {
        auto st = push();
        if (!st) return fail("more than 1000 fields");
      }
      return true;
    }
    if (at_field_start && c == '"') {
      quoted = true;
      at_field_start = false;
      // Quoted field: read until the closing quote.
      while (true) {
        int q = Get();
        if (q == EOF) return fail("a quoted field is not closed");
        if (q == '"') {
          if (in_.peek() == '"') {
            Get();
            field += '"';
            continue;
          }
          break;
        }
        field += static_cast<char>(q);
        if (field.size() > kMaxField) return fail("a field is longer than 1 MiB");
      }
      int after = in_.peek();
      if (after != ',' && after != '\n' && after != '\r' && after != EOF) {
        return fail("unexpected character after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      if (!push()) return fail("more than 1000 fields");
      at_field_start = true;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && in_.peek() == '\n') Get();
      if (!push()) return fail("more than 1000 fields");
      return true;
    }
    if (quoted) return fail("unexpected character after a closing quote");
    if (c == '"') return fail("a quote inside an unquoted field");
    at_field_start = false;
    field += static_cast<char>(c);
    if (field.size() > kMaxField) return fail("a field is longer than 1 MiB");
  }
}

std::string CsvField(std::string_view s) {
  bool need = !s.empty() && (s.front() == ' ' || s.back() == ' ');
  for (char c : s) need = need || c == ',' || c == '"' || c == '\n' || c == '\r';
  if (!need) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvField(fields[i]);
  }
  return out;
}

}  // namespace childsafe
