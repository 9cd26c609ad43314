// `mconv run MODEL --input x.npy ... --output y.npy ...`: runs a model on .npy inputs with ONNX
// Runtime, native TensorFlow Lite, LiteRT or the reference interpreter (the runtimes part) and
// writes .npy outputs.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "pipeline/model_files.h"
#include "pipeline/model_runs.h"
#include "runtimes/run_batched.h"

namespace mconv::cli {

namespace {

CommandSpec run_spec() {
  return {
      .name = "run",
      .summary = "Run a model on .npy inputs and write its outputs as .npy files.",
      .positionals = {{"MODEL", "an .onnx, .tflite or PyTorch .pth file"}},
      .options =
          {
              {.name = "input",
               .short_name = 'i',
               .value_name = "[NAME=]PATH",
               .repeated = true,
               .help = "input array, bound by order or by input name"},
              {.name = "output",
               .short_name = 'o',
               .value_name = "[NAME=]PATH",
               .repeated = true,
               .help = "where to write an output, by order or by name"},
              {.name = "runtime",
               .value_name = "ort|tflite|litert|ref",
               .help = "ONNX Runtime (default for .onnx), native TensorFlow Lite 2.9 with XNNPACK "
                       "(default for .tflite), LiteRT under Node, or the reference interpreter "
                       "(default for .pth)"},
              {.name = "threads",
               .short_name = 't',
               .value_name = "N",
               .help = "intra-op threads (default 1)"},
              {.name = "arch",
               .value_name = "NAME",
               .help = "PyTorch checkpoints: the torchvision architecture (default: recognised)"},
          },
      .notes =
          "Every model input needs one --input. Outputs without an --output are not written.\n"
          "When the model takes a batch of 1 and an input holds N rows, the rows are run one at\n"
          "a time and the outputs stacked. Output files are written atomically, after the run.",
  };
}

// One command-line binding, "NAME=PATH" or "PATH".
struct Binding {
  std::optional<std::string> name;  // the model input/output it names, when given by name
  std::string path;                 // the .npy file
};

// Assigns bindings to model slots: named ones first, then the rest in order to free slots.
// Returns the path per slot ("" when unbound).
Expected<std::vector<std::string>> bind_paths(const std::vector<std::string>& args,
                                        const std::vector<TensorSpec>& specs,
                                        const std::string& what) {
  std::vector<std::string> paths(specs.size());
  std::vector<std::string> positional;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    std::optional<size_t> slot;
    if (eq != std::string::npos)
      for (size_t i = 0; i < specs.size(); ++i)
        if (specs[i].name == arg.substr(0, eq)) slot = i;
    if (!slot) {
      positional.push_back(arg);
      continue;
    }
    if (!paths[*slot].empty())
      return Status::Error(what + " '" + specs[*slot].name + "' is bound twice");
    paths[*slot] = arg.substr(eq + 1);
    if (paths[*slot].empty())
      return Status::Error(what + " '" + specs[*slot].name + "' is bound to an empty path");
  }
  size_t next = 0;
  for (const std::string& path : positional) {
    while (next < specs.size() && !paths[next].empty()) ++next;
    if (next == specs.size()) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      auto count = [&](size_t n) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
      return Status::Error("model has " + count(specs.size()) + " (" + names + "), got " +
                           std::to_string(args.size()) + " --" + what + " values");
    }
    paths[next++] = path;
  }
  return paths;
}

// "min -3.2 mean 0.01 max 4.1, argmax 17 843" so a run shows something useful even when its
// outputs are not written; argmax per row for [N,C] outputs (the usual classifier shape).
std::string output_stats(const Tensor& t) {
  if (t.element_count() <= 0 || t.dtype() == DType::kBool) return "";
  std::vector<float> v = t.to_f32();
  double sum = 0;
  float lo = v[0], hi = v[0];
  for (float x : v) {
    sum += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "min %.4g mean %.4g max %.4g", lo, sum / v.size(), hi);
  std::string text = buf;
  if (t.rank() == 2 && t.dim(1) > 1) {
    text += ", argmax";
    const int64_t shown = std::min<int64_t>(t.dim(0), 8);
    for (int64_t r = 0; r < shown; ++r) {
      auto row = v.begin() + r * t.dim(1);
      text += " " + std::to_string(std::max_element(row, row + t.dim(1)) - row);
    }
    if (t.dim(0) > shown) text += " ...";
  }
  return text;
}

