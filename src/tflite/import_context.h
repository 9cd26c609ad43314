// Internal to the TFLite importer: the state shared by the per-op converters (import_ops_*.cc).
// A converter reads one verified ::tflite::Operator and adds IR nodes through an ImportContext,
// which owns the tensor -> Value mapping, constant data, and the error format
// ("<file>: operator 12 (CONV_2D): <what is wrong>").
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_importer.h"

namespace mconv::tflite {

namespace fb = ::tflite;

// How a constant weight tensor must be laid out for the IR op that consumes it.
enum class WeightLayout {
  kAsIs,           // no change (FULLY_CONNECTED [out,in], biases, ...)
  kConvOHWI,       // CONV_2D filter OHWI -> OIHW
  kDepthwise1HWO,  // DEPTHWISE_CONV_2D filter 1HWO -> O1HW
};

class ImportContext {
 public:
  ImportContext(const std::vector<uint8_t>& file_bytes, const fb::Model& model,
                const fb::SubGraph& subgraph, const TfliteImportOptions& options, ir::Graph* graph);

  // --- the operator being converted (set by the driver) ---
  void begin_operator(int index, std::string op_name, const fb::Operator* op);
  const fb::Operator& op() const { return *op_; }
  int op_index() const { return op_index_; }
  const std::string& op_name() const { return op_name_; }

  // "<file>: operator 12 (CONV_2D): message" for the current operator.
  Status op_error(const std::string& message) const;
  // "<file>: message" for model-level problems.
  Status error(const std::string& message) const;

  // --- operator inputs/outputs (k = position in op.inputs / op.outputs) ---
  int input_count() const;
  int output_count() const;
  // Requires exactly `n` inputs (or between min and max) and `outs` outputs.
  Status expect_arity(int min_inputs, int max_inputs, int outputs) const;
  // Tensor index of input k, or -1 when omitted/out of range.
  int input_tensor(int k) const;
  int output_tensor(int k) const;
  const fb::Tensor& tensor(int tensor_index) const;
  std::string tensor_label(int tensor_index) const;  // "tensor 'name' (index 5)"

  // The Value of input k as stored in the file (constants are loaded on first use).
  Expected<ir::Value*> input(int k);
  // Same, but nullptr when the optional input k is omitted (-1 or past the end).
  Expected<ir::Value*> optional_input(int k);
  // The constant data of input k; error if it is not a constant.
  Expected<std::shared_ptr<const Tensor>> constant_input(int k);
  // Constant weight input k converted to `layout` (and dequantized to f32 when `dequantize`),
  // as a new constant Value (cached per tensor/layout).
  Expected<ir::Value*> weight_input(int k, WeightLayout layout, bool dequantize);
  // The Value for output k (created with the tensor's name, dtype, shape, quantization).
  Expected<ir::Value*> output(int k);

  // --- building nodes ---
  // A fresh value shaped/typed/quantized like `like`, named "<like>/<suffix>".
  ir::Value* derived_value(const ir::Value& like, const std::string& suffix);
  ir::Value* derived_value(const ir::Value& like, const std::string& suffix, DType dtype,
                           const ir::Shape& shape, bool has_shape);
  // A new constant named "<base>/<suffix>".
  ir::Value* add_constant(const std::string& base, const std::string& suffix, Tensor data);
  ir::Node* add_node(ir::OpType op, std::vector<ir::Value*> inputs,
                     std::vector<ir::Value*> outputs);
  // Adds `op` computing output 0 of the current operator, followed by the fused activation:
  // returns the main node (its output is "<out>/pre_act" when an activation follows).
  Expected<ir::Node*> add_with_activation(ir::OpType op, std::vector<ir::Value*> inputs,
                                          fb::ActivationFunctionType activation);
  // Clip(x, lo, hi) -> out with f32 bound constants (real values).
  ir::Node* add_clip(ir::Value* x, ir::Value* out, float lo, float hi);

  // --- tensors, for the driver ---
  // Value of tensor i as stored in the file (creates it on first use).
  Expected<ir::Value*> tensor_value(int tensor_index);
  // Replaces the data of an output tensor by a constant (folded DEQUANTIZE of f16 weights).
  Status fold_output_to_constant(int k, Tensor data);
  // Checks that every created non-constant, non-input Value has a producer.
  Status check_all_produced() const;
  // Data of tensor i, if it has a buffer (or was folded); errors for bad buffers.
  Expected<std::shared_ptr<const Tensor>> tensor_data(int tensor_index);
  bool tensor_has_data(int tensor_index) const;
  void mark_graph_input(int tensor_index) { graph_input_[tensor_index] = true; }

