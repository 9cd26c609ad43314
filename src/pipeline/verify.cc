#include "pipeline/verify.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/half.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "pipeline/convert_variants.h"
#include "pipeline/metadata.h"
#include "pipeline/model_files.h"
#include "pipeline/model_runs.h"
#include "pipeline/variant_runs.h"
#include "pipeline/verdict.h"
#include "runtimes/runtime.h"

namespace mconv::pipeline {
namespace {

// `status` as an error about `subject`, unless its message already names it.
Status about(const std::string& subject, const Status& status) {
  if (status.message().rfind(subject + ": ", 0) == 0) return status;
  return status.with_context(subject);
}

// Whether every element of an f32 tensor is exactly an f16 value.
bool f16_exact(const Tensor& t) {
  const float* x = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i)
    if (half_to_float(float_to_half(x[i])) != x[i]) return false;
  return true;
}

// A graph in the reference interpreter (through the Runtime interface) on every sample: f16
// graphs widened to f32 first, output 0 as real values.
Expected<RunResult> run_in_interpreter(const ir::Graph& original, const Tensor& batch,
                                       const std::string& label, const ProgressCallback& callback) {
  ir::Graph widened;
  const ir::Graph& graph =
      has_f16_values(original) ? (widened = widened_to_f32(original)) : original;
  MCONV_ASSIGN_OR_RETURN(auto runtime, runtimes::open_runtime(graph));
  ProgressStage progress(callback, label, batch.dim(0));
  MCONV_ASSIGN_OR_RETURN(RunResult run, run_samples(*runtime, batch, 0, &progress));
  progress.finish();
  return run;
}

// [N, C + 1] -> [N, C] without column 0 (the "background" class of 1001-class models).
Tensor without_first_class(const Tensor& scores) {
  const int64_t n = scores.dim(0), c = scores.dim(1);
  const std::vector<float> v = scores.to_f32();
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * (c - 1)));
  for (int64_t i = 0; i < n; ++i)
    out.insert(out.end(), v.begin() + i * c + 1, v.begin() + (i + 1) * c);
  return Tensor::FromVector(DType::kF32, {n, c - 1}, out);
}

std::string signature(const std::vector<ir::Value*>& values) {
  std::string text;
  for (const TensorSpec& t : runtimes::specs_of(values)) {
    std::string dims;
    for (int64_t d : t.shape) dims += (dims.empty() ? "" : ",") + (d < 0 ? "?" : std::to_string(d));
    text += (text.empty() ? "" : "; ") + t.name + " " + std::string(dtype_name(t.dtype)) + "[" +
            dims + "]" + (t.layout.empty() ? "" : " " + t.layout);
  }
  return text;
}

}  // namespace

// Precision of a model file from its graph: integer weights, quantized activations or Q/DQ nodes
// -> int8; f16 values -> fp16; f32 weights that are all exactly f16 values (TFLite f16 weights,
// which the importer widens to f32) -> fp16; else fp32. Hybrid TFLite weights are f32 with
// QuantParams after import (int8).
Precision infer_precision(const ir::Graph& graph) {
  bool f16 = false;
  for (const auto& v : graph.values()) {
    if ((v->dtype == DType::kI8 || v->dtype == DType::kU8) && v->quant) return Precision::kInt8;
    if (v->is_constant() && v->dtype == DType::kF32 && v->quant) return Precision::kInt8;
    if (v->dtype == DType::kF16) f16 = true;
  }
  int64_t weights = 0, exact = 0;
  for (const auto& node : graph.nodes()) {
    if (node->op == ir::OpType::kQuantizeLinear || node->op == ir::OpType::kDequantizeLinear)
      return Precision::kInt8;
    const bool weighted = node->op == ir::OpType::kConv || node->op == ir::OpType::kGemm ||
                          node->op == ir::OpType::kMatMul;
    if (!weighted || node->inputs.size() < 2 || !node->inputs[1]) continue;
    const ir::Value* w = node->inputs[1];
    if (!w->is_constant() || w->dtype != DType::kF32 || w->constant->element_count() < 16) continue;
    ++weights;
    exact += f16_exact(*w->constant);
  }
  if (f16 || (weights > 0 && exact == weights)) return Precision::kFp16;
  return Precision::kFp32;
}

