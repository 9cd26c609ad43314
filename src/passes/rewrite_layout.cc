#include "passes/rewrite_layout.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ir/derived_names.h"
#include "ir/op_attributes.h"
#include "passes/layout_order.h"

namespace mconv::passes {
namespace {

using ir::AxisRule;
using ir::Dim;
using ir::Node;
using ir::OpType;
using ir::Shape;
using ir::Value;

using layout::AxisGroup;
using layout::identity_order;
using layout::inverse;
using layout::is_identity;
using layout::is_unit;
using layout::map_sequence;
using layout::match_reshape_axes;
using layout::non_unit_sequence;
using layout::normalize_axis;
using layout::Order;
using layout::reshape_dims;
using layout::stored_shape;

// kNone is read as NCHW, the ONNX default (as shape inference and the kernels do).
ir::Layout effective_layout(ir::Layout layout) {
  return layout == ir::Layout::kNHWC ? ir::Layout::kNHWC : ir::Layout::kNCHW;
}

class LayoutRewriter {
 public:
  LayoutRewriter(ir::Graph& graph, const LayoutOptions& options)
      : g_(graph),
        options_(options),
        // Logical NCHW stored as NHWC, or logical NHWC stored as NCHW.
        target_order_(options.target == ir::Layout::kNHWC ? Order{0, 2, 3, 1} : Order{0, 3, 1, 2}),
        derivation_(options.target == ir::Layout::kNHWC ? ir::Derivation::kNhwc
                                                        : ir::Derivation::kNchw),
        suffix_(ir::derivation_suffix(derivation_)) {}

  Expected<PassResult> run() {
    if (options_.target != ir::Layout::kNHWC && options_.target != ir::Layout::kNCHW)
      return Status::Error("rewrite_layout: the target layout must be NHWC or NCHW");
    if (std::none_of(g_.nodes().begin(), g_.nodes().end(),
                     [&](const auto& n) { return in_source_layout(*n); }))
      return PassResult{};
    MCONV_RETURN_IF_ERROR(g_.topological_sort());
    for (const auto& v : g_.values())
      if (v->has_shape) frames_[v.get()] = {v->shape, identity_order(v->shape.size())};

    std::vector<Node*> source_nodes;
    for (const auto& n : g_.nodes()) source_nodes.push_back(n.get());
    prepare_inputs();
    for (Node* node : source_nodes) MCONV_RETURN_IF_ERROR(rewrite(node));
    restore_outputs();
    for (auto& [v, frame] : frames_) v->shape = stored_shape(frame.logical, frame.order);
    drop_absorbed_transposes();
    MCONV_RETURN_IF_ERROR(g_.topological_sort());
    changes_ += layout::merge_reshape_chains(g_);
    g_.remove_dead();
    return PassResult{changes_};
  }

 private:
  // The source shape of a value and how it is stored.
  struct Frame {
    Shape logical;  // shape in the source's axis order
    Order order;    // stored axis -> logical axis
  };

  bool in_source_layout(const Node& node) const {
    return ir::op_info(node.op).layout_sensitive &&
           effective_layout(node.layout) != options_.target;
  }

  // ---------------------------------------------------------------- storage bookkeeping
  bool known(Value* v) const { return v && frames_.count(v) != 0; }
  const Order& order_of(Value* v) const { return frames_.at(v).order; }
  size_t rank_of(Value* v) const { return frames_.at(v).logical.size(); }

  void store_output(Value* out, const Order& order) {
    if (!known(out)) return;
    frames_[out].order = order.size() == rank_of(out) ? order : identity_order(rank_of(out));
  }

  Value* int64_constant(const std::string& name, const std::vector<int64_t>& values) {
    Value* v = g_.add_constant(
        name, Tensor::FromVector(DType::kI64, {static_cast<int64_t>(values.size())}, values));
    frames_[v] = {v->shape, {0}};
    return v;
  }

