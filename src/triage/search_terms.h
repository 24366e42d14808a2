#pragma once
// The blind search index: what a contact's text contributes to search, without the text.
//
// Summaries are encrypted, so search cannot look inside them. Instead each distinct word of a
// summary, folded the way search folds (text::FoldForSearch: no diacritics, case or tone
// placement, so "Xâm hại", "xam hai" and "XÂM HẠI" are the same word), is stored as a keyed
// hash (BLAKE2b under the keyring's pseudonym key, in a domain of its own, cut to 16 bytes). A
// query is folded and hashed the same way; a contact matches when it holds every query word.
// Someone with the database but not the keys learns neither the words nor a way to test a guess;
// they do see which contacts share a word and how often a word occurs (docs/queue.md, "Search").
//
// Whole words only: "xam" does not find "xâm hại" (no prefixes: they would multiply the rows
// and what the index reveals). Pure apart from the Pseudonymizer; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"

namespace childsafe::triage {

/// The pseudonym domain of search terms; a new folding would need a new domain (and a reindex).
inline constexpr std::string_view kSearchDomain = "search/v1";
/// Bytes kept of each keyed hash: 2^-128 collision odds, half the storage of the full 32.
inline constexpr size_t kSearchTermBytes = 16;
/// At most this many distinct words of one text are indexed (a 20,000-character summary has
/// far fewer); longer words are cut to kMaxWordBytes at a character boundary.
inline constexpr size_t kMaxIndexedWords = 4096;
inline constexpr size_t kMaxWordBytes = 64;

/// The distinct words of `text` (any bytes) as search sees them, in order of first appearance:
/// folded with text::FoldForSearch, split at white space, punctuation and symbols (ASCII and
/// the common Unicode blocks: general punctuation, CJK punctuation, arrows, emoji, ...).
/// O(n).
std::vector<std::string> SearchWords(std::string_view text);

/// The keyed hash of each word (kSearchTermBytes bytes each, same order).
std::vector<std::string> HashSearchWords(const std::vector<std::string>& words,
                                         const crypto::Pseudonymizer& pseudonyms);

}  // namespace childsafe::triage
