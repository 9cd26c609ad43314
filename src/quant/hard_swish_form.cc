#include "quant/hard_swish_form.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace mconv::quant {
namespace {

using ir::OpType;

bool is_graph_output(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
}

bool is_f32_constant(const ir::Value* v) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32;
}

// Ops with one data input (input 0) for which op(c * x) = c * op(x) for any c > 0, with every
// other input a constant or absent.
bool commutes_with_positive_scale(const ir::Node& node) {
  switch (node.op) {
    case OpType::kRelu:
    case OpType::kMaxPool:
    case OpType::kAveragePool:
    case OpType::kGlobalAveragePool:
    case OpType::kReduceMean:
    case OpType::kReshape:
    case OpType::kFlatten:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
    case OpType::kTranspose:
    case OpType::kIdentity:
    case OpType::kDropout:
      break;
    default:
      return false;
  }
  for (size_t i = 1; i < node.inputs.size(); ++i)
    if (node.inputs[i] && !node.inputs[i]->is_constant()) return false;
  return true;
}

// Where a 1/6 goes: weights to scale and values that become six times larger.
struct Fold {
  std::vector<ir::Node*> weighted;
  std::vector<ir::Value*> scaled;
  std::unordered_set<const ir::Node*> visited;
};

// Indices of `node`'s inputs that are `v`.
std::vector<size_t> slots_of(const ir::Node& node, const ir::Value* v) {
  std::vector<size_t> out;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.inputs[i] == v) out.push_back(i);
  return out;
}

// A reader that can take the factor into its constant weights (input 0 is the scaled value).
bool takes_into_weights(const ir::Node& node) {
  if (node.inputs.size() < 2 || !is_f32_constant(node.inputs[1])) return false;
  switch (node.op) {
    case OpType::kConv:
      return true;
    case OpType::kGemm:
      return node.attrs.get_int("transA", 0) == 0;
    case OpType::kMatMul:
      return node.inputs[1]->constant->rank() == 2;
    default:
      return false;
  }
}

// Plans the fold of a factor on `v` into everything downstream; false when some path cannot.
bool plan_fold(const ir::Graph& graph, ir::Value* v, Fold& fold) {
  if (is_graph_output(graph, v) || v->consumers.empty()) return false;
  fold.scaled.push_back(v);
  std::vector<ir::Node*> readers = v->consumers;
  std::sort(readers.begin(), readers.end());
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  for (ir::Node* reader : readers) {
    // A node reached twice would take the factor twice (or a product of two scaled values).
    if (!fold.visited.insert(reader).second) return false;
    const std::vector<size_t> slots = slots_of(*reader, v);
    if (slots.size() != 1) return false;
    if (slots[0] == 0 && takes_into_weights(*reader)) {
      fold.weighted.push_back(reader);
      continue;
    }
    const bool scalable_mul = reader->op == OpType::kMul && reader->inputs.size() == 2;
    if (!scalable_mul && !(slots[0] == 0 && commutes_with_positive_scale(*reader))) return false;
    if (reader->outputs.empty() || !plan_fold(graph, reader->outputs[0], fold)) return false;
  }
  return true;
}

ir::Value* scalar(ir::Graph& graph, const std::string& name, float v) {
  return graph.add_constant(name, Tensor::FromVector<float>(DType::kF32, {}, {v}));
}

void scale_weights(ir::Graph& graph, ir::Node* node, float factor) {
  const ir::Value* w = node->inputs[1];
  std::vector<float> values = w->constant->to_f32();
  for (float& x : values) x *= factor;
  graph.set_input(
      node, 1,
      graph.add_constant(w->name + "_sixth",
                         Tensor::FromVector(DType::kF32, w->constant->shape(), values)));
}

void decompose(ir::Graph& graph, ir::Node* hs, HardSwishRewrite& out) {
  ir::Value* x = hs->inputs[0];
  ir::Value* y = hs->outputs[0];
  const std::string base = y->name;
  Fold fold;
  const bool folds = plan_fold(graph, y, fold);
  graph.remove_node(hs);
  ir::Value* shifted = graph.add_value(base + "_plus3", x->dtype, x->shape, x->has_shape);
  graph.add_node(OpType::kAdd, graph.unique_node_name(base + "_plus3"),
                 {x, scalar(graph, base + "_three", 3.0f)}, {shifted});
  ir::Value* gate = graph.add_value(base + "_relu6", x->dtype, x->shape, x->has_shape);
  graph.add_node(OpType::kClip, graph.unique_node_name(base + "_relu6"),
                 {shifted, scalar(graph, base + "_zero", 0.0f), scalar(graph, base + "_six", 6.0f)},
                 {gate});
  ir::Value* product = graph.add_value(base + "_x6", y->dtype, y->shape, y->has_shape);
  graph.add_node(OpType::kMul, graph.unique_node_name(base + "_times"), {x, gate}, {product});
  ++out.decomposed;
  if (!folds) {
    graph.add_node(OpType::kMul, graph.unique_node_name(base + "_sixth"),
                   {product, scalar(graph, base + "_one_sixth", 1.0f / 6.0f)}, {y});
    return;
  }
  graph.replace_all_uses(y, product);
  for (ir::Value* v : fold.scaled)
    if (v != y) graph.rename_value(v, v->name + "_x6");
  for (ir::Node* node : fold.weighted) scale_weights(graph, node, 1.0f / 6.0f);
  out.weights_scaled += static_cast<int>(fold.weighted.size());
  ++out.folded;
}

}  // namespace

Expected<HardSwishRewrite> decompose_hard_swish(ir::Graph& graph) {
  HardSwishRewrite out;
  std::vector<ir::Node*> targets;
  for (const auto& node : graph.nodes())
    if (node->op == OpType::kHardSwish && node->inputs[0] &&
        node->inputs[0]->dtype == DType::kF32 && !node->inputs[0]->is_constant())
      targets.push_back(node.get());
  for (ir::Node* hs : targets) decompose(graph, hs, out);
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  return out;
}

}  // namespace mconv::quant