  // The same logical tensor as `v`, stored in `target` order (one new value per pair, cached).
  Value* as_stored(Value* v, const Order& target) {
    if (!known(v)) return v;
    const Frame frame = frames_.at(v);
    if (frame.order == target) return v;
    if (auto it = input_of_mover_.find(v); it != input_of_mover_.end() && is_identity(target))
      return it->second;  // the graph input before its Transpose
    const auto key = std::make_pair(v, target);
    if (auto it = moved_.find(key); it != moved_.end()) return it->second;

    const Order perm = layout::move_permutation(frame.order, target);
    Value* out;
    if (v->is_constant()) {
      out = g_.add_constant(ir::derived_name(v->name, derivation_),
                            layout::transpose_tensor(*v->constant, perm));
    } else {
      const Shape new_shape = stored_shape(frame.logical, target);
      out =
          g_.add_value(ir::derived_name(v->name, ir::Derivation::kReordered), v->dtype, new_shape);
      // Only unit axes move when the non-unit ones keep their sequence: a Reshape, no data moves.
      const bool same_sequence =
          non_unit_sequence(frame.order, frame.logical) == non_unit_sequence(target, frame.logical);
      const auto dims = reshape_dims(new_shape);
      if (same_sequence && dims) {
        g_.add_node(OpType::kReshape, v->name + "_to_reordered",
                    {v, int64_constant(v->name + "_reordered_shape", *dims)}, {out});
      } else {
        Node* t = g_.add_node(OpType::kTranspose,
                              ir::derived_name(v->name, ir::Derivation::kTranspose), {v}, {out});
        t->attrs.set("perm", std::vector<int64_t>(perm.begin(), perm.end()));
      }
    }
    frames_[out] = {frame.logical, target};
    moved_[key] = out;
    ++changes_;
    return out;
  }

  void use_stored(Node* node, size_t index, const Order& target) {
    Value* v = node->inputs[index];
    if (!known(v)) return;
    Value* w = as_stored(v, target);
    if (w != v) g_.set_input(node, index, w);
  }

  // Every input in source order, every output stored in source order: the node is untouched.
  Status keep_logical_order(Node* node) {
    for (size_t i = 0; i < node->inputs.size(); ++i)
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
    for (Value* out : node->outputs)
      if (known(out)) frames_[out].order = identity_order(rank_of(out));
    return Status::Ok();
  }

  // Inputs after the first (Clip bounds, Split sizes, weights, ...) are read in source order.
  void other_inputs_logical(Node* node) {
    for (size_t i = 1; i < node->inputs.size(); ++i)
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
  }

  // ---------------------------------------------------------------- inputs
  void prepare_inputs() {
    for (Value* in : g_.inputs) {
      if (!known(in) || rank_of(in) != 4) continue;
      // An input the model transposes itself (e.g. an NCHW input kept by a TFLite export) is
      // left to its readers: absorbing that Transpose usually leaves nothing to move.
      if (std::any_of(in->consumers.begin(), in->consumers.end(),
                      [](const Node* n) { return n->op == OpType::kTranspose; }))
        continue;
      if (options_.inputs_in_target) {
        frames_[in].order = target_order_;
        ++changes_;
        continue;
      }
      if (in->consumers.empty()) continue;
      // One Transpose right after the input; every reader takes the moved copy.
      const Frame frame = frames_.at(in);
      Value* moved = g_.add_value(ir::derived_name(in->name, derivation_), in->dtype,
                                  stored_shape(frame.logical, target_order_));
      g_.replace_all_uses(in, moved);
      for (Value*& out : g_.outputs)  // a graph output that is the input itself stays as is
        if (out == moved) out = in;
      Node* t = g_.add_node(OpType::kTranspose, in->name + "_to" + suffix_, {in}, {moved});
      t->attrs.set("perm", std::vector<int64_t>(target_order_.begin(), target_order_.end()));
      frames_[moved] = {frame.logical, target_order_};
      input_of_mover_[moved] = in;
      ++changes_;
    }
  }

