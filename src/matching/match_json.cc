#include "matching/match_json.h"

#include <set>

namespace childsafe::matching {

using nlohmann::json;

Result<HashMatchBody> DecodeHashMatchBody(const json& j) {
  if (!j.is_object()) {
    return Fail(Error::InvalidField("", field_codes::kInvalidType, "a JSON object"));
  }
  HashMatchBody out;
  FieldErrors errs;
  HashType default_64 = HashType::kPdq;
  if (j.contains("type")) {
    const json& t = j["type"];
    auto parsed = t.is_string() ? hashlist::ParseHashType(t.get<std::string>()) : std::nullopt;
    if (!parsed || (*parsed != HashType::kPdq && *parsed != HashType::kSha256)) {
      errs.Add("type", field_codes::kUnknownCode,
               "the type of bare 64-digit hashes: pdq or sha256");
    } else {
      default_64 = *parsed;
    }
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "type") continue;
    if (k == "radius") {
      if (!it->is_number_integer()) {
        errs.Add(k, field_codes::kInvalidType, "a whole number");
      } else {
        const auto r = it->get<int64_t>();
        out.request.radius = r < -1 || r > 1000 ? -1 : static_cast<int>(r);
      }
    } else if (k == "banks") {
      if (!it->is_array()) {
        errs.Add(k, field_codes::kInvalidType, "a list of bank names");
        continue;
      }
      for (size_t i = 0; i < it->size(); ++i) {
        const json& b = (*it)[i];
        if (!b.is_string() || b.get<std::string>().size() > 64) {
          errs.Add("banks/" + std::to_string(i), field_codes::kInvalidType, "a bank name");
        } else {
          out.request.banks.push_back(b.get<std::string>());
        }
      }
    } else if (k == "hashes") {
      if (!it->is_array()) {
        errs.Add(k, field_codes::kInvalidType, "a list of hashes");
        continue;
      }
      // The service refuses more than its limit; do not build a million errors first.
      const size_t n = std::min<size_t>(it->size(), 100000);
      for (size_t i = 0; i < n; ++i) {
        const json& h = (*it)[i];
        const std::string field = "hashes/" + std::to_string(i);
        if (h.is_string()) {
          auto q = ParseHashArgument(h.get<std::string>(), default_64, field);
          if (q) {
            out.hashes.push_back(std::move(*q));
          } else {
            for (auto& f : q.error().fields) errs.Add(f.field, f.code, f.message);
          }
          continue;
        }
        if (!h.is_object()) {
          errs.Add(field, field_codes::kInvalidType, "a hash: a string or {\"type\", \"value\"}");
          continue;
        }
        std::optional<HashType> type;
        std::string value;
        std::optional<int> quality;
        bool ok = true;
        for (auto m = h.begin(); m != h.end(); ++m) {
          if (m.key() == "type") {
            type = m->is_string() ? hashlist::ParseHashType(m->get<std::string>()) : std::nullopt;
            if (!type) {
              errs.Add(field + "/type", field_codes::kUnknownCode, "pdq, md5, sha1 or sha256");
              ok = false;
            }
          } else if (m.key() == "value") {
            if (!m->is_string()) {
              errs.Add(field + "/value", field_codes::kInvalidType, "hex digits as a string");
              ok = false;
            } else {
              value = m->get<std::string>();
            }
          } else if (m.key() == "quality") {
            if (!m->is_number_integer() || m->get<int64_t>() < 0 || m->get<int64_t>() > 100) {
              errs.Add(field + "/quality", field_codes::kOutOfRange, "a whole number 0 to 100");
              ok = false;
            } else {
              quality = static_cast<int>(m->get<int64_t>());
            }
          } else {
            errs.Add(field + "/" + m.key().substr(0, 64), field_codes::kUnknownField,
                     "unknown field");
            ok = false;
          }
        }
        if (!type && ok) {
          errs.Add(field + "/type", field_codes::kRequired, "pdq, md5, sha1 or sha256");
          ok = false;
        }
        if (value.empty() && ok) {
          errs.Add(field + "/value", field_codes::kRequired, "the hash in hex digits");
          ok = false;
        }
        if (!ok) continue;
        auto q = ParseHashArgument(std::string(hashlist::HashTypeName(*type)) + ":" + value,
                                   default_64, field + "/value");
        if (!q) {
          for (auto& f : q.error().fields) errs.Add(f.field, f.code, f.message);
          continue;
        }
        if (quality && *type != HashType::kPdq) {
          errs.Add(field + "/quality", field_codes::kNotAllowed, "only PDQ hashes have a quality");
          continue;
        }
        q->quality = quality;
        out.hashes.push_back(std::move(*q));
      }
      if (it->size() > n) {
        errs.Add("hashes", field_codes::kTooLong, "far too many hashes for one request");
      }
    } else {
      errs.Add(k.substr(0, 64), field_codes::kUnknownField, "unknown field");
    }
  }
  if (!j.contains("hashes")) errs.Add("hashes", field_codes::kRequired, "a list of hashes");
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid match request"));
  return out;
}

