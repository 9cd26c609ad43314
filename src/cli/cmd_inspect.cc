// `mconv inspect MODEL [--json] [--graph]`: a quick look at a model file.
#include <cstdio>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "delegates/delegate_analysis.h"
#include "ir/dump.h"
#include "pipeline/model_files.h"
#include "pipeline/model_summary.h"

namespace mconv::cli {

namespace {
CommandSpec inspect_spec() {
  return {
      .name = "inspect",
      .summary =
          "Show a model's format, producer, I/O signature, op histogram and parameter count.",
      .positionals = {{"MODEL", "an .onnx, .tflite or PyTorch .pth file"}},
      .options = {{.name = "json", .help = "print the same facts as JSON"},
                  {.name = "arch",
                   .value_name = "NAME",
                   .help = "PyTorch checkpoints: the torchvision architecture (default: "
                           "recognised)"},
                  {.name = "graph", .help = "print the imported graph, one line per node"},
                  {.name = "delegates",
                   .help = "which nodes each mobile delegate / execution provider takes, and why "
                           "not the others (with --json: as JSON)"}},
      .notes =
          "Layouts (NCHW/NHWC) are shown for 4-d inputs and outputs when a layout-sensitive\n"
          "op (Conv, pooling, BatchNormalization) fixes them.",
  };
}
}  // namespace

int run_inspect(const std::vector<std::string>& args) {
  CommandSpec spec = inspect_spec();
  ParsedArgs parsed;
  if (auto exit_code = parse_command(spec, args, parsed)) return *exit_code;
  const std::string& path = parsed.positional(0);
  auto file = read_model_file(path);
  if (!file.ok()) return fail(path, file.status());
  file->arch = parsed.value("arch").value_or("");
  if (parsed.flag("delegates")) {
    auto report = delegates::analyze_model_bytes(file->bytes, path);
    if (!report.ok()) return fail(path, report.status());
    std::fputs((parsed.flag("json") ? delegates::delegate_report_json(*report)
                                    : delegates::delegate_report_text(*report))
                   .c_str(),
               stdout);
    return kExitOk;
  }
  auto model = import_model(*file);
  if (!model.ok()) return fail(path, model.status());

  if (parsed.flag("graph")) {
    std::fputs(ir::dump(model->graph).c_str(), stdout);
    return kExitOk;
  }
  ModelSummary summary = summarize_model(*file, *model);
  std::string text = parsed.flag("json") ? summary_json(summary) : summary_text(summary);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace mconv::cli
