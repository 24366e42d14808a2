#include "triage/findings.h"

#include <algorithm>
#include <cmath>

namespace childsafe::triage {

namespace {

using nlohmann::json;

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// Moves a byte offset back to the start of the character it falls in, inside `text`.
uint32_t Boundary(std::string_view text, uint32_t off) {
  if (off > text.size()) off = static_cast<uint32_t>(text.size());
  while (off > 0 && off < text.size() && (static_cast<unsigned char>(text[off]) & 0xC0) == 0x80) {
    --off;
  }
  return off;
}

// UTF-16 code-unit offsets of sorted byte offsets, in one pass over the text.
class Utf16Map {
 public:
  Utf16Map(std::string_view text, std::vector<uint32_t> offsets) : offsets_(std::move(offsets)) {
    std::sort(offsets_.begin(), offsets_.end());
    offsets_.erase(std::unique(offsets_.begin(), offsets_.end()), offsets_.end());
    units_.resize(offsets_.size());
    size_t k = 0;
    uint32_t units = 0;
    for (size_t i = 0; i <= text.size() && k < offsets_.size(); ++i) {
      while (k < offsets_.size() && offsets_[k] == i) units_[k++] = units;
      if (i == text.size()) break;
      const auto b = static_cast<unsigned char>(text[i]);
      if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;  // a lead byte; 4-byte = surrogate pair
    }
    while (k < offsets_.size()) units_[k++] = units;
  }
  uint32_t Of(uint32_t byte) const {
    auto it = std::lower_bound(offsets_.begin(), offsets_.end(), byte);
    return it == offsets_.end() ? 0 : units_[it - offsets_.begin()];
  }

 private:
  std::vector<uint32_t> offsets_;
  std::vector<uint32_t> units_;
};

const text::CategoryDef* FindCategory(const text::Lexicon* lexicon, const std::string& key) {
  if (!lexicon) return nullptr;
  for (const auto& c : lexicon->categories) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

void Labels(json& j, const text::Lexicon* lexicon, const std::string& key) {
  const text::CategoryDef* def = FindCategory(lexicon, key);
  j["label_vi"] = def ? def->label_vi : key;
  j["label_en"] = def ? def->label_en : key;
}

}  // namespace

std::string_view LevelNameOf(int level) {
  return text::LevelName(static_cast<text::Level>(std::clamp(level, 0, 3)));
}

std::vector<std::string> ContextNames(uint32_t context) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {text::kContextNegated, "negated"},       {text::kContextReported, "reported"},
      {text::kContextGenre, "genre"},           {text::kContextPast, "past"},
      {text::kContextIdiom, "idiom"},           {text::kContextUrgent, "urgent"},
      {text::kContextResolved, "resolved"},     {text::kContextSubsumed, "subsumed"},
      {text::kContextNoPhysical, "no_physical"}};
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames) {
    if (context & bit) out.emplace_back(name);
  }
  return out;
}

std::vector<std::string> TextFlagNames(uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {text::kFlagInvalidUtf8, "invalid_utf8"}, {text::kFlagTruncated, "truncated"},
      {text::kFlagNotNfc, "not_nfc"},           {text::kFlagZeroWidth, "zero_width"},
      {text::kFlagBidiControl, "bidi_control"}, {text::kFlagMixedScripts, "mixed_scripts"},
      {text::kFlagLookalikes, "lookalikes"},    {text::kFlagSplitWords, "split_words"},
      {text::kFlagTeencode, "teencode"}};
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out.emplace_back(name);
  }
  return out;
}

std::string EncodeFindings(const text::TriageResult& r, size_t text_bytes) {
  json signals = json::array();
  for (const auto& s : r.signals) {
    signals.push_back({s.category, s.span.begin, s.span.end, Round3(s.weight), Round3(s.effective),
                       s.context, s.line});
  }
  json categories = json::array();
  for (const auto& c : r.categories) {
    // The model's probability and whether a pattern matched: added in run 11, absent in older
    // stored findings (read back as "no model", "lexicon").
    categories.push_back({c.category, Round3(c.score), static_cast<int>(c.level), Round3(c.model),
                          c.lexicon ? 1 : 0});
  }
  json entities = json::array();
  for (const auto& e : r.entities) {
    entities.push_back({static_cast<int>(e.kind), e.span.begin, e.span.end, e.value});
  }
  json j = {{"v", 1},
            {"lexicon", r.lexicon_version},
            {"n", text_bytes},
            {"level", static_cast<int>(r.level)},
            {"score", Round3(r.score)},
            {"flags", r.text_flags},
            {"signals", std::move(signals)},
            {"categories", std::move(categories)},
            {"entities", std::move(entities)}};
  if (r.model_emergency >= 0) j["me"] = Round3(r.model_emergency);  // since run 12
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<StoredFindings> DecodeFindings(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.at("v").get<int>() != 1) return Fail(Error::DataLoss("unknown triage findings version"));
    StoredFindings out;
    text::TriageResult& r = out.result;
    r.lexicon_version = j.at("lexicon").get<std::string>();
    out.text_bytes = j.at("n").get<size_t>();
    r.level = static_cast<text::Level>(std::clamp(j.at("level").get<int>(), 0, 3));
    r.score = j.at("score").get<double>();
    r.text_flags = j.at("flags").get<uint32_t>();
    if (j.contains("me")) r.model_emergency = j.at("me").get<double>();
    for (const auto& s : j.at("signals")) {
      text::Signal sig;
      sig.category = s.at(0).get<std::string>();
      sig.span = {s.at(1).get<uint32_t>(), s.at(2).get<uint32_t>()};
      sig.weight = s.at(3).get<double>();
      sig.effective = s.at(4).get<double>();
      sig.context = s.at(5).get<uint32_t>();
      sig.line = s.at(6).get<int>();
      r.signals.push_back(std::move(sig));
    }
    for (const auto& c : j.at("categories")) {
      text::CategoryScore cat{c.at(0).get<std::string>(), c.at(1).get<double>(),
                              static_cast<text::Level>(std::clamp(c.at(2).get<int>(), 0, 3))};
      if (c.size() >= 5) {
        cat.model = c.at(3).get<double>();
        cat.lexicon = c.at(4).get<int>() != 0;
      }
      r.categories.push_back(std::move(cat));
    }
    for (const auto& e : j.at("entities")) {
      text::Entity ent;
      ent.kind = static_cast<text::EntityKind>(std::clamp(e.at(0).get<int>(), 0, 3));
      ent.span = {e.at(1).get<uint32_t>(), e.at(2).get<uint32_t>()};
      ent.value = e.at(3).get<std::string>();
      r.entities.push_back(std::move(ent));
    }
    return out;
  } catch (const json::exception&) {
    return Fail(Error::DataLoss("triage findings are unreadable"));
  }
}

