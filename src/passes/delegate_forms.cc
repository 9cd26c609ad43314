#include "passes/delegate_forms.h"

#include <cmath>
#include <iterator>

#include "passes/shape_inference.h"

namespace mconv::passes {
namespace {

ir::Value* scalar(ir::Graph& g, const std::string& name, float v) {
  Tensor t(DType::kF32, {});
  t.data<float>()[0] = v;
  return g.add_constant(name, std::move(t));
}

ir::Value* like(ir::Graph& g, const ir::Value* x, const std::string& name) {
  return g.add_value(name, x->dtype, x->shape, x->has_shape);
}

std::vector<ir::Node*> nodes_of(const ir::Graph& g, ir::OpType op) {
  std::vector<ir::Node*> out;
  for (const auto& n : g.nodes())
    if (n->op == op) out.push_back(n.get());
  return out;
}

// y = Div(Clip(a, 0, 6), 6) written into `y`; returns the Clip input's producer chain start.
void clip06_div6(ir::Graph& g, const std::string& base, ir::Value* a, ir::Value* y,
                 ir::Value* multiply_by) {
  ir::Value* c = like(g, a, base + "/clip06");
  g.add_node(ir::OpType::kClip, base + "/Clip",
             {a, scalar(g, base + "/zero", 0.0f), scalar(g, base + "/six", 6.0f)}, {c});
  ir::Value* num = c;
  if (multiply_by) {
    num = like(g, y, base + "/x_clip06");
    g.add_node(ir::OpType::kMul, base + "/Mul", {multiply_by, c}, {num});
  }
  g.add_node(ir::OpType::kDiv, base + "/Div", {num, scalar(g, base + "/six_div", 6.0f)}, {y});
}

}  // namespace

Expected<PassResult> decompose_hard_swish(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* n : nodes_of(graph, ir::OpType::kHardSwish)) {
    ir::Value* x = n->inputs[0];
    ir::Value* y = n->outputs[0];
    const std::string base = n->name;
    graph.remove_node(n);
    ir::Value* a = like(graph, x, base + "/x_plus_3");
    graph.add_node(ir::OpType::kAdd, base + "/Add", {x, scalar(graph, base + "/three", 3.0f)}, {a});
    clip06_div6(graph, base, a, y, x);
    ++result.changes;
  }
  if (result.changes) MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

Expected<PassResult> decompose_hard_sigmoid(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* n : nodes_of(graph, ir::OpType::kHardSigmoid)) {
    const float alpha = n->attrs.get_float("alpha", 0.2f);
    const float beta = n->attrs.get_float("beta", 0.5f);
    ir::Value* x = n->inputs[0];
    ir::Value* y = n->outputs[0];
    const std::string base = n->name;
    graph.remove_node(n);
    // Clip(a*x + b, 0, 1) = Clip(6a*x + 6b, 0, 6) / 6; torch/Keras use a = 1/6, b = 1/2.
    ir::Value* scaled = x;
    if (std::fabs(6.0f * alpha - 1.0f) > 1e-6f) {
      scaled = like(graph, x, base + "/x_scaled");
      graph.add_node(ir::OpType::kMul, base + "/Scale",
                     {x, scalar(graph, base + "/six_alpha", 6.0f * alpha)}, {scaled});
    }
    ir::Value* a = like(graph, x, base + "/x_shifted");
    graph.add_node(ir::OpType::kAdd, base + "/Add",
                   {scaled, scalar(graph, base + "/six_beta", 6.0f * beta)}, {a});
    clip06_div6(graph, base, a, y, nullptr);
    ++result.changes;
  }
  if (result.changes) MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

Expected<PassResult> flatten_to_reshape(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* n : nodes_of(graph, ir::OpType::kFlatten)) {
    ir::Value* x = n->inputs[0];
    if (!x->has_shape) continue;
    const int rank = static_cast<int>(x->shape.size());
    int64_t axis = n->attrs.get_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) continue;
    // One unknown side at most becomes -1.
    int64_t outer = 1, inner = 1;
    bool outer_known = true, inner_known = true;
    for (int i = 0; i < rank; ++i) {
      const ir::Dim& d = x->shape[i];
      bool& known = i < axis ? outer_known : inner_known;
      int64_t& prod = i < axis ? outer : inner;
      if (d.known())
        prod *= d.size;
      else
        known = false;
    }
    if (!outer_known && !inner_known) continue;
    Tensor shape(DType::kI64, {2});
    shape.data<int64_t>()[0] = outer_known ? outer : -1;
    shape.data<int64_t>()[1] = inner_known ? inner : -1;
    ir::Value* y = n->outputs[0];
    const std::string base = n->name;
    graph.remove_node(n);
    graph.add_node(ir::OpType::kReshape, base + "/Reshape",
                   {x, graph.add_constant(base + "/shape", std::move(shape))}, {y});
    ++result.changes;
  }
  if (result.changes) MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

