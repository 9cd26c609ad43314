// `mconv convert SOURCE -o OUT.tflite|OUT.onnx [--precision fp32|fp16|int8]`: conversion between
// ONNX and TFLite (either direction, or a re-export in the same format) at one precision. The
// pipeline lives in convert_pipeline.h; this file checks the command line, reads the source, writes
// the target atomically and reports.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "cli/metadata_options.h"
#include "cli/progress.h"
#include "core/file_io.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "pipeline/convert_file.h"
#include "pipeline/convert_pipeline.h"
#include "pipeline/convert_variants.h"
#include "pipeline/model_files.h"
#include "pipeline/variants_source.h"
#include "quant/range_estimation.h"
#include "report/format.h"
#include "zoo/zoo.h"

namespace mconv::cli {

namespace {

CommandSpec convert_spec() {
  CommandSpec spec = {
      .name = "convert",
      .summary = "Convert a model between ONNX and TFLite, as FP32, FP16 or calibrated INT8.",
      .positionals = {{"SOURCE", "an .onnx, .tflite or PyTorch .pth file (or --zoo NAME)"}},
      .options =
          {
              {.name = "output",
               .short_name = 'o',
               .value_name = "OUT",
               .help = "file to write (.tflite or .onnx decides the format), or a directory "
                       "for every variant"},
              {.name = "zoo",
               .value_name = "NAME",
               .help = "build a model of the built-in zoo instead of reading SOURCE "
                       "(mobilenet_v3_small)"},
              {.name = "weights",
               .value_name = "FILE",
               .help = "--zoo: ONNX file or PyTorch checkpoint of the same architecture to take "
                       "weights from"},
              {.name = "arch",
               .value_name = "NAME",
               .help = "PyTorch checkpoints: the torchvision architecture (default: recognised "
                       "from the state dict)"},
              {.name = "seed", .value_name = "S", .help = "--zoo: seed of synthetic weights"},
              {.name = "name",
               .value_name = "N",
               .help = "directory mode: file name prefix (default: source name)"},
              {.name = "formats",
               .value_name = "LIST",
               .help = "directory mode: onnx,tflite (default both)"},
              {.name = "precisions",
               .value_name = "LIST",
               .help = "directory mode: fp32,fp16,int8 (default all)"},
              {.name = "val",
               .value_name = "DIR",
               .help = "directory mode: verification images (labels.csv gives accuracy)"},
              {.name = "val-offset",
               .value_name = "K",
               .help = "directory mode: skip K images of --val (default: the calibration "
                       "images when --val is the --calib folder)"},
              {.name = "val-count",
               .value_name = "N",
               .help = "directory mode: verify on N images (default: the rest)"},
              {.name = "keep-nchw-input",
               .help = "ONNX -> TFLite: keep NCHW inputs (one TRANSPOSE after each)"},
              {.name = "nchw-input",
               .help = "TFLite -> ONNX: take NCHW inputs instead of the source's NHWC"},
              {.name = "target",
               .value_name = "T",
               .help = "cpu, gpu, coreml or nnapi: write the forms that target's delegate / "
                       "execution provider takes (see inspect --delegates)"},
              {.name = "opset",
               .value_name = "N",
               .help = "ONNX opset of .onnx outputs (13..18, default 17)"},
              {.name = "precision", .value_name = "P", .help = "fp32 (default), fp16 or int8"},
              {.name = "keep-io-types",
               .help = "fp16 ONNX: keep float32 inputs/outputs (default: float16)"},
              {.name = "calib",
               .value_name = "DIR",
               .help = "int8: calibration images (JPEG/PNG folder, sorted by name)"},
              {.name = "calib-count",
               .value_name = "N",
               .help = "int8: calibrate on the first N images (default 200)"},
              {.name = "calib-method",
               .value_name = "M",
               .help = "int8: activation ranges by percentile (default), minmax, mse, entropy"},
              {.name = "percentile",
               .value_name = "Q",
               .help = "int8: share kept by the percentile method (default 99.99)"},
              {.name = "preset",
               .value_name = "P",
               .help = "image preprocessing torch|keras|unit|pm1|u8 for int8 calibration, "
                       "verification and the metadata (default: the source's metadata, else "
                       "torch for .onnx sources, keras for .tflite)"},
              {.name = "int8-agreement",
               .value_name = "P",
               .help = "int8: turn on mixed precision: keep activations in float until this "
                       "top-1 agreement with the source (percent, on held-out calibration images) "
                       "is met (off by default)"},
              {.name = "integer-only",
               .help = "int8: full integer, every activation int8 (no mixed precision)"},
              {.name = "split-groups",
               .value_name = "N",
               .help = "int8: split conv chains into up to N channel groups (default 4, 6 "
                       "without --calib; 1 = off: the fastest file, the groups cost "
                       "convolutions, a Concat and a Gather, but buy accuracy)"},
              {.name = "io",
               .value_name = "T",
               .help = "int8 TFLite: float (default), int8 or uint8 inputs/outputs"},
              {.name = "threads",
               .value_name = "N",
               .help = "int8: threads for image decoding and calibration (default 2)"},
              {.name = "litert-sample",
               .value_name = "N",
               .help = "directory mode: TFLite variants also checked in LiteRT on the first N "
                       "verification images (default 32, 0 = off)"},
              {.name = "verbose",
               .short_name = 'v',
               .help = "list the passes and what they changed"},
          },
      .notes =
          "ONNX -> TFLite folds BatchNormalization and moves the graph to channels-last: image\n"
          "inputs become NHWC [N,H,W,C] unless --keep-nchw-input. TFLite -> ONNX moves the graph\n"
          "to channels-first with no Transpose inside; the model keeps its NHWC input (one\n"
          "Transpose after it) unless --nchw-input. Dynamic-range TFLite weights are written as\n"
          "FP32. The output is written atomically: on any error no file is created.\n"
          "PyTorch checkpoints (torch.save of a state dict, also inside a training checkpoint;\n"
          "read without Python, pickled code refused): torchvision MobileNetV2/V3, ResNet,\n"
          "EfficientNet B0-B7, ShuffleNetV2, SqueezeNet, MNASNet (also ResNeXt, Wide ResNet),\n"
          "recognised from the keys (or --arch); the model takes NCHW float [1,3,224,224] as\n"
          "torchvision does (torch preset), batch 1 like torch.onnx.export's files.\n"
          "FP16: ONNX gets float16 weights, math and I/O; TFLite float16 weights with DEQUANTIZE\n"
          "and float32 I/O. INT8: calibrated post-training quantization with per-channel int8\n"
          "weights; ONNX as QDQ (uint8 activations), TFLite full integer with QUANTIZE and\n"
          "DEQUANTIZE at the float ends. Results do not depend on --threads.\n\n"
          "Directory mode (-o DIR): writes DIR/<name>_<precision>.<onnx|tflite> for every\n"
          "requested variant, verifies each in its real runtime against the source run in the\n"
          "reference interpreter (ONNX in ONNX Runtime; TFLite in native TensorFlow Lite 2.9 on\n"
          "every image and in LiteRT on the first --litert-sample images), and writes\n"
          "report.md, report.json and report.svg. Tolerance (the same rule as mconv verify):\n"
          "top-1 agreement and mean cosine against the source of at least fp32 99% / 0.9999,\n"
          "fp16 98% / 0.999, int8 85% / 0.95 on images; on seeded random inputs (no images at\n"
          "all) int8 is judged on cosine >= 0.90 alone, since random inputs make top-1 a "
          "tie-break.\n"
          "A variant outside its tolerance, or that a runtime refuses, is FAILED (the report says\n"
          "which runtime and why) and the exit code is 1. Without --calib INT8 calibrates on\n"
          "seeded random inputs. Without --val verification uses the --calib folder's images not\n"
          "used for calibration (the calibration images when none are left), else seeded random\n"
          "inputs; the report says so.",
      .positionals_optional = true,
  };
  for (OptionSpec& option : metadata_option_specs()) spec.options.push_back(std::move(option));
  return spec;
}

// The preprocessing preset (calibration, verification and the metadata written): --preset, else
// what the source's metadata says, else the default of the source format; and the other
// metadata options.
void choose_preset_and_metadata(const ParsedArgs& args, const ir::Model& source,
                                ModelFormat source_format, const std::string& name,
                                ConvertOptions& options) {
  const std::string preset = args.value("preset").value_or(default_preset(source, source_format));
  options.calibration.preset = preset;
  options.metadata = metadata_choice(args);
  options.metadata.preset = preset;
  options.metadata.name = name;
}

// "f32[1,224,224,3]"
std::string value_type(const ir::Value& v) {
  std::string text = std::string(dtype_name(v.dtype));
  return text + (v.has_shape ? ir::shape_string(v.shape) : "[?]");
}

std::string signature_lines(const ir::Graph& graph) {
  std::string text;
  for (const ir::Value* v : graph.inputs)
    text += "  input  '" + v->name + "' " + value_type(*v) + "\n";
  for (const ir::Value* v : graph.outputs)
    text += "  output '" + v->name + "' " + value_type(*v) + "\n";
  return text;
}

// Calibration and quantization options (single-file --precision int8, or directory mode).
// Without --calib: an error when `require_calib`, else `synthetic` seeded random inputs.
Status int8_options(const ParsedArgs& args, ModelFormat source_format, bool require_calib,
                    ConvertOptions& options) {
  const auto calib = args.value("calib");
  if (require_calib && (!calib || calib->empty()))
    return Status::Error("--precision int8 needs --calib DIR");
  if (calib) options.calibration.dir = *calib;
  if (!calib) {
    options.calibration.synthetic = 32;
    // Random inputs: the quantizer form measured best on them (ptq.h), before the flags below.
    options.ptq = quant::synthetic_calibration_ptq_options();
  }
  MCONV_ASSIGN_OR_RETURN(
      int64_t count,
      int_option(args, "calib-count", static_cast<int64_t>(options.calibration.count), 1, 100000));
  options.calibration.count = static_cast<size_t>(count);
  if (auto m = args.value("calib-method")) {
    MCONV_ASSIGN_OR_RETURN(options.ptq.quantize.activation_range.method,
                           quant::range_method_from_name(*m));
  }
  if (auto q = args.value("percentile")) {
    char* end = nullptr;
    const double v = std::strtod(q->c_str(), &end);
    if (!end || *end != '\0' || !(v > 50.0 && v <= 100.0))
      return Status::Error("--percentile must be a number in (50, 100], got '" + *q + "'");
    options.ptq.quantize.activation_range.percentile = v;
  }
  if (auto preset = args.value("preset")) MCONV_RETURN_IF_ERROR(preset_from_name(*preset).status());
  if (auto a = args.value("int8-agreement")) {
    char* end = nullptr;
    const double v = std::strtod(a->c_str(), &end);
    if (!end || *end != '\0' || !(v >= 0.0 && v <= 100.0))
      return Status::Error("--int8-agreement must be a percentage in [0, 100], got '" + *a + "'");
    options.ptq.mixed.target_agreement = v / 100.0;
    options.ptq.mixed.enabled = true;
  }
  options.integer_only = args.flag("integer-only");
  if (options.integer_only && args.flag("int8-agreement"))
    return Status::Error(
        "--int8-agreement sets the mixed-precision budget; --integer-only has none");
  MCONV_ASSIGN_OR_RETURN(int64_t groups,
                         int_option(args, "split-groups", options.ptq.split.max_groups, 1, 64));
  options.ptq.split.max_groups = static_cast<int>(groups);
  if (auto io = args.value("io")) {
    if (*io == "float") {
      options.integer_io = quant::IntegerIo::kFloat;
    } else if (*io == "int8") {
      options.integer_io = quant::IntegerIo::kInt8;
    } else if (*io == "uint8") {
      options.integer_io = quant::IntegerIo::kUint8;
    } else {
      return Status::Error("unknown --io '" + *io + "' (expected float, int8, uint8)");
    }
  }
  MCONV_ASSIGN_OR_RETURN(int64_t threads,
                         int_option(args, "threads", options.calibration.threads, 1, 256));
  options.calibration.threads = static_cast<int>(threads);
  return Status::Ok();
}

// --precision and the options that belong to it (single-file mode).
Status precision_options(const ParsedArgs& args, ModelFormat source_format,
                         ConvertOptions& options) {
  if (auto p = args.value("precision")) {
    MCONV_ASSIGN_OR_RETURN(options.precision, precision_from_name(*p));
  }
  const bool int8 = options.precision == Precision::kInt8;
  for (const char* name : {"calib", "calib-count", "calib-method", "percentile", "split-groups",
                           "io", "threads", "int8-agreement", "integer-only"})
    if (args.flag(name) && !int8)
      return Status::Error(std::string("--") + name + " applies to --precision int8 only");
  for (const char* name : {"name", "formats", "precisions", "val", "val-offset", "val-count",
                           "weights", "seed", "litert-sample"})
    if (args.flag(name))
      return Status::Error(std::string("--") + name +
                           " applies when -o is a directory (all variants)");
  if (args.flag("keep-io-types") &&
      (options.precision != Precision::kFp16 || options.target != ModelFormat::kOnnx))
    return Status::Error("--keep-io-types applies to --precision fp16 with an .onnx output");
  options.keep_io_types = args.flag("keep-io-types");
  if (args.flag("io") && options.target != ModelFormat::kTflite)
    return Status::Error("--io applies to .tflite outputs only");
  if (!int8) return Status::Ok();
  return int8_options(args, source_format, true, options);
}

// Comma-separated list, each item checked by `parse`.
template <typename T, typename F>
Expected<std::vector<T>> parse_list(const std::string& text, F parse) {
  std::vector<T> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      MCONV_ASSIGN_OR_RETURN(T value, parse(item));
      if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) return Status::Error("empty list '" + text + "'");
  return out;
}

Expected<ModelFormat> format_from_name(const std::string& name) {
  if (name == "onnx") return ModelFormat::kOnnx;
  if (name == "tflite") return ModelFormat::kTflite;
  return Status::Error("unknown format '" + name + "' (expected onnx, tflite)");
}

// Directory mode: every variant, verified and reported.
int run_convert_dir(const CommandSpec& spec, const ParsedArgs& args, const std::string& out) {
  VariantsOptions options;
  options.out_dir = out;
  options.formats = {ModelFormat::kOnnx, ModelFormat::kTflite};
  options.precisions = {Precision::kFp32, Precision::kFp16, Precision::kInt8};
  if (auto f = args.value("formats")) {
    auto list = parse_list<ModelFormat>(*f, format_from_name);
    if (!list.ok()) return usage_error(spec.name, "--formats: " + list.status().message());
    options.formats = *list;
  }
  if (auto p = args.value("precisions")) {
    auto list =
        parse_list<Precision>(*p, [](const std::string& s) { return precision_from_name(s); });
    if (!list.ok()) return usage_error(spec.name, "--precisions: " + list.status().message());
    options.precisions = *list;
  }
  for (const char* name : {"precision", "io", "keep-nchw-input", "nchw-input"})
    if (args.flag(name))
      return usage_error(spec.name, std::string("--") + name +
                                        " applies to single-file outputs (-o FILE.onnx|.tflite)");

  // The source: a file, or a zoo model.
  const auto zoo_name = args.value("zoo");
  if (zoo_name && !args.positionals().empty())
    return usage_error(spec.name, "give either SOURCE or --zoo NAME, not both");
  if (!zoo_name && args.positionals().empty()) return usage_error(spec.name, "missing SOURCE");
  if (!zoo_name && (args.flag("weights") || args.flag("seed")))
    return usage_error(spec.name, "--weights and --seed apply to --zoo models");
  VariantsSourceSpec source_spec{.path = zoo_name ? "" : args.positional(0),
                                 .arch = args.value("arch").value_or(""),
                                 .zoo = zoo_name.value_or(""),
                                 .weights = args.value("weights").value_or("")};
  if (auto seed = args.value("seed")) {
    auto v = parse_int(*seed, "--seed", 0, INT64_MAX);
    if (!v.ok()) return usage_error(spec.name, v.status().message());
    source_spec.seed = static_cast<uint64_t>(*v);
  }
  auto loaded = load_variants_source(source_spec);
  if (!loaded.ok())
    return fail(zoo_name ? "--zoo " + *zoo_name : source_spec.path, loaded.status());
  const ir::Model& source = loaded->model;
  const ModelFormat source_format = loaded->format;
  options.source_label = loaded->label;
  options.name = loaded->name;
  options.synthetic = loaded->synthetic;
  if (auto n = args.value("name")) options.name = *n;
  if (options.name.empty() || options.name.find('/') != std::string::npos)
    return usage_error(spec.name, "--name must be a plain file name prefix");
  if (auto preset = args.value("preset"); preset && !preset_from_name(*preset).ok())
    return usage_error(spec.name, preset_from_name(*preset).status().message());
  choose_preset_and_metadata(args, source, source_format, options.name, options.convert);

  if (Status s = int8_options(args, source_format, false, options.convert); !s.ok())
    return usage_error(spec.name, s.message());
  auto opset = int_option(args, "opset", 17, 13, 18);
  if (!opset.ok()) return usage_error(spec.name, opset.status().message());
  options.convert.opset = static_cast<int>(*opset);
  options.convert.keep_io_types = args.flag("keep-io-types");
  if (auto t = args.value("target")) {
    auto target = passes::delegate_target_from_name(*t);
    if (!target.ok()) return usage_error(spec.name, target.status().message());
    options.convert.delegate_target = *target;
  }
  options.threads = options.convert.calibration.threads;
  // Real number of calibration images (the folder may hold fewer than --calib-count).
  size_t calib_images = 0;
  if (!options.convert.calibration.dir.empty()) {
    auto listed = list_image_folder(options.convert.calibration.dir);
    if (!listed.ok()) return fail(options.convert.calibration.dir, listed.status());
    calib_images = std::min(listed->size(), options.convert.calibration.count);
    // The report's calibration setting states the count really used.
    options.convert.calibration.count = calib_images;
    if (!args.value("val")) {
      // No --val: verify on the calibration folder's held-out images, never on noise for a
      // model calibrated on real images; the calibration images when none are left.
      options.val_dir = options.convert.calibration.dir;
      options.val_offset = listed->size() > calib_images ? calib_images : 0;
    }
  }
  if (auto v = args.value("val")) {
    options.val_dir = *v;
    // Calibration and verification images from one folder do not overlap by default.
    if (options.convert.calibration.dir == *v)
      options.val_offset = options.convert.calibration.count;
  }
  auto litert_sample = int_option(args, "litert-sample", 32, 0, 100000000);
  if (!litert_sample.ok()) return usage_error(spec.name, litert_sample.status().message());
  options.litert_samples = static_cast<int>(*litert_sample);
  auto val_offset =
      int_option(args, "val-offset", static_cast<int64_t>(options.val_offset), 0, 100000000);
  auto val_count =
      int_option(args, "val-count", static_cast<int64_t>(options.val_count), 1, 100000000);
  for (const auto* v : {&val_offset, &val_count})
    if (!v->ok()) return usage_error(spec.name, v->status().message());
  options.val_offset = static_cast<size_t>(*val_offset);
  options.val_count = static_cast<size_t>(*val_count);

  options.progress = progress_bars();
  auto rep = convert_variants(source, options);
  if (!rep.ok()) return fail(out, rep.status());
  for (const auto& v : rep->variants) {
    // An int8 file is named with its mode: "x_int8.onnx [mixed, 3 float]".
    std::string name = v.path;
    if (v.int8)
      name +=
          " [" + v.int8->mode +
          (v.int8->mode == "mixed" ? ", " + std::to_string(v.int8->kept_in_float.size()) + " float"
                                   : std::string()) +
          "]";
    std::printf("%-28s %-6s %9s  agree %6s  cos %8s  top-1 %6s  p50 %8s ms  %s%s%s\n", name.c_str(),
                v.runtime.empty() ? "-" : (v.format == "onnx" ? "ORT" : "TFLite"),
                human_bytes(static_cast<uint64_t>(v.file_bytes)).c_str(),
                report::format_percent(v.top1_agreement).c_str(),
                report::format_number(v.cosine, "%.5f").c_str(),
                report::format_percent(v.top1).c_str(),
                report::format_number(v.latency_p50_ms, "%.2f").c_str(),
                std::string(report::verdict_name(v.verdict)).c_str(), v.reason.empty() ? "" : ": ",
                v.reason.c_str());
  }
  std::printf("wrote %zu variants and report.md, report.json, report.svg to %s\n",
              rep->variants.size(), out.c_str());
  return rep->all_passed() ? kExitOk : kExitFailure;
}

}  // namespace