// Per-layer thresholds matching a precision's expected noise.
LayerThresholds layer_thresholds(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return {.max_relative_error = 1e-3, .max_cosine_distance = 1e-4};
    case Precision::kFp16:
      return {.max_relative_error = 2e-2, .max_cosine_distance = 2e-3};
    case Precision::kInt8:
      return {.max_relative_error = 1.0, .max_cosine_distance = 0.02};
  }
  return {};
}

Status check_verify_runtime(const std::string& name) {
  return runtimes::runtime_from_name(name).status();
}

Expected<VerifyResult> verify_model(const VerifyOptions& options) {
  std::optional<RuntimeKind> asked;
  if (!options.runtime.empty()) {
    MCONV_ASSIGN_OR_RETURN(asked, runtimes::runtime_from_name(options.runtime));
  }
  VerifyResult v;
  v.model = options.model;
  v.reference = options.reference;
  const std::string& images_dir = options.images_dir;
  auto file = read_model_file(v.model);
  if (!file.ok()) return about(v.model, file.status());
  v.model_format = std::string(model_format_name(file->format));
  // The runtime asked for, else the format's own (the one default rule); never a fallback.
  const RuntimeKind kind = asked.value_or(runtimes::default_runtime(file->format));
  const std::string runtime(runtimes::runtime_name(kind));
  if (Status st = runtimes::check_runs_format(kind, file->format); !st.ok())
    return about(v.model, st);
  v.model_bytes = static_cast<int64_t>(file->bytes.size());
  auto candidate = import_model(*file);
  if (!candidate.ok()) return about(v.model, candidate.status());
  file->bytes.clear();
  auto reference = load_model(v.reference);
  if (!reference.ok()) return about(v.reference, reference.status());
  if (reference->graph.inputs.size() != 1 || candidate->graph.inputs.size() != 1)
    return about(v.model, Status::Error("verify needs models with one (image) input"));
  const ir::Value& ref_input = *reference->graph.inputs[0];
  const ir::Value& cand_input = *candidate->graph.inputs[0];
  v.inputs = signature(candidate->graph.inputs);
  v.outputs = signature(candidate->graph.outputs);
  v.precision_inferred = !options.precision;
  v.precision = options.precision ? *options.precision : infer_precision(candidate->graph);

  // Images in the reference's input layout.
  // The given preset, else what the files' metadata say (reference first), else the format's.
  std::string preset_name =
      !options.preset.empty() ? options.preset : preset_from_metadata(reference->metadata);
  if (preset_name.empty()) preset_name = preset_from_metadata(candidate->metadata);
  if (preset_name.empty())
    preset_name =
        reference->source_format == "onnx" || reference->source_format.starts_with("pytorch:")
            ? "torch"
            : "keras";
  auto preset = preset_from_name(preset_name);
  if (!preset.ok()) return about("preset", preset.status());
  auto input_spec = image_input_spec_from_shape(ir::static_dims(ref_input.shape));
  if (!input_spec.ok()) return about(v.reference, input_spec.status());
  auto all = list_image_folder(images_dir);
  if (!all.ok()) return about(images_dir, all.status());
  if (!options.labels_csv.empty()) {
    auto labels = read_labels_csv(options.labels_csv);
    if (!labels.ok()) return about(options.labels_csv, labels.status());
    for (LabeledImage& image : *all) {
      auto it = labels->find(std::filesystem::path(image.path).filename().string());
      image.label = it == labels->end() ? -1 : it->second;
    }
  }
  auto some = select_images(*all, options.offset, options.count);
  if (!some.ok()) return about(images_dir, some.status());
  if (some->empty()) return about(images_dir, Status::Error("no images"));
  auto batch = load_image_batch(
      *some, make_preprocess(*preset, input_spec->layout, input_spec->height, input_spec->width),
      options.threads);
  if (!batch.ok()) return about(images_dir, batch.status());
  const std::string batch_layout = image_layout_of(ref_input);
  v.data = std::to_string(some->size()) + " images from " + images_dir + " (images " +
           std::to_string(options.offset) + ".." +
           std::to_string(options.offset + some->size() - 1) + " by file name, preset " +
           preset_name + ")";
  std::vector<int64_t> labels;
  for (int l : image_labels(*some)) labels.push_back(l);
  const bool have_labels =
      std::all_of(labels.begin(), labels.end(), [](int64_t l) { return l >= 0; });

  // Reference in the interpreter, MODEL in its runtime.
  auto ref_run =
      run_in_interpreter(reference->graph, *batch, "reference outputs", options.progress);
  if (!ref_run.ok()) return about(v.reference, ref_run.status());
  Tensor& ref_out = ref_run->outputs;
  const Tensor x = batch_for_input(*batch, batch_layout, cand_input);
  Expected<RunResult> run =
      kind == RuntimeKind::kRef
          ? run_in_interpreter(candidate->graph, x, "model outputs", options.progress)
          : run_model_file(kind, v.model, file->format, x, options.runs);
  // The runtime that refused MODEL is named; the verdict never silently comes from another one.
  if (!run.ok())
    return about(v.model,
                 Status::Error("runtime '" + runtime + "' failed: " + run.status().message()));
  // A 1001-class model (background first) against a 1000-class one: compare the 1000.
  if (run->outputs.rank() == 2 && ref_out.rank() == 2) {
    if (run->outputs.dim(1) == ref_out.dim(1) + 1) {
      run->outputs = without_first_class(run->outputs);
      v.notes.push_back("class 0 (background) of MODEL dropped to compare with SOURCE's " +
                        std::to_string(ref_out.dim(1)) + " classes");
    } else if (ref_out.dim(1) == run->outputs.dim(1) + 1) {
      ref_out = without_first_class(ref_out);
      v.notes.push_back("class 0 (background) of SOURCE dropped to compare with MODEL's " +
                        std::to_string(run->outputs.dim(1)) + " classes");
    }
  }
  v.runtime = run->runtime;
  v.latency_p50_ms = run->latency_p50;
  // The one verdict of convert and verify (judge_runs), with the tolerance of MODEL's precision.
  const Judgement judgement =
      judge_runs({{"", "", &run, &ref_out}}, default_tolerance(v.precision));
  if (!judgement.comparison)
    return about(v.model, Status::Error(judgement.reason() + " (against the reference)"));
  const report::OutputComparison* cmp = &*judgement.comparison;
  v.comparison = *cmp;
  if (have_labels && run->outputs.rank() == 2) {
    // 1001-class models put "background" at index 0; labels count the 1000 ImageNet classes.
    const int64_t max_label = *std::max_element(labels.begin(), labels.end());
    v.class_offset = run->outputs.dim(1) == 1001 && max_label < 1000 ? 1 : 0;
    if (auto a = report::accuracy(run->outputs, labels, v.class_offset); a.ok()) v.accuracy = *a;
    const int ref_offset = ref_out.dim(1) == 1001 && max_label < 1000 ? 1 : 0;
    if (auto a = report::accuracy(ref_out, labels, ref_offset); a.ok()) v.reference_accuracy = *a;
  }
  v.misses = judgement.misses;
  v.passed = judgement.passed();

  // Where it goes wrong.
  const bool poor = cmp->top1_agreement < 0.99 || !(cmp->cosine_mean >= 0.999);
  if (poor || !v.passed || options.layers) {
    v.layers_run = true;
    v.thresholds = layer_thresholds(v.precision);
    if (options.layer_tol)
      v.thresholds = {.max_relative_error = *options.layer_tol,
                      .max_cosine_distance = *options.layer_tol / 10};
    const Tensor first = item(*batch, 0);
    auto layers = compare_layers(reference->graph, first, candidate->graph,
                                 batch_for_input(first, batch_layout, cand_input), v.thresholds);
    if (layers.ok())
      v.layers = std::move(*layers);
    else
      v.layers_error = layers.status().message();
  }
  return v;
}

}  // namespace mconv::pipeline
