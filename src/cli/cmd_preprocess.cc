// `mconv preprocess DIR -o batch.npy`: images as the exact tensors a model sees, for `mconv run`,
// other runtimes, or scripts (labels.csv classes written beside them with --labels-out).
#include <cstdio>
#include <filesystem>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "ir/graph.h"

namespace mconv::cli {

namespace {
CommandSpec preprocess_spec() {
  return {
      .name = "preprocess",
      .summary = "Decode and preprocess a folder of images into one .npy batch [N,...].",
      .positionals = {{"DIR", "folder of JPEG/PNG images (sorted by name; labels.csv optional)"}},
      .options =
          {
              {.name = "output", .short_name = 'o', .value_name = "OUT", .help = ".npy to write"},
              {.name = "preset",
               .value_name = "P",
               .help = "torch (default), keras, unit, pm1 or u8"},
              {.name = "layout", .value_name = "L", .help = "nchw (default) or nhwc"},
              {.name = "size", .value_name = "S", .help = "crop size (default 224)"},
              {.name = "offset", .value_name = "K", .help = "skip the first K images"},
              {.name = "count", .value_name = "N", .help = "take N images (default: all)"},
              {.name = "labels-out",
               .value_name = "PATH",
               .help = "also write the labels.csv classes as int64 .npy [N]"},
              {.name = "threads", .value_name = "N", .help = "decode threads (default 2)"},
          },
      .notes = "Geometry: shorter side resized to round(S*256/224) (PIL bilinear), centre crop S.",
  };
}
}  // namespace

int run_preprocess(const std::vector<std::string>& args) {
  const CommandSpec spec = preprocess_spec();
  ParsedArgs parsed;
  if (auto exit_code = parse_command(spec, args, parsed)) return *exit_code;
  const auto out = parsed.value("output");
  if (!out) return usage_error(spec.name, "missing --output (-o) OUT.npy");
  auto preset = preset_from_name(parsed.value("preset").value_or("torch"));
  if (!preset.ok()) return usage_error(spec.name, preset.status().message());
  auto layout = image_layout_from_name(parsed.value("layout").value_or("nchw"));
  if (!layout.ok()) return usage_error(spec.name, layout.status().message());
  auto size = int_option(parsed, "size", 224, 8, 4096);
  auto offset = int_option(parsed, "offset", 0, 0, 100000000);
  auto count = int_option(parsed, "count", -1, 1, 100000000);
  auto threads = int_option(parsed, "threads", 2, 1, 256);
  for (const auto* e : {&size, &offset, &count, &threads})
    if (!e->ok()) return usage_error(spec.name, e->status().message());

  const std::string& dir = parsed.positional(0);
  auto all = list_image_folder(dir);
  if (!all.ok()) return fail(dir, all.status());
  // Neither file written may replace an input (an image or the folder's labels.csv) or the other.
  const auto labels_out = parsed.value("labels-out");
  if (labels_out && is_same_file(*labels_out, *out))
    return usage_error(spec.name, "--output and --labels-out name the same file");
  for (const std::string* written : {&*out, labels_out ? &*labels_out : nullptr}) {
    if (!written) continue;
    if (is_same_file(*written, (std::filesystem::path(dir) / "labels.csv").string()))
      return fail(*written, Status::Error("is the folder's labels.csv"));
    for (const LabeledImage& image : *all)
      if (is_same_file(*written, image.path))
        return fail(*written, Status::Error("is one of the input images"));
  }
  std::optional<size_t> n;
  if (*count > 0) n = static_cast<size_t>(*count);
  auto some = select_images(*all, static_cast<size_t>(*offset), n);
  if (!some.ok()) return fail(dir, some.status());
  if (some->empty()) return fail(dir, Status::Error("no JPEG or PNG images to preprocess"));
  const Preprocess pre = make_preprocess(*preset, *layout, static_cast<int>(*size));
  auto batch = load_image_batch(*some, pre, static_cast<int>(*threads));
  if (!batch.ok()) return fail(dir, batch.status());
  if (Status s = write_npy(*out, *batch); !s.ok()) return fail(*out, s);
  if (labels_out) {
    const std::vector<int> labels = image_labels(*some);
    Tensor t(DType::kI64, {static_cast<int64_t>(labels.size())});
    for (size_t i = 0; i < labels.size(); ++i) t.data<int64_t>()[i] = labels[i];
    if (Status s = write_npy(*labels_out, t); !s.ok()) return fail(*labels_out, s);
  }
  std::printf("wrote %s: %zu images as %s\n", out->c_str(), some->size(),
              ir::shape_string(ir::make_shape(batch->shape())).c_str());
  return kExitOk;
}

}  // namespace mconv::cli
