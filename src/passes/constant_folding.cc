#include "passes/constant_folding.h"

#include <algorithm>
#include <unordered_set>

#include "passes/shape_inference.h"
#include "runtime/interpreter.h"

namespace mconv::passes {
namespace {

bool is_graph_output(const ir::Graph& graph, const ir::Value* value) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

// Ops that only move or relabel data (the op table's moves_data), whose int8 results keep the
// input's quantization.
bool is_data_movement(ir::OpType op) {
  return ir::op_info(op).moves_data;
}

bool is_fp16_storage_cast(const ir::Node& node) {
  if (node.op != ir::OpType::kCast) return false;
  DType from = node.inputs[0]->dtype;
  int64_t to = node.attrs.get_int("to", 0);
  return (from == DType::kF16 || from == DType::kBF16) && to == static_cast<int64_t>(DType::kF32);
}

// Arity as the op table wants it (hostile graphs may not have been verified yet).
bool well_formed(const ir::Node& node) {
  const ir::OpInfo& info = ir::op_info(node.op);
  const int inputs = static_cast<int>(node.inputs.size());
  if (inputs < info.min_inputs || inputs > info.max_inputs || node.outputs.empty()) return false;
  for (int i = 0; i < info.min_inputs; ++i)
    if (!node.inputs[i]) return false;
  return std::none_of(node.outputs.begin(), node.outputs.end(),
                      [](const ir::Value* v) { return v == nullptr; });
}

// Why `node` must stay even though its inputs may be constant; null when it may fold.
const char* fold_blocker(const ir::Graph& graph, const ir::Node& node) {
  if (!well_formed(node)) return "malformed";
  if (node.op == ir::OpType::kQuantizeLinear || node.op == ir::OpType::kDequantizeLinear)
    return "QDQ";
  if (is_fp16_storage_cast(node)) return "fp16 weight cast";
  for (const ir::Value* out : node.outputs)
    if (is_graph_output(graph, out)) return "graph output";
  bool quantized = false;
  for (const ir::Value* v : node.inputs)
    if (v && v->quant) quantized = true;
  for (const ir::Value* v : node.outputs)
    if (v->quant) quantized = true;
  if (quantized && !is_data_movement(node.op)) return "quantized";
  return nullptr;
}

int64_t bytes_of(DType dtype, const ir::Shape& shape) {
  if (!ir::shape_is_static(shape)) return -1;
  int64_t count = shape_element_count(ir::static_dims(shape));
  int64_t size = static_cast<int64_t>(dtype_size(dtype));
  if (count < 0 || size == 0 || count > (int64_t{1} << 50)) return -1;
  return count * size;
}

// Bytes the node's outputs will take, from the inferred shapes or, when those are not static (no
// shape inference ran yet), from inferring this node alone; -1 when unknown or absurd.
int64_t output_bytes(const ir::Node& node) {
  int64_t total = 0;
  bool all_static = true;
  for (const ir::Value* out : node.outputs) {
    int64_t bytes = out->has_shape ? bytes_of(out->dtype, out->shape) : -1;
    if (bytes < 0) all_static = false;
    total += std::max<int64_t>(bytes, 0);
  }
  if (all_static) return total;
  auto inferred = infer_node_outputs(node);
  if (!inferred.ok()) return -1;
  total = 0;
  for (const shapes::OutputInfo& info : *inferred) {
    int64_t bytes = info.has_shape ? bytes_of(info.dtype, info.shape) : -1;
    if (bytes < 0) return -1;
    total += bytes;
  }
  return total;
}

// Turns `value` into a constant holding `data` (the same Value object, so names, graph outputs and
// consumers stay as they were).
void make_constant(ir::Value* value, Tensor data) {
  value->dtype = data.dtype();
  value->shape = ir::make_shape(data.shape());
  value->has_shape = true;
  value->constant = std::make_shared<const Tensor>(std::move(data));
}

// Contents of Shape(x) when x's (selected) dims are all static.
bool static_shape_of(const ir::Node& node, Tensor* out) {
  const ir::Value* x = node.inputs[0];
  if (!x->has_shape || x->shape.size() > 64) return false;
  int64_t rank = static_cast<int64_t>(x->shape.size());
  int64_t start = node.attrs.get_int("start", 0);
  int64_t end = node.attrs.get_int("end", rank);
  if (start < 0) start = std::max<int64_t>(start + rank, 0);
  if (end < 0) end = std::max<int64_t>(end + rank, 0);
  start = std::min(start, rank);
  end = std::min(end, rank);
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    if (!x->shape[i].known()) return false;
    dims.push_back(x->shape[i].size);
  }
  *out = Tensor::FromVector<int64_t>(DType::kI64, {static_cast<int64_t>(dims.size())}, dims);
  return true;
}

// Gather(Shape(x), constant indices) when the gathered dims are static even though others are
// not (the batch dim stays symbolic, the channel count folds).
bool static_gather_of_shape(const ir::Node& node, Tensor* out) {
  const ir::Value* data = node.inputs[0];
  const ir::Value* indices = node.inputs[1];
  const ir::Node* shape_node = data->producer;
  if (!shape_node || shape_node->op != ir::OpType::kShape || !indices->constant) return false;
  if (node.attrs.get_int("axis", 0) != 0 || indices->constant->rank() > 1) return false;
  if (shape_node->inputs.empty() || !shape_node->inputs[0]) return false;
  const ir::Value* x = shape_node->inputs[0];
  if (!x->has_shape || shape_node->attrs.has("start") || shape_node->attrs.has("end")) return false;
  if (indices->constant->dtype() != DType::kI64 && indices->constant->dtype() != DType::kI32)
    return false;
  int64_t rank = static_cast<int64_t>(x->shape.size());
  std::vector<int64_t> picked;
  for (int64_t i : indices->constant->to_i64()) {
    int64_t at = i < 0 ? i + rank : i;
    if (at < 0 || at >= rank || !x->shape[at].known()) return false;
    picked.push_back(x->shape[at].size);
  }
  std::vector<int64_t> shape = indices->constant->shape();
  *out = Tensor::FromVector<int64_t>(DType::kI64, shape, picked);
  return true;
}

}  // namespace

