#include "quant/ptq.h"

#include "quant/fold_gates.h"
#include "quant/qdq_plan.h"

namespace mconv::quant {

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
  CalibrationOptions calibration = options.calibration;
  if (options.split.max_groups > 1) {
    // Splitting needs per-channel ranges of the graph with its HardSwish nodes still whole.
    calibration.channel_ranges = true;
    MCONV_ASSIGN_OR_RETURN(CalibrationResult channels, calibrate(result.fp32, source, calibration));
    MCONV_ASSIGN_OR_RETURN(result.chains_split,
                           split_channel_groups(result.fp32, channels, options.split));
    calibration.channel_ranges = false;
  }
  if (options.hard_swish == HardSwishForm::kAddMul) {
    MCONV_ASSIGN_OR_RETURN(result.hard_swish, decompose_hard_swish(result.fp32));
  }
  if (options.float_head_convs > 0)
    for (std::string& name : head_node_names(result.fp32, options.float_head_convs))
      quantize.float_nodes.push_back(std::move(name));
  // The graph as it now is (split chains and decomposed hard-swish are new values).
  MCONV_ASSIGN_OR_RETURN(result.calibration, calibrate(result.fp32, source, calibration));
  MCONV_ASSIGN_OR_RETURN(result.qdq, quantize_to_qdq(result.fp32, result.calibration, quantize));
  return result;
}

}  // namespace mconv::quant
