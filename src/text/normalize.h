#pragma once
// Vietnamese text normalisation for triage: what a child typed, turned into a form a lexicon
// can match, with a map back to the original bytes so highlights land on what the child typed.
//
// Normalize() produces two aligned views of the text:
//   canonical  NFC (ICU), lower case (simple case folding), one tone-mark placement (the
//              traditional one, "hòa", "thủy", "khỏe"; so "hoà" and "hòa" compare equal),
//              zero-width and bidi controls removed, letters repeated for emphasis collapsed
//              ("cứuuuu" -> "cứu"), separators inside words removed ("t.ự t.ử" -> "tự tử",
//              "c h ế t" -> "chết"), look-alike digits and symbols read as letters ("n0" -> "no",
//              "4nh" -> "anh", "$ex" -> "sex", Cyrillic "с" in a Latin word -> "c"), teencode and
//              abbreviations expanded from a data table ("ko" -> "không"), whitespace collapsed,
//              sentence punctuation kept as ". ! ?" and clause punctuation as ",".
//   folded     the same words without diacritics (đ -> d), each word and each punctuation mark
//              a space-separated token, entities replaced by "<url>", "<email>", "<phone>",
//              "<handle>"; it always starts and ends with a space (or is empty). This is what
//              the triage lexicon is matched against.
// Every byte of both views carries the Span of original bytes it came from. Spans are inside
// the original text and non-decreasing (begin and end) along each view.
//
// Normalisation is idempotent on the canonical view: Normalize(Normalize(x).canonical).canonical
// == Normalize(x).canonical (checked by the fuzz target fuzz/text_normalize_fuzz.cc).
//
// Invalid UTF-8 is replaced by U+FFFD (one per maximal subpart) and flagged; input longer than
// NormalizeOptions::max_bytes is cut at a character boundary and flagged. Time and memory are
// O(n) in the input length for any input (1 MB of one repeated character, mixed scripts, ...).
//
// A Normalizer is immutable after Create() and safe to use from many threads at once.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/result.h"

namespace childsafe::text {

/// A byte range [begin, end) in the original text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

enum class EntityKind : uint8_t { kUrl, kEmail, kPhone, kHandle };

/// "url", "email", "phone", "handle".
std::string_view EntityKindName(EntityKind kind);

/// Something a counsellor may need to act on: a link, an address, a number, an account.
struct Entity {
  EntityKind kind = EntityKind::kUrl;
  Span span;          // in the original text
  std::string value;  // normalised: phone in E.164 ("+84912345678") when Vietnamese, e-mail
                      // and handle lower-cased, URL as written (paths are case-sensitive)
  friend bool operator==(const Entity&, const Entity&) = default;
};

/// Finds URLs, e-mail addresses, phone numbers (Vietnamese mobile and landline formats with or
/// without +84 and with space/dot/dash grouping, 1800/1900 numbers, 111-115, other +country
/// numbers) and @handles in valid UTF-8 `text`. Spans are into `text`, sorted, non-overlapping.
/// O(n).
std::vector<Entity> ExtractEntities(std::string_view text);

/// Bits of NormalizedText::flags.
enum TextFlag : uint32_t {
  kFlagInvalidUtf8 = 1u << 0,   // invalid UTF-8 was replaced by U+FFFD
  kFlagTruncated = 1u << 1,     // input longer than max_bytes; only the prefix was read
  kFlagNotNfc = 1u << 2,        // input was not NFC (e.g. macOS or "Unicode tổ hợp" input)
  kFlagZeroWidth = 1u << 3,     // zero-width or other invisible format characters removed
  kFlagBidiControl = 1u << 4,   // right-to-left / bidi override characters removed
  kFlagMixedScripts = 1u << 5,  // a word mixed Latin with look-alike Cyrillic/Greek letters
  kFlagLookalikes = 1u << 6,    // digits or symbols inside a word were read as letters
  kFlagSplitWords = 1u << 7,    // a word split by separators or spaces was joined
  kFlagTeencode = 1u << 8,      // at least one teencode/abbreviation was expanded
};

enum class TokenKind : uint8_t {
  kWord,      // a word (possibly one of several a teencode entry expanded into)
  kEntity,    // an entity placeholder ("<url>", ...)
  kClause,    // "," in folded: a clause boundary
  kSentence,  // "." in folded: a sentence boundary
};

/// One token of the folded view.
struct Token {
  uint32_t begin = 0;  // byte range in `folded` (without the surrounding spaces)
  uint32_t end = 0;
  uint32_t sentence = 0;  // index of the sentence the token is in (0-based)
  uint32_t clause = 0;    // index of the clause (sentences and ","-clauses) the token is in
  TokenKind kind = TokenKind::kWord;
};

namespace internal {
/// The allocator of the vectors Normalize() sizes ahead and then writes element by element: a
/// resize() without a value leaves the new elements of a trivially copyable type unwritten
/// instead of zeroing them (a per-byte Span array was zero-filled only to be overwritten).
/// Every other operation is std::allocator's. Normalize() returns these vectors cut to what it
/// wrote, so every element a caller sees has been written.
template <class T>
struct SizedAheadAllocator : std::allocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = SizedAheadAllocator<U>;
  };
  SizedAheadAllocator() = default;
  template <class U>
  SizedAheadAllocator(const SizedAheadAllocator<U>&) noexcept {}  // NOLINT: implicit by design
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    if constexpr (!std::is_trivially_copyable_v<U>) ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  friend bool operator==(const SizedAheadAllocator&, const SizedAheadAllocator<U>&) noexcept {
    return true;
  }
};
}  // namespace internal

