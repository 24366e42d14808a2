#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/command.h"
#include "common/log.h"

namespace childsafe::cli {

int Run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "childsafe — nền tảng Tổng đài 111 bảo vệ trẻ em / the Hotline 111 child-protection platform",
      "childsafe"};
  app.require_subcommand(1);
  RuntimeOptions ro;
  std::string log_level = "info", log_file;
  app.add_option("--data-dir", ro.data_dir,
                 "Taxonomy, provinces and permission files (default: ./data)");
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  app.add_option("--log-file", log_file, "Write the JSON log here instead of stderr");

  Registry registry(app, ro);
  RegisterHotlineCommands(registry);
  RegisterAccountCommands(registry);
  RegisterMatchingCommands(registry);
  RegisterTriageCommands(registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return 0;
    }
    std::string msg = e.what();
    for (const auto& [command, run] : registry.commands()) {
      if (command->parsed()) msg += " (see childsafe " + command->get_name() + " --help)";
    }
    err << "childsafe: " << msg << "\n";
    return 2;
  }

  log::Options lo;
  log::ParseLevel(log_level, lo.level);
  lo.file = log_file;
  log::Init(lo);

  Io io{out, err};
  for (const auto& [command, run] : registry.commands()) {
    if (command->parsed()) return run(io);
  }
  err << "childsafe: choose a command (see childsafe --help)\n";
  return 2;
}

}  // namespace childsafe::cli
