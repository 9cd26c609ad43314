#include "quant/lower_to_integer.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "ir/derived_names.h"
#include "ir/verifier.h"
#include "runtime/interpreter.h"

namespace mconv::quant {
namespace {

using ir::OpType;

std::string where(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

bool is_float(const ir::Value* v) {
  return v && (v->dtype == DType::kF32 || v->dtype == DType::kF16);
}

bool is_graph_input(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.inputs.begin(), graph.inputs.end(), v) != graph.inputs.end();
}

bool is_graph_output(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
}

std::vector<ir::Node*> nodes_of(const ir::Graph& graph, OpType op) {
  std::vector<ir::Node*> out;
  for (const auto& n : graph.nodes())
    if (n->op == op) out.push_back(n.get());
  return out;
}

// The float tail: nodes after the last quantized op (no QuantizeLinear downstream), e.g. a
// Softmax left in float so the output keeps its resolution. They stay float, reading
// DequantizeLinear outputs.
std::unordered_set<const ir::Node*> float_tail(const ir::Graph& graph) {
  // Walk backwards: a node is in the tail when it writes float and nothing downstream quantizes
  // (a QuantizeLinear, or any op writing integers once lowered).
  std::unordered_set<const ir::Node*> reaches_integer, tail;
  const auto& nodes = graph.nodes();  // topological order
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const ir::Node* n = it->get();
    bool reaches = false, writes_float = true;
    for (const ir::Value* out : n->outputs) {
      writes_float = writes_float && is_float(out);
      for (const ir::Node* reader : out->consumers)
        reaches = reaches || reaches_integer.count(reader);
    }
    if (reaches || !writes_float || n->op == OpType::kQuantizeLinear) {
      reaches_integer.insert(n);
    } else if (n->op != OpType::kDequantizeLinear) {
      tail.insert(n);
    }
  }
  return tail;
}

bool is_quant_dq(const ir::Node* n) {
  return n && n->op == OpType::kDequantizeLinear && n->inputs[0]->quant;
}
bool is_quant_q(const ir::Node* n) {
  return n && n->op == OpType::kQuantizeLinear && n->outputs[0]->quant;
}

// Nodes that compute in float in the lowered graph: the float tail and the float islands of
// mixed precision (QuantizeOptions::float_values). A node is integer when every float activation
// it reads comes from a quantized DequantizeLinear (or, for a fused Relu/Clip, from an integer
// producer) and every float value it writes goes only to QuantizeLinears (or to a fused integer
// Relu/Clip); anything else is float and keeps its DequantizeLinear inputs and QuantizeLinear
// outputs (TFLite DEQUANTIZE / QUANTIZE around a float op). Grows to a fixed point.
std::unordered_set<const ir::Node*> float_nodes(const ir::Graph& graph) {
  std::unordered_set<const ir::Node*> marked;
  auto fused_activation = [](const ir::Node* n) {
    return n->op == OpType::kRelu || n->op == OpType::kClip;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& node : graph.nodes()) {
      const ir::Node* n = node.get();
      if (marked.count(n) || n->op == OpType::kQuantizeLinear || n->op == OpType::kDequantizeLinear)
        continue;
      bool is_float_node = false;
      for (const ir::Value* v : n->inputs) {
        if (!v || v->is_constant() || !is_float(v)) continue;
        const ir::Node* p = v->producer;
        if (is_quant_dq(p)) continue;
        if (p && fused_activation(n) && !marked.count(p) && v->consumers.size() == 1) continue;
        is_float_node = true;
      }
      for (const ir::Value* o : n->outputs) {
        if (!is_float(o)) continue;
        if (is_graph_output(graph, o)) is_float_node = true;
        for (const ir::Node* reader : o->consumers) {
          if (is_quant_q(reader)) continue;
          if (fused_activation(reader) && o->consumers.size() == 1 && !marked.count(reader))
            continue;
          is_float_node = true;
        }
      }
      if (is_float_node) {
        marked.insert(n);
        changed = true;
      }
    }
  }
  return marked;
}

