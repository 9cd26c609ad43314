#include "quant/ptq.h"

#include <cstring>
#include <map>

#include "quant/bias_correction.h"
#include "quant/fold_channel_order.h"
#include "quant/fold_gates.h"
#include "quant/qdq_plan.h"

namespace mconv::quant {
namespace {

// Runs [begin, end) of `source` as one batch per graph input (each run's tensors concatenated
// along axis 0).
Expected<std::vector<Tensor>> stacked_runs(const CalibrationSource& source, size_t begin,
                                           size_t end) {
  std::vector<std::vector<Tensor>> runs;
  for (size_t i = begin; i < end; ++i) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> r, source.inputs(i));
    runs.push_back(std::move(r));
  }
  if (runs.empty()) return std::vector<Tensor>{};
  std::vector<Tensor> out;
  for (size_t k = 0; k < runs[0].size(); ++k) {
    const Tensor& first = runs[0][k];
    if (first.rank() == 0) return Status::Error("calibration input without a batch axis");
    std::vector<int64_t> shape = first.shape();
    int64_t rows = 0;
    for (const auto& r : runs) {
      if (r.size() != runs[0].size() || r[k].dtype() != first.dtype() ||
          r[k].rank() != first.rank())
        return Status::Error("calibration runs differ in their inputs");
      rows += r[k].dim(0);
    }
    shape[0] = rows;
    Tensor batch(first.dtype(), shape);
    size_t offset = 0;
    for (const auto& r : runs) {
      const size_t n = static_cast<size_t>(r[k].byte_size());
      if (offset + n > static_cast<size_t>(batch.byte_size()))
        return Status::Error("calibration runs differ in their input shapes");
      if (n > 0) std::memcpy(batch.raw() + offset, r[k].raw(), n);
      offset += n;
    }
    out.push_back(std::move(batch));
  }
  return out;
}

CalibrationSource first_runs(const CalibrationSource& source, size_t count) {
  CalibrationSource s = source;
  s.count = count;
  return s;
}

}  // namespace

PtqOptions product_ptq_options() {
  PtqOptions options;
  options.holdout_share = 0.5;
  // Four channel groups: the most accurate measured setting that is still faster than the
  // previous six-group default (docs/int8_accuracy.md, 2026-12-07 evening: Keras
  // MobileNetV3-Small top-1 agreement ONNX 95.0% / TFLite 92.2% against 93.5% / 91.2% with two
  // groups and 90.5% / 82.2% with none). `--split-groups 1` gives the fast graph.
  options.split.max_groups = 4;
  // And no Gather after them (fold_channel_order.h; ptq.h has the measurements).
  options.fold_channel_order = true;
  // Mixed precision only on request (`--int8-agreement`): on 50 held-out images its choice was
  // noise (split 4, target 98: ONNX agreement 95.0% -> 93.0% on the 400 judged images) and the
  // search made a convert take minutes.
  options.mixed.enabled = false;
  return options;
}

PtqOptions synthetic_calibration_ptq_options() {
  PtqOptions options;
  options.split.max_groups = 6;
  options.hard_swish = HardSwishForm::kHardSwish;
  options.bias_correction_images = 0;
  options.fold_channel_order = false;
  options.holdout_share = 0;
  options.mixed.enabled = false;
  return options;
}

