// `mconv`: dispatches to the subcommands listed in kCommands. Nothing escapes main: a library
// exception becomes a one-line error, and SIGPIPE (output piped into `head`) is ignored.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cli/cli_output.h"
#include "cli/commands.h"

namespace mconv::cli {
namespace {

// The one list of subcommands: `mconv --help` and dispatch both read it.
constexpr Command kCommands[] = {
    {"inspect", "show a model's signature, op histogram and parameter count", run_inspect},
    {"run", "run a model on .npy inputs with ONNX Runtime or the reference interpreter", run_run},
    {"convert", "convert a model between ONNX and TFLite as FP32, FP16 or INT8", run_convert},
    {"preprocess", "decode and preprocess images into an .npy batch", run_preprocess},
    {"bench", "time model loading and inference (ONNX Runtime, LiteRT, reference)", run_bench},
    {"verify", "check a converted model against its source, layer by layer", run_verify},
};

void print_help() {
  std::string text =
      "usage: mconv COMMAND [ARGS...]\n\n"
      "Convert, verify and run vision models (ONNX, TFLite).\n\ncommands:\n";
  for (const Command& c : kCommands) {
    std::string row = std::string("  ") + c.name;
    row.resize(12, ' ');
    text += row + c.summary + "\n";
  }
  text += "\nRun 'mconv COMMAND --help' for a command's options.\n";
  std::fputs(text.c_str(), stdout);
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    print_help();
    return kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands)
    if (name == c.name) return c.run(args);
  if (!name.empty() && name[0] == '-')
    print_error("", "unknown option '" + name + "' (see 'mconv --help')");
  else
    print_error("", "unknown command '" + name + "' (see 'mconv --help')");
  return kExitUsage;
}

}  // namespace
}  // namespace mconv::cli

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    int code = mconv::cli::dispatch(argc, argv);
    if (std::fflush(stdout) != 0 && code == mconv::cli::kExitOk) return mconv::cli::kExitFailure;
    return code;
  } catch (const std::bad_alloc&) {
    mconv::cli::print_error("", "out of memory");
  } catch (const std::exception& e) {
    mconv::cli::print_error("", std::string("internal error: ") + e.what());
  } catch (...) {
    mconv::cli::print_error("", "internal error: unknown exception");
  }
  return mconv::cli::kExitFailure;
}
