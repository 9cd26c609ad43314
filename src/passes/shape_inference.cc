#include "passes/shape_inference.h"

#include <array>

#include "passes/shapes/shape_functions.h"

namespace mconv::passes {
namespace {

using shapes::OutputInfo;
using shapes::ShapeContext;
using shapes::ShapeFn;

constexpr std::array<ShapeFn, ir::kOpTypeCount> kShapeFns = {{
#define MCONV_SHAPE_FN_ROW(name, ...) &shapes::infer_##name,
    MCONV_IR_OPS(MCONV_SHAPE_FN_ROW)
#undef MCONV_SHAPE_FN_ROW
}};
static_assert(kShapeFns.size() == ir::kOpTypeCount, "one shape function per op");

std::string where(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

// The op table's arity, checked up front so shape functions can index inputs safely.
Status check_arity(const ir::Node& node) {
  const ir::OpInfo& info = ir::op_info(node.op);
  int inputs = static_cast<int>(node.inputs.size());
  if (inputs < info.min_inputs || inputs > info.max_inputs)
    return Status::Error(where(node) + ": has " + std::to_string(inputs) + " inputs, expected " +
                         std::to_string(info.min_inputs) + ".." + std::to_string(info.max_inputs));
  for (int i = 0; i < info.min_inputs; ++i)
    if (!node.inputs[i])
      return Status::Error(where(node) + ": required input " + std::to_string(i) + " is missing");
  if (node.outputs.empty()) return Status::Error(where(node) + ": has no outputs");
  for (const ir::Value* out : node.outputs)
    if (!out) return Status::Error(where(node) + ": has a null output");
  return Status::Ok();
}

// Writes an inference result into the value, keeping what the source knew that inference could
// not derive (known sizes, symbols). Returns true when the value changed.
bool apply(ir::Value* value, const OutputInfo& info) {
  bool changed = false;
  if (info.dtype != DType::kUndefined && info.dtype != value->dtype) {
    value->dtype = info.dtype;
    changed = true;
  }
  if (!info.has_shape) return changed;
  ir::Shape merged = info.shape;
  if (value->has_shape && value->shape.size() == merged.size()) {
    for (size_t i = 0; i < merged.size(); ++i) {
      const ir::Dim& old = value->shape[i];
      if (!merged[i].known() && (old.known() || (merged[i].symbol.empty() && !old.symbol.empty())))
        merged[i] = old;
    }
  }
  if (!value->has_shape || value->shape != merged) {
    value->shape = std::move(merged);
    value->has_shape = true;
    changed = true;
  }
  return changed;
}

// Checks and runs the shape function of one node; results land in ctx.
Status infer_node(const ir::Node& node, ShapeContext& ctx) {
  MCONV_RETURN_IF_ERROR(check_arity(node));
  for (const ir::Value* in : node.inputs) {
    if (in && in->has_shape && static_cast<int>(in->shape.size()) > shapes::kMaxRank)
      return Status::Error(where(node) + ": input '" + in->name + "' has rank " +
                           std::to_string(in->shape.size()) + ", more than " +
                           std::to_string(shapes::kMaxRank));
  }
  MCONV_RETURN_IF_ERROR(kShapeFns[static_cast<size_t>(node.op)](ctx));
  for (const OutputInfo& info : ctx.results())
    if (info.has_shape && static_cast<int>(info.shape.size()) > shapes::kMaxRank)
      return Status::Error(where(node) + ": output rank " + std::to_string(info.shape.size()) +
                           " exceeds " + std::to_string(shapes::kMaxRank));
  return Status::Ok();
}

}  // namespace

Expected<PassResult> infer_shapes(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  shapes::KnownValueMap known;
  PassResult result;
  for (const auto& node_ptr : graph.nodes()) {
    const ir::Node& node = *node_ptr;
    ShapeContext ctx(node, known);
    MCONV_RETURN_IF_ERROR(infer_node(node, ctx));
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      OutputInfo& info = ctx.results()[i];
      ir::Value* out = node.outputs[i];
      if (apply(out, info)) ++result.changes;
      // Tracked contents only make sense for rank-0/1 integer values.
      if (info.known && out->has_shape && out->shape.size() <= 1)
        known[out] = std::move(*info.known);
    }
  }
  return result;
}

Expected<std::vector<OutputInfo>> infer_node_outputs(const ir::Node& node) {
  shapes::KnownValueMap known;
  ShapeContext ctx(node, known);
  MCONV_RETURN_IF_ERROR(infer_node(node, ctx));
  return std::move(ctx.results());
}

Status check_declared_dtypes(const ir::Graph& graph) {
  for (const auto& node_ptr : graph.nodes()) {
    const ir::Node& node = *node_ptr;
    auto inferred = infer_node_outputs(node);
    if (!inferred.ok()) continue;
    for (size_t i = 0; i < node.outputs.size() && i < inferred->size(); ++i) {
      const DType made = (*inferred)[i].dtype;
      const ir::Value* out = node.outputs[i];
      if (made == DType::kUndefined || out->dtype == DType::kUndefined || made == out->dtype)
        continue;
      return Status::Error(where(node) + ": output '" + out->name + "' is declared " +
                           std::string(dtype_name(out->dtype)) + " but its inputs make it " +
                           std::string(dtype_name(made)));
    }
  }
  return Status::Ok();
}

}  // namespace mconv::passes
