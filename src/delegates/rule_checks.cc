#include "delegates/rule_checks.h"

namespace mconv::delegates {

std::string dims_string(const TensorInfo& t) {
  if (!t.has_shape) return "[unknown rank]";
  std::string s = "[";
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i) s += ",";
    s += t.dims[i] < 0 ? "?" : std::to_string(t.dims[i]);
  }
  return s + "]";
}

std::string type_list(std::initializer_list<ElemType> types) {
  std::string s;
  for (ElemType t : types) s += (s.empty() ? "" : "/") + std::string(elem_type_name(t));
  return s;
}

Reason input_type_in(const OpGraph& g, const OpNode& n, size_t slot,
                     std::initializer_list<ElemType> types) {
  const TensorInfo* t = g.input(n, slot);
  if (!t) return "input " + std::to_string(slot) + " is missing";
  for (ElemType e : types)
    if (t->type == e) return std::nullopt;
  return "input " + std::to_string(slot) + " is " + elem_type_name(t->type) + " (takes " +
         type_list(types) + ")";
}

Reason input_float_or_quant(const OpGraph& g, const OpNode& n, size_t slot) {
  const TensorInfo* t = g.input(n, slot);
  if (!t) return "input " + std::to_string(slot) + " is missing";
  if (t->type == ElemType::kF32) return std::nullopt;
  if ((t->type == ElemType::kI8 || t->type == ElemType::kU8) && t->quantized) return std::nullopt;
  return "input " + std::to_string(slot) + " is " + elem_type_name(t->type) +
         (t->quantized ? "" : " without quantization") + " (takes f32 or quantized i8/u8)";
}

Reason input_constant(const OpGraph& g, const OpNode& n, size_t slot, std::string_view what) {
  const TensorInfo* t = g.input(n, slot);
  if (t && t->is_constant) return std::nullopt;
  return std::string(what) + (t ? " is computed at run time (must be a constant)" : " is missing");
}

Reason input_rank(const OpGraph& g, const OpNode& n, size_t slot,
                  std::initializer_list<int> ranks) {
  const TensorInfo* t = g.input(n, slot);
  if (!t || !t->has_shape) return "input " + std::to_string(slot) + " has an unknown rank";
  for (int r : ranks)
    if (static_cast<int>(t->dims.size()) == r) return std::nullopt;
  std::string list;
  for (int r : ranks) list += (list.empty() ? "" : " or ") + std::to_string(r);
  return "input " + std::to_string(slot) + " " + dims_string(*t) + " has rank " +
         std::to_string(t->dims.size()) + " (takes rank " + list + ")";
}

std::string_view activation_name(int64_t code) {
  switch (code) {
    case 0:
      return "NONE";
    case 1:
      return "RELU";
    case 2:
      return "RELU_N1_TO_1";
    case 3:
      return "RELU6";
    case 4:
      return "TANH";
    case 5:
      return "SIGN_BIT";
  }
  return "UNKNOWN";
}

Reason fused_activation_in(const OpNode& n, std::initializer_list<int64_t> allowed) {
  const int64_t act = n.int_attr("fused_activation", 0);
  for (int64_t a : allowed)
    if (a == act) return std::nullopt;
  return "fused activation " + std::string(activation_name(act)) + " is not supported";
}

int runtime_input_count(const OpGraph& g, const OpNode& n) {
  int count = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorInfo* t = g.input(n, i);
    if (t && !t->is_constant) ++count;
  }
  return count;
}

}  // namespace mconv::delegates