  // ---------------------------------------------------------------- per-op rewrites
  Status rewrite(Node* node) {
    for (Value* out : node->outputs)  // an output without a frame cannot record its storage
      if (out && !known(out)) return keep_logical_order(node);
    switch (ir::op_info(node->op).axis_rule) {
      case AxisRule::kChannelLayout:
        return rewrite_layout_node(node);
      case AxisRule::kElementwise:
        return follow_first_input(node);
      case AxisRule::kQuantAxis:
        return rewrite_qdq(node);
      case AxisRule::kBroadcast:
        return rewrite_broadcast(node);
      case AxisRule::kConcatAxis:
        return rewrite_concat(node);
      case AxisRule::kAxisAttr:
        return rewrite_axis_attribute(node);
      case AxisRule::kSliceAxes:
        return rewrite_slice(node);
      case AxisRule::kReduceAxes:
        return rewrite_reduce(node);
      case AxisRule::kPermute:
        return absorb_transpose(node);
      case AxisRule::kPadAxes:
        return rewrite_pad(node);
      case AxisRule::kGatherAxis:
        return rewrite_gather(node);
      case AxisRule::kReshape:
        return rewrite_reshape_like(node);
      case AxisRule::kFixedAxes:
        return keep_logical_order(node);
    }
    return keep_logical_order(node);
  }

  Status rewrite_layout_node(Node* node) {
    if (!in_source_layout(*node)) return keep_logical_order(node);  // already in the target
    Value* x = node->inputs[0];
    if (!known(x))
      return Status::Error("node '" + node->name + "' (" + std::string(op_name(node->op)) +
                           "): input '" + (x ? x->name : std::string("?")) +
                           "' has no shape; run shape inference before the layout rewrite");
    if (rank_of(x) != 4) return keep_logical_order(node);  // 1-D/3-D convs and pools: as they are
    use_stored(node, 0, target_order_);
    other_inputs_logical(node);  // OIHW weights, bias, BN statistics: layout-free
    node->layout = options_.target;
    for (Value* out : node->outputs) store_output(out, target_order_);
    ++changes_;
    return Status::Ok();
  }

  Status follow_first_input(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x)) return keep_logical_order(node);
    const Order order = order_of(x);
    other_inputs_logical(node);
    for (Value* out : node->outputs) store_output(out, order);
    return Status::Ok();
  }

  Status rewrite_qdq(Node* node) {
    Value* x = node->inputs[0];
    Value* scale = node->inputs.size() > 1 ? node->inputs[1] : nullptr;
    if (!known(x)) return keep_logical_order(node);
    const bool per_axis =
        scale && scale->has_shape && !scale->shape.empty() && !is_unit(scale->shape[0]);
    if (per_axis) {
      const int axis = normalize_axis(ir::axis_attribute(*node), rank_of(x));
      node->attrs.set("axis", static_cast<int64_t>(inverse(order_of(x))[axis]));
    }
    return follow_first_input(node);
  }

