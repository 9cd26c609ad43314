#include "pipeline/convert_variants.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "core/file_io.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "delegates/delegate_analysis.h"
#include "litert/litert.h"
#include "ort/ort_session.h"
#include "pipeline/variant_runs.h"
#include "quant/range_estimation.h"
#include "report/metrics.h"
#include "runtime/interpreter.h"
#include "tflite/tflite_importer.h"

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

  // Reference: the source graph in the interpreter.
  stage = Clock::now();
  Tensor reference;
  {
    ProgressStage progress(options.progress, "reference outputs", batch.dim(0));
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
      const Tolerance tol =
          options.val_dir.empty() ? synthetic_tolerance(precision) : default_tolerance(precision);

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
      fill_delegate_coverage(*bytes, file, convert, convert_report, v);
      v.inputs = tensor_infos(model.graph.inputs);
      v.outputs = tensor_infos(model.graph.outputs);
      for (const std::string& w : convert_report.warnings) rep.notes.push_back(file + ": " + w);
      if (precision == Precision::kInt8)
        rep.notes.push_back(file + ": calibrated on " +
                            std::to_string(convert_report.calibration_images) + " " +
                            (convert.calibration.dir.empty() ? "synthetic inputs" : "images") +
                            ", " + std::to_string(convert_report.chains_split) +
                            " conv chains split into channel groups, " +
                            std::to_string(convert_report.gates_folded) + " gates folded; " +
                            int8_summary(convert_report.int8));
      if (precision == Precision::kInt8) v.int8 = int8_report(convert_report.int8);

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
      const std::vector<std::string> misses = tolerance_misses(*cmp, tol);
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
    const Tolerance t = options.val_dir.empty() ? synthetic_tolerance(p) : default_tolerance(p);
    rep.settings.push_back({std::string("tolerance ") + std::string(precision_name(p)),
                            "top-1 agreement >= " + fixed(t.min_top1_agreement * 100, 1) +
                                "%, cosine >= " + fixed(t.min_cosine, 4)});
  }
  MCONV_RETURN_IF_ERROR(report::write_report(rep, options.out_dir));
  return rep;
}

}  // namespace mconv::pipeline
