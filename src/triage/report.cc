#include "triage/report.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "triage/findings.h"

namespace childsafe::triage {

namespace {

std::string Fixed(double v, int digits = 2) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string_view LevelVi(text::Level l) {
  switch (l) {
    case text::Level::kEmergency:
      return "KHẨN CẤP";
    case text::Level::kHigh:
      return "CAO";
    case text::Level::kMedium:
      return "TRUNG BÌNH";
    case text::Level::kLow:
      return "THẤP";
  }
  return "";
}

std::string_view ContextVi(const std::string& name) {
  if (name == "negated") return "phủ định / negated";
  if (name == "reported") return "lời kể lại / reported speech";
  if (name == "genre") return "tin tức, truyện, lời bài hát / news, fiction, lyrics";
  if (name == "past") return "đã qua / in the past";
  if (name == "idiom") return "thành ngữ / figure of speech";
  if (name == "urgent") return "đang xảy ra / happening now";
  return name;
}

const text::CategoryDef* Find(const text::Engine& engine, const std::string& key) {
  for (const auto& c : engine.lexicon().categories) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string Label(const text::Engine& engine, const std::string& key) {
  const text::CategoryDef* d = Find(engine, key);
  return d ? d->label_vi + " / " + d->label_en : key;
}

// Control characters, and the invisible format characters a text may use to hide or reorder
// words (zero-width, bidi embeddings, overrides and isolates, BOM), must not steer the terminal:
// they are shown as visible escapes.
std::string Printable(std::string_view s) {
  std::string out;
  char buf[16];
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
      continue;
    }
    if ((b == 0xE2 || b == 0xEF) && i + 2 < s.size()) {
      const char32_t cp = (char32_t{b & 0x0Fu} << 12) |
                          (char32_t{static_cast<unsigned char>(s[i + 1]) & 0x3Fu} << 6) |
                          char32_t{static_cast<unsigned char>(s[i + 2]) & 0x3Fu};
      if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
          (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF) {
        std::snprintf(buf, sizeof buf, "<U+%04X>", static_cast<unsigned>(cp));
        out += buf;
        i += 2;
        continue;
      }
    }
    out += static_cast<char>(b);
  }
  return out;
}

}  // namespace

std::string FormatTriageReport(const text::TriageResult& r, std::string_view text,
                               const text::Engine& engine, const TaxonomyMap& taxonomy,
                               const ReportStyle& style) {
  std::string out;
  out += "Mức độ / level: " + std::string(LevelVi(r.level)) + " / " +
         std::string(text::LevelName(r.level)) + "   điểm / score " + Fixed(r.score) + "\n";
  out += "Bộ từ điển / lexicon: " + r.lexicon_version + "\n";

  // The text with every signal's span highlighted (overlapping spans merged).
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (const auto& s : r.signals) {
    uint32_t b = std::min<uint32_t>(s.span.begin, static_cast<uint32_t>(text.size()));
    uint32_t e = std::min<uint32_t>(s.span.end, static_cast<uint32_t>(text.size()));
    if (e > b) spans.emplace_back(b, e);
  }
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<uint32_t, uint32_t>> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  const char* open = style.color ? "\x1b[7m" : "⟦";
  const char* close = style.color ? "\x1b[0m" : "⟧";
  constexpr size_t kShown = 4000;  // a long text is shown up to here
  std::string shown;
  uint32_t at = 0;
  for (const auto& [b, e] : merged) {
    if (b >= kShown) break;
    shown += Printable(text.substr(at, b - at));
    shown += open + Printable(text.substr(b, e - b)) + close;
    at = e;
  }
  if (at < std::min(text.size(), kShown)) shown += Printable(text.substr(at, kShown - at));
  if (text.size() > kShown) {
    shown += " … (" + std::to_string(text.size()) + " bytes / byte)";
  }
  out += "\nVăn bản / text:\n  " + shown + "\n";

  out += "\nTín hiệu / signals:";
  if (r.signals.empty()) out += " không có / none";
  out += "\n";
  int n = 0;
  for (const auto& s : r.signals) {
    std::string quoted(text.substr(
        std::min<size_t>(s.span.begin, text.size()),
        std::min<size_t>(s.span.end, text.size()) - std::min<size_t>(s.span.begin, text.size())));
    out += "  " + std::to_string(++n) + ". \"" + Printable(quoted) + "\"  " +
           Label(engine, s.category) + "  " + Fixed(s.weight) + " → " + Fixed(s.effective) +
           "  [byte " + std::to_string(s.span.begin) + "–" + std::to_string(s.span.end) + "]";
    for (const auto& c : ContextNames(s.context)) out += "  (" + std::string(ContextVi(c)) + ")";
    out += "\n";
  }

  out += "\nGợi ý phân loại / suggested categories:";
  if (r.categories.empty()) out += " không có / none";
  out += "\n";
  for (const auto& c : r.categories) {
    out += "  " + Label(engine, c.category) + "  " + Fixed(c.score) + "  " +
           std::string(text::LevelName(c.level));
    if (c.model >= 0) out += "  mô hình / model p=" + Fixed(c.model);
    if (!c.lexicon) out += " (chỉ mô hình, không có cụm từ / model only, nothing to highlight)";
    const auto& codes = taxonomy.CodesOf(c.category);
    if (!codes.empty()) {
      out += "  →";
      for (const auto& code : codes) out += " " + code;
    }
    out += "\n";
  }
  if (!r.entities.empty()) {
    out += "\nLiên kết, số điện thoại, tài khoản / links, phones, accounts:\n";
    for (const auto& e : r.entities) {
      out += "  " + std::string(text::EntityKindName(e.kind)) + "  " + Printable(e.value) + "\n";
    }
  }
  auto flags = TextFlagNames(r.text_flags);
  if (!flags.empty()) {
    out += "\nGhi chú về văn bản / notes on the text:";
    for (const auto& f : flags) out += " " + f;
    out += "\n";
  }
  out +=
      "\nTư vấn viên đọc và quyết định; hệ thống chỉ sắp xếp và đánh dấu.\n"
      "A counsellor reads and decides; the engine only orders and highlights.\n";
  return out;
}

std::string FormatEvalGoals(const text::EvalReport& report, const EvalGoals& goals, bool* met) {
  const double recall = report.emergency.Recall();
  const double precision = report.overall.Precision();
  const bool recall_ok = recall >= goals.emergency_recall;
  const bool precision_ok = precision >= goals.overall_precision;
  if (met) *met = recall_ok && precision_ok;
  auto status = [](bool ok) { return ok ? "ĐẠT / met" : "CHƯA ĐẠT / not met"; };
  std::string out = "\nMục tiêu (issue 5) / goals:\n";
  out += "  recall mức khẩn cấp / emergency recall        " + Fixed(recall, 3) + "  ≥ " +
         Fixed(goals.emergency_recall) + "  " + status(recall_ok) + "\n";
  out += "  precision tổng thể / overall precision        " + Fixed(precision, 3) + "  ≥ " +
         Fixed(goals.overall_precision) + "  " + status(precision_ok) + "\n";
  return out;
}

}  // namespace childsafe::triage