  int tensor_count() const { return tensor_count_; }
  const TfliteImportOptions& options() const { return options_; }
  ir::Graph& graph() { return *graph_; }
  const std::string& file() const { return file_; }

 private:
  Expected<ir::Value*> create_value(int tensor_index);

  const std::vector<uint8_t>& bytes_;
  const fb::Model& model_;
  const fb::SubGraph& subgraph_;
  const TfliteImportOptions& options_;
  ir::Graph* graph_;
  std::string file_;

  int op_index_ = -1;
  std::string op_name_;
  const fb::Operator* op_ = nullptr;

  int tensor_count_ = 0;
  std::vector<ir::Value*> values_;                     // per tensor index, null until used
  std::vector<std::shared_ptr<const Tensor>> data_;    // loaded constant data per tensor
  std::vector<bool> graph_input_;                      // tensor is a subgraph input
  std::vector<int> first_reader_;                      // first operator reading it, -1 = none
  std::map<std::pair<int, int>, ir::Value*> weights_;  // (tensor, layout*2+dequant) -> value
};

// --- helpers shared by converters and the driver (import_tensors.cc) ---

// TFLite element type -> mconv DType; false when mconv has no such type.
bool dtype_from_tflite(fb::TensorType type, DType* out);
// Quantization parameters of a tensor (nullopt when it has none or only min/max).
std::optional<ir::QuantParams> quant_from_tflite(const fb::Tensor& tensor);
// "3 quantization scales but 2 zero points ..." when the counts differ (TFLite refuses such a
// file), "" when they match or the file gives no zero points (symmetric: all zero).
std::string quant_count_mismatch(const fb::Tensor& tensor);
// Dequantizes integer data to f32 with per-tensor or per-axis parameters.
Expected<Tensor> dequantize_tensor(const Tensor& data, const ir::QuantParams& quant);
// Ints of a constant (i32/i64) 1-D tensor.
std::vector<int64_t> constant_ints(const Tensor& data);

// Explicit pads [begin, end] of one spatial axis for TFLite SAME/VALID padding.
Status resolve_padding(fb::Padding padding, int64_t in, int64_t kernel, int64_t stride,
                       int64_t dilation, int64_t* begin, int64_t* end);

// --- the op table (import_op_table.cc) ---
using OpConverter = Status (*)(ImportContext& ctx);
struct OpEntry {
  fb::BuiltinOperator code;  // builtin operator this row converts
  int max_version;           // newest operator version whose semantics the converter knows
  OpConverter convert;       // adds the IR nodes for one operator
};
// Row for a builtin code, or nullptr when the importer does not support it.
const OpEntry* find_op_entry(fb::BuiltinOperator code);

// Converters, one group per file.
Status convert_conv_2d(ImportContext& ctx);
Status convert_depthwise_conv_2d(ImportContext& ctx);
Status convert_fully_connected(ImportContext& ctx);
Status convert_average_pool_2d(ImportContext& ctx);
Status convert_max_pool_2d(ImportContext& ctx);
Status convert_batch_matmul(ImportContext& ctx);

Status convert_add(ImportContext& ctx);
Status convert_sub(ImportContext& ctx);
Status convert_mul(ImportContext& ctx);
Status convert_div(ImportContext& ctx);
Status convert_pow(ImportContext& ctx);
Status convert_relu(ImportContext& ctx);
Status convert_relu6(ImportContext& ctx);
Status convert_relu_n1_to_1(ImportContext& ctx);
Status convert_relu_0_to_1(ImportContext& ctx);
Status convert_logistic(ImportContext& ctx);
Status convert_tanh(ImportContext& ctx);
Status convert_hard_swish(ImportContext& ctx);
Status convert_leaky_relu(ImportContext& ctx);
Status convert_sqrt(ImportContext& ctx);
Status convert_softmax(ImportContext& ctx);
Status convert_quantize(ImportContext& ctx);
Status convert_dequantize(ImportContext& ctx);
Status convert_cast(ImportContext& ctx);

Status convert_reshape(ImportContext& ctx);
Status convert_squeeze(ImportContext& ctx);
Status convert_expand_dims(ImportContext& ctx);
Status convert_transpose(ImportContext& ctx);
Status convert_concatenation(ImportContext& ctx);
Status convert_pad(ImportContext& ctx);
Status convert_padv2(ImportContext& ctx);
Status convert_mirror_pad(ImportContext& ctx);
Status convert_mean(ImportContext& ctx);
Status convert_strided_slice(ImportContext& ctx);
Status convert_slice(ImportContext& ctx);
Status convert_shape(ImportContext& ctx);
Status convert_gather(ImportContext& ctx);
Status convert_split(ImportContext& ctx);
Status convert_split_v(ImportContext& ctx);

}  // namespace mconv::tflite
