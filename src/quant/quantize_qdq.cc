#include "quant/quantize_qdq.h"

#include <algorithm>
#include <unordered_map>

#include "ir/derived_names.h"
#include "ir/verifier.h"
#include "passes/dead_code.h"
#include "passes/fold_batchnorm.h"
#include "passes/remove_identity.h"
#include "quant/qdq_plan.h"
#include "quant/quant_params.h"

namespace mconv::quant {
namespace {

using ir::OpType;

std::string where(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

Tensor scaled(const Tensor& t, float factor) {
  std::vector<float> v = t.to_f32();
  for (float& x : v) x *= factor;
  return Tensor::FromVector(DType::kF32, t.shape(), v);
}

// Gemm computes alpha * A * B + beta * C; int8 kernels (QGemm, TFLite FULLY_CONNECTED) want the
// plain A * B + C, so alpha and beta move into the constants.
int fold_gemm_scalars(ir::Graph& graph) {
  int changed = 0;
  for (const auto& node : graph.nodes()) {
    if (node->op != OpType::kGemm) continue;
    const float alpha = node->attrs.get_float("alpha", 1.0f);
    const float beta = node->attrs.get_float("beta", 1.0f);
    ir::Value* b = node->inputs[1];
    ir::Value* c = node->inputs.size() > 2 ? node->inputs[2] : nullptr;
    if (alpha != 1.0f && b && b->is_constant() && b->dtype == DType::kF32) {
      graph.set_input(node.get(), 1,
                      graph.add_constant(b->name + "_alpha", scaled(*b->constant, alpha)));
      node->attrs.set("alpha", 1.0f);
      ++changed;
    }
    if (beta != 1.0f && c && c->is_constant() && c->dtype == DType::kF32) {
      graph.set_input(node.get(), 2,
                      graph.add_constant(c->name + "_beta", scaled(*c->constant, beta)));
      node->attrs.set("beta", 1.0f);
      ++changed;
    }
  }
  return changed;
}

// Builds the Q/DQ nodes and quantized constants into the graph being rewritten.
// Bias correction for weight quantization: with E[x] the per-channel mean of the layer input over
// the calibration data, the quantized weights shift output channel o's mean by
// sum over its inputs of (Wq - W)[o, c, k] * E[x_c]; returns that shift per output channel (border
// pixels that see zero padding are not modelled). `axis` is the output-channel axis of `w`.
std::vector<double> weight_error_shift(const ir::Node& node, const Tensor& w, const Tensor& wq,
                                       int axis, const std::vector<double>& input_means) {
  const std::vector<float> a = w.to_f32(), b = wq.to_f32();
  const int64_t channels = w.dim(axis);
  std::vector<double> shift(channels, 0.0);
  if (node.op == OpType::kConv) {
    // OIHW: output o reads input channels group(o) * (C/G) + i, i < C/G.
    const int64_t per_out = w.element_count() / channels;
    const int64_t in_per_group = w.dim(1), kernel = per_out / std::max<int64_t>(1, in_per_group);
    const int64_t groups = std::max<int64_t>(1, node.attrs.get_int("group", 1));
    const int64_t out_per_group = std::max<int64_t>(1, channels / groups);
    for (int64_t o = 0; o < channels; ++o) {
      const int64_t first_in = (o / out_per_group) * in_per_group;
      for (int64_t i = 0; i < in_per_group; ++i) {
        const size_t c = static_cast<size_t>(first_in + i);
        if (c >= input_means.size()) return {};
        double d = 0;
        for (int64_t k = 0; k < kernel; ++k) {
          const int64_t j = (o * in_per_group + i) * kernel + k;
          d += static_cast<double>(b[j]) - a[j];
        }
        shift[o] += d * input_means[c];
      }
    }
    return shift;
  }
  // Gemm / MatMul: 2-D weights, output channel along `axis`, inputs along the other axis.
  const int64_t rows = w.dim(0), cols = w.dim(1);
  if (static_cast<int64_t>(input_means.size()) != (axis == 0 ? cols : rows)) return {};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double d = static_cast<double>(b[r * cols + c]) - a[r * cols + c];
      if (axis == 0) {
        shift[r] += d * input_means[c];
      } else {
        shift[c] += d * input_means[r];
      }
    }
  return shift;
}

class QdqWriter {
 public:
  QdqWriter(ir::Graph& graph, const QdqPlan& plan, const CalibrationResult& calibration,
            const QuantizeOptions& options)
      : graph_(graph), plan_(plan), calibration_(calibration), options_(options) {}

