#pragma once
// Which hotline taxonomy categories each triage (lexicon) category suggests, e.g. sextortion ->
// online.sextortion. Data, not code: data/taxonomy/vn111.v1.triage.tsv, one row per lexicon
// category: its key, a tab, and comma-separated subcategory codes of the taxonomy.
//
// Parsing checks the shape of every row and that every code exists in the taxonomy; a lexicon
// category without a row simply suggests no taxonomy code (a new lexicon category must not stop a
// lexicon reload). Immutable after parsing; thread-safe.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/taxonomy.h"

namespace childsafe::triage {

class TaxonomyMap {
 public:
  /// Errors are kInvalidArgument naming the line: wrong column count, a key that is not
  /// lower_snake_case, a duplicate key, a code the taxonomy does not have.
  static Result<TaxonomyMap> Parse(std::string_view tsv, const domain::Taxonomy& taxonomy);
  static Result<TaxonomyMap> Load(const std::string& path, const domain::Taxonomy& taxonomy);

  /// The taxonomy codes a lexicon category suggests (empty if it has no row).
  const std::vector<std::string>& CodesOf(std::string_view category) const;
  size_t size() const { return codes_.size(); }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> codes_;
};

}  // namespace childsafe::triage
