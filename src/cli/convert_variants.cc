#include "cli/convert_variants.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "cli/progress.h"
#include "core/file_io.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "litert/litert.h"
#include "ort/ort_session.h"
#include "report/metrics.h"
#include "runtime/interpreter.h"
#include "tflite/tflite_importer.h"

namespace mconv::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the channels of a rank-4 image tensor are: "NCHW", "NHWC", or "" for anything else.
std::string image_layout_of(const ir::Value& v) {
  if (!v.has_shape || v.shape.size() != 4) return "";
  if (v.shape[1].size == 3 && v.shape[3].size != 3) return "NCHW";
  if (v.shape[3].size == 3) return "NHWC";
  return "";
}

std::vector<report::TensorInfo> tensor_infos(const std::vector<ir::Value*>& values) {
  std::vector<report::TensorInfo> out;
  for (const ir::Value* v : values)
    out.push_back({v->name, std::string(dtype_name(v->dtype)), ir::static_dims(v->shape),
                   image_layout_of(*v)});
  return out;
}

// [N,C,H,W] <-> [N,H,W,C] for 4-byte or 2-byte elements.
Tensor transpose_image_batch(const Tensor& t, bool to_nhwc) {
  const std::vector<int64_t>& s = t.shape();
  const int64_t n = s[0];
  const int64_t c = to_nhwc ? s[1] : s[3], h = to_nhwc ? s[2] : s[1], w = to_nhwc ? s[3] : s[2];
  Tensor out(t.dtype(),
             to_nhwc ? std::vector<int64_t>{n, h, w, c} : std::vector<int64_t>{n, c, h, w});
  const size_t e = static_cast<size_t>(dtype_size(t.dtype()));
  const uint8_t* src = t.raw();
  uint8_t* dst = out.raw();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t nchw = ((b * c + ch) * h + y) * w + x;
          const int64_t nhwc = ((b * h + y) * w + x) * c + ch;
          std::memcpy(dst + (to_nhwc ? nhwc : nchw) * e, src + (to_nhwc ? nchw : nhwc) * e, e);
        }
  return out;
}

// The verification batch in the layout `input` wants (the batch is in `batch_layout`).
Tensor batch_for_input(const Tensor& batch, const std::string& batch_layout,
                       const ir::Value& input) {
  const std::string want = image_layout_of(input);
  if (want.empty() || batch_layout.empty() || want == batch_layout) return batch;
  return transpose_image_batch(batch, want == "NHWC");
}

Tensor item(const Tensor& batch, int64_t i) {
  std::vector<int64_t> shape = batch.shape();
  shape[0] = 1;
  Tensor t(batch.dtype(), shape);
  std::memcpy(t.raw(), batch.raw() + i * t.byte_size(), t.byte_size());
  return t;
}

// Per-sample outputs [1, ...] stacked into [N, ...] as f32.
Tensor stack_f32(const std::vector<Tensor>& items) {
  std::vector<int64_t> shape = items.at(0).shape();
  shape[0] = static_cast<int64_t>(items.size());
  Tensor out(DType::kF32, shape);
  const int64_t per = items[0].element_count();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<float> v = items[i].to_f32();
    std::copy(v.begin(), v.begin() + std::min<int64_t>(per, static_cast<int64_t>(v.size())),
              out.data<float>() + i * per);
  }
  return out;
}

// Runs every sample through an interpreter; outputs of output 0 stacked.
Expected<Tensor> run_interpreter(const ir::Graph& graph, const Tensor& batch, Progress* progress) {
  MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(graph));
  std::vector<Tensor> outs;
  for (int64_t i = 0; i < batch.dim(0); ++i) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, interpreter->run({item(batch, i)}));
    outs.push_back(std::move(o.at(0)));
    if (progress) progress->advance();
  }
  return stack_f32(outs);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

struct RunResult {
  Tensor outputs;       // [N, C] f32
  std::string runtime;  // what ran it
  double latency_p50 = 0;
};

Expected<RunResult> run_onnx_file(const std::string& path, const Tensor& batch, int timed_runs) {
  MCONV_ASSIGN_OR_RETURN(auto session, ort::OrtSession::Load(path));
  const DType in_type = session->inputs().at(0).dtype;
  std::vector<Tensor> outs;
  for (int64_t i = 0; i < batch.dim(0); ++i) {
    Tensor x = item(batch, i);
    if (x.dtype() != in_type) x = x.cast(in_type);
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, session->run({x}));
    outs.push_back(std::move(o.at(0)));
  }
  RunResult r{stack_f32(outs), "onnxruntime " + ort::onnxruntime_version(), 0};
  Tensor x = item(batch, 0);
  if (x.dtype() != in_type) x = x.cast(in_type);
  std::vector<double> times;
  for (int k = 0; k < timed_runs + 3; ++k) {
    const auto start = Clock::now();
    MCONV_RETURN_IF_ERROR(session->run({x}).status());
    if (k >= 3) times.push_back(seconds_since(start) * 1000.0);
  }
  r.latency_p50 = median(times);
  return r;
}

