#pragma once
// Loading the text engine's data files (the only file I/O of src/text, kept apart from the
// pure compute so tests and the fuzzer can build engines from strings).
//
// Layout under a data directory (the repository's data/):
//   triage/categories.tsv  triage/signals.tsv  triage/cues.tsv  triage/levels.tsv
//   triage/model.tsv (classifier.h; required here, optional for engines built from strings)
//   text/teencode.tsv
// Errors: kNotFound naming the missing file, kInvalidArgument from the parsers (file and line).
// Thread-safe (no shared state).

#include <filesystem>
#include <memory>
#include <vector>

#include "common/result.h"
#include "text/engine.h"
#include "text/evaluation.h"
#include "text/lexicon.h"
#include "text/normalize.h"

namespace childsafe::text {

/// Reads a whole file. kNotFound if it cannot be opened.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

Result<LexiconSources> ReadLexiconSources(const std::filesystem::path& data_dir);
Result<std::vector<TeencodeEntry>> ReadTeencode(const std::filesystem::path& data_dir);

/// Reads, parses and compiles the engine from `data_dir`.
Result<std::shared_ptr<const Engine>> LoadEngine(const std::filesystem::path& data_dir);

/// Recompiles from `data_dir` and, only if that succeeds, publishes the new engine in `holder`
/// (calls in flight finish on the old one). On error the old engine stays in place.
Status ReloadEngine(EngineHolder& holder, const std::filesystem::path& data_dir);

/// Reads and parses an evaluation set (format in evaluation.h).
Result<EvalSet> LoadEvalSet(const std::filesystem::path& path);

}  // namespace childsafe::text
