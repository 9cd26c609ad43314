// The subcommands of `mconv`. Each lives in its own cmd_<name>.cc; main.cc lists them in the one
// dispatch table.
#pragma once

#include <string>
#include <vector>

namespace mconv::pipeline {}

namespace mconv::cli {

// The command line is a thin layer over the pipeline library and uses its names unqualified.
using namespace ::mconv::pipeline;

// Every subcommand gets the arguments after its name and returns the process exit code.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;     // what the user types after `mconv`
  const char* summary;  // one line for `mconv --help`
  CommandFn run;        // the implementation
};

int run_inspect(const std::vector<std::string>& args);
int run_run(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_preprocess(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);

}  // namespace mconv::cli
