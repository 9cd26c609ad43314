// Runs a child process from an argument vector (no shell, so paths need no quoting), captures its
// stdout and stderr, and kills it when it overruns a deadline so a caller never hangs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace mconv::litert {

struct ProcessOptions {
  std::vector<std::pair<std::string, std::string>> env;  // set/override in the child's environment
  double timeout_seconds = 600;                          // killed (SIGKILL) after this long
  size_t max_output_bytes = 64 << 20;                    // per stream; the rest is dropped
  // The child's stdin: this descriptor (e.g. the read end of a pipe the caller feeds while the
  // child runs; the caller keeps ownership), or /dev/null when negative.
  int stdin_fd = -1;
};

struct ProcessResult {
  int exit_code = -1;          // exit status, or 128+signal when killed by a signal
  bool timed_out = false;      // killed because it overran options.timeout_seconds
  std::string out;             // everything the child wrote to stdout
  std::string err;             // everything the child wrote to stderr
  int64_t peak_rss_bytes = 0;  // the child's peak resident set (wait4 rusage), 0 if unknown
  double wall_ms = 0;          // spawn to exit
};

// argv[0] must be a path to an executable (no PATH search). Fails only when the process could
// not be started; a child that fails is reported through exit_code.
Expected<ProcessResult> run_process(const std::vector<std::string>& argv,
                                    const ProcessOptions& options = {});

// Looks `name` up in $PATH like a shell would; "" when not found.
std::string find_in_path(const std::string& name);

}  // namespace mconv::litert
