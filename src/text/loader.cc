#include "text/loader.h"

#include <fstream>
#include <iterator>
#include <sstream>

namespace childsafe::text {

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::NotFound("cannot read " + path.filename().string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Fail(Error::Unavailable("read error", path.string()));
  return buffer.str();
}

Result<LexiconSources> ReadLexiconSources(const std::filesystem::path& data_dir) {
  const std::filesystem::path dir = data_dir / "triage";
  LexiconSources sources;
  CS_TRY(sources.categories_tsv, ReadTextFile(dir / "categories.tsv"));
  CS_TRY(sources.signals_tsv, ReadTextFile(dir / "signals.tsv"));
  CS_TRY(sources.cues_tsv, ReadTextFile(dir / "cues.tsv"));
  CS_TRY(sources.levels_tsv, ReadTextFile(dir / "levels.tsv"));
  CS_TRY(sources.model_tsv, ReadTextFile(dir / "model.tsv"));
  return sources;
}

Result<std::vector<TeencodeEntry>> ReadTeencode(const std::filesystem::path& data_dir) {
  CS_TRY(std::string tsv, ReadTextFile(data_dir / "text" / "teencode.tsv"));
  return ParseTeencodeTsv(tsv);
}

Result<std::shared_ptr<const Engine>> LoadEngine(const std::filesystem::path& data_dir) {
  CS_TRY(LexiconSources sources, ReadLexiconSources(data_dir));
  CS_TRY(Lexicon lexicon, ParseLexicon(sources));
  CS_TRY(std::vector<TeencodeEntry> teencode, ReadTeencode(data_dir));
  return Engine::Compile(std::move(lexicon), teencode);
}

Status ReloadEngine(EngineHolder& holder, const std::filesystem::path& data_dir) {
  CS_TRY(std::shared_ptr<const Engine> engine, LoadEngine(data_dir));
  holder.Set(std::move(engine));
  return {};
}

Result<EvalSet> LoadEvalSet(const std::filesystem::path& path) {
  CS_TRY(std::string tsv, ReadTextFile(path));
  return ParseEvalSet(tsv);
}

}  // namespace childsafe::text
