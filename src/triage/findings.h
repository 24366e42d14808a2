#pragma once
// What triage found in a text, in the two forms it takes outside the engine:
//   * stored: compact JSON that TriageService seals (encrypts) before storage, because the
//     signals, their spans and the suggested categories tell the child's story;
//   * viewed: the JSON a counsellor's screen gets (GET /api/v1/contacts/{id}, POST
//     /api/v1/triage): each signal with its span in UTF-8 bytes and in UTF-16 code units (what a
//     browser indexes strings by) and the characters the child typed there, the suggested
//     categories with their Vietnamese and English labels, the taxonomy codes they suggest and a
//     counsellor's verdict, the entities (links, phones, ...) and what was odd about the text.
// Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/engine.h"
#include "triage/taxonomy_map.h"

namespace childsafe::triage {

/// "negated", "reported", "genre", "past", "idiom", "urgent" for text::ContextFlag bits.
std::vector<std::string> ContextNames(uint32_t context);
/// "invalid_utf8", "truncated", "not_nfc", "zero_width", "bidi_control", "mixed_scripts",
/// "lookalikes", "split_words", "teencode" for text::TextFlag bits.
std::vector<std::string> TextFlagNames(uint32_t flags);

struct StoredFindings {
  text::TriageResult result;
  size_t text_bytes = 0;  // the length of the text it was computed on (a stale view is flagged)
};

std::string EncodeFindings(const text::TriageResult& r, size_t text_bytes);
/// kDataLoss if the JSON is not what EncodeFindings writes.
Result<StoredFindings> DecodeFindings(std::string_view json);

/// A counsellor's verdicts on suggested categories: lexicon key -> "right" | "wrong".
struct Review {
  std::map<std::string, std::string> verdicts;
};
std::string EncodeReview(const Review& r);
Result<Review> DecodeReview(std::string_view json);

struct ViewContext {
  const text::Lexicon* lexicon = nullptr;  // labels (the current engine's); null: keys only
  const TaxonomyMap* taxonomy = nullptr;   // suggested taxonomy codes; null: none
  const Review* review = nullptr;          // verdicts; null: none
};

/// The reader's view of a result computed on `text` (spans are clamped into it).
nlohmann::json FindingsView(const text::TriageResult& r, std::string_view text,
                            const ViewContext& ctx);

/// "low" ... "emergency" for 0..3 (out-of-range values are clamped).
std::string_view LevelNameOf(int level);

}  // namespace childsafe::triage
