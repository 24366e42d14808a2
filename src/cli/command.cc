#include "cli/command.h"

#include <cstdlib>
#include <ostream>

#include "common/log.h"

namespace childsafe::cli {

void Registry::AddDbOptions(CLI::App* c) {
  c->add_option("--db", options_.db_path, "SQLite database file")->capture_default_str();
  c->add_option("--master-key", options_.master_key,
                "Master key file (default: master.key beside the database)");
}

int ExitCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kPayloadTooLarge:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
      return 4;
    default:
      return 1;
  }
}

// One line: the message and, for invalid input, every field.
int Report(std::ostream& err, const Error& e) {
  std::string line = e.message;
  if (!e.fields.empty()) {
    line += " (";
    for (size_t i = 0; i < e.fields.size(); ++i) {
      if (i) line += "; ";
      line += (e.fields[i].field.empty() ? "" : e.fields[i].field + ": ") + e.fields[i].message;
    }
    line += ")";
  }
  err << "childsafe: " << line << "\n";
  if (!e.detail.empty()) log::Error("cli.failed", {{"detail", e.detail}});
  return ExitCode(e.code);
}

auth::Principal CliPrincipal() {
  auth::Principal p = auth::Principal::System();
  const char* user = std::getenv("USER");
  p.name = std::string("cli:") + (user ? user : "unknown");
  return p;
}

}  // namespace childsafe::cli