  Status quantize_weighted(ir::Node* node);
  Status quantize_constant_operands(ir::Node* node, QuantRole role);
  void insert_qdq(ir::Value* v, const ir::QuantParams& params);

 private:
  // Scale and zero-point constants for `params` (scalars per tensor, 1-D per axis).
  std::pair<ir::Value*, ir::Value*> param_constants(const std::string& base,
                                                    const ir::QuantParams& params,
                                                    DType zero_point_type);
  // An integer constant plus the DequantizeLinear reading it; returns the DQ output.
  ir::Value* dequantized_constant(const std::string& base, QuantizedTensor q,
                                  DType zero_point_type);
  // The quantized version of a constant operand with the given (int8) params (cached).
  Expected<ir::Value*> quantized_operand(ir::Value* constant, const ir::QuantParams& params);
  // Activation codes: int8, or uint8 with every zero point moved up by 128 (same reals).
  DType activation_type() const {
    return options_.activation_type == DType::kU8 ? DType::kU8 : DType::kI8;
  }
  ir::QuantParams in_activation_type(ir::QuantParams params) const {
    if (activation_type() == DType::kU8)
      for (int64_t& zp : params.zero_point) zp += 128;
    return params;
  }

  ir::Graph& graph_;
  const QdqPlan& plan_;
  const CalibrationResult& calibration_;
  const QuantizeOptions& options_;
  // Short ids name everything the rewrite adds ("q12", "w3_scale"): the original names are
  // often long (TFLite converter names run to hundreds of characters) and a QDQ file would repeat
  // each one a dozen times, a third of an int8 model's size.
  std::string next_id(const char* prefix) { return prefix + std::to_string(next_id_++); }
  int next_id_ = 0;
  std::unordered_map<const ir::Value*, ir::Value*> operand_cache_;  // constant -> DQ output
};

std::pair<ir::Value*, ir::Value*> QdqWriter::param_constants(const std::string& base,
                                                             const ir::QuantParams& params,
                                                             DType zero_point_type) {
  const bool per_axis = params.per_axis();
  const std::vector<int64_t> shape =
      per_axis ? std::vector<int64_t>{static_cast<int64_t>(params.scale.size())}
               : std::vector<int64_t>{};
  Tensor scale = Tensor::FromVector(DType::kF32, shape, params.scale);
  Tensor zp(zero_point_type, shape);
  for (size_t i = 0; i < params.zero_point.size(); ++i) {
    if (zero_point_type == DType::kI8) {
      zp.data<int8_t>()[i] = static_cast<int8_t>(params.zero_point[i]);
    } else if (zero_point_type == DType::kU8) {
      zp.data<uint8_t>()[i] = static_cast<uint8_t>(params.zero_point[i]);
    } else {
      zp.data<int32_t>()[i] = static_cast<int32_t>(params.zero_point[i]);
    }
  }
  return {graph_.add_constant(base + "_s", std::move(scale)),
          graph_.add_constant(base + "_zp", std::move(zp))};
}

ir::Value* QdqWriter::dequantized_constant(const std::string& base, QuantizedTensor q,
                                           DType zero_point_type) {
  const ir::QuantParams params = q.params;
  const std::vector<int64_t> shape = q.data.shape();
  ir::Value* data = graph_.add_constant(base, std::move(q.data));
  data->quant = params;
  auto [scale, zp] = param_constants(base, params, zero_point_type);
  ir::Value* out = graph_.add_value(ir::derived_name(base, ir::Derivation::kDq), DType::kF32,
                                    ir::make_shape(shape));
  ir::Node* dq = graph_.add_node(OpType::kDequantizeLinear, graph_.unique_node_name(base + "_DQ"),
                                 {data, scale, zp}, {out});
  if (params.per_axis()) dq->attrs.set("axis", static_cast<int64_t>(params.axis));
  return out;
}

Expected<ir::Value*> QdqWriter::quantized_operand(ir::Value* constant,
                                                  const ir::QuantParams& params) {
  if (auto it = operand_cache_.find(constant); it != operand_cache_.end()) return it->second;
  const DType type = activation_type();
  QuantizedTensor q;
  q.params = in_activation_type(params);
  MCONV_ASSIGN_OR_RETURN(q.data, quantize_tensor(*constant->constant, q.params, type));
  ir::Value* out = dequantized_constant(next_id("c"), std::move(q), type);
  operand_cache_[constant] = out;
  return out;
}

Status QdqWriter::quantize_weighted(ir::Node* node) {
  const ir::Value* x = node->inputs[0];
  ir::Value* w = node->inputs[1];
  if (!w->is_constant()) return Status::Ok();  // MatMul of two activations: nothing constant
  // A layer reading a float activation (mixed precision) computes in float: int8 weights behind
  // their DequantizeLinear, the bias stays float.
  const auto x_params = plan_.params.find(x);
  const bool float_input = x_params == plan_.params.end();
  const float input_scale = float_input ? 0.0f : x_params->second.scale.at(0);
  const Tensor& weights = *w->constant;
  // Output-channel axis of the weights and the channel count.
  int axis = 0;
  if (node->op == OpType::kGemm) axis = node->attrs.get_int("transB", 0) != 0 ? 0 : 1;
  if (node->op == OpType::kMatMul) axis = 1;
  const int64_t channels = weights.dim(axis);

  // The bias as a 1-D [channels] f32 tensor, when it can be one.
  std::optional<Tensor> bias;
  if (node->op != OpType::kMatMul && node->inputs.size() > 2 && node->inputs[2]) {
    const Tensor& b = *node->inputs[2]->constant;
    std::vector<float> values = b.to_f32();
    if (static_cast<int64_t>(values.size()) == 1) values.assign(channels, values[0]);
    if (static_cast<int64_t>(values.size()) == channels)
      bias = Tensor::FromVector(DType::kF32, {channels}, values);
  }
  // Input channel means for bias correction (a Conv/Gemm without a bias gets one if needed).
  std::vector<double> input_means;
  if (options_.bias_correction && node->op != OpType::kMatMul) {
    if (auto it = calibration_.input_means.find(node->name); it != calibration_.input_means.end())
      input_means = it->second.means();
    const bool bias_slot_free = node->inputs.size() < 3 || !node->inputs[2];
    if (!input_means.empty() && bias_slot_free)
      bias = Tensor::FromVector(DType::kF32, {channels}, std::vector<float>(channels, 0.0f));
  }

  const bool per_channel = options_.per_channel_weights &&
                           (node->op != OpType::kGemm || options_.per_channel_gemm_weights);
  const int quant_axis = per_channel ? axis : -1;
  std::vector<float> min_scales;
  if (bias && !float_input) {
    min_scales = min_bias_weight_scales(*bias, input_scale);
    if (quant_axis < 0) {
      const float m = *std::max_element(min_scales.begin(), min_scales.end());
      min_scales.assign(1, m);
    }
  }
  auto qw = quantize_weights_symmetric(weights, quant_axis, min_scales);
  if (!qw.ok()) return Status::Error(where(*node) + ": " + qw.status().message());
  const std::vector<float> weight_scales = qw->params.scale;
  if (bias && !input_means.empty()) {
    MCONV_ASSIGN_OR_RETURN(Tensor dequantized, dequantize_tensor(qw->data, qw->params));
    const std::vector<double> shift =
        weight_error_shift(*node, weights, dequantized, axis, input_means);
    float* b = bias->data<float>();
    for (size_t c = 0; c < shift.size(); ++c) b[c] -= static_cast<float>(shift[c]);
  }
  graph_.set_input(node, 1, dequantized_constant(next_id("w"), std::move(qw).value(), DType::kI8));
  if (bias && float_input) {
    ir::Value* fb = graph_.add_constant(next_id("b"), std::move(*bias));
    if (node->inputs.size() < 3) {
      node->inputs.push_back(fb);
      fb->consumers.push_back(node);
    } else {
      graph_.set_input(node, 2, fb);
    }
  } else if (bias) {
    auto qb = quantize_bias(*bias, input_scale, weight_scales);
    if (!qb.ok()) return Status::Error(where(*node) + ": " + qb.status().message());
    ir::Value* dq = dequantized_constant(next_id("b"), std::move(qb).value(), DType::kI32);
    if (node->inputs.size() < 3) {
      node->inputs.push_back(dq);
      dq->consumers.push_back(node);
    } else {
      graph_.set_input(node, 2, dq);
    }
  }
  return Status::Ok();
}

Status QdqWriter::quantize_constant_operands(ir::Node* node, QuantRole role) {
  for (int i : data_input_indices(*node, role)) {
    ir::Value* in = node->inputs[i];
    if (!in || !in->is_constant() || in->dtype != DType::kF32) continue;
    ir::QuantParams params;
    if (role == QuantRole::kTied) {
      auto it = plan_.params.find(in);
      if (it == plan_.params.end()) continue;
      params = it->second;
    } else {
      const std::vector<float> values = in->constant->to_f32();
      if (values.empty()) continue;
      const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
      params = choose_asymmetric_params(*lo, *hi);
    }
    auto out = quantized_operand(in, params);
    if (!out.ok()) return Status::Error(where(*node) + ": " + out.status().message());
    graph_.set_input(node, i, *out);
  }
  return Status::Ok();
}

void QdqWriter::insert_qdq(ir::Value* v, const ir::QuantParams& int8_params) {
  const std::string base = next_id("q");
  const ir::QuantParams params = in_activation_type(int8_params);
  auto [scale, zp] = param_constants(base, params, activation_type());
  ir::Value* q = graph_.add_value(base, activation_type(), v->shape, v->has_shape);
  q->quant = params;
  if (ir::Node* producer = v->producer) {
    // The producer now writes a new float value; the DequantizeLinear takes over the original
    // value (name, readers and graph-output slot stay untouched).
    ir::Value* pre = graph_.add_value(base + "_in", v->dtype, v->shape, v->has_shape);
    std::replace(producer->outputs.begin(), producer->outputs.end(), v, pre);
    pre->producer = producer;
    v->producer = nullptr;
    graph_.add_node(OpType::kQuantizeLinear, graph_.unique_node_name(base + "_Q"), {pre, scale, zp},
                    {q});
    graph_.add_node(OpType::kDequantizeLinear, graph_.unique_node_name(base + "_DQ"),
                    {q, scale, zp}, {v});
    return;
  }
  // A graph input keeps its name; its readers move to the dequantized copy.
  const std::vector<ir::Node*> readers = v->consumers;
  ir::Value* dq = graph_.add_value(ir::derived_name(base, ir::Derivation::kDq), v->dtype, v->shape,
                                   v->has_shape);
  graph_.add_node(OpType::kQuantizeLinear, graph_.unique_node_name(base + "_Q"), {v, scale, zp},
                  {q});
  graph_.add_node(OpType::kDequantizeLinear, graph_.unique_node_name(base + "_DQ"), {q, scale, zp},
                  {dq});
  for (ir::Node* reader : readers)
    for (size_t i = 0; i < reader->inputs.size(); ++i)
      if (reader->inputs[i] == v) graph_.set_input(reader, i, dq);
}

}  // namespace

Status prepare_for_quantization(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  MCONV_RETURN_IF_ERROR(passes::fold_batchnorm(graph).status());
  MCONV_RETURN_IF_ERROR(passes::remove_identity(graph).status());
  fold_gemm_scalars(graph);
  MCONV_RETURN_IF_ERROR(passes::eliminate_dead_code(graph).status());
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return ir::verify(graph);
}

Expected<ir::Graph> quantize_to_qdq(const ir::Graph& fp32, const CalibrationResult& calibration,
                                    const QuantizeOptions& options) {
  ir::Graph graph = fp32.clone();
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  MCONV_ASSIGN_OR_RETURN(QdqPlan plan, plan_qdq(graph, calibration, options));
  QdqWriter writer(graph, plan, calibration, options);

  // Constants first (they read the activation params of their node's inputs), then Q/DQ pairs.
  std::vector<ir::Node*> nodes;
  for (const auto& node : graph.nodes()) nodes.push_back(node.get());
  for (ir::Node* node : nodes) {
    if (!plan.quantized_nodes.count(node)) continue;
    const QuantRole role = quant_role(node->op);
    if (role == QuantRole::kWeighted) {
      MCONV_RETURN_IF_ERROR(writer.quantize_weighted(node));
    } else if (role == QuantRole::kElementwise || role == QuantRole::kTied) {
      MCONV_RETURN_IF_ERROR(writer.quantize_constant_operands(node, role));
    }
  }
  for (ir::Value* v : plan.activations) writer.insert_qdq(v, plan.params.at(v));

  // remove_dead walks the node list backwards, so it needs the new nodes in topological order.
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  MCONV_RETURN_IF_ERROR(ir::verify(graph).with_context("quantized graph"));
  return graph;
}

}  // namespace mconv::quant
