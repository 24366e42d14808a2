// Text triage on the command line: triage a text (a readable report with highlights), evaluate
// the engine on a labelled set against the goals of issue 5, and check a lexicon before reloading
// a running server with it (SIGHUP).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <ostream>
#include <set>
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

struct ModelArgs {
  std::vector<std::string> files;
  std::string out;
  int folds = 5;
  bool by_file = false;
  bool misses = false;
  text::TrainOptions options;
};

// The labelled sets of `files`, one after another; an id in two files is an error. `file_of`,
// when given, gets the index of each example's file.
Result<text::EvalSet> LoadSets(const std::vector<std::string>& files,
                               std::vector<int>* file_of = nullptr) {
  text::EvalSet all;
  std::set<std::string, std::less<>> ids;
  for (const std::string& file : files) {
    CS_TRY(text::EvalSet set, text::LoadEvalSet(file));
    for (text::EvalExample& ex : set.examples) {
      if (!ids.insert(ex.id).second) {
        return Fail(Error::Invalid(file + " line " + std::to_string(ex.line) + ": id " + ex.id +
                                   " is already in an earlier file"));
      }
      all.examples.push_back(std::move(ex));
      if (file_of != nullptr) file_of->push_back(static_cast<int>(&file - files.data()));
    }
  }
  return all;
}

int Train(const RuntimeOptions& ro, const ModelArgs& args, Io& io) {
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  auto set = LoadSets(args.files);
  if (!set) return Report(io.err, set.error());
  const text::Engine& engine = *loaded->engine;
  auto model = text::TrainModel(engine.normalizer(), engine.lexicon().categories, set->examples,
                                args.options);
  if (!model) return Report(io.err, model.error());
  const std::string tsv = text::FormatModel(*model, engine.lexicon().categories);
  if (args.out.empty()) {
    io.out << tsv;
    return 0;
  }
  // Written beside the target and renamed over it: a reload never sees half a model.
  const std::string tmp = args.out + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << tsv;
    out.close();
    if (!out) return Report(io.err, Error::Unavailable("cannot write " + tmp));
  }
  if (std::rename(tmp.c_str(), args.out.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Report(io.err, Error::Unavailable("cannot write " + args.out));
  }
  io.err << "childsafe: " << set->examples.size() << " ví dụ / examples, " << model->features.size()
         << " đặc trưng / features → " << args.out << "\n";
  return 0;
}

int CrossValidateCommand(const RuntimeOptions& ro, const ModelArgs& args, Io& io) {
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  std::vector<int> file_of;
  auto set = LoadSets(args.files, &file_of);
  if (!set) return Report(io.err, set.error());
  auto teencode = text::ReadTeencode(ResolveDataDir(ro.data_dir));
  if (!teencode) return Report(io.err, teencode.error());
  auto report = text::CrossValidate(loaded->engine->lexicon(), *teencode, *set, args.folds,
                                    args.options, args.by_file ? &file_of : nullptr);
  if (!report) return Report(io.err, report.error());
  io.out << "Kiểm định chéo / "
         << (args.by_file ? "one fold per file (leave one writer out)"
                          : std::to_string(args.folds) + "-fold")
         << " cross-validation, model params boost " << args.options.params.boost << " min "
         << args.options.params.min << " doubt " << args.options.params.doubt << " damp "
         << args.options.params.damp << "\n";
  io.out << text::FormatEvalReport(*report, args.misses);
  bool met = false;
  io.out << triage::FormatEvalGoals(*report, triage::EvalGoals{}, &met);
  return 0;
}

int Check(const RuntimeOptions& ro, Io& io) {
  auto loaded = Load(ro);
  if (!loaded) return Report(io.err, loaded.error());
  const text::Engine& e = *loaded->engine;
  io.out << "childsafe: bộ từ điển hợp lệ / the lexicon compiles: " << e.version() << "\n"
         << "  " << e.lexicon().categories.size() << " nhóm / categories, "
         << e.lexicon().signals.size() << " tín hiệu / signals, " << e.lexicon().cues.size()
         << " ngữ cảnh / cues, " << e.literal_count() << " chuỗi / literals\n";
  if (e.lexicon().model.empty()) {
    io.out << "  không có mô hình / no model (triage/model.tsv is empty)\n";
  } else {
    io.out << "  mô hình / model: " << e.lexicon().model.features.size()
           << " đặc trưng / features\n";
  }
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

  auto model_args = std::make_shared<ModelArgs>();
  auto add_model_options = [model_args](CLI::App* cmd) {
    cmd->add_option("FILE", model_args->files, "Labelled sets (format of data/triage/eval/)")
        ->required()
        ->check(CLI::ExistingFile);
    text::TrainOptions& o = model_args->options;
    cmd->add_option("--epochs", o.epochs, "Passes over the examples")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--rate", o.rate, "SGD step")
        ->check(CLI::Range(1e-6, 10.0))
        ->capture_default_str();
    cmd->add_option("--l2", o.l2, "Weight decay")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--prune", o.prune, "Leave out features below this |weight|")
        ->check(CLI::Range(0.0, 10.0))
        ->capture_default_str();
    cmd->add_option("--positive", o.positive, "Weight of positive examples' errors")
        ->check(CLI::Range(0.1, 100.0))
        ->capture_default_str();
    cmd->add_flag(
        "--no-pairs", [&o](int64_t) { o.pairs = false; }, "Single words only");
    cmd->add_option("--boost", o.params.boost, "Param boost")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--min", o.params.min, "Param min")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--doubt", o.params.doubt, "Param doubt")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--emergency", o.params.emergency,
                    "Param emergency (the emergency head's threshold; 1: off)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--damp", o.params.damp, "Param damp")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
  };
  CLI::App* train = triage->add_subcommand(
      "train",
      "Huấn luyện mô hình / train the triage model on labelled sets (data/triage/model.tsv)");
  add_model_options(train);
  train->add_option("--out,-o", model_args->out, "Write the model here (default: standard output)");
  r.Add(train, [&ro, model_args](Io& io) { return Train(ro, *model_args, io); });

  CLI::App* cv = triage->add_subcommand(
      "cv", "Kiểm định chéo / cross-validate the lexicon with a model trained on the other folds");
  add_model_options(cv);
  cv->add_option("--folds", model_args->folds, "Number of folds")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cv->add_flag("--by-file", model_args->by_file,
               "One fold per FILE (each file one writer): how the model does on a new writer");
  cv->add_flag("--misses", model_args->misses, "List every miss");
  r.Add(cv, [&ro, model_args](Io& io) { return CrossValidateCommand(ro, *model_args, io); });

  CLI::App* check = triage->add_subcommand(
      "check", "Kiểm tra bộ từ điển / compile the lexicon in the data directory and report");
  r.Add(check, [&ro](Io& io) { return Check(ro, io); });

  r.Add(triage, [&ro, args](Io& io) { return TriageText(ro, *args, io); });
}

}  // namespace childsafe::cli