json MatchHitJson(const MatchHit& m) {
  json j = {{"bank", m.bank},
            {"bank_id", m.bank_id},
            {"entry_id", m.entry_id},
            {"labels", m.labels},
            {"hash_type", std::string(hashlist::HashTypeName(m.hash_type))},
            {"distance", m.distance}};
  if (!m.source_entry_id.empty()) j["source_entry_id"] = m.source_entry_id;
  if (m.hash_type == HashType::kPdq) {
    j["variant"] = std::string(imagehash::DihedralName(
        static_cast<imagehash::Dihedral>(std::clamp(m.variant, 0, imagehash::kDihedralCount - 1))));
  }
  return j;
}

json MatchOutcomeJson(const MatchOutcome& o) {
  json matches = json::array();
  for (const auto& m : o.matches) matches.push_back(MatchHitJson(m));
  return {{"status", std::string(MatchStatusName(o.status))},
          {"matches", matches},
          {"total", o.total},
          {"suppressed", o.suppressed}};
}

json ImageHashesJson(const imagehash::ImageHashes& h) {
  json j = {{"format", std::string(imagehash::ImageFormatName(h.info.format))},
            {"width", h.info.width},
            {"height", h.info.height},
            {"quality", h.quality},
            {"quality_ok", h.QualityOk()},
            {"pdq", h.pdq.ToHex()},
            {"flavor", std::string(imagehash::PdqFlavorName(h.flavor))},
            {"path", std::string(imagehash::HashPathName(h.path))}};
  if (h.has_digests) {
    j["md5"] = h.digests.md5;
    j["sha1"] = h.digests.sha1;
    j["sha256"] = h.digests.sha256;
  }
  if (h.has_dihedral) {
    json d = json::object();
    for (int i = 0; i < imagehash::kDihedralCount; ++i) {
      d[std::string(imagehash::DihedralName(static_cast<imagehash::Dihedral>(i)))] =
          h.dihedral[i].ToHex();
    }
    j["dihedral"] = d;
  }
  return j;
}

json BankSummaryJson(const BankSummary& b) {
  json j = {{"name", b.bank.name},
            {"id", b.bank.id},
            {"description", b.bank.description},
            {"source", b.bank.source},
            {"licence", b.bank.licence},
            {"negative", b.bank.negative},
            {"enabled", b.bank.enabled},
            {"loaded", b.loaded},
            {"entries", b.entries},
            {"imports", b.imports},
            {"created_at", FormatTimestampUtc(b.bank.created_at)},
            {"created_by", b.bank.created_by},
            {"updated_at", FormatTimestampUtc(b.bank.updated_at)},
            {"version", b.bank.version}};
  if (b.loaded) {
    j["by_type"] = {{"pdq", b.pdq}, {"md5", b.md5}, {"sha1", b.sha1}, {"sha256", b.sha256}};
  }
  if (b.last_import_at) {
    j["last_import_at"] = FormatTimestampUtc(*b.last_import_at);
    j["last_import_by"] = b.last_import_by;
  }
  return j;
}

json ImportReportJson(const ImportReport& r) {
  json errors = json::array();
  for (const auto& e : r.errors) {
    json problems = json::array();
    for (const auto& p : e.problems) {
      problems.push_back({{"field", p.field}, {"code", p.code}, {"message", p.message}});
    }
    errors.push_back({{"line", e.line}, {"problems", problems}});
  }
  return {{"bank", r.bank},
          {"bank_id", r.bank_id},
          {"import_id", r.import_id},
          {"bank_created", r.bank_created},
          {"committed", r.committed},
          {"format", r.format == hashlist::HashListFormat::kCsv ? "csv" : "jsonl"},
          {"rows", r.rows},
          {"added", r.added},
          {"duplicates", r.duplicates},
          {"withdrawn", r.withdrawn},
          {"rejected", r.rejected},
          {"errors", errors},
          {"warnings", r.warnings},
          {"seconds", r.seconds}};
}

}  // namespace childsafe::matching