int run_convert(const std::vector<std::string>& args) {
  const CommandSpec spec = convert_spec();
  ParsedArgs parsed;
  if (auto exit_code = parse_command(spec, args, parsed)) return *exit_code;
  const auto out = parsed.value("output");
  if (!out || out->empty())
    return usage_error(spec.name, "missing --output (-o) OUT.tflite|OUT.onnx|DIR");
  // No model extension (or --zoo): a directory of every variant.
  if (parsed.flag("zoo") ||
      (format_for_output_path(*out) == ModelFormat::kUnknown &&
       (std::filesystem::path(*out).extension().empty() || std::filesystem::is_directory(*out))))
    return run_convert_dir(spec, parsed, *out);
  if (parsed.positionals().empty()) return usage_error(spec.name, "missing SOURCE");
  const std::string& source = parsed.positional(0);

  ConvertOptions options;
  options.target = format_for_output_path(*out);
  if (options.target == ModelFormat::kUnknown) {
    const std::string ext = std::filesystem::path(*out).extension().string();
    return usage_error(spec.name, "unsupported output extension '" + ext + "' in '" + *out +
                                      "' (expected .onnx or .tflite)");
  }
  if (auto t = parsed.value("target")) {
    auto target = passes::delegate_target_from_name(*t);
    if (!target.ok()) return usage_error(spec.name, target.status().message());
    options.delegate_target = *target;
  }
  options.keep_nchw_input = parsed.flag("keep-nchw-input");
  options.nchw_input = parsed.flag("nchw-input");
  if (options.keep_nchw_input && options.target != ModelFormat::kTflite)
    return usage_error(spec.name, "--keep-nchw-input applies to .tflite outputs only");
  if (options.nchw_input && options.target != ModelFormat::kOnnx)
    return usage_error(spec.name, "--nchw-input applies to .onnx outputs only");
  if (auto text = parsed.value("opset")) {
    if (options.target != ModelFormat::kOnnx)
      return usage_error(spec.name, "--opset applies to .onnx outputs only");
    auto opset = parse_int(*text, "--opset", 13, 18);
    if (!opset.ok()) return usage_error(spec.name, opset.status().message());
    options.opset = static_cast<int>(*opset);
  }
  if (Status s = precision_options(parsed, format_for_output_path(source), options); !s.ok())
    return usage_error(spec.name, s.message());
  const bool verbose = parsed.flag("verbose");

  // Everything that can be checked before the work is checked first; nothing is written until
  // the converted bytes exist.
  if (Status s = check_output_path(*out, source); !s.ok()) return fail(*out, s);
  auto file = read_model_file(source);
  if (!file.ok()) return fail(source, file.status());
  file->arch = parsed.value("arch").value_or("");
  auto model = import_model(*file);
  if (!model.ok()) return fail(source, model.status());
  const size_t source_nodes = model->graph.nodes().size();
  choose_preset_and_metadata(parsed, *model, file->format,
                             std::filesystem::path(source).stem().string(), options);
  if (verbose) {
    std::printf("source: %s (%s, %zu nodes after import)\n%s", source.c_str(),
                std::string(model_format_name(file->format)).c_str(), source_nodes,
                signature_lines(model->graph).c_str());
  }

  ConvertReport report;
  auto bytes = convert_model(*model, options, &report);
  if (!bytes.ok()) return fail(source, bytes.status());
  auto operators = write_converted(*out, *bytes, options.target);
  if (!operators.ok()) return fail(*out, operators.status());

  for (const std::string& w : report.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (options.precision == Precision::kInt8)
    std::printf(
        "int8: calibrated on %lld images from %s (preset %s, %s ranges), %d conv chains "
        "split, %d gates folded, %.1f s\nint8: %s\n",
        static_cast<long long>(report.calibration_images), options.calibration.dir.c_str(),
        options.calibration.preset.c_str(),
        std::string(quant::range_method_name(options.ptq.quantize.activation_range.method)).c_str(),
        report.chains_split, report.gates_folded, report.calibration_seconds,
        int8_summary(report.int8).c_str());
  if (verbose) {
    if (report.dequantized_weights > 0)
      std::printf("dequantized weights: %lld hybrid tensors written as FP32\n",
                  static_cast<long long>(report.dequantized_weights));
    std::printf("passes:\n");
    for (const auto& pass : report.passes)
      std::printf("  %s: %d change%s\n", pass.name.c_str(), pass.changes,
                  pass.changes == 1 ? "" : "s");
    std::printf("target: %zu nodes before export\n%s", model->graph.nodes().size(),
                signature_lines(model->graph).c_str());
  }
  std::printf("wrote %s (%s %s, %s, %s %s) from %s (%s)\n", out->c_str(),
              std::string(model_format_name(options.target)).c_str(),
              std::string(precision_name(options.precision)).c_str(),
              human_bytes(bytes->size()).c_str(), with_thousands(*operators).c_str(),
              options.target == ModelFormat::kTflite ? "operators" : "nodes", source.c_str(),
              std::string(model_format_name(file->format)).c_str());
  return kExitOk;
}

}  // namespace mconv::cli
