// The graph as a delegate sees it: the operators of the FILE (TFLite builtins with their options,
// or ONNX nodes with their attributes), each tensor with its element type, shape and constness.
// Delegates decide per operator on exactly these facts, so the compatibility rules read this view
// and never mconv's IR (whose importers fuse, split and rename operators).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mconv::delegates {

enum class ElemType : uint8_t { kOther, kF32, kF16, kI8, kU8, kI16, kI32, kI64, kBool };
const char* elem_type_name(ElemType type);  // "f32", "i8", ...

struct TensorInfo {
  std::string name;
  ElemType type = ElemType::kOther;
  std::vector<int64_t> dims;  // -1 = unknown (dynamic) dim
  bool has_shape = false;     // rank known
  bool is_constant = false;   // initializer / TFLite buffer with data
  bool quantized = false;     // carries scale/zero point (TFLite)
  std::vector<int64_t> ints;  // data of small integer constants (axes, shapes, paddings)
  std::vector<float> floats;  // data of small float constants (clip bounds, scalars)

  bool is_static() const;  // has_shape and every dim known
};

struct OpNode {
  std::string name;  // node name (ONNX) or "#index OUTPUT_TENSOR" (TFLite)
  std::string op;    // "CONV_2D" (TFLite builtin) or "Conv" / "com.microsoft:FusedConv" (ONNX)
  int version = 1;   // TFLite operator version; ONNX: the default-domain opset
  std::vector<int> inputs;  // tensor indices, -1 = omitted optional input
  std::vector<int> outputs;
  // Options/attributes by name. TFLite: "fused_activation" (0 NONE, 1 RELU, 2 RELU_N1_TO_1,
  // 3 RELU6, 4 TANH, 5 SIGN_BIT), "keep_dims", "keep_num_dims", "weights_format", "axis",
  // "stride_h", "stride_w", "dilation_h", "dilation_w", "depth_multiplier", "mode",
  // "*_mask"; floats: "beta". ONNX: the node's int/float/ints attributes.
  std::map<std::string, int64_t> ints;
  std::map<std::string, float> floats;
  std::map<std::string, std::vector<int64_t>> int_lists;
  std::map<std::string, std::string> strings;

  int64_t int_attr(const std::string& key, int64_t fallback) const;
  float float_attr(const std::string& key, float fallback) const;
};

struct OpGraph {
  std::string format;  // "tflite" or "onnx"
  std::vector<TensorInfo> tensors;
  std::vector<OpNode> nodes;  // execution (topological) order of the file
  std::vector<int> inputs;    // graph input tensors
  std::vector<int> outputs;   // graph output tensors

  // Tensor `slot` of `node`, or nullptr when omitted / out of range.
  const TensorInfo* input(const OpNode& node, size_t slot) const;
  const TensorInfo* output(const OpNode& node, size_t slot) const;
  // Node producing tensor `t` (-1 for graph inputs and constants); consumers of `t`.
  std::vector<int> producers() const;  // per tensor
  std::vector<std::vector<int>> consumers() const;
};

}  // namespace mconv::delegates
