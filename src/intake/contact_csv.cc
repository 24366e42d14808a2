#include "intake/contact_csv.h"

#include <map>
#include <set>

#include "common/csv.h"

namespace childsafe::intake {

namespace {

const std::vector<std::string>& AllColumns() {
  static const std::vector<std::string> kCols = {
      "reference",       "received_at",    "channel",       "centre",   "counsellor",
      "call_type",       "duration_seconds", "caller_relation", "caller_age_band", "caller_gender",
      "children",        "categories",     "outcome",       "urgency",  "summary"};
  return kCols;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

Result<domain::Contact> DecodeRow(const std::map<std::string, std::string>& row) {
  FieldErrors errs;
  domain::Contact c;
  auto get = [&](const char* k) -> std::string {
    auto it = row.find(k);
    return it == row.end() ? std::string() : it->second;
  };
  c.reference = get("reference");
  if (auto t = get("received_at"); !t.empty()) {
    auto parsed = ParseTimestamp(t, "received_at");
    if (parsed) {
      c.received_at = *parsed;
    } else {
      errs.Add("received_at", field_codes::kInvalidFormat, parsed.error().fields.at(0).message);
    }
  }
  c.channel = get("channel");
  c.centre = get("centre");
  c.counsellor = get("counsellor");
  c.call_type = get("call_type");
  if (auto d = get("duration_seconds"); !d.empty()) {
    try {
      size_t used = 0;
      long long v = std::stoll(d, &used);
      if (used != d.size()) throw std::invalid_argument("trailing");
      c.duration_seconds = static_cast<int32_t>(std::max(-1LL, std::min(v, 86401LL)));
    } catch (...) {
      errs.Add("duration_seconds", field_codes::kInvalidType, "must be a whole number of seconds");
    }
  }
  std::string rel = get("caller_relation"), band = get("caller_age_band"), gender = get("caller_gender");
  if (!rel.empty() || !band.empty() || !gender.empty()) c.caller = domain::Caller{rel, band, gender, "", ""};
  auto children = Split(get("children"), ';');
  for (size_t i = 0; i < children.size() && i <= domain::kMaxChildren; ++i) {
    auto parts = Split(children[i], '|');
    if (parts.size() != 3) {
      errs.Add("children/" + std::to_string(i), field_codes::kInvalidFormat,
               "each child is written age|gender|province");
      continue;
    }
    domain::Child ch;
    if (!parts[0].empty()) {
      bool digits = parts[0].size() <= 3 &&
                    parts[0].find_first_not_of("0123456789") == std::string::npos;
      if (!digits) {
        errs.Add("children/" + std::to_string(i) + "/age", field_codes::kInvalidType,
                 "must be a whole number of years");
      } else {
        ch.age = std::stoi(parts[0]);
      }
    }
    ch.gender = parts[1];
    ch.province = parts[2];
    c.children.push_back(std::move(ch));
  }
  if (children.size() > domain::kMaxChildren) {
    errs.Add("children", field_codes::kOutOfRange, "at most 20 children per contact");
  }
  c.categories = Split(get("categories"), ';');
  c.outcome = get("outcome");
  c.urgency = get("urgency");
  c.summary = get("summary");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid contact"));
  return c;
}

}  // namespace

std::vector<std::string> ContactCsvHeader(bool with_summary) {
  std::vector<std::string> h = AllColumns();
  if (!with_summary) h.pop_back();
  return h;
}

std::vector<std::string> ContactCsvRow(const domain::Contact& c, bool with_summary) {
  std::vector<std::string> children;
  for (const auto& ch : c.children) {
    children.push_back((ch.age ? std::to_string(*ch.age) : "") + "|" + ch.gender + "|" + ch.province);
  }
  std::vector<std::string> row = {c.reference,
                                  FormatTimestampLocal(c.received_at),
                                  c.channel,
                                  c.centre,
                                  c.counsellor,
                                  c.call_type,
                                  std::to_string(c.duration_seconds),
                                  c.caller ? c.caller->relation : "",
                                  c.caller ? c.caller->age_band : "",
                                  c.caller ? c.caller->gender : "",
                                  Join(children, ';'),
                                  Join(c.categories, ';'),
                                  c.outcome,
                                  c.urgency};
  if (with_summary) row.push_back(c.summary);
  return row;
}

Result<std::vector<ImportRow>> ReadContactsCsv(std::istream& in) {
  CsvReader reader(in);
  std::vector<std::string> header, fields;
  CS_TRY(bool has_header, reader.Next(header));
  if (!has_header) return Fail(Error::Invalid("the file is empty"));
  std::set<std::string> known(AllColumns().begin(), AllColumns().end()), seen;
  for (const auto& h : header) {
    if (!known.count(h)) return Fail(Error::InvalidField(h, field_codes::kUnknownField, "unknown column"));
    if (!seen.insert(h).second) return Fail(Error::InvalidField(h, field_codes::kDuplicate, "column twice"));
  }
  for (const char* required : {"received_at", "channel", "centre", "call_type", "outcome"}) {
    if (!seen.count(required)) {
      return Fail(Error::InvalidField(required, field_codes::kRequired, "required column missing"));
    }
  }
  std::vector<ImportRow> rows;
  while (true) {
    auto more = reader.Next(fields);
    if (!more) return Fail(more.error());
    if (!*more) break;
    if (rows.size() >= kMaxImportRows) return Fail(Error::TooLarge("more than 5,000,000 rows"));
    ImportRow row;
    row.line = reader.line();
    if (fields.size() != header.size()) {
      row.contact = Fail(Error::Invalid("expected " + std::to_string(header.size()) + " fields, found " +
                                        std::to_string(fields.size())));
    } else {
      std::map<std::string, std::string> m;
      for (size_t i = 0; i < header.size(); ++i) m[header[i]] = fields[i];
      row.contact = DecodeRow(m);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<ImportRow>> ReadContactsJsonLines(std::istream& in) {
  std::vector<ImportRow> rows;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (rows.size() >= kMaxImportRows) return Fail(Error::TooLarge("more than 5,000,000 rows"));
    ImportRow row;
    row.line = line_no;
    auto j = ParseJson(line);
    if (!j) {
      row.contact = Fail(j.error());
    } else {
      row.contact = DecodeContact(*j, DecodeMode::kImport);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace childsafe::intake