Expected<PtqResult> quantize_post_training(const ir::Graph& fp32, const CalibrationSource& source,
                                           const PtqOptions& options) {
  PtqResult result;
  result.fp32 = fp32.clone();
  MCONV_RETURN_IF_ERROR(prepare_for_quantization(result.fp32));
  QuantizeOptions quantize = options.quantize;
  if (options.fold_gates) {
    MCONV_ASSIGN_OR_RETURN(GateFolding gates, fold_gates(result.fp32));
    result.gates_folded = gates.folded;
    // A folded gate is quantized over exactly [0, 1]: the int8 output then is the clip.
    for (const std::string& name : gates.gates)
      quantize.range_overrides.emplace(name, FloatRange{0.0f, 1.0f});
  }
  if (options.float_softmax_output)
    for (const auto& node : result.fp32.nodes())
      if (node->op == ir::OpType::kSoftmax)
        for (const ir::Value* out : result.fp32.outputs)
          if (node->outputs[0] == out) quantize.float_nodes.push_back(node->name);

  // Range inputs and held-out inputs.
  size_t heldout = 0;
  if (source.count >= 20 && options.holdout_share > 0 && options.holdout_share < 1)
    heldout = static_cast<size_t>(static_cast<double>(source.count) * options.holdout_share);
  const size_t range_count = source.count - heldout;
  result.range_inputs = static_cast<int64_t>(range_count);
  result.heldout_inputs = static_cast<int64_t>(heldout);
  const CalibrationSource range_source = first_runs(source, range_count);

  CalibrationOptions calibration = options.calibration;
  if (options.equalization.enabled) {
    calibration.channel_ranges = true;
    MCONV_ASSIGN_OR_RETURN(CalibrationResult channels,
                           calibrate(result.fp32, range_source, calibration));
    EqualizationOptions equalization = options.equalization;
    equalization.range = quantize.activation_range;
    MCONV_ASSIGN_OR_RETURN(EqualizationResult eq,
                           equalize_channel_ranges(result.fp32, channels, equalization));
    result.equalized = std::move(eq.producers);
    calibration.channel_ranges = false;
    // Equalized values keep their names but not their numbers: a shared cache would answer
    // with the statistics of the graph before.
    if (!result.equalized.empty()) calibration.cache = nullptr;
  }
  if (options.split.max_groups > 1) {
    // Splitting needs per-channel ranges of the graph with its HardSwish nodes still whole.
    calibration.channel_ranges = true;
    MCONV_ASSIGN_OR_RETURN(CalibrationResult channels,
                           calibrate(result.fp32, range_source, calibration));
    // A head left in float keeps its chains whole: its first convolutions are then the
    // source's, not some of their channel groups (which left the other groups in int8).
    ChannelSplitOptions split = options.split;
    if (options.float_head_convs > 0)
      for (std::string& name : head_node_names(result.fp32, options.float_head_convs))
        split.keep_whole.push_back(std::move(name));
    MCONV_ASSIGN_OR_RETURN(result.chains_split, split_channel_groups(result.fp32, channels, split));
    if (options.fold_channel_order && result.chains_split > 0) {
      MCONV_ASSIGN_OR_RETURN(ChannelOrderFolding folding, fold_channel_order(result.fp32));
      result.gathers_folded = folding.gathers_folded;
      for (const auto& [from, to] : folding.renamed)
        if (auto it = quantize.range_overrides.find(from); it != quantize.range_overrides.end())
          quantize.range_overrides.emplace(to, it->second);
    }
    calibration.channel_ranges = false;
  }
  if (options.hard_swish == HardSwishForm::kAddMul) {
    MCONV_ASSIGN_OR_RETURN(result.hard_swish, decompose_hard_swish(result.fp32));
  }
  if (options.float_head_convs > 0)
    for (std::string& name : head_node_names(result.fp32, options.float_head_convs))
      quantize.float_nodes.push_back(std::move(name));
  // The graph as it now is (split chains and decomposed hard-swish are new values).
  MCONV_ASSIGN_OR_RETURN(result.calibration, calibrate(result.fp32, range_source, calibration));

  // Bias correction images (the first range inputs) and their FP32 layer means.
  std::vector<Tensor> bc_inputs;
  LayerMeans bc_reference;
  const size_t bc_count =
      range_count < static_cast<size_t>(std::max(0, options.min_bias_correction_images))
          ? 0
          : std::min(range_count, static_cast<size_t>(std::max(0, options.bias_correction_images)));
  if (bc_count > 0) {
    MCONV_ASSIGN_OR_RETURN(bc_inputs, stacked_runs(source, 0, bc_count));
    MCONV_ASSIGN_OR_RETURN(bc_reference, fp32_layer_means(result.fp32, bc_inputs));
  }
  // The quantized graph with `float_values` kept in float, bias-corrected.
  struct Built {
    ir::Graph qdq;
    std::vector<std::string> corrected;
  };
  auto build = [&](const std::vector<std::string>& float_values) -> Expected<Built> {
    QuantizeOptions q = quantize;
    q.float_values = float_values;
    Built b;
    MCONV_ASSIGN_OR_RETURN(b.qdq, quantize_to_qdq(result.fp32, result.calibration, q));
    if (bc_count > 0) {
      MCONV_ASSIGN_OR_RETURN(BiasCorrectionReport r,
                             correct_biases_sequentially(b.qdq, bc_inputs, bc_reference));
      b.corrected = std::move(r.corrected);
    }
    return b;
  };

  std::vector<Tensor> heldout_inputs;
  Tensor heldout_reference;
  if (heldout > 0) {
    MCONV_ASSIGN_OR_RETURN(heldout_inputs, stacked_runs(source, range_count, source.count));
    MCONV_ASSIGN_OR_RETURN(heldout_reference, reference_logits(result.fp32, heldout_inputs));
  }
  std::vector<std::string> chosen;
  if (options.mixed.enabled && heldout > 0) {
    result.mixed = true;
    MCONV_ASSIGN_OR_RETURN(Built all_int8, build({}));
    const size_t rank_count =
        std::min(range_count, static_cast<size_t>(std::max(1, options.mixed.sensitivity_images)));
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> rank_inputs, stacked_runs(source, 0, rank_count));
    MCONV_ASSIGN_OR_RETURN(Tensor rank_reference, reference_logits(result.fp32, rank_inputs));
    MCONV_ASSIGN_OR_RETURN(std::vector<ActivationSensitivity> ranking,
                           rank_activations(all_int8.qdq, rank_inputs, rank_reference,
                                            std::max(1, options.calibration.threads)));
    auto top = [&](int k) {
      std::vector<std::string> names;
      for (int i = 0; i < k && i < static_cast<int>(ranking.size()); ++i)
        names.push_back(ranking[i].value);
      return names;
    };
    auto measure = [&](int k) -> Expected<OutputError> {
      if (k == 0) return measure_output_error(all_int8.qdq, heldout_inputs, heldout_reference);
      MCONV_ASSIGN_OR_RETURN(Built b, build(top(k)));
      return measure_output_error(b.qdq, heldout_inputs, heldout_reference);
    };
    const int max_kept = std::min(options.mixed.max_float_values, static_cast<int>(ranking.size()));
    MCONV_ASSIGN_OR_RETURN(
        MixedPrecisionChoice choice,
        choose_float_values(measure, options.mixed.target_agreement, std::max(0, max_kept)));
    result.heldout_int8 = choice.all_int8;
    result.heldout_final = choice.chosen;
    result.target_met = choice.target_met;
    result.mixed_tried = choice.tried;
    for (int i = 0; i < choice.kept; ++i)
      result.kept_in_float.push_back(
          {ranking[i].value, ranking[i].producer, ranking[i].noise_removed});
    chosen = top(choice.kept);
  }
  MCONV_ASSIGN_OR_RETURN(Built final_graph, build(chosen));
  result.qdq = std::move(final_graph.qdq);
  result.bias_corrected = std::move(final_graph.corrected);
  if (heldout > 0 && !result.mixed) {
    MCONV_ASSIGN_OR_RETURN(result.heldout_final,
                           measure_output_error(result.qdq, heldout_inputs, heldout_reference));
    result.heldout_int8 = result.heldout_final;
  }
  return result;
}

}  // namespace mconv::quant
