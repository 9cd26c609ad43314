#include "tflite/export/lower_context.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/half.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

Expected<int> LowerContext::tensor(const ir::Value* value) {
  while (alias_.count(value)) value = alias_.at(value);
  if (auto it = tensors_.find(value); it != tensors_.end()) return it->second;
  int index;
  if (value->is_constant()) {
    MCONV_ASSIGN_OR_RETURN(index,
                           w_.add_constant(value->name, *value->constant, written_quant(value)));
  } else {
    if (!value->has_shape)
      return Status::Error("value '" + value->name + "' has no shape; TFLite needs static ranks");
    MCONV_ASSIGN_OR_RETURN(
        index, w_.add_tensor(value->name, value->dtype, value->shape, written_quant(value)));
  }
  tensors_[value] = index;
  return index;
}

Expected<int> LowerContext::tensor_with_quant(const ir::Value* value,
                                              const ir::QuantParams& quant) {
  while (alias_.count(value)) value = alias_.at(value);
  if (auto it = tensors_.find(value); it != tensors_.end()) return it->second;
  if (written_quant(value)) return tensor(value);
  int index;
  if (value->is_constant()) {
    MCONV_ASSIGN_OR_RETURN(index, w_.add_constant(value->name, *value->constant, &quant));
  } else {
    MCONV_ASSIGN_OR_RETURN(index, w_.add_tensor(value->name, value->dtype, value->shape, &quant));
  }
  tensors_[value] = index;
  return index;
}

Expected<int> LowerContext::new_tensor(const std::string& name, DType dtype, const ir::Shape& shape,
                                       const ir::Value* like) {
  return w_.add_tensor(name, dtype, shape, written_quant(like));
}

Expected<int> LowerContext::constant(const std::string& name, const Tensor& data,
                                     const ir::QuantParams* quant) {
  return w_.add_constant(name, data, quant);
}

Expected<int> LowerContext::const_i32(const std::string& name, const std::vector<int32_t>& values,
                                      std::vector<int64_t> shape) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  return w_.add_constant(name, Tensor::FromVector(DType::kI32, shape, values));
}

Expected<int> LowerContext::const_f32(const std::string& name, const std::vector<float>& values,
                                      std::vector<int64_t> shape) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  return w_.add_constant(name, Tensor::FromVector(DType::kF32, shape, values));
}

Expected<int> LowerContext::float_weight(const std::string& name, const std::vector<float>& values,
                                         std::vector<int64_t> shape, bool half_storage) {
  if (!half_storage) return const_f32(name, values, std::move(shape));
  Tensor half(DType::kF16, shape);
  for (size_t i = 0; i < values.size(); ++i) half.data<uint16_t>()[i] = float_to_half(values[i]);
  MCONV_ASSIGN_OR_RETURN(int stored, w_.add_constant(name + "_f16", half));
  MCONV_ASSIGN_OR_RETURN(int out, w_.add_tensor(name, DType::kF32, ir::make_shape(shape)));
  add_op(tfl::BuiltinOperator_DEQUANTIZE, OpUse{.input = DType::kF16, .output = DType::kF32},
         {stored}, {out}, tfl::BuiltinOptions_DequantizeOptions,
         tfl::CreateDequantizeOptions(fbb()).Union());
  return out;
}

bool is_half_weight_cast(const ir::Node& node) {
  return node.op == ir::OpType::kCast && node.inputs.size() == 1 && node.inputs[0] &&
         node.inputs[0]->is_constant() && node.inputs[0]->constant->dtype() == DType::kF16 &&
         node.outputs[0]->dtype == DType::kF32;
}

std::optional<WeightData> weight_data(const ir::Value* v) {
  if (!v) return std::nullopt;
  if (v->is_constant()) return WeightData{v->constant.get(), false};
  if (v->producer && is_half_weight_cast(*v->producer))
    return WeightData{v->producer->inputs[0]->constant.get(), true};
  return std::nullopt;
}

bool LowerContext::is_graph_output(const ir::Value* value) const {
  return std::find(graph_.outputs.begin(), graph_.outputs.end(), value) != graph_.outputs.end();
}

LowerContext::Fused LowerContext::fuse_activation(const ir::Value* value) {
  Fused none{tfl::ActivationFunctionType_NONE, value};
  if (value->consumers.size() != 1 || is_graph_output(value)) return none;
  const ir::Node* user = value->consumers[0];
  if (skipped(user) || user->inputs.empty() || user->inputs[0] != value) return none;
  if (user->outputs.empty() || user->outputs[0]->dtype != value->dtype) return none;
  tfl::ActivationFunctionType act;
  if (user->op == ir::OpType::kRelu) {
    act = tfl::ActivationFunctionType_RELU;
  } else if (user->op == ir::OpType::kClip) {
    auto bounds = clip_bounds(*user);
    if (!bounds) return none;
    const auto [lo, hi] = *bounds;
    if (lo == 0.0f && hi == 6.0f) {
      act = tfl::ActivationFunctionType_RELU6;
    } else if (lo == -1.0f && hi == 1.0f) {
      act = tfl::ActivationFunctionType_RELU_N1_TO_1;
    } else if (lo == 0.0f && std::isinf(hi) && hi > 0) {
      act = tfl::ActivationFunctionType_RELU;
    } else {
      return none;
    }
  } else {
    return none;
  }
  skip(user);
  return Fused{act, user->outputs[0]};
}

Status LowerContext::error(const ir::Node& node, const std::string& message) {
  return Status::Error("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) +
                       "): " + message);
}

std::optional<std::pair<float, float>> clip_bounds(const ir::Node& clip) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  // Older Clip forms keep the bounds as attributes.
  lo = clip.attrs.get_float("min", lo);
  hi = clip.attrs.get_float("max", hi);
  auto read = [](const ir::Value* v, float* out) {
    if (!v) return true;
    if (!v->is_constant() || v->constant->element_count() != 1) return false;
    *out = v->constant->to_f32()[0];
    return true;
  };
  if (clip.inputs.size() > 1 && !read(clip.inputs[1], &lo)) return std::nullopt;
  if (clip.inputs.size() > 2 && !read(clip.inputs[2], &hi)) return std::nullopt;
  return std::make_pair(lo, hi);
}

}  // namespace mconv::tflite
