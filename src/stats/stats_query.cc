#include "stats/stats_query.h"

#include <algorithm>

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

nlohmann::json StatsJson(const StatsResult& result, const StatsRequest& r) {
  using nlohmann::json;
  json filters = json::object();
  if (r.query.online) filters["online"] = *r.query.online;
  if (r.query.data_contacts) filters["data"] = *r.query.data_contacts;
  auto list = [&](const char* k, const std::vector<std::string>& v) {
    if (!v.empty()) filters[k] = v;
  };
  list("channel", r.query.channels);
  list("call_type", r.query.call_types);
  list("outcome", r.query.outcomes);
  list("centre", r.query.centres);
  list("category", r.query.categories);
  json by = json::array();
  for (Dimension d : result.by) by.push_back(std::string(DimensionName(d)));
  json rows = json::array();
  for (const auto& row : result.rows) {
    json j = json::object();
    for (size_t i = 0; i < row.keys.size(); ++i) {
      std::string name(DimensionName(result.by[i]));
      j[name] = row.keys[i].code;
      j[name + "_label"] = {{"vi", row.keys[i].vi}, {"en", row.keys[i].en}};
    }
    if (row.suppressed) {
      j["count"] = nullptr;
      j["suppressed"] = true;
    } else {
      j["count"] = row.count;
    }
    rows.push_back(std::move(j));
  }
  return {{"period",
           {{"from", FormatDateIso(r.query.from)},
            {"to", FormatDateIso(r.query.to)},
            {"from_vi", FormatDateVi(r.query.from)},
            {"to_vi", FormatDateVi(r.query.to)},
            {"time_zone", std::string(kLocalTimeZone)},
            {"end_exclusive", true}}},
          {"filters", filters},
          {"by", by},
          {"total", result.total_suppressed ? json(nullptr) : json(result.total)},
          {"rows", rows}};
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
    line.push_back(row.suppressed ? "<" + std::to_string(r.query.min_cell) : GroupDigits(row.count, vi));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], Utf8Length(line[i]));
  }
  std::string out;
  out += (vi ? "Kỳ: " : "Period: ") + FormatDateVi(r.query.from) + " – " + FormatDateVi(r.query.to) +
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
         (result.total_suppressed ? "<" + std::to_string(r.query.min_cell) : GroupDigits(result.total, vi)) + "\n";
  return out;
}

}  // namespace childsafe::stats