std::string EncodeReview(const Review& r) { return json{{"verdicts", r.verdicts}}.dump(); }

Result<Review> DecodeReview(std::string_view text) {
  try {
    json j = json::parse(text);
    Review r;
    for (auto it = j.at("verdicts").begin(); it != j.at("verdicts").end(); ++it) {
      r.verdicts[it.key()] = it.value().get<std::string>();
    }
    return r;
  } catch (const json::exception&) {
    return Fail(Error::DataLoss("triage review is unreadable"));
  }
}

json FindingsView(const text::TriageResult& r, std::string_view text, const ViewContext& ctx) {
  // Every span, clamped into the text and onto character boundaries.
  auto clamp = [&](text::Span s) {
    uint32_t b = Boundary(text, s.begin), e = Boundary(text, s.end);
    if (e < b) e = b;
    return text::Span{b, e};
  };
  std::vector<uint32_t> offsets;
  for (const auto& s : r.signals) {
    auto c = clamp(s.span);
    offsets.push_back(c.begin);
    offsets.push_back(c.end);
  }
  for (const auto& e : r.entities) {
    auto c = clamp(e.span);
    offsets.push_back(c.begin);
    offsets.push_back(c.end);
  }
  Utf16Map utf16(text, std::move(offsets));
  auto span_json = [&](json& j, text::Span raw) {
    auto s = clamp(raw);
    j["begin"] = s.begin;
    j["end"] = s.end;
    j["begin_utf16"] = utf16.Of(s.begin);
    j["end_utf16"] = utf16.Of(s.end);
    j["text"] = std::string(text.substr(s.begin, s.end - s.begin));
  };

  json signals = json::array();
  for (const auto& s : r.signals) {
    json j = {{"category", s.category}};
    Labels(j, ctx.lexicon, s.category);
    span_json(j, s.span);
    j["weight"] = Round3(s.weight);
    j["effective"] = Round3(s.effective);
    j["context"] = ContextNames(s.context);
    signals.push_back(std::move(j));
  }
  json categories = json::array();
  for (const auto& c : r.categories) {
    json j = {{"category", c.category}};
    Labels(j, ctx.lexicon, c.category);
    j["score"] = Round3(c.score);
    j["level"] = std::string(text::LevelName(c.level));
    j["model"] = c.model < 0 ? json(nullptr) : json(Round3(c.model));
    j["source"] = c.lexicon ? "lexicon" : "model";
    j["taxonomy"] = ctx.taxonomy ? ctx.taxonomy->CodesOf(c.category) : std::vector<std::string>{};
    json verdict = nullptr;
    if (ctx.review) {
      auto it = ctx.review->verdicts.find(c.category);
      if (it != ctx.review->verdicts.end()) verdict = it->second;
    }
    j["verdict"] = verdict;
    categories.push_back(std::move(j));
  }
  json entities = json::array();
  for (const auto& e : r.entities) {
    json j = {{"kind", std::string(text::EntityKindName(e.kind))}};
    span_json(j, e.span);
    j["value"] = e.value;
    entities.push_back(std::move(j));
  }
  return {
      {"level", std::string(text::LevelName(r.level))},
      {"score", Round3(r.score)},
      {"lexicon_version", r.lexicon_version},
      {"model_emergency", r.model_emergency < 0 ? json(nullptr) : json(Round3(r.model_emergency))},
      {"signals", std::move(signals)},
      {"suggested_categories", std::move(categories)},
      {"entities", std::move(entities)},
      {"flags", TextFlagNames(r.text_flags)}};
}

}  // namespace childsafe::triage