Status check_output_dir(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    return Status::Error("directory " + dir.string() + " does not exist");
  if (std::filesystem::is_directory(path, ec)) return Status::Error("is a directory");
  return Status::Ok();
}

}  // namespace

int run_run(const std::vector<std::string>& args) {
  CommandSpec spec = run_spec();
  ParsedArgs parsed;
  if (auto exit_code = parse_command(spec, args, parsed)) return *exit_code;
  const std::string& model_path = parsed.positional(0);

  std::optional<RuntimeKind> runtime;
  if (auto name = parsed.value("runtime")) {
    auto kind = runtimes::runtime_from_name(*name);
    if (!kind.ok()) return usage_error(spec.name, kind.status().message());
    runtime = *kind;
  }
  auto threads_n = int_option(parsed, "threads", 1, 1, 256);
  if (!threads_n.ok()) return usage_error(spec.name, threads_n.status().message());
  const int threads = static_cast<int>(*threads_n);
  std::vector<std::string> input_args = parsed.values("input");
  if (input_args.empty()) return usage_error(spec.name, "missing --input");

  auto file = read_model_file(model_path);
  if (!file.ok()) return fail(model_path, file.status());
  file->arch = parsed.value("arch").value_or("");
  const RuntimeKind kind = runtime.value_or(runtimes::default_runtime(file->format));
  auto opened = open_model_runtime(*file, kind, threads);
  if (!opened.ok()) return fail(model_path, opened.status());
  file->bytes.clear();
  runtimes::Runtime& model = **opened;

  auto input_paths = bind_paths(input_args, model.inputs(), "input");
  if (!input_paths.ok()) return fail(model_path, input_paths.status());
  auto output_paths = bind_paths(parsed.values("output"), model.outputs(), "output");
  if (!output_paths.ok()) return fail(model_path, output_paths.status());

  std::vector<Tensor> inputs;
  for (size_t i = 0; i < input_paths->size(); ++i) {
    const std::string& path = (*input_paths)[i];
    if (path.empty())
      return fail(model_path,
                  Status::Error("input '" + model.inputs()[i].name + "' has no --input"));
    auto tensor = read_npy(path);
    if (!tensor.ok()) return fail(path, tensor.status());
    inputs.push_back(std::move(*tensor));
  }
  // Refuse unwritable destinations, and any that would overwrite an input or another output,
  // before spending time on the run.
  for (size_t o = 0; o < output_paths->size(); ++o) {
    const std::string& path = (*output_paths)[o];
    if (path.empty()) continue;
    if (Status s = check_output_dir(path); !s.ok()) return fail(path, s);
    if (is_same_file(path, model_path)) return fail(path, Status::Error("is the model file"));
    for (const std::string& in : *input_paths)
      if (is_same_file(path, in))
        return fail(path, Status::Error("is also an --input; choose another output name"));
    for (size_t p = 0; p < o; ++p)
      if (is_same_file(path, (*output_paths)[p]))
        return fail(path, Status::Error("is given for two outputs"));
  }

  auto result = runtimes::run_batched(model, inputs);
  if (!result.ok()) return fail(model_path, result.status());
  if (result->outputs.size() != model.outputs().size())
    return fail(
        model_path,
        Status::Error("runtime returned " + std::to_string(result->outputs.size()) +
                      " outputs, model declares " + std::to_string(model.outputs().size())));

  if (result->rows_run_separately > 0)
    std::printf("ran %lld rows one at a time (the model takes a batch of 1)\n",
                static_cast<long long>(result->rows_run_separately));
  for (size_t o = 0; o < result->outputs.size(); ++o) {
    const Tensor& t = result->outputs[o];
    const std::string& path = (*output_paths)[o];
    std::string line = "output '" + model.outputs()[o].name + "' " + t.describe();
    if (!path.empty()) {
      if (Status s = write_npy(path, t); !s.ok()) return fail(path, s);
      line += " -> " + path;
    } else {
      line += " (not written)";
    }
    if (std::string stats = output_stats(t); !stats.empty()) line += "\n    " + stats;
    std::printf("%s\n", line.c_str());
  }
  std::printf("runtime: %s, threads: %d\n", std::string(model.name()).c_str(), threads);
  return kExitOk;
}

}  // namespace mconv::cli
