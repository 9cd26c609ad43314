// `mconv convert`: placeholder until the conversion pipeline lands.
#include <cstdio>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"

namespace mconv::cli {

int run_convert(const std::vector<std::string>& args) {
  CommandSpec spec{
      .name = "convert",
      .summary = "Convert a model between ONNX and TFLite (not available yet).",
  };
  // Only --help is understood; everything else gets the same answer.
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(help_text(spec).c_str(), stdout);
      return kExitOk;
    }
  print_error("convert", "not available yet");
  return kExitUsage;
}

}  // namespace mconv::cli