  // Numpy broadcasting: every operand is stored like the first full-rank computed operand that is
  // not in source order; lower-rank operands first get leading unit axes; single values stay.
  Status rewrite_broadcast(Node* node) {
    Value* out = node->outputs[0];
    const size_t rank = rank_of(out);
    std::optional<Order> target;
    for (Value* v : node->inputs)
      if (known(v) && !v->is_constant() && rank_of(v) == rank && !is_identity(order_of(v))) {
        target = order_of(v);
        break;
      }
    if (!target) return keep_logical_order(node);
    for (Value* v : node->inputs)
      if (!known(v)) return keep_logical_order(node);
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      Value* v = node->inputs[i];
      const Shape& logical = frames_.at(v).logical;
      if (std::all_of(logical.begin(), logical.end(), is_unit)) continue;
      if (rank_of(v) < rank) {
        Value* expanded = with_leading_units(v, rank);
        if (!expanded) return keep_logical_order(node);
        g_.set_input(node, i, expanded);
      }
      use_stored(node, i, *target);
    }
    store_output(out, *target);
    ++changes_;
    return Status::Ok();
  }

  // `v` in source order with unit axes prepended up to `rank` (null when it cannot be reshaped).
  Value* with_leading_units(Value* v, size_t rank) {
    Shape expanded(rank - rank_of(v), Dim{1, ""});
    const Shape& logical = frames_.at(v).logical;
    expanded.insert(expanded.end(), logical.begin(), logical.end());
    Value* base = as_stored(v, identity_order(logical.size()));
    const auto dims = reshape_dims(expanded);
    if (!dims) return nullptr;
    Value* out;
    if (base->is_constant()) {
      Tensor data = *base->constant;
      if (!data.reshape(ir::static_dims(expanded)).ok()) return nullptr;
      out = g_.add_constant(base->name + "_expanded", std::move(data));
    } else {
      out = g_.add_value(base->name + "_expanded", base->dtype, expanded);
      g_.add_node(OpType::kReshape, base->name + "_expand",
                  {base, int64_constant(base->name + "_expand_shape", *dims)}, {out});
    }
    frames_[out] = {expanded, identity_order(rank)};
    ++changes_;
    return out;
  }

  Status rewrite_concat(Node* node) {
    Value* out = node->outputs[0];
    std::optional<Order> target;
    for (Value* v : node->inputs) {
      if (!known(v)) return keep_logical_order(node);
      if (!target && !v->is_constant() && !is_identity(order_of(v))) target = order_of(v);
    }
    if (!target || target->size() != rank_of(out)) return keep_logical_order(node);
    for (size_t i = 0; i < node->inputs.size(); ++i) use_stored(node, i, *target);
    const int axis = normalize_axis(ir::axis_attribute(*node), target->size());
    node->attrs.set("axis", static_cast<int64_t>(inverse(*target)[axis]));
    store_output(out, *target);
    ++changes_;
    return Status::Ok();
  }

  // Split and Softmax: one "axis" attribute naming an axis of input 0; outputs keep its storage.
  Status rewrite_axis_attribute(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x) || is_identity(order_of(x))) return keep_logical_order(node);
    const Order order = order_of(x);
    const int axis = normalize_axis(ir::axis_attribute(*node), order.size());
    node->attrs.set("axis", static_cast<int64_t>(inverse(order)[axis]));
    other_inputs_logical(node);
    for (Value* out : node->outputs) store_output(out, order);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_slice(Node* node) {
    Value* x = node->inputs[0];
    Value* starts = node->inputs[1];
    Value* axes = node->inputs.size() > 3 ? node->inputs[3] : nullptr;
    if (!known(x) || is_identity(order_of(x)) || (axes && !axes->is_constant()))
      return keep_logical_order(node);
    std::vector<int64_t> logical_axes;
    if (axes) {
      logical_axes = axes->constant->to_i64();
    } else {  // absent axes mean 0..len(starts)-1
      if (!starts || !starts->has_shape || starts->shape.size() != 1 || !starts->shape[0].known())
        return keep_logical_order(node);
      logical_axes.resize(starts->shape[0].size);
      std::iota(logical_axes.begin(), logical_axes.end(), 0);
    }
    const Order order = order_of(x);
    const Order position = inverse(order);
    std::vector<int64_t> stored_axes;
    for (int64_t a : logical_axes) {
      const int axis = normalize_axis(a, order.size());
      if (axis < 0 || axis >= static_cast<int>(order.size())) return keep_logical_order(node);
      stored_axes.push_back(position[axis]);
    }
    other_inputs_logical(node);  // starts/ends/steps are 1-D, paired with the axes by position
    g_.set_input(node, 3, int64_constant(node->name + "_axes" + suffix_, stored_axes));
    store_output(node->outputs[0], order);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_reduce(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x) || is_identity(order_of(x))) return keep_logical_order(node);
    const Order order = order_of(x);
    const Order position = inverse(order);
    std::vector<int64_t> axes = node->attrs.get_ints("axes");
    if (axes.empty()) {
      axes.resize(order.size());
      std::iota(axes.begin(), axes.end(), 0);
    }
    std::vector<bool> reduced(order.size(), false);
    std::vector<int64_t> stored_axes;
    for (int64_t a : axes) {
      const int axis = normalize_axis(a, order.size());
      if (axis < 0 || axis >= static_cast<int>(order.size())) return keep_logical_order(node);
      reduced[axis] = true;
      stored_axes.push_back(position[axis]);
    }
    std::sort(stored_axes.begin(), stored_axes.end());
    node->attrs.set("axes", stored_axes);
    if (node->attrs.get_int("keepdims", 1) != 0) {
      store_output(node->outputs[0], order);
    } else {
      // The kept axes keep their stored sequence, renumbered among the kept logical axes.
      store_output(node->outputs[0], layout::without_reduced_axes(order, reduced));
    }
    ++changes_;
    return Status::Ok();
  }

  // A Transpose moves no stored data here: its output is the input's storage under a new logical
  // order. The node disappears at the end.
  Status absorb_transpose(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x)) return keep_logical_order(node);
    const Order order = order_of(x);
    std::vector<int64_t> perm = node->attrs.get_ints("perm");
    if (perm.empty())  // ONNX default: reverse the axes
      for (size_t i = order.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    if (perm.size() != order.size()) return keep_logical_order(node);
    store_output(node->outputs[0], layout::relabel_through_transpose(order, perm));
    absorbed_.push_back(node);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_pad(Node* node) {
    Value* x = node->inputs[0];
    Value* pads = node->inputs[1];
    if (!known(x) || is_identity(order_of(x)) || !pads || !pads->is_constant() ||
        (node->inputs.size() > 3 && node->inputs[3]))  // explicit axes: left in source order
      return keep_logical_order(node);
    const Order order = order_of(x);
    const size_t rank = order.size();
    const std::vector<int64_t> logical = pads->constant->to_i64();
    if (logical.size() != 2 * rank) return keep_logical_order(node);
    g_.set_input(
        node, 1,
        int64_constant(node->name + "_pads" + suffix_, layout::stored_pads(logical, order)));
    if (node->inputs.size() > 2 && known(node->inputs[2]))
      use_stored(node, 2, identity_order(rank_of(node->inputs[2])));
    store_output(node->outputs[0], order);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_gather(Node* node) {
    Value* x = node->inputs[0];
    Value* indices = node->inputs[1];
    if (!known(x) || is_identity(order_of(x)) || !known(indices) || rank_of(indices) > 1)
      return keep_logical_order(node);
    const Order order = order_of(x);
    const int axis = normalize_axis(ir::axis_attribute(*node), order.size());
    node->attrs.set("axis", static_cast<int64_t>(inverse(order)[axis]));
    if (rank_of(indices) == 1) {
      store_output(node->outputs[0], order);
    } else {  // a scalar index removes the axis
      store_output(node->outputs[0], layout::without_axis(order, axis));
    }
    ++changes_;
    return Status::Ok();
  }

  // A full storage order whose non-unit axes come in `sequence`: the target order or source order
  // when one of them fits (so readers need no further move), else each unit axis placed right
  // after its logical predecessor.
  Order complete_order(const std::vector<int>& sequence, const Shape& logical) const {
    const size_t rank = logical.size();
    std::vector<Order> candidates;
    if (rank == 4) candidates.push_back(target_order_);
    candidates.push_back(identity_order(rank));
    for (const Order& c : candidates)
      if (non_unit_sequence(c, logical) == sequence) return c;
    Order order(sequence.begin(), sequence.end());
    for (size_t axis = 0; axis < rank; ++axis) {
      if (!is_unit(logical[axis])) continue;
      auto after = axis == 0
                       ? order.begin()
                       : std::find(order.begin(), order.end(), static_cast<int>(axis) - 1) + 1;
      order.insert(after, static_cast<int>(axis));
    }
    return order;
  }

  // Reshape, Flatten, Squeeze, Unsqueeze reshape the logical tensor. That is a Reshape of the
  // stored tensor when every group of merged/split axes is stored contiguously and in order (the
  // groups keep their stored sequence). Failing that, a flatten feeding only dense layers gets its
  // weights reordered instead; otherwise the input is moved once, into the order that gives the
  // output the storage its readers prefer (the target order for rank 4: a channel shuffle costs
  // one Transpose, like the source's own), or back to source order.
  Status rewrite_reshape_like(Node* node) {
    Value* x = node->inputs[0];
    Value* out = node->outputs[0];
    if (!known(x) || is_identity(order_of(x))) return keep_logical_order(node);
    const Shape in_logical = frames_.at(x).logical;
    const Shape out_logical = frames_.at(out).logical;
    const auto groups = match_reshape_axes(in_logical, out_logical);
    if (!groups) return keep_logical_order(node);

    Order in_order = order_of(x);
    std::optional<Order> out_order;
    if (auto seq = map_sequence(*groups, non_unit_sequence(in_order, in_logical), true))
      out_order = complete_order(*seq, out_logical);
    if (!out_order && flatten_into_weights(node, *groups, in_logical, out_logical))
      out_order = identity_order(out_logical.size());  // the weights' rows were reordered instead
    if (!out_order) {
      const Order preferred =
          out_logical.size() == 4 ? target_order_ : identity_order(out_logical.size());
      if (auto seq = map_sequence(*groups, non_unit_sequence(preferred, out_logical), false)) {
        in_order = complete_order(*seq, in_logical);
        out_order = preferred;
      }
    }
    if (!out_order) return keep_logical_order(node);
    const auto dims = reshape_dims(stored_shape(out_logical, *out_order));
    if (!dims) return keep_logical_order(node);

    use_stored(node, 0, in_order);
    for (size_t i = node->inputs.size(); i-- > 1;) g_.set_input(node, i, nullptr);
    node->inputs.resize(1);
    node->op = OpType::kReshape;
    node->attrs = ir::Attributes();
    g_.set_input(node, 1, int64_constant(node->name + "_shape" + suffix_, *dims));
    store_output(out, *out_order);
    ++changes_;
    return Status::Ok();
  }

  // A flatten to [N, K] read only by Gemm/MatMul with constant weights needs no data movement:
  // flatten the stored tensor as it lies and reorder the weights' K rows to match. Returns false
  // (changing nothing) when the pattern does not apply.
  bool flatten_into_weights(Node* node, const std::vector<AxisGroup>& groups,
                            const Shape& in_logical, const Shape& out_logical) {
    Value* x = node->inputs[0];
    Value* out = node->outputs[0];
    if (out_logical.size() != 2 || out->consumers.empty() ||
        std::find(g_.outputs.begin(), g_.outputs.end(), out) != g_.outputs.end())
      return false;
    // The group producing K (output axis 1) must be the last one in storage, after the batch.
    const AxisGroup* k_group = nullptr;
    for (const AxisGroup& gr : groups)
      if (gr.out == std::vector<int>{1}) k_group = &gr;
    if (!k_group) return false;
    const std::vector<int> stored = non_unit_sequence(order_of(x), in_logical);
    const size_t k_axes = k_group->in.size();
    if (stored.size() < k_axes) return false;
    const std::vector<int> k_stored(stored.end() - static_cast<std::ptrdiff_t>(k_axes),
                                    stored.end());
    std::vector<int> k_sorted = k_stored;
    std::sort(k_sorted.begin(), k_sorted.end());
    if (k_sorted != k_group->in) return false;  // the K axes are not the trailing stored ones
    if (!out_logical[1].known()) return false;
    const int64_t k = out_logical[1].size;
    for (Node* reader : out->consumers) {
      const bool gemm = reader->op == OpType::kGemm && reader->inputs[0] == out &&
                        reader->attrs.get_int("transA", 0) == 0;
      const bool matmul = reader->op == OpType::kMatMul && reader->inputs[0] == out;
      if (!(gemm || matmul) || reader->inputs[1] == out || !reader->inputs[1] ||
          !reader->inputs[1]->is_constant() || reader->inputs[1]->constant->rank() != 2)
        return false;
      const Tensor& b = *reader->inputs[1]->constant;
      const bool k_is_columns = gemm && reader->attrs.get_int("transB", 0) != 0;
      if ((k_is_columns ? b.dim(1) : b.dim(0)) != k) return false;
    }
    // stored flat index f -> logical flat index l over the K axes.
    std::vector<int64_t> logical_index(k);
    std::vector<int64_t> coord(in_logical.size(), 0);
    for (int64_t f = 0; f < k; ++f) {
      int64_t rest = f;
      for (size_t i = k_stored.size(); i-- > 0;) {
        const int64_t size = in_logical[k_stored[i]].size;
        coord[k_stored[i]] = rest % size;
        rest /= size;
      }
      int64_t l = 0;
      for (int a : k_group->in) l = l * in_logical[a].size + coord[a];
      logical_index[f] = l;
    }
    for (Node* reader : std::vector<Node*>(out->consumers)) {
      const Tensor& b = *reader->inputs[1]->constant;
      const bool k_is_columns =
          reader->op == OpType::kGemm && reader->attrs.get_int("transB", 0) != 0;
      Tensor reordered(b.dtype(), b.shape());
      const size_t elem = dtype_size(b.dtype());
      const int64_t rows = b.dim(0), cols = b.dim(1);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const int64_t src_r = k_is_columns ? r : logical_index[r];
          const int64_t src_c = k_is_columns ? logical_index[c] : c;
          std::memcpy(reordered.raw() + (r * cols + c) * elem,
                      b.raw() + (src_r * cols + src_c) * elem, elem);
        }
      Value* weights = g_.add_constant(ir::derived_name(reader->inputs[1]->name, derivation_),
                                       std::move(reordered));
      frames_[weights] = {weights->shape, identity_order(2)};
      g_.set_input(reader, 1, weights);
    }
    ++changes_;
    return true;
  }

  // ---------------------------------------------------------------- finishing
  // Graph outputs not stored in source order get a final move that writes the output's own
  // Value (so its name survives); the producer writes a new intermediate instead. Rank-4 outputs
  // in the target order stay when outputs_in_target asks for them.
  void restore_outputs() {
    for (Value* out : g_.outputs) {
      if (!known(out) || is_identity(order_of(out)) || !out->producer) continue;
      const Order order = order_of(out);
      if (options_.outputs_in_target && order == target_order_) continue;
      Node* producer = out->producer;
      Value* stored = g_.add_value(ir::derived_name(out->name, ir::Derivation::kStored), out->dtype,
                                   out->shape);
      frames_[stored] = frames_.at(out);
      for (Value*& o : producer->outputs)
        if (o == out) o = stored;
      stored->producer = producer;
      out->producer = nullptr;
      for (Node* reader : std::vector<Node*>(out->consumers))
        for (size_t i = 0; i < reader->inputs.size(); ++i)
          if (reader->inputs[i] == out) g_.set_input(reader, i, stored);
      Value* moved = as_stored(stored, identity_order(order.size()));
      Node* mover = moved->producer;
      if (!mover) continue;
      for (Value*& o : mover->outputs)
        if (o == moved) o = out;
      out->producer = mover;
      moved->producer = nullptr;
      frames_[out].order = identity_order(order.size());
      moved_.erase({stored, identity_order(order.size())});
      ++changes_;
    }
  }

  // Readers of an absorbed Transpose read its input (the same stored data). One that writes a
  // graph output becomes a Reshape to the same shape (Identity when the shape has several
  // unknown dims) so the output keeps its producer and name.
  void drop_absorbed_transposes() {
    for (Node* node : absorbed_) {
      Value* in = node->inputs[0];
      Value* out = node->outputs[0];
      if (std::find(g_.outputs.begin(), g_.outputs.end(), out) != g_.outputs.end()) {
        node->attrs = ir::Attributes();
        if (const auto dims = reshape_dims(out->shape)) {
          node->op = OpType::kReshape;
          g_.set_input(node, 1, int64_constant(node->name + "_shape", *dims));
        } else {
          node->op = OpType::kIdentity;
        }
        continue;
      }
      g_.remove_node(node);
      g_.replace_all_uses(out, in);
    }
  }

  ir::Graph& g_;
  const LayoutOptions options_;
  const Order target_order_;         // how a rank-4 logical value is stored in the target layout
  const ir::Derivation derivation_;  // values the pass re-stores: "<name>_nhwc" / "<name>_nchw"
  const std::string suffix_;  // the same suffix on the constants it adds ("<node>_axes_nhwc")
  std::unordered_map<Value*, Frame> frames_;           // source shape + storage of shaped values
  std::map<std::pair<Value*, Order>, Value*> moved_;   // cached re-stored copies
  std::unordered_map<Value*, Value*> input_of_mover_;  // moved copy of an input -> graph input
  std::vector<Node*> absorbed_;                        // Transposes turned into relabelings
  int changes_ = 0;
};

}  // namespace

Expected<PassResult> rewrite_layout(ir::Graph& graph, const LayoutOptions& options) {
  return LayoutRewriter(graph, options).run();
}

}  // namespace mconv::passes