Expected<RunResult> run_tflite_file(const std::string& path, const Tensor& batch, int timed_runs) {
  std::string why;
  if (litert::litert_available(&why)) {
    litert::LiteRtTiming timing;
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> outs,
                           litert::litert_run(path, {batch}, {}, &timing, timed_runs, 3));
    Tensor out = outs.at(0);
    if (out.dtype() != DType::kF32) {
      // Integer outputs: dequantize with the file's own output params.
      MCONV_ASSIGN_OR_RETURN(litert::LiteRtModelInfo info, litert::litert_info(path));
      const auto& o = info.outputs.at(0);
      if (o.scale.empty()) return Status::Error("integer output without quantization");
      out = report::dequantize(out, o.scale[0], o.zero_point[0]);
    }
    if (out.dtype() != DType::kF32) out = out.cast(DType::kF32);
    return RunResult{std::move(out), "LiteRT (" + timing.engine + ")", median(timing.times_ms)};
  }
  // No LiteRT here: the file itself, re-imported, in the reference interpreter.
  MCONV_ASSIGN_OR_RETURN(ir::Model model, tflite::import_tflite_file(path));
  MCONV_ASSIGN_OR_RETURN(Tensor out, run_interpreter(model.graph, batch, nullptr));
  MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(model.graph));
  std::vector<double> times;
  const Tensor x = item(batch, 0);
  for (int k = 0; k < timed_runs + 3; ++k) {
    const auto start = Clock::now();
    MCONV_RETURN_IF_ERROR(interpreter->run({x}).status());
    if (k >= 3) times.push_back(seconds_since(start) * 1000.0);
  }
  return RunResult{std::move(out),
                   "mconv reference interpreter (LiteRT not available: " + why + ")",
                   median(times)};
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string ext_of(ModelFormat f) {
  return f == ModelFormat::kOnnx ? "onnx" : "tflite";
}

}  // namespace

Tolerance default_tolerance(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return {.min_top1_agreement = 0.99, .min_cosine = 0.9999};
    case Precision::kFp16:
      return {.min_top1_agreement = 0.98, .min_cosine = 0.999};
    case Precision::kInt8:
      return {.min_top1_agreement = 0.85, .min_cosine = 0.95};
  }
  return {};
}

