#pragma once
// Lexicon pattern syntax -> a Hyperscan regular expression over the folded view (internal).
//
// See lexicon.h for the syntax. Each word of a pattern is normalised with the same Normalizer
// as the text, so teencode, diacritics and repeated letters are handled the same on both sides.
// Adjacent words may also be written together ("tựtử" matches "tự tử"): the separator between
// two words is an optional space. A match always starts and ends on a space of the folded view,
// so patterns match whole words only.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "text/normalize.h"

namespace childsafe::text::internal {

/// One word of a pattern with the diacritics the lexicon wrote on it (NormalizedText
/// folded_marks encoding), for the diacritic consistency check.
struct PatternWord {
  std::string folded;
  std::vector<uint8_t> marks;
};

/// A pattern compiles into literal segments separated by gaps: "dọa * {tung|đăng} ảnh" is the
/// segment " doa " then, 0..3 words later in the same sentence, " tung anh " or " dang anh ".
/// Each segment is a finite set of folded strings, every one starting and ending with a space,
/// in two spellings: words spaced ("tu tu") and written together ("tutu"), because the
/// normaliser joins "t ự t ử" into one word. Literals let Hyperscan use its fastest matchers and
/// give start offsets for free (start = end - length).
struct CompiledPattern {
  std::vector<std::vector<std::string>> segments;  // literal alternatives of each segment
  std::vector<int> gaps;           // gaps[k]: at most this many words between segments k, k+1
  std::string regex;               // the same pattern as one regular expression (std::regex
                                   // ECMAScript syntax): documentation and benchmark baseline
  std::vector<PatternWord> words;  // every word the pattern can match
};

/// At most this many literal strings per segment (alternatives multiply).
inline constexpr size_t kMaxLiteralsPerSegment = 4096;

/// Compiles `pattern`. Errors (kInvalidArgument, message without the pattern text): unbalanced
/// braces, unknown <entity>, gap out of range, at an edge or inside {...}, punctuation in a word,
/// a part that can match no word, more than kMaxLiteralsPerSegment alternatives.
Result<CompiledPattern> CompilePattern(std::string_view pattern, const Normalizer& normalizer);

/// True when text word marks are consistent with the pattern's marks for the same folded word:
/// a word the child wrote without any mark matches anything (children often type without
/// diacritics); a word with marks must have the pattern's vowel marks, and its tone too when the
/// child wrote one (a missing tone is a common slip). A pattern word without marks is exact:
/// "thi" (exam) does not match "thì", "tung" (release) does not match "từng".
bool MarksAgree(const uint8_t* text_marks, const std::vector<uint8_t>& pattern_marks);

}  // namespace childsafe::text::internal