// A float node reading a quantized constant (weights, bias, constant operand) through a
// DequantizeLinear reads the dequantized constant instead: the same reals, no DEQUANTIZE op at
// run time.
Status fold_constant_dequantize(ir::Graph& graph, const std::unordered_set<const ir::Node*>& fl) {
  for (ir::Node* dq : nodes_of(graph, OpType::kDequantizeLinear)) {
    if (!dq->inputs[0]->is_constant()) continue;
    ir::Value* f = dq->outputs[0];
    ir::Value* folded = nullptr;
    const std::vector<ir::Node*> readers = f->consumers;
    for (ir::Node* reader : readers) {
      if (!fl.count(reader)) continue;
      if (!folded) {
        std::vector<const Tensor*> in;
        for (const ir::Value* v : dq->inputs) in.push_back(v ? v->constant.get() : nullptr);
        auto out = runtime::evaluate_node(*dq, in);
        if (!out.ok()) return Status::Error(where(*dq) + ": " + out.status().message());
        folded = graph.add_constant(f->name + "_f32", std::move((*out)[0]));
      }
      for (size_t i = 0; i < reader->inputs.size(); ++i)
        if (reader->inputs[i] == f) graph.set_input(reader, i, folded);
    }
  }
  return Status::Ok();
}

// Readers of every DequantizeLinear output read its integer input instead (weights, biases,
// constant operands and activations alike), except float nodes (tail and islands). A
// DequantizeLinear that writes a graph output keeps that job; the others are left without readers.
void bypass_dequantize(ir::Graph& graph, const std::unordered_set<const ir::Node*>& tail) {
  for (ir::Node* dq : nodes_of(graph, OpType::kDequantizeLinear)) {
    ir::Value* q = dq->inputs[0];
    ir::Value* f = dq->outputs[0];
    if (!q->quant) continue;  // not one of quantize_to_qdq's pairs
    const std::vector<ir::Node*> readers = f->consumers;
    for (ir::Node* reader : readers) {
      if (tail.count(reader)) continue;
      for (size_t i = 0; i < reader->inputs.size(); ++i)
        if (reader->inputs[i] == f) graph.set_input(reader, i, q);
    }
  }
}

// The float value `pre` (written by `producer`) becomes an integer value with `params`: the
// producer writes a fresh integer value read by the same readers.
ir::Value* make_integer_output(ir::Graph& graph, ir::Node* producer, ir::Value* pre,
                               const ir::Value* like) {
  ir::Value* t = graph.add_value(pre->name, like->dtype, pre->shape, pre->has_shape);
  t->quant = like->quant;
  std::replace(producer->outputs.begin(), producer->outputs.end(), pre, t);
  t->producer = producer;
  pre->producer = nullptr;
  const std::vector<ir::Node*> readers = pre->consumers;
  for (ir::Node* reader : readers)
    for (size_t i = 0; i < reader->inputs.size(); ++i)
      if (reader->inputs[i] == pre) graph.set_input(reader, i, t);
  return t;
}

// Every QuantizeLinear whose float input is computed by a node (not a graph input) disappears:
// the node writes the integer value itself. A fused Relu/Clip's own input (the producer's
// pre-activation result) becomes an integer value with the same params (TFLite's fused
// activation clamps in the output's integer domain).
Status absorb_quantize(ir::Graph& graph, const std::unordered_set<const ir::Node*>& fl) {
  for (ir::Node* q_node : nodes_of(graph, OpType::kQuantizeLinear)) {
    ir::Value* p = q_node->inputs[0];
    ir::Value* q = q_node->outputs[0];
    ir::Node* producer = p->producer;
    if (!producer || !is_float(p) || !q->quant) continue;  // graph input: stays QUANTIZE
    if (fl.count(producer)) continue;                      // float island: stays QUANTIZE
    if (p->consumers.size() != 1 || is_graph_output(graph, p))
      return Status::Error(where(*producer) + ": its float output '" + p->name +
                           "' is read besides its QuantizeLinear");
    if (producer->op == OpType::kRelu || producer->op == OpType::kClip) {
      ir::Value* pre = producer->inputs[0];
      if (is_float(pre) && pre->producer && !pre->is_constant()) {
        if (pre->consumers.size() != 1 || is_graph_output(graph, pre))
          return Status::Error(where(*producer) + ": fused input '" + pre->name +
                               "' has other readers");
        make_integer_output(graph, pre->producer, pre, q);
      }
    }
    graph.remove_node(q_node);
    std::replace(producer->outputs.begin(), producer->outputs.end(), p, q);
    q->producer = producer;
    p->producer = nullptr;
  }
  return Status::Ok();
}

// Real interval an integer value can represent.
std::pair<double, double> representable(const ir::Value& v) {
  const ir::QuantParams& q = *v.quant;
  const double lo = v.dtype == DType::kU8 ? 0 : -128, hi = v.dtype == DType::kU8 ? 255 : 127;
  return {q.scale[0] * (lo - q.zero_point[0]), q.scale[0] * (hi - q.zero_point[0])};
}

