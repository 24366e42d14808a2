#include "intake/contact_json.h"

#include <set>

#include "common/utf8.h"

namespace childsafe::intake {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 32;

int Depth(const json& j, int limit) {
  if (limit <= 0) return kMaxDepth + 1;
  int d = 0;
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) d = std::max(d, Depth(v, limit - 1));
    return d + 1;
  }
  return 0;
}

class Decoder {
 public:
  FieldErrors errs;

  void NoUnknown(const json& obj, const std::string& path,
                 std::initializer_list<const char*> allowed) {
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!ok.count(it.key())) {
        errs.Add(path + it.key(), field_codes::kUnknownField, "unknown field");
      }
    }
  }

  // Optional string member; absent or null gives "".
  std::string Str(const json& obj, const char* key, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    if (!it->is_string()) {
      errs.Add(path + key, field_codes::kInvalidType, "must be a string");
      return {};
    }
    return it->get<std::string>();
  }

  std::optional<int64_t> Int(const json& obj, const char* key, const std::string& path, int64_t min,
                             int64_t max) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) {
      errs.Add(path + key, field_codes::kInvalidType, "must be an integer");
      return std::nullopt;
    }
    int64_t v = 0;
    if (it->is_number_unsigned()) {
      auto u = it->get<uint64_t>();
      v = u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
    } else {
      v = it->get<int64_t>();
    }
    if (v < min || v > max) {
      errs.Add(path + key, field_codes::kOutOfRange,
               "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  UnixSeconds Time(const json& obj, const char* key, const std::string& path) {
    std::string s = Str(obj, key, path);
    if (s.empty()) return 0;
    auto t = ParseTimestamp(s, path + key);
    if (!t) {
      for (auto& f : t.error().fields) errs.Add(f.field, f.code, f.message);
      return 0;
    }
    return *t;
  }
};

}  // namespace

Result<json> ParseJson(std::string_view text) {
  try {
    json j = json::parse(text);
    if (Depth(j, kMaxDepth + 1) > kMaxDepth) {
      return Fail(Error::InvalidField("", field_codes::kOutOfRange, "JSON nested too deeply"));
    }
    return j;
  } catch (const json::parse_error& e) {
    // The parser reports ill-formed UTF-8 inside strings as a syntax error (id 101).
    if (std::string_view(e.what()).find("UTF-8") != std::string_view::npos) {
      return Fail(
          Error::InvalidField("", field_codes::kInvalidUtf8,
                              "text is not valid UTF-8 (byte " + std::to_string(e.byte) + ")"));
    }
    return Fail(Error::InvalidField("", field_codes::kInvalidFormat,
                                    "malformed JSON at byte " + std::to_string(e.byte)));
  } catch (const json::exception&) {
    // e.g. out_of_range.406: a number too large for a double ("-1e309").
    return Fail(
        Error::InvalidField("", field_codes::kOutOfRange, "a number in the JSON is out of range"));
  }
}

Result<domain::Contact> DecodeContact(const json& j, DecodeMode mode) {
  if (!j.is_object()) {
    return Fail(Error::InvalidField("", field_codes::kInvalidType, "a contact is a JSON object"));
  }
  Decoder d;
  domain::Contact c;
  switch (mode) {
    case DecodeMode::kCreate:
      d.NoUnknown(j, "",
                  {"received_at", "channel", "centre", "counsellor", "call_type",
                   "duration_seconds", "caller", "children", "categories", "outcome", "urgency",
                   "summary", "taxonomy_version"});
      break;
    case DecodeMode::kImport:
      d.NoUnknown(j, "",
                  {"reference",
                   "created_at",
                   "received_at",
                   "channel",
                   "centre",
                   "counsellor",
                   "call_type",
                   "duration_seconds",
                   "caller",
                   "children",
                   "categories",
                   "outcome",
                   "urgency",
                   "summary",
                   "taxonomy_version",
                   "online",
                   "received_at_local",
                   "id",
                   "version",
                   "updated_at",
                   "repeat_caller",
                   "caller_phone_recorded"});
      c.reference = d.Str(j, "reference", "");
      c.created_at = d.Time(j, "created_at", "");
      break;
    case DecodeMode::kReplace:
      d.NoUnknown(j, "",
                  {"id",
                   "reference",
                   "version",
                   "created_at",
                   "updated_at",
                   "received_at",
                   "received_at_local",
                   "channel",
                   "centre",
                   "counsellor",
                   "call_type",
                   "duration_seconds",
                   "caller",
                   "children",
                   "categories",
                   "outcome",
                   "urgency",
                   "summary",
                   "taxonomy_version",
                   "online",
                   "repeat_caller",
                   "caller_phone_recorded",
                   "triage"});
      break;
  }
  c.received_at = d.Time(j, "received_at", "");
  c.channel = d.Str(j, "channel", "");
  c.centre = d.Str(j, "centre", "");
  c.counsellor = d.Str(j, "counsellor", "");
  c.call_type = d.Str(j, "call_type", "");
  c.duration_seconds = static_cast<int32_t>(
      d.Int(j, "duration_seconds", "", 0, domain::kMaxDurationSeconds).value_or(0));
  c.outcome = d.Str(j, "outcome", "");
  c.urgency = d.Str(j, "urgency", "");
  c.summary = d.Str(j, "summary", "");
  c.taxonomy_version = d.Str(j, "taxonomy_version", "");

  if (auto it = j.find("caller"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      d.errs.Add("caller", field_codes::kInvalidType, "must be an object");
    } else {
      d.NoUnknown(*it, "caller/", {"relation", "age_band", "gender", "name", "phone"});
      c.caller = domain::Caller{d.Str(*it, "relation", "caller/"),
                                d.Str(*it, "age_band", "caller/"), d.Str(*it, "gender", "caller/"),
                                d.Str(*it, "name", "caller/"), d.Str(*it, "phone", "caller/")};
    }
  }
  if (auto it = j.find("children"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      d.errs.Add("children", field_codes::kInvalidType, "must be an array");
    } else if (it->size() > domain::kMaxChildren) {
      d.errs.Add("children", field_codes::kOutOfRange, "at most 20 children per contact");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& ch = (*it)[i];
        std::string p = "children/" + std::to_string(i) + "/";
        if (!ch.is_object()) {
          d.errs.Add("children/" + std::to_string(i), field_codes::kInvalidType,
                     "must be an object");
          continue;
        }
        d.NoUnknown(ch, p,
                    {"age", "gender", "province", "name", "address", "phone", "date_of_birth"});
        domain::Child child;
        if (auto age = d.Int(ch, "age", p, 0, 25)) child.age = static_cast<int>(*age);
        child.gender = d.Str(ch, "gender", p);
        child.province = d.Str(ch, "province", p);
        child.name = d.Str(ch, "name", p);
        child.address = d.Str(ch, "address", p);
        child.phone = d.Str(ch, "phone", p);
        child.date_of_birth = d.Str(ch, "date_of_birth", p);
        c.children.push_back(std::move(child));
      }
    }
  }
  if (auto it = j.find("categories"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      d.errs.Add("categories", field_codes::kInvalidType, "must be an array of category codes");
    } else if (it->size() > domain::kMaxCategories) {
      d.errs.Add("categories", field_codes::kOutOfRange, "at most 30 categories per contact");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          d.errs.Add("categories/" + std::to_string(i), field_codes::kInvalidType,
                     "must be a string");
        } else {
          c.categories.push_back((*it)[i].get<std::string>());
        }
      }
    }
  }
  CS_TRY_STATUS(std::move(d.errs).ToStatus("invalid contact"));
  return c;
}

