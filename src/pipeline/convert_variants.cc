#include "pipeline/convert_variants.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "core/bytes.h"
#include "core/file_io.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "delegates/delegate_analysis.h"
#include "pipeline/model_runs.h"
#include "pipeline/variant_runs.h"
#include "pipeline/verdict.h"
#include "quant/range_estimation.h"
#include "report/metrics.h"

namespace mconv::pipeline {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string ext_of(ModelFormat f) {
  return f == ModelFormat::kOnnx ? "onnx" : "tflite";
}

// The settings of a run, as report.md lists them.
std::vector<std::pair<std::string, std::string>> run_settings(const VariantsOptions& options) {
  const ConvertOptions& c = options.convert;
  std::string formats, precisions;
  for (ModelFormat f : options.formats) formats += (formats.empty() ? "" : ",") + ext_of(f);
  for (Precision p : options.precisions)
    precisions += (precisions.empty() ? "" : ",") + std::string(precision_name(p));
  return {
      {"formats", formats},
      {"precisions", precisions},
      {"preset", c.calibration.preset},
      {"calibration",
       c.calibration.dir.empty()
           ? "synthetic"
           : c.calibration.dir + " (first " + std::to_string(c.calibration.count) + " images)"},
      {"activation ranges",
       std::string(quant::range_method_name(c.ptq.quantize.activation_range.method))},
      {"channel split groups", std::to_string(c.ptq.split.max_groups)},
      {"ONNX opset", std::to_string(c.opset)},
      {"fp16 ONNX I/O", c.keep_io_types ? "float32" : "float16"},
      {"threads", std::to_string(options.threads)},
      {"target", std::string(passes::delegate_target_name(c.delegate_target))},
  };
}

// The file's delegate coverage (`mconv inspect --delegates --json`) and what --target rewrote.
void fill_delegate_coverage(const std::vector<uint8_t>& bytes, const std::string& file,
                            const ConvertOptions& convert, const ConvertReport& convert_report,
                            report::VariantReport& v) {
  for (const passes::PassEntry& entry : passes::delegate_form_passes(
           convert.delegate_target, convert.target == ModelFormat::kTflite))
    for (const passes::PassReport& ran : convert_report.passes)
      if (ran.name == entry.name && ran.changes > 0)
        v.target_changes +=
            (v.target_changes.empty() ? "" : ", ") + ran.name + ": " + std::to_string(ran.changes);
  auto analysis = delegates::analyze_model_bytes(bytes, file);
  if (!analysis.ok()) return;
  for (const delegates::DelegateCoverage& d : analysis->delegates) {
    report::DelegateCoverageRow row;
    row.key = d.key;
    row.name = d.name;
    row.rules_source = d.source;
    row.nodes = d.nodes;
    row.taken = d.taken;
    row.partition_sizes = d.partition_sizes;
    row.verdict = d.verdict;
    row.verdict_text = d.verdict_text;
    for (const delegates::NotTaken& n : d.not_taken)
      row.not_taken.push_back({n.node, n.op, n.reason});
    v.delegates.push_back(std::move(row));
  }
}

}  // namespace

Tolerance synthetic_tolerance(Precision precision) {
  // Random inputs give near-equal scores, so the top-1 class is a tie-break, not a decision:
  // int8 is judged on output similarity only (agreement is still reported).
  Tolerance t = default_tolerance(precision);
  if (precision == Precision::kInt8) t = {.min_top1_agreement = 0.0, .min_cosine = 0.90};
  return t;
}

std::vector<std::string> tolerance_misses(const report::OutputComparison& comparison,
                                          const Tolerance& tolerance) {
  std::vector<std::string> misses;
  if (comparison.top1_agreement < tolerance.min_top1_agreement)
    misses.push_back("top-1 agreement " + fixed(comparison.top1_agreement * 100, 1) + "% < " +
                     fixed(tolerance.min_top1_agreement * 100, 1) + "%");
  if (!(comparison.cosine_mean >= tolerance.min_cosine))
    misses.push_back("cosine " + fixed(comparison.cosine_mean, 6) + " < " +
                     fixed(tolerance.min_cosine, 4));
  return misses;
}