float scalar_or(const ir::Value* v, float fallback) {
  if (!v || !v->is_constant() || v->constant->element_count() != 1) return fallback;
  return v->constant->to_f32()[0];
}

// A Clip between integer values with identical params whose bounds cover everything the
// output can represent does nothing: the requantization already clamps. Its readers read its
// input. (E.g. hard-sigmoid folded into a conv, clipped to [0, 1] on a [0, 1] output.)
int drop_redundant_clips(ir::Graph& graph) {
  int dropped = 0;
  for (ir::Node* clip : nodes_of(graph, OpType::kClip)) {
    ir::Value* in = clip->inputs[0];
    ir::Value* out = clip->outputs[0];
    if (!in->quant || !out->quant || in->dtype != out->dtype || in->quant->per_axis() ||
        out->quant->per_axis() || in->quant->scale != out->quant->scale ||
        in->quant->zero_point != out->quant->zero_point || is_graph_output(graph, out))
      continue;
    const float lo = scalar_or(clip->inputs.size() > 1 ? clip->inputs[1] : nullptr, -INFINITY);
    const float hi = scalar_or(clip->inputs.size() > 2 ? clip->inputs[2] : nullptr, INFINITY);
    const auto [rlo, rhi] = representable(*out);
    const double half_step = 0.5 * out->quant->scale[0];
    if (lo > rlo + half_step || hi < rhi - half_step) continue;
    graph.replace_all_uses(out, in);
    graph.remove_node(clip);
    ++dropped;
  }
  return dropped;
}

// A QuantizeLinear from integer `from` to integer `to` (TFLite QUANTIZE between two integer types
// or params), with the scale and zero point of `to` as its constant inputs.
void add_requantize(ir::Graph& graph, ir::Value* from, ir::Value* to) {
  const ir::QuantParams& q = *to->quant;
  Tensor scale = Tensor::FromVector<float>(DType::kF32, {}, {q.scale[0]});
  Tensor zp = Tensor::FromVector<int64_t>(DType::kI64, {}, {q.zero_point[0]}).cast(to->dtype);
  ir::Value* s = graph.add_constant(to->name + "_scale", std::move(scale));
  ir::Value* z = graph.add_constant(to->name + "_zero_point", std::move(zp));
  graph.add_node(OpType::kQuantizeLinear,
                 graph.unique_node_name(ir::derived_name(to->name, ir::Derivation::kRequantize)),
                 {from, s, z}, {to});
}

// Integer graph inputs: the float input takes the integer type under its own name; with uint8,
// a requantizing QuantizeLinear turns it into the int8 activations.
void integer_inputs(ir::Graph& graph, IntegerIo io) {
  for (ir::Value* in : graph.inputs) {
    if (!is_float(in) || in->consumers.size() != 1) continue;
    ir::Node* q_node = in->consumers[0];
    if (q_node->op != OpType::kQuantizeLinear || !q_node->outputs[0]->quant) continue;
    ir::Value* q = q_node->outputs[0];
    in->dtype = io == IntegerIo::kUint8 ? DType::kU8 : DType::kI8;
    in->quant = q->quant;
    if (io == IntegerIo::kUint8) {
      for (int64_t& zp : in->quant->zero_point) zp += 128;
      continue;  // the QuantizeLinear now requantizes uint8 -> int8
    }
    graph.remove_node(q_node);
    graph.replace_all_uses(q, in);
  }
}

// Integer graph outputs: the producer of the DequantizeLinear's integer input writes the output
// value (original name) itself; with uint8, through a requantizing QuantizeLinear.
Status integer_outputs(ir::Graph& graph, IntegerIo io) {
  for (ir::Value* out : graph.outputs) {
    ir::Node* dq = out->producer;
    if (!dq || dq->op != OpType::kDequantizeLinear || !dq->inputs[0]->quant)
      return Status::Error("output '" + out->name +
                           "' is computed in float; integer outputs need every op quantized");
    ir::Value* q = dq->inputs[0];
    graph.remove_node(dq);
    out->quant = q->quant;
    if (io == IntegerIo::kUint8) {
      out->dtype = DType::kU8;
      for (int64_t& zp : out->quant->zero_point) zp += 128;
      add_requantize(graph, q, out);
      continue;
    }
    out->dtype = q->dtype;
    ir::Node* producer = q->producer;
    if (!producer || q->consumers.size() > 0 || is_graph_output(graph, q)) {
      // Shared or graph-input value: a plain requantize to the same params keeps names apart.
      add_requantize(graph, q, out);
      continue;
    }
    std::replace(producer->outputs.begin(), producer->outputs.end(), q, out);
    out->producer = producer;
    q->producer = nullptr;
  }
  return Status::Ok();
}

