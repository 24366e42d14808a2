#pragma once
// How commands are added to `childsafe`: each area registers its (sub)commands with their options
// and a runner, in its own file (commands_<area>.cc), through one Registry. cli.cc only sets up
// the global options, parses, and runs the chosen command.

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "cli/runtime.h"
#include "common/result.h"

namespace childsafe::cli {

struct Io {
  std::ostream& out;
  std::ostream& err;
};

/// Runs a chosen command; returns the exit code.
using Runner = std::function<int(Io&)>;

class Registry {
 public:
  Registry(CLI::App& app, RuntimeOptions& options) : app_(app), options_(options) {}

  CLI::App& app() { return app_; }
  /// The global runtime options (data dir, database, master key), filled by parsing.
  RuntimeOptions& options() { return options_; }
  /// Adds --db and --master-key to a command.
  void AddDbOptions(CLI::App* command);
  /// Registers a leaf command and what it runs.
  void Add(CLI::App* command, Runner run) { commands_.emplace_back(command, std::move(run)); }
  const std::vector<std::pair<CLI::App*, Runner>>& commands() const { return commands_; }

 private:
  CLI::App& app_;
  RuntimeOptions& options_;
  std::vector<std::pair<CLI::App*, Runner>> commands_;
};

/// Exit codes: 2 invalid input, 3 not found, 4 refused (precondition, conflict), 1 otherwise.
int ExitCode(ErrorCode code);
/// Prints one line ("childsafe: message (field: problem; ...)") and returns the exit code.
int Report(std::ostream& err, const Error& e);
/// The identity of the operator running a command (for logs and, later, the audit trail).
auth::Principal CliPrincipal();
inline bool IsVietnamese(const std::string& lang) { return lang != "en"; }

// Areas (one file each).
void RegisterHotlineCommands(Registry& registry);
void RegisterAccountCommands(Registry& registry);
void RegisterMatchingCommands(Registry& registry);
void RegisterTriageCommands(Registry& registry);

}  // namespace childsafe::cli