std::string tolerance_text(const Tolerance& t) {
  return "top-1 agreement >= " + fixed(t.min_top1_agreement * 100, 1) +
         "%, cosine >= " + fixed(t.min_cosine, 4);
}

Tensor head_rows(const Tensor& t, int64_t n) {
  if (t.rank() == 0 || t.dim(0) <= n) return t;
  std::vector<int64_t> shape = t.shape();
  const size_t row_bytes = t.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = n;
  Tensor out(t.dtype(), shape);
  copy_bytes(out.raw(), t.raw(), row_bytes * static_cast<size_t>(n));
  return out;
}

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
  rep.source_inputs = runtimes::specs_of(source.graph.inputs);
  rep.source_outputs = runtimes::specs_of(source.graph.outputs);
  rep.synthetic = options.synthetic;
  const CalibrationImages& calibration = options.convert.calibration;
  if (std::count(options.precisions.begin(), options.precisions.end(), Precision::kInt8) &&
      calibration.dir.empty())
    rep.synthetic.push_back("INT8 calibration: " + std::to_string(calibration.synthetic) +
                            " seeded random inputs, not images (give --calib DIR).");
  rep.settings = run_settings(options);
  rep.settings.insert(rep.settings.end(), options.settings.begin(), options.settings.end());
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

  // Reference: the source graph in the interpreter, on its own thread while the variants are
  // converted (the two share nothing but the read-only source graph and batch). It is the only
  // stage reporting progress until it is joined, so the callback is never called concurrently.
  stage = Clock::now();
  Expected<Tensor> reference_run = Status::Error("reference not run");
  double reference_seconds = 0;
  std::thread reference_thread([&] {
    const auto start = Clock::now();
    ProgressStage progress(options.progress, "reference outputs", batch.dim(0));
    reference_run = run_interpreter(source.graph, batch, &progress);
    progress.finish();
    reference_seconds = seconds_since(start);
  });

  std::vector<std::string> timings;
  timings.push_back("load verification data " + fixed(load_seconds, 1) + " s");

  // 1. Convert and write every variant.
  struct Pending {
    report::VariantReport v;
    ModelFormat format = ModelFormat::kOnnx;
    Precision precision = Precision::kFp32;
    std::string file, path;  // file name in out_dir, full path
    // The verification batch in this variant's input layout: shared by every variant with that
    // layout (a 400-image batch is 240 MB; one copy per variant would be 1.4 GB).
    std::shared_ptr<const Tensor> batch;
    Expected<RunResult> run = Status::Error("not run");   // the native runtime's outputs
    Expected<RunResult> lite = Status::Error("not run");  // LiteRT's on the sample
    double verify_seconds = 0;
    bool written = false;
  };
  std::vector<Pending> pending;
  std::map<std::string, std::shared_ptr<const Tensor>> batches;  // by input layout
  // Every int8 variant calibrates on the same inputs: the first one decodes and calibrates, the
  // others reuse its inputs and statistics.
  auto calibration_share = std::make_shared<CalibrationShare>();
  std::string calibrated_by;  // the first int8 file: the one whose calibration ran
  const auto convert_start = Clock::now();
  for (ModelFormat format : options.formats) {
    for (Precision precision : options.precisions) {
      Pending p;
      p.format = format;
      p.precision = precision;
      report::VariantReport& v = p.v;
      v.format = ext_of(format);
      v.precision = std::string(precision_name(precision));
      p.file = options.name + "_" + v.precision + "." + v.format;
      p.path = (std::filesystem::path(options.out_dir) / p.file).string();
      v.path = p.file;

      stage = Clock::now();
      ir::Model model;
      model.graph = source.graph.clone();
      model.source_opset = source.source_opset;
      model.source_format = source.source_format;
      model.producer = source.producer;
      ConvertOptions convert = options.convert;
      convert.target = format;
      convert.precision = precision;
      convert.calibration_share = calibration_share;
      ConvertReport convert_report;
      auto bytes = convert_model(model, convert, &convert_report);
      if (bytes.ok()) {
        if (Status st = write_file_atomic(p.path, *bytes); !st.ok()) bytes = st;
      }
      const double convert_seconds = seconds_since(stage);
      if (!bytes.ok()) {
        v.verdict = report::Verdict::kFailed;
        v.reason = "not written: " + bytes.status().message();
        timings.push_back(p.file + ": convert failed after " + fixed(convert_seconds, 1) + " s");
        pending.push_back(std::move(p));
        continue;
      }
      p.written = true;
      v.file_bytes = static_cast<int64_t>(bytes->size());
      fill_delegate_coverage(*bytes, p.file, convert, convert_report, v);
      v.inputs = runtimes::specs_of(model.graph.inputs);
      v.outputs = runtimes::specs_of(model.graph.outputs);
      for (const std::string& w : convert_report.warnings) rep.notes.push_back(p.file + ": " + w);
      if (precision == Precision::kInt8) {
        if (calibrated_by.empty()) calibrated_by = p.file;
        rep.notes.push_back(
            p.file + ": calibrated on " + std::to_string(convert_report.calibration_images) + " " +
            (convert.calibration.dir.empty() ? "synthetic inputs" : "images") +
            (convert_report.calibration_shared
                 ? " (the statistics of " + calibrated_by + "'s calibration, same inputs)"
                 : "") +
            ", " + std::to_string(convert_report.chains_split) +
            " conv chains split into channel groups, " +
            std::to_string(convert_report.gates_folded) + " gates folded; " +
            int8_summary(convert_report.int8));
        v.int8 = int8_report(convert_report.int8);
      }
      timings.push_back(p.file + ": convert " + fixed(convert_seconds, 1) + " s");
      const std::string want = image_layout_of(*model.graph.inputs[0]);
      auto& shared = batches[want];
      if (!shared) {
        if (want.empty() || batch_layout.empty() || want == batch_layout)
          shared = std::shared_ptr<const Tensor>(&batch, [](const Tensor*) {});  // not owned
        else
          shared = std::make_shared<const Tensor>(
              batch_for_input(batch, batch_layout, *model.graph.inputs[0]));
      }
      p.batch = shared;
      pending.push_back(std::move(p));
    }
  }
  const double convert_all_seconds = seconds_since(convert_start);

  // 2. Run every written variant in its runtime, `options.threads` variants at a time (ONNX
  // Runtime and native TFLite sessions are independent), while LiteRT checks the TFLite
  // variants' samples in its own Node process.
  stage = Clock::now();
  std::string litert_why;
  const bool litert_here =
      options.litert_samples > 0 && runtimes::runtime_available(RuntimeKind::kLitert, &litert_why);
  std::thread litert_thread([&] {
    if (!litert_here) return;
    for (Pending& p : pending) {
      if (!p.written || p.format != ModelFormat::kTflite) continue;
      const int64_t n = std::min<int64_t>(options.litert_samples, p.batch->dim(0));
      p.lite = run_model_file(RuntimeKind::kLitert, p.path, p.format, head_rows(*p.batch, n), 0);
    }
  });
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < pending.size(); i = next++) {
      Pending& p = pending[i];
      if (!p.written) continue;
      const auto start = Clock::now();
      p.run = run_model_file(runtimes::default_runtime(p.format), p.path, p.format, *p.batch, 0);
      p.verify_seconds = seconds_since(start);
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::max(1, options.threads); ++t) workers.emplace_back(worker);
  worker();
  for (std::thread& t : workers) t.join();
  litert_thread.join();
  reference_thread.join();
  const double verify_all_seconds = seconds_since(stage);
  MCONV_ASSIGN_OR_RETURN(Tensor reference, std::move(reference_run));
  if (have_labels) {
    MCONV_ASSIGN_OR_RETURN(report::Accuracy acc, report::accuracy(reference, labels));
    rep.source_top1 = acc.top1;
    rep.source_top5 = acc.top5;
  }

  // 3. Latency, one variant at a time so the figures are not shared with other work.
  stage = Clock::now();
  for (Pending& p : pending) {
    if (!p.run.ok() || options.latency_runs <= 0) continue;
    auto timed = run_model_file(runtimes::default_runtime(p.format), p.path, p.format,
                                item(*p.batch, 0), options.latency_runs);
    if (timed.ok()) p.run->latency_p50 = timed->latency_p50;
  }
  const double latency_seconds = seconds_since(stage);

  // 4. Verdicts: one rule (judge_runs) for every runtime that ran the variant.
  for (Pending& p : pending) {
    report::VariantReport& v = p.v;
    if (!p.written) {
      rep.variants.push_back(v);
      continue;
    }
    timings.push_back(p.file + ": verify " + fixed(p.verify_seconds, 1) + " s");
    const Tolerance tol =
        options.val_dir.empty() ? synthetic_tolerance(p.precision) : default_tolerance(p.precision);
    // The one verdict (judge_runs, shared with `mconv verify`): the native runtime on every
    // sample and, for TFLite, LiteRT (the newest LiteRT, under Node) on a sample; either runtime
    // refusing the file or missing the tolerance makes the variant FAILED, saying which.
    std::vector<RunCheck> checks = {{"", "", &p.run, &reference}};
    const int64_t n = std::min<int64_t>(options.litert_samples, p.batch->dim(0));
    const Tensor litert_reference = n > 0 ? head_rows(reference, n) : Tensor();
    const bool check_litert =
        p.format == ModelFormat::kTflite && options.litert_samples > 0 && p.run.ok();
    if (check_litert && !litert_here)
      rep.notes.push_back(p.file + ": LiteRT check skipped (not available: " + litert_why + ")");
    else if (check_litert)
      checks.push_back(
          {"LiteRT", "on " + std::to_string(n) + " images", &p.lite, &litert_reference});
    const Judgement judgement = judge_runs(checks, tol);
    if (p.run.ok()) {
      v.runtime = p.run->runtime;
      v.samples = p.batch->dim(0);
      v.latency_p50_ms = p.run->latency_p50;
    }
    if (judgement.comparison) {
      std::optional<report::Accuracy> acc;
      if (have_labels) {
        auto a = report::accuracy(p.run->outputs, labels);
        if (a.ok()) acc = *a;
      }
      report::set_metrics(v, *judgement.comparison, acc);
    }
    if (checks.size() > 1 && judgement.comparisons[1]) {
      const report::OutputComparison& lcmp = *judgement.comparisons[1];
      rep.notes.push_back(p.file + ": " + p.lite->runtime + " on the first " + std::to_string(n) +
                          " images: top-1 agreement " + fixed(lcmp.top1_agreement * 100, 1) +
                          "%, cosine " + fixed(lcmp.cosine_mean, 6));
    }
    if (!judgement.passed()) {
      v.verdict = report::Verdict::kFailed;
      v.reason = judgement.reason();
    }
    rep.variants.push_back(v);
  }
  timings.push_back("reference outputs " + fixed(reference_seconds, 1) +
                    " s (during the conversions)");
  timings.push_back("all conversions " + fixed(convert_all_seconds, 1) + " s");
  timings.push_back("all verification runs " + fixed(verify_all_seconds, 1) + " s (" +
                    std::to_string(std::max(1, options.threads)) +
                    " at a time, LiteRT beside them)");
  timings.push_back("latency " + fixed(latency_seconds, 1) + " s");
  timings.push_back("total " + fixed(seconds_since(run_start), 1) + " s");
  for (const std::string& t : timings) rep.notes.push_back("time: " + t);
  for (Precision p : options.precisions) {
    const Tolerance t = options.val_dir.empty() ? synthetic_tolerance(p) : default_tolerance(p);
    rep.settings.push_back(
        {std::string("tolerance ") + std::string(precision_name(p)), tolerance_text(t)});
  }
  MCONV_RETURN_IF_ERROR(report::write_report(rep, options.out_dir));
  return rep;
}

}  // namespace mconv::pipeline
