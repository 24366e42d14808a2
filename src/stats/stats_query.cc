#include "stats/stats_query.h"

#include <algorithm>
#include <cstdio>

#include "common/csv.h"
#include "common/utf8.h"

namespace childsafe::stats {

Result<StatsResult> RunStats(const StatsIndex& index, StatsRequest& r) {
  FieldErrors errs;
  auto date = [&](const std::string& text, const char* field) -> LocalDay {
    if (text.empty()) {
      errs.Add(field, field_codes::kRequired, "a local date, e.g. 2021-06-01 or 01/06/2021");
      return 0;
    }
    auto d = ParseDate(text, field);
    if (!d) {
      for (auto& f : d.error().fields) errs.Add(f.field, f.code, f.message);
      return 0;
    }
    return *d;
  };
  r.query.from = date(r.from, "from");
  r.query.to = date(r.to, "to");
  r.query.by.clear();
  for (const auto& name : r.by) {
    auto d = ParseDimension(name);
    if (!d) {
      errs.Add("by", field_codes::kUnknownCode, "unknown grouping '" + name.substr(0, 40) + "'");
    } else {
      r.query.by.push_back(*d);
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid statistics request"));
  return index.Query(r.query);
}

namespace {

// Appends `v` as a JSON string (UTF-8 passes through; quotes, backslashes and controls escaped).
void JsonString(std::string& out, std::string_view v) {
  out += '"';
  size_t clean = 0;  // start of the run of bytes that need no escape, appended in one go
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(v.data() + clean, i - clean);
    clean = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(v.data() + clean, v.size() - clean);
  out += '"';
}

void JsonList(std::string& out, const char* key, const std::vector<std::string>& v, bool& first) {
  if (v.empty()) return;
  out += first ? "" : ",";
  first = false;
  JsonString(out, key);
  out += ":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    JsonString(out, v[i]);
  }
  out += ']';
}

}  // namespace

std::string StatsJson(const StatsResult& result, const StatsRequest& r) {
  std::string out;
  out.reserve(256 + result.rows.size() * (64 + 48 * result.by.size()));
  out += "{\"period\":{\"from\":";
  JsonString(out, FormatDateIso(r.query.from));
  out += ",\"to\":";
  JsonString(out, FormatDateIso(r.query.to));
  out += ",\"from_vi\":";
  JsonString(out, FormatDateVi(r.query.from));
  out += ",\"to_vi\":";
  JsonString(out, FormatDateVi(r.query.to));
  out += ",\"time_zone\":";
  JsonString(out, kLocalTimeZone);
  out += ",\"end_exclusive\":true},\"filters\":{";
  bool first = true;
  if (r.query.online) {
    out += std::string("\"online\":") + (*r.query.online ? "true" : "false");
    first = false;
  }
  if (r.query.data_contacts) {
    out +=
        std::string(first ? "" : ",") + "\"data\":" + (*r.query.data_contacts ? "true" : "false");
    first = false;
  }
  JsonList(out, "channel", r.query.channels, first);
  JsonList(out, "call_type", r.query.call_types, first);
  JsonList(out, "outcome", r.query.outcomes, first);
  JsonList(out, "centre", r.query.centres, first);
  JsonList(out, "category", r.query.categories, first);
  out += "},\"by\":[";
  for (size_t i = 0; i < result.by.size(); ++i) {
    if (i) out += ',';
    JsonString(out, DimensionName(result.by[i]));
  }
  out += "],\"total\":";
  out += result.total_suppressed ? std::string("null") : std::to_string(result.total);
  out += ",\"rows\":[";
  for (size_t ri = 0; ri < result.rows.size(); ++ri) {
    const StatsRow& row = result.rows[ri];
    out += ri ? ",{" : "{";
    for (size_t i = 0; i < row.keys.size(); ++i) {
      std::string name(DimensionName(result.by[i]));
      JsonString(out, name);
      out += ':';
      JsonString(out, row.keys[i].code);
      out += ',';
      JsonString(out, name + "_label");
      out += ":{\"vi\":";
      JsonString(out, row.keys[i].vi);
      out += ",\"en\":";
      JsonString(out, row.keys[i].en);
      out += "},";
    }
    out += row.suppressed ? "\"count\":null,\"suppressed\":true}"
                          : "\"count\":" + std::to_string(row.count) + "}";
  }
  out += "]}";
  return out;
}

std::string StatsCsv(const StatsResult& result, bool vi) {
  std::vector<std::string> header;
  bool any_suppressed = false;
  for (const auto& row : result.rows) any_suppressed = any_suppressed || row.suppressed;
  for (Dimension d : result.by) {
    header.emplace_back(DimensionName(d));
    header.push_back(std::string(DimensionName(d)) + (vi ? "_vi" : "_en"));
  }
  header.emplace_back("count");
  if (any_suppressed) header.emplace_back("suppressed");
  std::string out = CsvLine(header) + "\r\n";
  for (const auto& row : result.rows) {
    std::vector<std::string> cells;
    for (const auto& k : row.keys) {
      cells.push_back(k.code);
      cells.push_back(vi ? k.vi : k.en);
    }
    cells.push_back(row.suppressed ? "" : std::to_string(row.count));
    if (any_suppressed) cells.emplace_back(row.suppressed ? "true" : "false");
    out += CsvLine(cells) + "\r\n";
  }
  return out;
}

std::string GroupDigits(int64_t n, bool vi) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += vi ? '.' : ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string StatsTable(const StatsResult& result, const StatsRequest& r, bool vi) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header;
  for (Dimension d : result.by) header.emplace_back(DimensionName(d));
  header.emplace_back(vi ? "số lượng" : "count");
  cells.push_back(header);
  for (const auto& row : result.rows) {
    std::vector<std::string> line;
    for (const auto& k : row.keys) line.push_back((vi ? k.vi : k.en) + " (" + k.code + ")");
    line.push_back(row.suppressed ? "<" + std::to_string(r.query.min_cell)
                                  : GroupDigits(row.count, vi));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], Utf8Length(line[i]));
  }
  std::string out;
  out += (vi ? "Kỳ: " : "Period: ") + FormatDateVi(r.query.from) + " – " +
         FormatDateVi(r.query.to) +
         (vi ? " (không gồm ngày cuối, giờ Việt Nam)" : " (end exclusive, Viet Nam time)") + "\n";
  if (r.query.online && *r.query.online) {
    out += vi ? "Chỉ các cuộc gọi về xâm hại trẻ em trên môi trường mạng\n"
              : "Only contacts about child abuse in the online environment\n";
  }
  auto pad = [&](const std::string& s, size_t w, bool right) {
    std::string fill(w - Utf8Length(s), ' ');
    return right ? fill + s : s + fill;
  };
  for (size_t li = 0; li < cells.size(); ++li) {
    const auto& line = cells[li];
    for (size_t i = 0; i < line.size(); ++i) {
      bool number = i + 1 == line.size();
      out += pad(line[i], width[i], number);
      out += i + 1 == line.size() ? "\n" : "  ";
    }
    if (li == 0) {
      size_t total_width = 0;
      for (size_t w : width) total_width += w + 2;
      out += std::string(total_width - 2, '-') + "\n";
    }
  }
  out += (vi ? "Tổng số: " : "Total: ") +
         (result.total_suppressed ? "<" + std::to_string(r.query.min_cell)
                                  : GroupDigits(result.total, vi)) +
         "\n";
  return out;
}

}  // namespace childsafe::stats
