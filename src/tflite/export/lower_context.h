// Shared state of lowering one channels-last IR graph to TFLite operators: which tensor each IR
// value became, which nodes were absorbed into another operator (fused activations, the
// HardSigmoid of x*HardSigmoid(x)), and helpers to make constants and intermediates.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "tflite/export/op_versions.h"
#include "tflite/export/tflite_writer.h"

namespace mconv::tflite {

class LowerContext {
 public:
  LowerContext(const ir::Graph& graph, TfliteWriter& writer) : graph_(graph), w_(writer) {}

  TfliteWriter& writer() { return w_; }
  flatbuffers::FlatBufferBuilder& fbb() { return w_.builder(); }
  const ir::Graph& graph() const { return graph_; }

  // The tensor of an IR value (created on first use; constants get a buffer).
  Expected<int> tensor(const ir::Value* value);
  // The tensor of an integer value that carries no QuantParams itself (a QDQ model's constant
  // weights), quantized with `quant`; an already created tensor is returned as it is.
  Expected<int> tensor_with_quant(const ir::Value* value, const ir::QuantParams& quant);
  // A new intermediate tensor, quantized like `like` when that is a quantized value.
  Expected<int> new_tensor(const std::string& name, DType dtype, const ir::Shape& shape,
                           const ir::Value* like = nullptr);
  // New constant tensors.
  Expected<int> constant(const std::string& name, const Tensor& data,
                         const ir::QuantParams* quant = nullptr);
  Expected<int> const_i32(const std::string& name, const std::vector<int32_t>& values,
                          std::vector<int64_t> shape = {});
  Expected<int> const_f32(const std::string& name, const std::vector<float>& values,
                          std::vector<int64_t> shape = {});

  // A float weight tensor from `values` (logical f32). With `half_storage` the data is stored as
  // float16 and read through a DEQUANTIZE operator (TFLite's FP16-weight form); the returned
  // index is then the DEQUANTIZE output.
  Expected<int> float_weight(const std::string& name, const std::vector<float>& values,
                             std::vector<int64_t> shape, bool half_storage);

  // Makes `to` an alias of `from` (pass-through nodes: Identity, Dropout).
  void alias(const ir::Value* to, const ir::Value* from) { alias_[to] = from; }

  // Nodes whose work another operator already did.
  void skip(const ir::Node* node) { skipped_.insert(node); }
  bool skipped(const ir::Node* node) const { return skipped_.count(node) != 0; }

  bool is_graph_output(const ir::Value* value) const;

  // The activation a producer can fuse: when `value` (output of an op with
  // fused_activation_function) is read only by a Relu / Clip(0,6) / Clip(-1,1) that is not
  // skipped, that node is marked skipped and its output returned with the activation.
  struct Fused {
    ::tflite::ActivationFunctionType act = ::tflite::ActivationFunctionType_NONE;
    const ir::Value* output = nullptr;  // value the fused operator writes
  };
  Fused fuse_activation(const ir::Value* value);

  // One-line error naming the node and op.
  static Status error(const ir::Node& node, const std::string& message);

  void add_op(::tflite::BuiltinOperator op, const OpUse& use, std::vector<int> inputs,
              std::vector<int> outputs,
              ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions_NONE,
              flatbuffers::Offset<void> options = 0) {
    w_.add_operator(op, op_version(op, use), std::move(inputs), std::move(outputs), options_type,
                    options);
  }

 private:
  const ir::Graph& graph_;
  TfliteWriter& w_;
  std::unordered_map<const ir::Value*, int> tensors_;             // IR value -> tensor
  std::unordered_map<const ir::Value*, const ir::Value*> alias_;  // pass-through outputs
  std::unordered_set<const ir::Node*> skipped_;                   // absorbed nodes
};

// Static min/max of a Clip node (absent bounds are -inf/+inf); none when a bound is computed.
std::optional<std::pair<float, float>> clip_bounds(const ir::Node& clip);

// Constant data behind a weight operand: the value's own constant, or the float16 constant a
// Cast to f32 reads (rewrite_for_fp16's TFLite flavour).
struct WeightData {
  const Tensor* data = nullptr;  // the stored constant
  bool half_storage = false;     // stored as f16 behind a Cast f16 -> f32
};
std::optional<WeightData> weight_data(const ir::Value* v);
// True for Cast(f16 constant) -> f32 nodes.
bool is_half_weight_cast(const ir::Node& node);

// QuantParams to write for a value: set on integer values only (a float value with QuantParams is
// a dequantized hybrid weight, written as plain float).
inline const ir::QuantParams* written_quant(const ir::Value* v) {
  return v && v->quant && !dtype_is_float(v->dtype) ? &*v->quant : nullptr;
}
inline bool is_quantized(const ir::Value* v) {
  return written_quant(v) != nullptr;
}

// Rank of a value's shape (0 when unknown).
inline int rank_of(const ir::Value* v) {
  return v && v->has_shape ? static_cast<int>(v->shape.size()) : 0;
}

// One lowering per IR op; see op_table.cc.
using LowerFn = Status (*)(const ir::Node& node, LowerContext& ctx);
LowerFn lowering_for(ir::OpType op);

// Lowerings, grouped by file.
Status lower_conv(const ir::Node& node, LowerContext& ctx);
Status lower_max_pool(const ir::Node& node, LowerContext& ctx);
Status lower_average_pool(const ir::Node& node, LowerContext& ctx);
Status lower_global_average_pool(const ir::Node& node, LowerContext& ctx);
Status lower_batch_norm(const ir::Node& node, LowerContext& ctx);

Status lower_relu(const ir::Node& node, LowerContext& ctx);
Status lower_clip(const ir::Node& node, LowerContext& ctx);
Status lower_leaky_relu(const ir::Node& node, LowerContext& ctx);
Status lower_hard_sigmoid(const ir::Node& node, LowerContext& ctx);
Status lower_hard_swish(const ir::Node& node, LowerContext& ctx);
Status lower_sigmoid(const ir::Node& node, LowerContext& ctx);
Status lower_tanh(const ir::Node& node, LowerContext& ctx);
Status lower_sqrt(const ir::Node& node, LowerContext& ctx);
Status lower_binary(const ir::Node& node, LowerContext& ctx);
Status lower_cast(const ir::Node& node, LowerContext& ctx);

Status lower_gemm(const ir::Node& node, LowerContext& ctx);
Status lower_matmul(const ir::Node& node, LowerContext& ctx);

Status lower_reshape(const ir::Node& node, LowerContext& ctx);
Status lower_concat(const ir::Node& node, LowerContext& ctx);
Status lower_transpose(const ir::Node& node, LowerContext& ctx);
Status lower_split(const ir::Node& node, LowerContext& ctx);
Status lower_slice(const ir::Node& node, LowerContext& ctx);
Status lower_gather(const ir::Node& node, LowerContext& ctx);
Status lower_shape(const ir::Node& node, LowerContext& ctx);
Status lower_softmax(const ir::Node& node, LowerContext& ctx);
Status lower_pad(const ir::Node& node, LowerContext& ctx);
Status lower_reduce_mean(const ir::Node& node, LowerContext& ctx);
Status lower_pass_through(const ir::Node& node, LowerContext& ctx);
Status lower_quantize(const ir::Node& node, LowerContext& ctx);
Status lower_dequantize(const ir::Node& node, LowerContext& ctx);
Status lower_unsupported(const ir::Node& node, LowerContext& ctx);

}  // namespace mconv::tflite
