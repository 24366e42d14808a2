// Text triage on the command line: triage a text (a readable report with highlights), evaluate
// the engine on a labelled set against the goals of issue 5, and check a lexicon before reloading
// a running server with it (SIGHUP).
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/command.h"
#include "text/evaluation.h"
#include "text/loader.h"
#include "triage/findings.h"
#include "triage/report.h"
#include "triage/taxonomy_map.h"

namespace childsafe::cli {

namespace {

constexpr size_t kMaxFileBytes = size_t{16} << 20;

struct Loaded {
  std::unique_ptr<Runtime> data;
  std::shared_ptr<const text::Engine> engine;
  triage::TaxonomyMap map;
};

// The data files and the compiled lexicon (no database: nothing here is stored).
Result<Loaded> Load(const RuntimeOptions& ro) {
  Loaded l;
  CS_TRY(l.data, Runtime::LoadData(ro));
  const std::string dir = ResolveDataDir(ro.data_dir);
  CS_TRY(l.map,
         triage::TaxonomyMap::Load(dir + "/taxonomy/vn111.v1.triage.tsv", l.data->taxonomy()));
  CS_TRY(l.engine, text::LoadEngine(dir));
  return l;
}

Result<std::string> ReadInput(const std::string& file) {
  std::string body;
  if (file == "-") {
    body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(Error::NotFound("cannot read " + file));
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (body.size() > kMaxFileBytes) {
    return Fail(Error::TooLarge("the file is over 16 MiB; triage reads messages, not archives"));
  }
  return body;
}

struct TriageArgs {
  std::vector<std::string> words;
  std::string file;
  std::string color = "auto";
  bool json = false;
};

int TriageText(const RuntimeOptions& ro, const TriageArgs& a, Io& io) {
  if (a.words.empty() == a.file.empty()) {
    return Report(io.err, Error::Invalid("give the text, or --file F (- for standard input)"));
  }
  std::string text;
  if (!a.file.empty()) {
    auto read = ReadInput(a.file);
    if (!read) return Report(io.err, read.error());
    text = std::move(*read);
  } else {
    for (size_t i = 0; i < a.words.size(); ++i) text += (i ? " " : "") + a.words[i];
  }
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  const text::TriageResult r = loaded->engine->Triage(text);
  if (a.json) {
    triage::ViewContext ctx{&loaded->engine->lexicon(), &loaded->map, nullptr};
    io.out << triage::FindingsView(r, text, ctx)
                  .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
           << "\n";
    return 0;
  }
  triage::ReportStyle style;
  style.color = a.color == "always" || (a.color == "auto" && &io.out == &std::cout && isatty(1));
  io.out << triage::FormatTriageReport(r, text, *loaded->engine, loaded->map, style);
  return 0;
}

int Eval(const RuntimeOptions& ro, const std::string& file, bool misses, Io& io) {
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  auto set = text::LoadEvalSet(file);
  if (!set) return Report(io.err, set.error());
  const text::EvalReport report = text::Evaluate(*loaded->engine, *set);
  io.out << "Tập đánh giá / evaluation set: " << file << "\n";
  io.out << text::FormatEvalReport(report, misses);
  bool met = false;
  io.out << triage::FormatEvalGoals(report, triage::EvalGoals{}, &met);
  // Exit 1 when a goal is not met, so a lexicon change that breaks one fails its check.
  return met ? 0 : 1;
}

int Check(const RuntimeOptions& ro, Io& io) {
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  const text::Engine& e = *loaded->engine;
  io.out << "childsafe: bộ từ điển hợp lệ / the lexicon compiles: " << e.version() << "\n"
         << "  " << e.lexicon().categories.size() << " nhóm / categories, "
         << e.lexicon().signals.size() << " tín hiệu / signals, " << e.lexicon().cues.size()
         << " ngữ cảnh / cues, " << e.literal_count() << " chuỗi / literals\n";
  for (const auto& c : e.lexicon().categories) {
    if (loaded->map.CodesOf(c.key).empty()) {
      io.out << "  chưa gắn mã phân loại / no taxonomy codes for: " << c.key << "\n";
    }
  }
  io.out << "  Nạp lại máy chủ đang chạy / to reload a running server: kill -HUP <pid>, or "
            "POST /api/v1/triage/reload\n";
  return 0;
}

}  // namespace

void RegisterTriageCommands(Registry& r) {
  CLI::App& app = r.app();
  RuntimeOptions& ro = r.options();

  auto args = std::make_shared<TriageArgs>();
  CLI::App* triage = app.add_subcommand(
      "triage", "Phân loại rủi ro một văn bản / triage a text (risk signals, highlighted)");
  triage->add_option("TEXT", args->words, "The text (or use --file)");
  triage->add_option("--file,-f", args->file, "Read the text from a file (- for standard input)");
  triage->add_option("--color", args->color, "Highlight with terminal colours")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  triage->add_flag("--json", args->json, "Print the JSON of POST /api/v1/triage instead");
  triage->require_subcommand(0, 1);

  // Leaf commands first: the first parsed command in the registry is the one that runs.
  auto eval_file = std::make_shared<std::string>();
  auto misses = std::make_shared<bool>(false);
  CLI::App* eval = triage->add_subcommand(
      "eval",
      "Đánh giá trên tập có nhãn / precision and recall on a labelled set (exit 1 if a "
      "goal of issue 5 is not met)");
  eval->add_option("FILE", *eval_file, "The labelled set (data/triage/eval/eval.tsv)")
      ->required()
      ->check(CLI::ExistingFile);
  eval->add_flag("--misses", *misses, "List every miss (for lexicon editors)");
  r.Add(eval, [&ro, eval_file, misses](Io& io) { return Eval(ro, *eval_file, *misses, io); });

  CLI::App* check = triage->add_subcommand(
      "check", "Kiểm tra bộ từ điển / compile the lexicon in the data directory and report");
  r.Add(check, [&ro](Io& io) { return Check(ro, io); });

  r.Add(triage, [&ro, args](Io& io) { return TriageText(ro, *args, io); });
}

}  // namespace childsafe::cli
