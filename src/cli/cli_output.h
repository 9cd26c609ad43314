// How the CLI talks to the user: exit codes, the one-line error format and number formatting.
#pragma once

#include <cstdint>
#include <string>

#include "core/number_format.h"
#include "core/status.h"

namespace mconv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (bad model, bad data, ...)
inline constexpr int kExitUsage = 2;    // the command line itself is wrong

// Prints "mconv: <subject>: <reason>" as one line on stderr. A reason that already starts with
// "<subject>: " (libraries often name the file) is not prefixed twice; newlines are folded.
void print_error(const std::string& subject, const std::string& reason);
// Reports a failed Status about `subject` and returns kExitFailure.
int fail(const std::string& subject, const Status& status);
// Reports a command-line mistake for subcommand `command` and returns kExitUsage.
int usage_error(const std::string& command, const std::string& reason);

using ::mconv::human_bytes;     // core/number_format.h
using ::mconv::with_thousands;  // core/number_format.h

}  // namespace mconv::cli
