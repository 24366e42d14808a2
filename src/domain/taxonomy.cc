#include "domain/taxonomy.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/utf8.h"

namespace childsafe::domain {

using nlohmann::json;

CodeSet::CodeSet(std::vector<Code> codes) : codes_(std::move(codes)) {
  for (size_t i = 0; i < codes_.size(); ++i) index_.emplace(codes_[i].code, static_cast<uint16_t>(i));
}

std::optional<uint16_t> CodeSet::Find(std::string_view code) const {
  auto it = index_.find(std::string(code));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::optional<CallKind> Taxonomy::KindOf(std::string_view call_type) const {
  auto i = call_types_.Find(call_type);
  if (!i) return std::nullopt;
  return call_kinds_[*i];
}

std::optional<uint16_t> Taxonomy::FindSubcategory(std::string_view code) const {
  auto it = subcategory_index_.find(std::string(code));
  if (it == subcategory_index_.end()) return std::nullopt;
  return it->second;
}

uint16_t Taxonomy::ChildAgeBandOf(std::optional<int> age) const {
  if (!age) return unknown_age_band_;
  for (size_t i = 0; i < child_age_bands_.size(); ++i) {
    const AgeBand& b = child_age_bands_[i];
    if (b.min >= 0 && *age >= b.min && *age <= b.max) return static_cast<uint16_t>(i);
  }
  return unknown_age_band_;
}

namespace {

// Reads JSON defensively: every missing or mistyped member becomes a FieldError.
class Reader {
 public:
  FieldErrors errors;

  std::string Str(const json& obj, const std::string& key, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      errors.Add(path + "/" + key, field_codes::kRequired, "a non-empty string is required");
      return {};
    }
    const auto& s = it->get_ref<const std::string&>();
    if (!IsValidUtf8(s)) errors.Add(path + "/" + key, field_codes::kInvalidUtf8, "invalid UTF-8");
    return s;
  }

  Label Lbl(const json& obj, const std::string& path) {
    return Label{Str(obj, "vi", path), Str(obj, "en", path)};
  }

  const json& Arr(const json& obj, const std::string& key, const std::string& path) {
    static const json kEmpty = json::array();
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_array() || it->empty()) {
      errors.Add(path + "/" + key, field_codes::kRequired, "a non-empty array is required");
      return kEmpty;
    }
    return *it;
  }

  // A list of {code, vi, en} objects with unique codes.
  std::vector<Code> Codes(const json& doc, const std::string& key,
                          std::set<std::string>* seen_global = nullptr) {
    std::vector<Code> out;
    std::set<std::string> seen;
    const json& arr = Arr(doc, key, "");
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string path = "/" + key + "/" + std::to_string(i);
      if (!arr[i].is_object()) {
        errors.Add(path, field_codes::kInvalidType, "an object is required");
        continue;
      }
      Code c{Str(arr[i], "code", path), Lbl(arr[i], path)};
      if (!c.code.empty() && !seen.insert(c.code).second) {
        errors.Add(path + "/code", field_codes::kDuplicate, "duplicate code");
      }
      if (seen_global && !c.code.empty() && !seen_global->insert(c.code).second) {
        errors.Add(path + "/code", field_codes::kDuplicate, "code used twice in the taxonomy");
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  void Require(const std::vector<Code>& set, std::string_view code, const std::string& key) {
    for (const Code& c : set) {
      if (c.code == code) return;
    }
    errors.Add("/" + key, field_codes::kRequired,
               "must contain the code '" + std::string(code) + "' the software relies on");
  }
};

}  // namespace

Result<Taxonomy> Taxonomy::Parse(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(Error::InvalidField("", field_codes::kInvalidFormat, "taxonomy is not a JSON object"));
  }
  Reader r;
  Taxonomy t;
  t.version_ = r.Str(doc, "version", "");

  std::vector<Code> call_types = r.Codes(doc, "call_types");
  const json& ct = r.Arr(doc, "call_types", "");
  bool has_data = false;
  for (size_t i = 0; i < ct.size() && i < call_types.size(); ++i) {
    std::string kind = ct[i].is_object() ? ct[i].value("kind", "") : "";
    if (kind == "data") {
      t.call_kinds_.push_back(CallKind::kData);
      has_data = true;
    } else if (kind == "non_data") {
      t.call_kinds_.push_back(CallKind::kNonData);
    } else {
      r.errors.Add("/call_types/" + std::to_string(i) + "/kind", field_codes::kUnknownCode,
                   "kind must be 'data' or 'non_data'");
      t.call_kinds_.push_back(CallKind::kNonData);
    }
  }
  if (!has_data) r.errors.Add("/call_types", field_codes::kRequired, "no data call type");
  t.call_types_ = CodeSet(std::move(call_types));

  t.channels_ = CodeSet(r.Codes(doc, "channels"));
  t.centres_ = CodeSet(r.Codes(doc, "centres"));
  auto outcomes = r.Codes(doc, "outcomes");
  for (auto c : {codes::kOutcomeCounselling, codes::kOutcomeIntervention, codes::kOutcomeReport,
                 codes::kOutcomeInformation, codes::kOutcomeNone}) {
    r.Require(outcomes, c, "outcomes");
  }
  t.outcomes_ = CodeSet(std::move(outcomes));
  t.urgencies_ = CodeSet(r.Codes(doc, "urgencies"));
  auto genders = r.Codes(doc, "genders");
  r.Require(genders, codes::kUnknown, "genders");
  t.genders_ = CodeSet(std::move(genders));
  auto caller_bands = r.Codes(doc, "caller_age_bands");
  r.Require(caller_bands, codes::kUnknown, "caller_age_bands");
  t.caller_age_bands_ = CodeSet(std::move(caller_bands));
  auto relations = r.Codes(doc, "caller_relations");
  r.Require(relations, codes::kRelationSelf, "caller_relations");
  t.caller_relations_ = CodeSet(std::move(relations));
  {
    std::vector<Code> call_codes = t.call_types_.codes();
    r.Require(call_codes, codes::kCallChildAboutSelf, "call_types");
  }

  // Child age bands: contiguous, non-overlapping ranges plus one "unknown" band.
  auto band_codes = r.Codes(doc, "child_age_bands");
  const json& bands = r.Arr(doc, "child_age_bands", "");
  bool has_unknown = false;
  for (size_t i = 0; i < bands.size() && i < band_codes.size(); ++i) {
    AgeBand b{band_codes[i].code, band_codes[i].label, -1, -1};
    if (bands[i].contains("min")) {
      if (!bands[i]["min"].is_number_integer() || !bands[i].value("max", json()).is_number_integer()) {
        r.errors.Add("/child_age_bands/" + std::to_string(i), field_codes::kInvalidType,
                     "min and max must be integers");
      } else {
        b.min = bands[i]["min"].get<int>();
        b.max = bands[i]["max"].get<int>();
        if (b.min < 0 || b.max < b.min) {
          r.errors.Add("/child_age_bands/" + std::to_string(i), field_codes::kOutOfRange,
                       "need 0 <= min <= max");
        }
      }
    } else {
      if (has_unknown) {
        r.errors.Add("/child_age_bands/" + std::to_string(i), field_codes::kDuplicate,
                     "only one band may lack a range");
      }
      has_unknown = true;
      t.unknown_age_band_ = static_cast<uint16_t>(i);
    }
    t.child_age_bands_.push_back(std::move(b));
  }
  if (!has_unknown) r.errors.Add("/child_age_bands", field_codes::kRequired, "no 'unknown' band");
  for (size_t i = 0; i < t.child_age_bands_.size(); ++i) {
    for (size_t j = i + 1; j < t.child_age_bands_.size(); ++j) {
      const AgeBand &a = t.child_age_bands_[i], &b = t.child_age_bands_[j];
      if (a.min >= 0 && b.min >= 0 && a.min <= b.max && b.min <= a.max) {
        r.errors.Add("/child_age_bands/" + std::to_string(j), field_codes::kOutOfRange,
                     "overlaps band " + a.code);
      }
    }
  }
  t.child_age_band_codes_ = CodeSet(std::move(band_codes));

  // Two-level categories.
  std::set<std::string> all_sub;
  const json& cats = r.Arr(doc, "categories", "");
  std::vector<Code> top = r.Codes(doc, "categories");
  for (size_t i = 0; i < cats.size(); ++i) {
    std::string path = "/categories/" + std::to_string(i);
    if (!cats[i].is_object()) continue;
    const json& subs = r.Arr(cats[i], "subcategories", path);
    for (size_t j = 0; j < subs.size(); ++j) {
      std::string sp = path + "/subcategories/" + std::to_string(j);
      if (!subs[j].is_object()) {
        r.errors.Add(sp, field_codes::kInvalidType, "an object is required");
        continue;
      }
      Subcategory s;
      s.code = r.Str(subs[j], "code", sp);
      s.label = r.Lbl(subs[j], sp);
      s.parent = static_cast<uint16_t>(i);
      auto online = subs[j].find("online");
      if (online == subs[j].end() || !online->is_boolean()) {
        r.errors.Add(sp + "/online", field_codes::kRequired, "online must be true or false");
      } else {
        s.online = online->get<bool>();
      }
      auto chi = subs[j].find("chi");
      if (chi == subs[j].end() || !chi->is_object()) {
        r.errors.Add(sp + "/chi", field_codes::kRequired, "every category maps to a CHI pair");
      } else {
        s.chi.category = r.Str(*chi, "category", sp + "/chi");
        s.chi.subcategory = r.Str(*chi, "subcategory", sp + "/chi");
      }
      if (i < top.size() && !top[i].code.empty() && s.code.rfind(top[i].code + ".", 0) != 0) {
        r.errors.Add(sp + "/code", field_codes::kInvalidFormat,
                     "must start with its category code and a dot");
      }
      if (!s.code.empty() && !all_sub.insert(s.code).second) {
        r.errors.Add(sp + "/code", field_codes::kDuplicate, "duplicate category code");
      }
      t.subcategory_index_.emplace(s.code, static_cast<uint16_t>(t.subcategories_.size()));
      t.subcategories_.push_back(std::move(s));
    }
  }
  t.categories_ = CodeSet(std::move(top));
  if (t.subcategories_.size() > 4000) {
    r.errors.Add("/categories", field_codes::kOutOfRange, "too many categories");
  }
  CS_TRY_STATUS(std::move(r.errors).ToStatus("invalid taxonomy"));
  return t;
}

Result<Taxonomy> Taxonomy::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("taxonomy file not found: " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = Parse(ss.str());
  if (!t) t.error().message = path + ": " + t.error().message;
  return t;
}

}  // namespace childsafe::domain