/// One Span per byte of a view; one diacritics byte per byte of `folded`; the tokens.
using SpanVector = std::vector<Span, internal::SizedAheadAllocator<Span>>;
using MarkVector = std::vector<uint8_t, internal::SizedAheadAllocator<uint8_t>>;
using TokenVector = std::vector<Token, internal::SizedAheadAllocator<Token>>;

struct NormalizedText {
  std::string canonical;       // empty when NormalizeOptions::canonical is false
  SpanVector canonical_spans;  // one per byte of `canonical`
  std::string folded;
  SpanVector folded_spans;  // one per byte of `folded`
  /// One per byte of `folded`: the diacritics the letter carried, as Vietnamese modifier
  /// (bits 0-2: 1 circumflex, 2 breve, 3 horn, 4 stroke of đ) | tone << 3 (1 grave, 2 acute,
  /// 3 hook, 4 tilde, 5 dot below). 0 for a bare letter and for everything else. Triage uses it
  /// to tell "tung ảnh" (leak photos) from "từng ảnh" (each photo) when the child wrote marks.
  MarkVector folded_marks;
  TokenVector tokens;            // the tokens of `folded`, in order
  std::vector<Entity> entities;  // spans in the original text
  uint32_t flags = 0;            // TextFlag bits
  uint32_t original_size = 0;    // bytes of the original text that were read

  /// Original span of folded bytes [begin, end) (end > begin), i.e. what to highlight.
  Span OriginalSpan(uint32_t folded_begin, uint32_t folded_end) const;
};

struct NormalizeOptions {
  /// Build `canonical` and `canonical_spans` too (triage needs only the folded view).
  bool canonical = true;
  /// Longer input is cut at a character boundary and flagged kFlagTruncated.
  size_t max_bytes = size_t{4} << 20;
};

/// One teencode/abbreviation row: `from` (one word) is read as `to` (one or more words).
struct TeencodeEntry {
  std::string from;
  std::string to;
  int line = 0;  // 1-based line in the source file, for error messages
};

/// Parses the teencode table format (data/text/teencode.tsv): one "from<TAB>to[<TAB>note]" per
/// line, '#' comments and blank lines ignored. Errors name the line.
Result<std::vector<TeencodeEntry>> ParseTeencodeTsv(std::string_view tsv);

class Normalizer;

namespace internal {
/// The normaliser without its streaming fast path for simple words: every word goes through the
/// full machinery. The output is the same by construction; tests and the fuzz target check it.
NormalizedText NormalizeWithoutFastPath(const Normalizer& normalizer, std::string_view text,
                                        const NormalizeOptions& options = {});
}  // namespace internal

class Normalizer {
 public:
  /// Builds a normaliser with a teencode table. Each `from` must normalise to exactly one word,
  /// each `to` to one or more words; no two `from`s may normalise to the same word, and no word
  /// of a `to` may itself be a `from` (that would make normalisation not idempotent). Errors are
  /// kInvalidArgument naming the line.
  static Result<Normalizer> Create(const std::vector<TeencodeEntry>& teencode);

  /// A normaliser without teencode expansion.
  Normalizer();
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  /// Normalises `text` (any bytes). Never fails; see the file comment. O(n).
  NormalizedText Normalize(std::string_view text, const NormalizeOptions& options = {}) const;

  /// Number of teencode entries.
  size_t teencode_size() const;

  struct Impl;

 private:
  friend NormalizedText internal::NormalizeWithoutFastPath(const Normalizer&, std::string_view,
                                                           const NormalizeOptions&);
  explicit Normalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace childsafe::text
