#pragma once
// Runs the childsafe binary as a child process for end-to-end tests.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace childsafe::testing {

/// The built binary (CTest sets CHILDSAFE_BINARY_DIR).
std::string ChildsafeBinary();

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs to completion (bounded by `timeout`; killed if it overruns).
RunResult RunChildsafe(const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(120));

/// A long-running child (the server). Its stdout is readable line by line.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Reads stdout until a line containing `needle` (returns it) or the timeout (nullopt).
  std::optional<std::string> WaitForLine(const std::string& needle, std::chrono::seconds timeout);
  void Signal(int sig);
  /// Waits for exit; returns the exit code (128 + signal if killed), -1 on timeout.
  int Wait(std::chrono::seconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool exited_ = false;
  int status_ = 0;
};

/// The port in a "serving on http://127.0.0.1:PORT" line.
int PortFromLine(const std::string& line);

}  // namespace childsafe::testing
