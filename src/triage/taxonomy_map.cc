#include "triage/taxonomy_map.h"

#include <fstream>
#include <sstream>

namespace childsafe::triage {

namespace {

bool IsKey(std::string_view k) {
  if (k.empty() || k.size() > 64 || !(k[0] >= 'a' && k[0] <= 'z')) return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<TaxonomyMap> TaxonomyMap::Parse(std::string_view tsv, const domain::Taxonomy& taxonomy) {
  TaxonomyMap m;
  int line_no = 0;
  size_t pos = 0;
  auto bad = [&](const std::string& what) {
    return Fail(
        Error::Invalid("triage taxonomy map line " + std::to_string(line_no) + ": " + what));
  };
  while (pos <= tsv.size()) {
    size_t end = tsv.find('\n', pos);
    std::string_view line =
        tsv.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? tsv.size() + 1 : end + 1;
    ++line_no;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos || line.find('\t', tab + 1) != std::string_view::npos) {
      return bad("expected two tab-separated columns: category, taxonomy codes");
    }
    std::string key(Trim(line.substr(0, tab)));
    if (!IsKey(key)) return bad("the category key must be lower_snake_case");
    if (m.codes_.count(key)) return bad("category '" + key + "' appears twice");
    std::vector<std::string> codes;
    std::string_view list = line.substr(tab + 1);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string code(Trim(list.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
      if (!code.empty()) {
        if (!taxonomy.FindSubcategory(code)) {
          return bad("'" + code + "' is not a subcategory of taxonomy " + taxonomy.version());
        }
        codes.push_back(code);
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (codes.empty()) return bad("no taxonomy codes for '" + key + "'");
    m.codes_.emplace(std::move(key), std::move(codes));
  }
  return m;
}

Result<TaxonomyMap> TaxonomyMap::Load(const std::string& path, const domain::Taxonomy& taxonomy) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto m = Parse(ss.str(), taxonomy);
  if (!m) {
    Error e = m.error();
    e.message = path + ": " + e.message;
    return Fail(std::move(e));
  }
  return m;
}

const std::vector<std::string>& TaxonomyMap::CodesOf(std::string_view category) const {
  static const std::vector<std::string> kNone;
  auto it = codes_.find(category);
  return it == codes_.end() ? kNone : it->second;
}

}  // namespace childsafe::triage
