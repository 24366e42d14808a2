#pragma once
// The command-line adapter: `childsafe <command> ...`. Each command parses its options, opens what
// it needs through the same wiring as the server (app::Runtime) and calls the services.
// On failure it prints one line to stderr ("childsafe: ...") and returns a non-zero exit code:
//   2 invalid input, 3 not found, 4 refused (precondition, conflict), 1 anything else.

#include <iosfwd>
#include <string>
#include <vector>

namespace childsafe::cli {

/// Runs the command line; returns the process exit code. `out`/`err` receive the output.
int Run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace childsafe::cli