Expected<report::ConversionReport> convert_variants(const ir::Model& source,
                                                    const VariantsOptions& options) {
  const auto run_start = Clock::now();
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (!std::filesystem::is_directory(options.out_dir))
    return Status::Error("cannot create output directory " + options.out_dir);
  if (source.graph.inputs.size() != 1 || source.graph.outputs.empty())
    return Status::Error("the multi-variant pipeline needs a model with one input");
  const ir::Value& input = *source.graph.inputs[0];

  report::ConversionReport rep;
  rep.model_name = options.name;
  rep.source = options.source_label;
  rep.source_format = source.source_format;
  rep.source_inputs = tensor_infos(source.graph.inputs);
  rep.source_outputs = tensor_infos(source.graph.outputs);
  rep.synthetic = options.synthetic;
  rep.settings = options.settings;
  rep.source_runtime = "mconv reference interpreter (FP32 source graph)";

  // Verification batch in the source's input layout.
  Tensor batch;
  std::vector<int64_t> labels;
  bool have_labels = false;
  const std::string batch_layout = image_layout_of(input);
  auto stage = Clock::now();
  if (!options.val_dir.empty()) {
    MCONV_ASSIGN_OR_RETURN(ImageInputSpec spec,
                           image_input_spec_from_shape(ir::static_dims(input.shape)));
    MCONV_ASSIGN_OR_RETURN(PreprocessPreset preset,
                           preset_from_name(options.convert.calibration.preset));
    MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> all, list_image_folder(options.val_dir));
    std::optional<size_t> count;
    if (options.val_count > 0) count = options.val_count;
    MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> some,
                           select_images(all, options.val_offset, count));
    MCONV_ASSIGN_OR_RETURN(
        batch, load_image_batch(some, make_preprocess(preset, spec.layout, spec.height, spec.width),
                                options.threads));
    for (int l : image_labels(some)) labels.push_back(l);
    have_labels = std::all_of(labels.begin(), labels.end(), [](int64_t l) { return l >= 0; });
    rep.verification_data = std::to_string(some.size()) + " images from " + options.val_dir +
                            " (images " + std::to_string(options.val_offset) + ".." +
                            std::to_string(options.val_offset + some.size() - 1) +
                            " by file name, preset " + options.convert.calibration.preset + ")";
  } else {
    batch = synthetic_inputs(input, options.synthetic_samples, 1234);
    rep.verification_data = std::to_string(options.synthetic_samples) +
                            " seeded standard-normal inputs (no --val images)";
    rep.synthetic.push_back("Verification inputs: seeded random tensors, not images (give --val).");
  }
  const double load_seconds = seconds_since(stage);

  // Reference: the source graph in the interpreter.
  stage = Clock::now();
  Tensor reference;
  {
    Progress progress("reference outputs", batch.dim(0));
    MCONV_ASSIGN_OR_RETURN(reference, run_interpreter(source.graph, batch, &progress));
    progress.finish();
  }
  const double reference_seconds = seconds_since(stage);
  if (have_labels) {
    MCONV_ASSIGN_OR_RETURN(report::Accuracy acc, report::accuracy(reference, labels));
    rep.source_top1 = acc.top1;
    rep.source_top5 = acc.top5;
  }

  std::vector<std::string> timings;
  timings.push_back("load verification data " + fixed(load_seconds, 1) + " s");
  timings.push_back("reference outputs " + fixed(reference_seconds, 1) + " s");
  for (ModelFormat format : options.formats) {
    for (Precision precision : options.precisions) {
      report::VariantReport v;
      v.format = ext_of(format);
      v.precision = std::string(precision_name(precision));
      const std::string file = options.name + "_" + v.precision + "." + v.format;
      const std::string path = (std::filesystem::path(options.out_dir) / file).string();
      v.path = file;
      const Tolerance tol = default_tolerance(precision);

      // Convert and write.
      stage = Clock::now();
      ir::Model model;
      model.graph = source.graph.clone();
      model.source_opset = source.source_opset;
      model.source_format = source.source_format;
      model.producer = source.producer;
      ConvertOptions convert = options.convert;
      convert.target = format;
      convert.precision = precision;
      ConvertReport convert_report;
      auto bytes = convert_model(model, convert, &convert_report);
      if (bytes.ok()) {
        if (Status s = write_file_atomic(path, *bytes); !s.ok()) bytes = s;
      }
      const double convert_seconds = seconds_since(stage);
      if (!bytes.ok()) {
        v.verdict = report::Verdict::kFailed;
        v.reason = "not written: " + bytes.status().message();
        rep.variants.push_back(v);
        timings.push_back(file + ": convert failed after " + fixed(convert_seconds, 1) + " s");
        continue;
      }
      v.file_bytes = static_cast<int64_t>(bytes->size());
      v.inputs = tensor_infos(model.graph.inputs);
      v.outputs = tensor_infos(model.graph.outputs);
      for (const std::string& w : convert_report.warnings) rep.notes.push_back(file + ": " + w);
      if (precision == Precision::kInt8)
        rep.notes.push_back(file + ": calibrated on " +
                            std::to_string(convert_report.calibration_images) + " " +
                            (convert.calibration.dir.empty() ? "synthetic inputs" : "images") +
                            ", " + std::to_string(convert_report.chains_split) +
                            " conv chains split into channel groups, " +
                            std::to_string(convert_report.gates_folded) + " gates folded");

      // Verify in the real runtime.
      stage = Clock::now();
      const Tensor x = batch_for_input(batch, batch_layout, *model.graph.inputs[0]);
      auto run = format == ModelFormat::kOnnx ? run_onnx_file(path, x, options.latency_runs)
                                              : run_tflite_file(path, x, options.latency_runs);
      const double verify_seconds = seconds_since(stage);
      timings.push_back(file + ": convert " + fixed(convert_seconds, 1) + " s, verify " +
                        fixed(verify_seconds, 1) + " s");
      if (!run.ok()) {
        v.verdict = report::Verdict::kFailed;
        v.reason = "does not run: " + run.status().message();
        rep.variants.push_back(v);
        continue;
      }
      v.runtime = run->runtime;
      v.samples = x.dim(0);
      v.latency_p50_ms = run->latency_p50;
      auto cmp = report::compare_outputs(run->outputs, reference);
      if (!cmp.ok()) {
        v.verdict = report::Verdict::kFailed;
        v.reason = "outputs not comparable: " + cmp.status().message();
        rep.variants.push_back(v);
        continue;
      }
      std::optional<report::Accuracy> acc;
      if (have_labels) {
        auto a = report::accuracy(run->outputs, labels);
        if (a.ok()) acc = *a;
      }
      report::set_metrics(v, *cmp, acc);
      std::vector<std::string> misses;
      if (cmp->top1_agreement < tol.min_top1_agreement)
        misses.push_back("top-1 agreement " + fixed(cmp->top1_agreement * 100, 1) + "% < " +
                         fixed(tol.min_top1_agreement * 100, 1) + "%");
      if (!(cmp->cosine_mean >= tol.min_cosine))
        misses.push_back("cosine " + fixed(cmp->cosine_mean, 4) + " < " + fixed(tol.min_cosine, 4));
      if (!misses.empty()) {
        v.verdict = report::Verdict::kFailed;
        for (size_t i = 0; i < misses.size(); ++i) v.reason += (i ? "; " : "") + misses[i];
      }
      rep.variants.push_back(v);
    }
  }
  timings.push_back("total " + fixed(seconds_since(run_start), 1) + " s");
  for (const std::string& t : timings) rep.notes.push_back("time: " + t);
  for (Precision p : options.precisions) {
    const Tolerance t = default_tolerance(p);
    rep.settings.push_back({std::string("tolerance ") + std::string(precision_name(p)),
                            "top-1 agreement >= " + fixed(t.min_top1_agreement * 100, 1) +
                                "%, cosine >= " + fixed(t.min_cosine, 4)});
  }
  MCONV_RETURN_IF_ERROR(report::write_report(rep, options.out_dir));
  return rep;
}

}  // namespace mconv::cli