json EncodeContact(const domain::Contact& c, const ContactExtras& x, const EncodeOptions& o) {
  json j;
  if (c.id) j["id"] = c.id;
  if (!c.reference.empty()) j["reference"] = c.reference;
  if (c.version) j["version"] = c.version;
  if (c.created_at) j["created_at"] = FormatTimestampUtc(c.created_at);
  if (c.updated_at) j["updated_at"] = FormatTimestampUtc(c.updated_at);
  j["received_at"] = FormatTimestampUtc(c.received_at);
  j["received_at_local"] = FormatTimestampLocal(c.received_at);
  j["channel"] = c.channel;
  j["centre"] = c.centre;
  j["counsellor"] = c.counsellor;
  j["call_type"] = c.call_type;
  j["duration_seconds"] = c.duration_seconds;
  if (c.caller) {
    json caller = json::object();
    if (!c.caller->relation.empty()) caller["relation"] = c.caller->relation;
    if (!c.caller->age_band.empty()) caller["age_band"] = c.caller->age_band;
    if (!c.caller->gender.empty()) caller["gender"] = c.caller->gender;
    if (o.sensitive && !c.caller->name.empty()) caller["name"] = c.caller->name;
    j["caller"] = std::move(caller);
  }
  j["children"] = json::array();
  for (const auto& ch : c.children) {
    json cj = json::object();
    if (ch.age) cj["age"] = *ch.age;
    if (!ch.gender.empty()) cj["gender"] = ch.gender;
    if (!ch.province.empty()) cj["province"] = ch.province;
    if (o.sensitive) {
      if (!ch.name.empty()) cj["name"] = ch.name;
      if (!ch.address.empty()) cj["address"] = ch.address;
      if (!ch.phone.empty()) cj["phone"] = ch.phone;
      if (!ch.date_of_birth.empty()) cj["date_of_birth"] = ch.date_of_birth;
    }
    j["children"].push_back(std::move(cj));
  }
  j["categories"] = c.categories;
  j["outcome"] = c.outcome;
  if (!c.urgency.empty()) j["urgency"] = c.urgency;
  if (o.sensitive) j["summary"] = c.summary;
  j["taxonomy_version"] = c.taxonomy_version;
  j["online"] = x.online;
  j["caller_phone_recorded"] = x.has_caller_phone;
  if (x.repeat) {
    json r = {{"previous_contacts", x.repeat->previous_contacts}};
    if (x.repeat->last_received_at) {
      r["last_received_at"] = FormatTimestampUtc(*x.repeat->last_received_at);
    }
    r["text_vi"] = RepeatCallerTextVi(*x.repeat);
    r["text_en"] = RepeatCallerTextEn(*x.repeat);
    j["repeat_caller"] = std::move(r);
  }
  if (o.sensitive && !x.triage.is_null()) j["triage"] = x.triage;
  return j;
}

json MergePatch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      target[it.key()] = MergePatch(target.contains(it.key()) ? target[it.key()] : json(), *it);
    }
  }
  return target;
}

std::string RepeatCallerTextVi(const storage::RepeatCallerInfo& info) {
  if (info.previous_contacts == 0) return "Lần đầu liên hệ";
  std::string s = "Đã liên hệ " + std::to_string(info.previous_contacts) + " lần trước";
  if (info.last_received_at)
    s += ", lần gần nhất " + FormatDateVi(LocalDayOf(*info.last_received_at));
  return s;
}

std::string RepeatCallerTextEn(const storage::RepeatCallerInfo& info) {
  if (info.previous_contacts == 0) return "First contact";
  std::string s = "Called " + std::to_string(info.previous_contacts) +
                  (info.previous_contacts == 1 ? " time before" : " times before");
  if (info.last_received_at) s += ", last on " + FormatDateVi(LocalDayOf(*info.last_received_at));
  return s;
}

}  // namespace childsafe::intake
