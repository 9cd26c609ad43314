#include "delegates/op_graph.h"

namespace mconv::delegates {

const char* elem_type_name(ElemType type) {
  switch (type) {
    case ElemType::kF32:
      return "f32";
    case ElemType::kF16:
      return "f16";
    case ElemType::kI8:
      return "i8";
    case ElemType::kU8:
      return "u8";
    case ElemType::kI16:
      return "i16";
    case ElemType::kI32:
      return "i32";
    case ElemType::kI64:
      return "i64";
    case ElemType::kBool:
      return "bool";
    case ElemType::kOther:
      break;
  }
  return "other";
}

bool TensorInfo::is_static() const {
  if (!has_shape) return false;
  for (int64_t d : dims)
    if (d < 0) return false;
  return true;
}

int64_t OpNode::int_attr(const std::string& key, int64_t fallback) const {
  auto it = ints.find(key);
  return it == ints.end() ? fallback : it->second;
}

float OpNode::float_attr(const std::string& key, float fallback) const {
  auto it = floats.find(key);
  return it == floats.end() ? fallback : it->second;
}

const TensorInfo* OpGraph::input(const OpNode& node, size_t slot) const {
  if (slot >= node.inputs.size()) return nullptr;
  const int t = node.inputs[slot];
  return t >= 0 && t < static_cast<int>(tensors.size()) ? &tensors[t] : nullptr;
}

const TensorInfo* OpGraph::output(const OpNode& node, size_t slot) const {
  if (slot >= node.outputs.size()) return nullptr;
  const int t = node.outputs[slot];
  return t >= 0 && t < static_cast<int>(tensors.size()) ? &tensors[t] : nullptr;
}

std::vector<int> OpGraph::producers() const {
  std::vector<int> out(tensors.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int t : nodes[n].outputs)
      if (t >= 0 && t < static_cast<int>(out.size())) out[t] = static_cast<int>(n);
  return out;
}

std::vector<std::vector<int>> OpGraph::consumers() const {
  std::vector<std::vector<int>> out(tensors.size());
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int t : nodes[n].inputs)
      if (t >= 0 && t < static_cast<int>(out.size())) out[t].push_back(static_cast<int>(n));
  return out;
}

}  // namespace mconv::delegates
