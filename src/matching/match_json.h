#pragma once
// JSON forms of the matching use cases, shared by the HTTP API and the command line's --json
// output, so both speak the same shapes (documented in docs/api/openapi.json).
//
// Pure functions. Thread-safe.

#include <nlohmann/json.hpp>
#include <vector>

#include "common/result.h"
#include "imagehash/image_hash.h"
#include "matching/match_service.h"

namespace childsafe::matching {

/// A match request body: {"hashes": [...], "type": "pdq", "radius": 31, "banks": ["NAME"]}.
/// Each item of "hashes" is an object {"type", "value", "quality"?} or a string ("pdq:HEX",
/// "md5:HEX", or bare hex: 32 digits MD5, 40 SHA-1, 64 digits of the request's "type", PDQ by
/// default). Unknown members are refused; every problem names its field ("hashes/3/value").
struct HashMatchBody {
  std::vector<HashQuery> hashes;
  MatchRequest request;
};
Result<HashMatchBody> DecodeHashMatchBody(const nlohmann::json& j);

/// {"bank", "bank_id", "entry_id", "source_entry_id", "labels", "hash_type", "distance", "variant"}
nlohmann::json MatchHitJson(const MatchHit& m);
/// {"status", "matches", "total", "suppressed"}
nlohmann::json MatchOutcomeJson(const MatchOutcome& o);
/// {"format", "width", "height", "quality", "quality_ok", "pdq", "md5", "sha1", "sha256", "path",
///  "flavor", "dihedral"?}
nlohmann::json ImageHashesJson(const imagehash::ImageHashes& h);
/// {"name", "description", "source", "licence", "negative", "enabled", "entries", ...}
nlohmann::json BankSummaryJson(const BankSummary& b);
/// {"bank", "committed", "rows", "added", "duplicates", "withdrawn", "rejected", "errors": [...]}
nlohmann::json ImportReportJson(const ImportReport& r);

}  // namespace childsafe::matching