Expected<PassResult> fold_constants(ir::Graph& graph, const FoldingOptions& options) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  PassResult result;
  int64_t budget = options.max_total_bytes;
  // Nodes are visited in topological order and folded outputs become constants immediately, so a
  // whole chain of constant arithmetic folds in one sweep.
  std::vector<ir::Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (ir::Node* node : order) {
    if (node->inputs.empty() || node->outputs.empty()) continue;
    if (fold_blocker(graph, *node)) continue;

    std::vector<Tensor> outputs;
    Tensor shape_data;
    if (node->op == ir::OpType::kShape && static_shape_of(*node, &shape_data)) {
      outputs.push_back(std::move(shape_data));
    } else if (node->op == ir::OpType::kGather && static_gather_of_shape(*node, &shape_data)) {
      outputs.push_back(std::move(shape_data));
    } else {
      bool all_constant = std::all_of(node->inputs.begin(), node->inputs.end(),
                                      [](const ir::Value* v) { return !v || v->is_constant(); });
      if (!all_constant) continue;
      int64_t bytes = output_bytes(*node);
      if (bytes < 0 || bytes > options.max_output_bytes || bytes > budget) continue;
      int64_t input_bytes = 0;
      for (const ir::Value* v : node->inputs)
        if (v) input_bytes += static_cast<int64_t>(v->constant->byte_size());
      if (bytes > options.max_growth_bytes && bytes > 2 * input_bytes) continue;
      std::vector<const Tensor*> inputs;
      for (const ir::Value* v : node->inputs) inputs.push_back(v ? v->constant.get() : nullptr);
      Expected<std::vector<Tensor>> evaluated = runtime::evaluate_node(*node, inputs);
      if (!evaluated.ok() || evaluated->size() != node->outputs.size()) continue;
      outputs = std::move(evaluated).value();
    }

    int64_t made = 0;
    for (const Tensor& t : outputs) made += static_cast<int64_t>(t.byte_size());
    // Inputs whose only reader is this node are freed once it folds.
    for (const ir::Value* in : node->inputs)
      if (in && in->constant && in->consumers.size() == 1 && !is_graph_output(graph, in))
        made -= static_cast<int64_t>(in->constant->byte_size());
    budget -= std::max<int64_t>(made, 0);

    std::vector<ir::Value*> outs = node->outputs;
    // Data movement keeps the quantization of what it moves.
    std::optional<ir::QuantParams> moved_quant;
    if (is_data_movement(node->op) && node->inputs[0]) moved_quant = node->inputs[0]->quant;
    graph.remove_node(node);  // destroys `node`
    for (size_t i = 0; i < outs.size(); ++i) {
      make_constant(outs[i], std::move(outputs[i]));
      if (!outs[i]->quant) outs[i]->quant = moved_quant;
    }
    ++result.changes;
  }
  return result;
}

Expected<PassResult> fold_constants(ir::Graph& graph) {
  return fold_constants(graph, FoldingOptions{});
}

}  // namespace mconv::passes
