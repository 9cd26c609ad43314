#include "passes/rewrite_for_fp16.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "core/half.h"
#include "ir/derived_names.h"

namespace mconv::passes {
namespace {

constexpr float kHalfMax = 65504.0f;

bool contains(const std::vector<ir::Value*>& list, const ir::Value* v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// f32 tensor -> f16 tensor, values beyond the f16 range (and infinities) clamped to +-65504.
Tensor to_half_clamped(const Tensor& source, int64_t* clamped) {
  const std::vector<float> values = source.to_f32();
  Tensor out(DType::kF16, source.shape());
  uint16_t* dst = out.data<uint16_t>();
  for (size_t i = 0; i < values.size(); ++i) {
    float v = values[i];
    if (std::abs(v) > kHalfMax) {  // false for NaN, which stays NaN
      v = v > 0 ? kHalfMax : -kHalfMax;
      ++*clamped;
    }
    dst[i] = float_to_half(v);
  }
  return out;
}

// A float16 copy of an f32 constant, with a warning line when clamping was needed.
Tensor half_constant(const ir::Value& value, Fp16Result& result) {
  int64_t clamped = 0;
  Tensor half = to_half_clamped(*value.constant, &clamped);
  if (clamped > 0) {
    result.clamped_elements += clamped;
    result.warnings.push_back("constant '" + value.name + "': " + std::to_string(clamped) +
                              " values clamped to the float16 range (+-65504)");
  }
  return half;
}

Status refuse_quantized(const ir::Graph& graph) {
  for (const auto& node : graph.nodes()) {
    if (node->op == ir::OpType::kQuantizeLinear || node->op == ir::OpType::kDequantizeLinear)
      return Status::Error("node '" + node->name + "' (" + std::string(ir::op_info(node->op).name) +
                           "): fp16 conversion of quantized graphs is not supported");
  }
  for (const auto& value : graph.values())
    if (value->quant)
      return Status::Error("value '" + value->name +
                           "': fp16 conversion of quantized graphs is not supported");
  return Status::Ok();
}

ir::Node* add_cast(ir::Graph& graph, ir::Value* from, ir::Value* to, DType target) {
  ir::Node* cast = graph.add_node(
      ir::OpType::kCast, graph.unique_node_name(ir::derived_name(to->name, ir::Derivation::kCast)),
      {from}, {to});
  cast->attrs.set("to", static_cast<int64_t>(target));
  return cast;
}

// keep_io_types: f32 input -> Cast -> (f16 body). Returns the boundary Cast nodes.
void insert_io_casts(ir::Graph& graph, std::unordered_set<const ir::Node*>& boundary,
                     Fp16Result& result) {
  for (ir::Value* in : graph.inputs) {
    if (in->dtype != DType::kF32 || in->consumers.empty()) continue;
    ir::Value* half = graph.add_value(ir::derived_name(in->name, ir::Derivation::kFp16),
                                      DType::kF16, in->shape, in->has_shape);
    graph.replace_all_uses(in, half);
    boundary.insert(add_cast(graph, in, half, DType::kF16));
    ++result.changes;
  }
  for (ir::Value*& out : graph.outputs) {
    ir::Node* producer = out->producer;
    if (out->dtype != DType::kF32 || !producer) continue;
    ir::Value* half = graph.add_value(ir::derived_name(out->name, ir::Derivation::kFp16),
                                      DType::kF16, out->shape, out->has_shape);
    // The producer now writes `half`; other readers of `out` read `half` too.
    for (ir::Value*& slot : producer->outputs)
      if (slot == out) slot = half;
    half->producer = producer;
    out->producer = nullptr;
    const std::vector<ir::Node*> readers = out->consumers;
    for (ir::Node* reader : readers)
      for (size_t i = 0; i < reader->inputs.size(); ++i)
        if (reader->inputs[i] == out) graph.set_input(reader, i, half);
    boundary.insert(add_cast(graph, half, out, DType::kF32));
    ++result.changes;
  }
}

Status convert_onnx(ir::Graph& graph, const Fp16Options& options, Fp16Result& result) {
  std::unordered_set<const ir::Node*> boundary;  // Casts at the f32 I/O, left as they are
  if (options.keep_io_types) insert_io_casts(graph, boundary, result);

  for (const auto& owned : graph.values()) {
    ir::Value* v = owned.get();
    if (v->is_constant()) {
      if (v->constant->dtype() != DType::kF32) continue;
      v->constant = std::make_shared<const Tensor>(half_constant(*v, result));
      v->dtype = DType::kF16;
      ++result.changes;
      continue;
    }
    if (v->dtype != DType::kF32) continue;
    const bool io = contains(graph.inputs, v) || contains(graph.outputs, v);
    if (io && options.keep_io_types) continue;  // the boundary Casts keep these f32
    v->dtype = DType::kF16;
    ++result.changes;
  }

  std::vector<ir::Node*> identities;  // Casts that now convert f16 to f16
  for (const auto& owned : graph.nodes()) {
    ir::Node* node = owned.get();
    if (boundary.count(node)) continue;
    if (node->op == ir::OpType::kCast) {
      if (node->attrs.get_int("to", -1) == static_cast<int64_t>(DType::kF32))
        node->attrs.set("to", static_cast<int64_t>(DType::kF16));
      if (node->inputs[0]->dtype == node->outputs[0]->dtype) identities.push_back(node);
    } else if (node->op == ir::OpType::kConstantOfShape) {
      const Tensor* fill = node->attrs.get_tensor("value");
      if (fill && fill->dtype() == DType::kF32 && node->outputs[0]->dtype == DType::kF16) {
        int64_t clamped = 0;
        node->attrs.set("value", to_half_clamped(*fill, &clamped));
        if (clamped > 0) {
          result.clamped_elements += clamped;
          result.warnings.push_back("node '" + node->name +
                                    "' (ConstantOfShape): fill value clamped to +-65504");
        }
        ++result.changes;
      }
    }
  }
  for (ir::Node* cast : identities) {
    ir::Value* in = cast->inputs[0];
    ir::Value* out = cast->outputs[0];
    // A graph output keeps its producing node (and its name): leave that Cast in place.
    if (contains(graph.outputs, out)) continue;
    graph.replace_all_uses(out, in);
    graph.remove_node(cast);
    ++result.changes;
  }
  return Status::Ok();
}

// Weight slots (the op table's weight_inputs: Conv W/B, Gemm B/C) whose f16 storage the TFLite
// exporter turns into float16 buffers.
bool is_weight_slot(const ir::Node& node, size_t index) {
  return ir::is_weight_input(node.op, index);
}

Status convert_tflite(ir::Graph& graph, const Fp16Options& options, Fp16Result& result) {
  std::unordered_map<const ir::Value*, ir::Value*> dequantized;  // f32 weight -> Cast output
  std::vector<ir::Node*> nodes;
  for (const auto& node : graph.nodes()) nodes.push_back(node.get());
  for (ir::Node* node : nodes) {
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      ir::Value* w = node->inputs[i];
      if (!w || !w->is_constant() || w->constant->dtype() != DType::kF32) continue;
      if (!is_weight_slot(*node, i) || w->constant->element_count() < options.min_elements)
        continue;
      auto found = dequantized.find(w);
      if (found == dequantized.end()) {
        ir::Value* half = graph.add_constant(ir::derived_name(w->name, ir::Derivation::kFp16),
                                             half_constant(*w, result));
        ir::Value* widened =
            graph.add_value(ir::derived_name(w->name, ir::Derivation::kDequantized), DType::kF32,
                            ir::make_shape(w->constant->shape()));
        add_cast(graph, half, widened, DType::kF32);
        found = dequantized.emplace(w, widened).first;
        result.changes += 2;
      }
      graph.set_input(node, i, found->second);
    }
  }
  return Status::Ok();
}

}  // namespace

Expected<Fp16Result> rewrite_for_fp16(ir::Graph& graph, const Fp16Options& options) {
  MCONV_RETURN_IF_ERROR(refuse_quantized(graph));
  Fp16Result result;
  if (options.flavour == Fp16Flavour::kOnnx) {
    MCONV_RETURN_IF_ERROR(convert_onnx(graph, options, result));
  } else {
    MCONV_RETURN_IF_ERROR(convert_tflite(graph, options, result));
  }
  // Sorted first: remove_dead walks the node list backwards and the new Casts were appended.
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();  // the f32 originals of converted weights, collapsed Casts' outputs
  return result;
}

Expected<PassResult> rewrite_for_fp16(ir::Graph& graph) {
  MCONV_ASSIGN_OR_RETURN(Fp16Result result, rewrite_for_fp16(graph, Fp16Options{}));
  return PassResult{result.changes};
}

}  // namespace mconv::passes
