#include "domain/provinces.h"

#include <fstream>
#include <map>
#include <set>

namespace childsafe::domain {

namespace {

// The CSV files have a header row, no quoted fields and no embedded commas (data/provinces/README).
Result<std::vector<std::map<std::string, std::string>>> ReadCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read " + path));
  std::vector<std::map<std::string, std::string>> rows;
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t c = l.find(',', start);
      out.push_back(l.substr(start, c == std::string::npos ? std::string::npos : c - start));
      if (c == std::string::npos) break;
      start = c + 1;
    }
    return out;
  };
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (cells.size() != header.size()) {
      return Fail(Error::Invalid(path + ":" + std::to_string(line_no) + ": expected " +
                                 std::to_string(header.size()) + " columns"));
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

bool IsCode(const std::string& c) {
  return c.size() == 2 && c[0] >= '0' && c[0] <= '9' && c[1] >= '0' && c[1] <= '9';
}

}  // namespace

LocalDay Provinces::ReformDay() {
  static const LocalDay day = DaysFromCivil({2025, 7, 1});
  return day;
}

Result<Provinces> Provinces::Load(const std::string& dir) {
  CS_TRY(auto rows63, ReadCsv(dir + "/vn-provinces-63.csv"));
  CS_TRY(auto rows34, ReadCsv(dir + "/vn-provinces-2025.csv"));
  CS_TRY(auto centres, ReadCsv(dir + "/call-centres.csv"));
  CS_TRY(auto population, ReadCsv(dir + "/population-63.csv"));

  Provinces p;
  auto bad = [&](const std::string& what) {
    return Fail(Error::Invalid("provinces data in " + dir + ": " + what));
  };
  for (auto& r : rows34) {
    if (!IsCode(r["code"]) || r["name_vi"].empty()) return bad("bad 34-unit row " + r["code"]);
    if (!p.index34_.emplace(r["code"], p.units34_.size()).second) return bad("duplicate " + r["code"]);
    p.units34_.push_back(Province{r["code"], r["name_vi"], r["name_ascii"], r["code"], "", 0});
  }
  std::map<std::string, std::string> centre_of, pop_of;
  for (auto& r : centres) centre_of[r["province_code_63"]] = r["centre"];
  for (auto& r : population) pop_of[r["code"]] = r["population_thousands"];
  for (auto& r : rows63) {
    const std::string& code = r["code"];
    if (!IsCode(code) || r["name_vi"].empty()) return bad("bad 63-unit row " + code);
    if (!p.index34_.count(r["new_code"])) return bad(code + " has unknown successor " + r["new_code"]);
    if (!centre_of.count(code)) return bad(code + " has no call centre");
    int pop = 0;
    try {
      pop = std::stoi(pop_of.at(code));
    } catch (...) {
      return bad(code + " has no population figure");
    }
    if (!p.index63_.emplace(code, p.units63_.size()).second) return bad("duplicate " + code);
    p.units63_.push_back(
        Province{code, r["name_vi"], r["name_ascii"], r["new_code"], centre_of[code], pop});
  }
  if (p.units63_.size() != 63) return bad("expected 63 units before the reform");
  if (p.units34_.size() != 34) return bad("expected 34 units after the reform");
  // Every old code appears exactly once across the merged_from lists, matching new_code.
  std::set<std::string> merged;
  for (auto& r : rows34) {
    std::string list = r["merged_from"];
    size_t start = 0;
    while (start <= list.size()) {
      size_t semi = list.find(';', start);
      std::string item = list.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
      std::string old = item.substr(0, item.find(':'));
      const Province* u = p.Find(ProvinceScheme::k63, old);
      if (!u || u->successor != r["code"]) return bad("merged_from of " + r["code"] + " lists " + old);
      if (!merged.insert(old).second) return bad(old + " merged twice");
      if (semi == std::string::npos) break;
      start = semi + 1;
    }
  }
  if (merged.size() != 63) return bad("not every old unit is merged into a new one");
  return p;
}

const Province* Provinces::Find(ProvinceScheme scheme, std::string_view code) const {
  const auto& index = scheme == ProvinceScheme::k63 ? index63_ : index34_;
  const auto& units = scheme == ProvinceScheme::k63 ? units63_ : units34_;
  auto it = index.find(std::string(code));
  return it == index.end() ? nullptr : &units[it->second];
}

Status Provinces::ValidateOn(std::string_view code, LocalDay day, const std::string& field) const {
  ProvinceScheme scheme = SchemeOn(day);
  if (Find(scheme, code)) return {};
  if (Find(scheme == ProvinceScheme::k63 ? ProvinceScheme::k34 : ProvinceScheme::k63, code)) {
    return Fail(Error::InvalidField(
        field, field_codes::kNotAllowed,
        scheme == ProvinceScheme::k63
            ? "this is a 34-unit code; contacts before 01/07/2025 use the 63-unit codes"
            : "this 63-unit code was merged on 01/07/2025; use the 34-unit code"));
  }
  return Fail(Error::InvalidField(field, field_codes::kUnknownCode, "unknown province code"));
}

const std::string& Provinces::CurrentCode(std::string_view code, LocalDay day) const {
  const Province* p = Find(SchemeOn(day), code);
  return p->successor;
}

}  // namespace childsafe::domain