Expected<PassResult> reduce_mean_keep_dims(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* n : nodes_of(graph, ir::OpType::kReduceMean)) {
    if (n->attrs.get_int("keepdims", 1) != 0) continue;
    ir::Value* x = n->inputs[0];
    ir::Value* y = n->outputs[0];
    if (!x->has_shape || !y->has_shape) continue;
    int unknown = 0;
    for (const ir::Dim& d : y->shape) unknown += d.known() ? 0 : 1;
    if (unknown > 1) continue;
    // The kept-dims value: x's shape with the reduced axes set to 1.
    ir::Shape kept = x->shape;
    std::vector<int64_t> axes = n->attrs.get_ints("axes");
    if (axes.empty())
      for (size_t i = 0; i < kept.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    for (int64_t a : axes) {
      if (a < 0) a += static_cast<int64_t>(kept.size());
      if (a >= 0 && a < static_cast<int64_t>(kept.size())) kept[a] = ir::Dim{1, ""};
    }
    ir::Value* mid = graph.add_value(n->name + "/kept", y->dtype, kept);
    Tensor shape(DType::kI64, {static_cast<int64_t>(y->shape.size())});
    for (size_t i = 0; i < y->shape.size(); ++i)
      shape.data<int64_t>()[i] = y->shape[i].known() ? y->shape[i].size : -1;
    graph.set_input(n, 0, x);
    n->attrs.set("keepdims", int64_t{1});
    // Re-point the node at the kept-dims value, then reshape into the old output.
    const std::string base = n->name;
    std::vector<ir::Value*> inputs = n->inputs;
    ir::Attributes attrs = n->attrs;
    const ir::Layout layout = n->layout;
    graph.remove_node(n);
    ir::Node* mean = graph.add_node(ir::OpType::kReduceMean, base, inputs, {mid});
    mean->attrs = attrs;
    mean->layout = layout;
    graph.add_node(ir::OpType::kReshape, base + "/Reshape",
                   {mid, graph.add_constant(base + "/shape", std::move(shape))}, {y});
    ++result.changes;
  }
  if (result.changes) MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

Expected<PassResult> fix_batch_to_one(ir::Graph& graph) {
  PassResult result;
  for (ir::Value* in : graph.inputs) {
    if (!in->has_shape || in->shape.empty() || in->shape[0].known()) continue;
    in->shape[0] = ir::Dim{1, ""};
    ++result.changes;
  }
  if (result.changes) {
    // Downstream values that carried the symbolic batch become batch 1 as well.
    for (const auto& v : graph.values())
      if (v->has_shape && !v->shape.empty() && !v->shape[0].known() && !v->is_constant())
        v->shape[0] = ir::Dim{1, ""};
    MCONV_RETURN_IF_ERROR(infer_shapes(graph).status());
  }
  return result;
}

namespace {

// The one list of target names, read both ways: reports name targets with it and --target is
// parsed with it ("default" is not a --target value). Indexed by the enum.
constexpr std::string_view kTargetNames[] = {"default", "cpu", "gpu", "coreml", "nnapi"};
static_assert(std::size(kTargetNames) == static_cast<size_t>(DelegateTarget::kNnapi) + 1,
              "one name per DelegateTarget, in enum order");

}  // namespace

std::string_view delegate_target_name(DelegateTarget target) {
  const auto i = static_cast<size_t>(target);
  return i < std::size(kTargetNames) ? kTargetNames[i] : "?";
}

Expected<DelegateTarget> delegate_target_from_name(std::string_view name) {
  for (size_t i = 1; i < std::size(kTargetNames); ++i)
    if (kTargetNames[i] == name) return static_cast<DelegateTarget>(i);
  return Status::Error("unknown --target '" + std::string(name) +
                       "' (expected cpu, gpu, coreml or nnapi)");
}

std::vector<PassEntry> delegate_form_passes(DelegateTarget target, bool tflite_output) {
  // Priorities sit between the layout passes (20) and the final verify (90).
  switch (target) {
    case DelegateTarget::kCoreml:
      if (tflite_output) return {{"reduce_mean_keep_dims", 40, &reduce_mean_keep_dims}};
      return {{"decompose_hard_swish", 40, &decompose_hard_swish},
              {"decompose_hard_sigmoid", 41, &decompose_hard_sigmoid},
              {"flatten_to_reshape", 42, &flatten_to_reshape}};
    case DelegateTarget::kNnapi:
      return {{"decompose_hard_swish", 40, &decompose_hard_swish},
              {"decompose_hard_sigmoid", 41, &decompose_hard_sigmoid},
              {"fix_batch_to_one", 43, &fix_batch_to_one}};
    case DelegateTarget::kDefault:
    case DelegateTarget::kCpu:
    case DelegateTarget::kGpu:
      break;
  }
  return {};
}

}  // namespace mconv::passes