// Names of the nodes that compute in float (tail and islands), taken before lowering: the
// checks below run on the lowered graph, where the islands' boundaries no longer look like QDQ.
using NodeNames = std::unordered_set<std::string>;
NodeNames names_of(const std::unordered_set<const ir::Node*>& nodes) {
  NodeNames out;
  for (const ir::Node* n : nodes) out.insert(n->name);
  return out;
}

// Integer-body check: besides the float nodes (tail, and islands when allowed), only the
// QuantizeLinear after a float input or a float node and the DequantizeLinear before a float
// output or a float node touch float activations.
Status check_integer_body(const ir::Graph& graph, const NodeNames& float_names,
                          const NodeNames& tail, bool allow_islands) {
  for (const auto& node : graph.nodes()) {
    if (float_names.count(node->name)) {
      if (!allow_islands && !tail.count(node->name))
        return Status::Error(where(*node) + " would compute in float inside the integer graph");
      continue;
    }
    const ir::Node* source =
        node->inputs.empty() || !node->inputs[0] ? nullptr : node->inputs[0]->producer;
    const bool boundary_q =
        node->op == OpType::kQuantizeLinear &&
        (is_graph_input(graph, node->inputs[0]) || (source && float_names.count(source->name)));
    // A DequantizeLinear ends an integer part when only graph outputs and float nodes read it.
    bool boundary_dq = node->op == OpType::kDequantizeLinear;
    for (const ir::Node* reader : node->outputs[0]->consumers)
      boundary_dq = boundary_dq && float_names.count(reader->name) > 0;
    if (boundary_q || boundary_dq) continue;
    for (const ir::Value* v : node->outputs)
      if (is_float(v))
        return Status::Error(where(*node) + " would compute in float inside the integer graph");
    for (const ir::Value* v : node->inputs)
      if (is_float(v) && !v->is_constant())
        return Status::Error(where(*node) + " reads float '" + v->name +
                             "' inside the integer graph");
  }
  return Status::Ok();
}

// Float constants left as operands of integer nodes (Clip bounds, Pad values) are fine only
// where the op reads them as attributes; anything else read by an integer node is reported.
Status check_constant_operands(const ir::Graph& graph, const NodeNames& float_names) {
  for (const auto& node : graph.nodes()) {
    if (float_names.count(node->name) || node->op == OpType::kClip ||
        node->op == OpType::kQuantizeLinear || node->op == OpType::kDequantizeLinear ||
        node->op == OpType::kPad)
      continue;
    for (const ir::Value* v : node->inputs)
      if (is_float(v) && v->is_constant())
        return Status::Error(where(*node) + " has a float constant operand '" + v->name +
                             "' in the integer graph");
  }
  return Status::Ok();
}

}  // namespace

Expected<ir::Graph> lower_to_integer(const ir::Graph& qdq, const IntegerLoweringOptions& options) {
  for (const auto& v : qdq.values())
    if (v->quant && v->dtype == DType::kU8 && !v->is_constant())
      return Status::Error("value '" + v->name +
                           "' is uint8: quantize with int8 activations for an integer graph");
  ir::Graph graph = qdq.clone();
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  const std::unordered_set<const ir::Node*> computes_in_float = float_nodes(graph);
  const NodeNames float_names = names_of(computes_in_float);
  const NodeNames tail = names_of(float_tail(graph));
  if (!options.allow_float_islands)
    for (const std::string& name : float_names)
      if (!tail.count(name))
        return Status::Error(where(*graph.find_node(name)) +
                             " would compute in float inside the integer graph");
  MCONV_RETURN_IF_ERROR(fold_constant_dequantize(graph, computes_in_float));
  bypass_dequantize(graph, computes_in_float);
  MCONV_RETURN_IF_ERROR(absorb_quantize(graph, computes_in_float));
  drop_redundant_clips(graph);
  if (options.io != IntegerIo::kFloat) {
    integer_inputs(graph, options.io);
    MCONV_RETURN_IF_ERROR(integer_outputs(graph, options.io));
  }
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  MCONV_RETURN_IF_ERROR(check_integer_body(graph, float_names, tail, options.allow_float_islands));
  MCONV_RETURN_IF_ERROR(check_constant_operands(graph, float_names));
  MCONV_RETURN_IF_ERROR(ir::verify(graph).with_context("integer graph"));
  return graph;
}

}  // namespace mconv::quant
