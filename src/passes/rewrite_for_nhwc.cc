#include "passes/rewrite_for_nhwc.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "passes/layout_order.h"

namespace mconv::passes {
namespace {

using ir::Dim;
using ir::make_shape;
using ir::Node;
using ir::OpType;
using ir::Shape;
using ir::Value;

using layout::AxisGroup;
using layout::identity_order;
using layout::inverse;
using layout::is_identity;
using layout::is_unit;
using layout::non_unit_sequence;
using layout::normalize_axis;
using layout::Order;
using layout::reshape_dims;
using layout::stored_shape;

const Order kNhwc = {0, 2, 3, 1};

// Keeps the logical frame of a value: its source-order shape and how it is stored.
struct Storage {
  Shape logical;  // shape in the source (NCHW) axis order
  Order perm;     // physical axis -> logical axis
};

class NhwcRewriter {
 public:
  NhwcRewriter(ir::Graph& graph, const NhwcOptions& options) : g_(graph), options_(options) {}

  Expected<PassResult> run() {
    bool any_nchw = false;
    for (const auto& n : g_.nodes())
      if (op_info(n->op).layout_sensitive && n->layout != ir::Layout::kNHWC) any_nchw = true;
    if (!any_nchw) return PassResult{};
    MCONV_RETURN_IF_ERROR(g_.topological_sort());

    for (const auto& v : g_.values()) {
      if (v->has_shape) storage_[v.get()] = {v->shape, identity_order(v->shape.size())};
    }
    for (Value* in : g_.inputs) {
      if (!options_.keep_nchw_input && in->has_shape && in->shape.size() == 4) {
        storage_[in].perm = kNhwc;
        ++changes_;
      }
    }
    std::vector<Node*> order;
    for (const auto& n : g_.nodes()) order.push_back(n.get());
    for (Node* node : order) MCONV_RETURN_IF_ERROR(rewrite(node));
    MCONV_RETURN_IF_ERROR(fix_outputs());
    apply_physical_shapes();
    remove_absorbed_transposes();
    MCONV_RETURN_IF_ERROR(g_.topological_sort());
    changes_ += layout::merge_reshape_chains(g_);
    g_.remove_dead();
    return PassResult{changes_};
  }

 private:
  // ---------------------------------------------------------------- storage bookkeeping
  bool known(Value* v) const { return v && storage_.count(v); }
  const Order& perm_of(Value* v) { return storage_.at(v).perm; }
  size_t rank_of(Value* v) const { return storage_.at(v).logical.size(); }
  void set_storage(Value* v, const Shape& logical, const Order& perm) {
    storage_[v] = {logical, perm};
  }
  // Output keeps the logical shape the source declared; it is stored in `perm`.
  void store_output(Value* out, const Order& perm) {
    if (!known(out)) return;
    if (perm.size() != rank_of(out)) {
      storage_[out].perm = identity_order(rank_of(out));
      return;
    }
    storage_[out].perm = perm;
  }

  // A value holding the same logical tensor as `v`, stored in order `target` (cached).
  Value* as_stored(Value* v, const Order& target) {
    if (!v || !known(v)) return v;
    const Storage st = storage_.at(v);
    if (st.perm == target) return v;
    auto key = std::make_pair(v, target);
    if (auto it = converted_.find(key); it != converted_.end()) return it->second;

    const Order t = layout::move_permutation(st.perm, target);  // new physical i = old t[i]
    const Shape old_phys = stored_shape(st.logical, st.perm);
    const Shape new_phys = stored_shape(st.logical, target);
    Value* out;
    if (v->is_constant()) {
      out = g_.add_constant(v->name + "_nhwc", layout::transpose_tensor(*v->constant, t));
    } else {
      out = g_.add_value(v->name + "_reordered", v->dtype, new_phys);
      // When the non-unit axes keep their sequence the move is a pure Reshape (no data moves).
      int last = -1;
      bool keeps_sequence = true;
      for (int axis : t) {
        if (is_unit(old_phys[axis])) continue;
        if (axis < last) keeps_sequence = false;
        last = axis;
      }
      auto target_dims = reshape_dims(new_phys);
      if (keeps_sequence && target_dims) {
        Value* shape = shape_constant(v->name + "_shape", *target_dims);
        g_.add_node(OpType::kReshape, v->name + "_to_reordered", {v, shape}, {out});
      } else {
        Node* tr = g_.add_node(OpType::kTranspose, v->name + "_transpose", {v}, {out});
        tr->attrs.set("perm", std::vector<int64_t>(t.begin(), t.end()));
      }
    }
    set_storage(out, st.logical, target);
    converted_[key] = out;
    ++changes_;
    return out;
  }

  Value* shape_constant(const std::string& name, const std::vector<int64_t>& dims) {
    return g_.add_constant(
        name, Tensor::FromVector(DType::kI64, {static_cast<int64_t>(dims.size())}, dims));
  }

  void use_stored(Node* node, size_t index, const Order& target) {
    Value* v = node->inputs[index];
    if (!known(v)) return;
    Value* w = as_stored(v, target);
    if (w != v) g_.set_input(node, index, w);
  }
  void use_logical_order(Node* node) {
    for (size_t i = 0; i < node->inputs.size(); ++i)
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
    for (Value* out : node->outputs)
      if (known(out)) storage_[out].perm = identity_order(rank_of(out));
  }

  // ---------------------------------------------------------------- per-op rewrites
  Status rewrite(Node* node) {
    const OpType op = node->op;
    if (op_info(op).layout_sensitive) return rewrite_layout_node(node);
    switch (op) {
      case OpType::kRelu:
      case OpType::kClip:
      case OpType::kLeakyRelu:
      case OpType::kHardSigmoid:
      case OpType::kHardSwish:
      case OpType::kSigmoid:
      case OpType::kTanh:
      case OpType::kSqrt:
      case OpType::kIdentity:
      case OpType::kDropout:
      case OpType::kCast:
        return follow_first_input(node);
      case OpType::kQuantizeLinear:
      case OpType::kDequantizeLinear:
        return rewrite_qdq(node);
      case OpType::kAdd:
      case OpType::kSub:
      case OpType::kMul:
      case OpType::kDiv:
      case OpType::kPow:
        return rewrite_broadcast(node, 0, node->inputs.size());
      case OpType::kConcat:
        return rewrite_concat(node);
      case OpType::kSplit:
        return rewrite_axis_attr(node, "axis", 0);
      case OpType::kSoftmax:
        return rewrite_axis_attr(node, "axis", -1);
      case OpType::kSlice:
        return rewrite_slice(node);
      case OpType::kReduceMean:
        return rewrite_reduce(node);
      case OpType::kTranspose:
        return absorb_transpose(node);
      case OpType::kPad:
        return rewrite_pad(node);
      case OpType::kGather:
        return rewrite_gather(node);
      case OpType::kReshape:
      case OpType::kFlatten:
      case OpType::kSqueeze:
      case OpType::kUnsqueeze:
        return rewrite_reshape_like(node);
      default:
        use_logical_order(node);
        return Status::Ok();
    }
  }

  Status rewrite_layout_node(Node* node) {
    Value* x = node->inputs[0];
    if (node->layout == ir::Layout::kNHWC) {  // already channels-last (e.g. from TFLite)
      use_logical_order(node);
      return Status::Ok();
    }
    if (!known(x)) {
      return Status::Error("node '" + node->name + "' (" + std::string(op_name(node->op)) +
                           "): input '" + (x ? x->name : std::string("?")) +
                           "' has no shape; run shape inference before rewrite_for_nhwc");
    }
    if (rank_of(x) != 4) {  // 1-D/3-D convs and pools keep their layout
      use_logical_order(node);
      return Status::Ok();
    }
    use_stored(node, 0, kNhwc);
    for (size_t i = 1; i < node->inputs.size(); ++i)
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
    node->layout = ir::Layout::kNHWC;
    for (Value* out : node->outputs) store_output(out, kNhwc);
    ++changes_;
    return Status::Ok();
  }

  Status follow_first_input(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x)) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    for (size_t i = 1; i < node->inputs.size(); ++i)  // Clip bounds, Dropout ratio: scalars
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
    for (Value* out : node->outputs) store_output(out, p);
    return Status::Ok();
  }

  Status rewrite_qdq(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x)) return follow_first_input(node);
    const Order p = perm_of(x);
    const bool per_axis =
        node->inputs[1] && node->inputs[1]->has_shape && !node->inputs[1]->shape.empty() &&
        !(node->inputs[1]->shape[0].known() && node->inputs[1]->shape[0].size == 1);
    if (per_axis) {
      const int axis = normalize_axis(node->attrs.get_int("axis", 1), p.size());
      node->attrs.set("axis", static_cast<int64_t>(inverse(p)[axis]));
    }
    return follow_first_input(node);
  }

  // Elementwise ops with numpy broadcasting: all operands move to the order of the first
  // full-rank operand that is not in logical order; lower-rank operands are first given leading
  // unit axes (constants are simply stored that way).
  Status rewrite_broadcast(Node* node, size_t first, size_t last) {
    Value* out = node->outputs[0];
    if (!known(out)) {
      use_logical_order(node);
      return Status::Ok();
    }
    const size_t rank = rank_of(out);
    std::optional<Order> target;
    for (size_t i = first; i < last; ++i) {
      Value* v = node->inputs[i];
      if (known(v) && !v->is_constant() && rank_of(v) == rank && !is_identity(perm_of(v))) {
        target = perm_of(v);
        break;
      }
    }
    if (!target) {
      use_logical_order(node);
      return Status::Ok();
    }
    for (size_t i = first; i < last; ++i) {
      Value* v = node->inputs[i];
      if (!known(v)) {
        return Status::Error("node '" + node->name + "' (" + std::string(op_name(node->op)) +
                             "): operand without shape in a channels-last region");
      }
      const Storage& st = storage_.at(v);
      int64_t elements = 1;
      bool all_known = true;
      for (const Dim& d : st.logical) {
        all_known = all_known && d.known();
        if (d.known()) elements *= d.size;
      }
      if (all_known && elements == 1) continue;  // a single value broadcasts in any order
      if (rank_of(v) < rank) g_.set_input(node, i, v = with_leading_units(v, rank));
      use_stored(node, i, *target);
    }
    store_output(out, *target);
    ++changes_;
    return Status::Ok();
  }

  // `v` (logical order) reshaped to `rank` axes by prepending unit axes.
  Value* with_leading_units(Value* v, size_t rank) {
    Shape logical = storage_.at(v).logical;
    Shape expanded(rank - logical.size(), Dim{1, ""});
    expanded.insert(expanded.end(), logical.begin(), logical.end());
    Value* base = as_stored(v, identity_order(logical.size()));
    Value* out;
    if (base->is_constant()) {
      Tensor data = *base->constant;
      std::vector<int64_t> dims = ir::static_dims(expanded);
      (void)data.reshape(dims);
      out = g_.add_constant(base->name + "_expanded", std::move(data));
    } else {
      out = g_.add_value(base->name + "_expanded", base->dtype, expanded);
      auto dims = reshape_dims(expanded);
      if (!dims) return v;
      g_.add_node(OpType::kReshape, base->name + "_expand",
                  {base, shape_constant(base->name + "_expand_shape", *dims)}, {out});
    }
    set_storage(out, expanded, identity_order(rank));
    ++changes_;
    return out;
  }

  Status rewrite_concat(Node* node) {
    Value* out = node->outputs[0];
    std::optional<Order> target;
    for (Value* v : node->inputs)
      if (known(v) && !v->is_constant() && !is_identity(perm_of(v))) {
        target = perm_of(v);
        break;
      }
    if (!target || !known(out) || target->size() != rank_of(out)) {
      use_logical_order(node);
      return Status::Ok();
    }
    for (size_t i = 0; i < node->inputs.size(); ++i) use_stored(node, i, *target);
    const int axis = normalize_axis(node->attrs.get_int("axis", 0), target->size());
    node->attrs.set("axis", static_cast<int64_t>(inverse(*target)[axis]));
    store_output(out, *target);
    ++changes_;
    return Status::Ok();
  }

  // Ops whose single axis attribute names a logical axis of input 0 (Split, Softmax).
  Status rewrite_axis_attr(Node* node, const char* attr, int64_t fallback) {
    Value* x = node->inputs[0];
    if (!known(x) || is_identity(perm_of(x))) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    const int axis = normalize_axis(node->attrs.get_int(attr, fallback), p.size());
    node->attrs.set(attr, static_cast<int64_t>(inverse(p)[axis]));
    for (size_t i = 1; i < node->inputs.size(); ++i)
      if (known(node->inputs[i])) use_stored(node, i, identity_order(rank_of(node->inputs[i])));
    for (Value* out : node->outputs) store_output(out, p);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_slice(Node* node) {
    Value* x = node->inputs[0];
    Value* axes = node->inputs.size() > 3 ? node->inputs[3] : nullptr;
    if (!known(x) || is_identity(perm_of(x)) || (axes && !axes->is_constant())) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    const Order inv = inverse(p);
    std::vector<int64_t> logical_axes;
    if (axes) {
      logical_axes = axes->constant->to_i64();
    } else {
      const int64_t n =
          node->inputs[1] && node->inputs[1]->has_shape && !node->inputs[1]->shape.empty()
              ? node->inputs[1]->shape[0].size
              : -1;
      if (n < 0) {
        use_logical_order(node);
        return Status::Ok();
      }
      logical_axes.resize(n);
      std::iota(logical_axes.begin(), logical_axes.end(), 0);
    }
    std::vector<int64_t> physical_axes;
    for (int64_t a : logical_axes) physical_axes.push_back(inv[normalize_axis(a, p.size())]);
    Value* new_axes = shape_constant(node->name + "_axes_nhwc", physical_axes);
    set_storage(new_axes, make_shape({static_cast<int64_t>(physical_axes.size())}), {0});
    g_.set_input(node, 3, new_axes);
    store_output(node->outputs[0], p);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_reduce(Node* node) {
    Value* x = node->inputs[0];
    if (!known(x) || is_identity(perm_of(x))) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    const Order inv = inverse(p);
    std::vector<int64_t> axes = node->attrs.get_ints("axes");
    if (axes.empty()) {
      axes.resize(p.size());
      std::iota(axes.begin(), axes.end(), 0);
    }
    std::vector<int64_t> physical;
    std::vector<bool> reduced(p.size(), false);
    for (int64_t a : axes) {
      const int la = normalize_axis(a, p.size());
      reduced[la] = true;
      physical.push_back(inv[la]);
    }
    std::sort(physical.begin(), physical.end());
    node->attrs.set("axes", physical);
    if (node->attrs.get_int("keepdims", 1) != 0) {
      store_output(node->outputs[0], p);
    } else {
      // Remaining physical axes, renumbered among the remaining logical ones.
      store_output(node->outputs[0], layout::without_reduced_axes(p, reduced));
    }
    ++changes_;
    return Status::Ok();
  }

  // A Transpose only relabels axes: its output keeps the input's storage (no data moves) and
  // records the new logical order. The node is dropped at the end.
  Status absorb_transpose(Node* node) {
    Value* x = node->inputs[0];
    Value* out = node->outputs[0];
    if (!known(x) || !known(out)) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    std::vector<int64_t> t = node->attrs.get_ints("perm");
    if (t.empty()) {
      for (size_t i = 0; i < p.size(); ++i) t.push_back(static_cast<int64_t>(p.size() - 1 - i));
    }
    store_output(out, layout::relabel_through_transpose(p, t));
    absorbed_.push_back(node);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_pad(Node* node) {
    Value* x = node->inputs[0];
    Value* pads = node->inputs[1];
    if (!known(x) || is_identity(perm_of(x)) || !pads || !pads->is_constant() ||
        (node->inputs.size() > 3 && node->inputs[3])) {  // explicit axes input: keep it simple
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    const std::vector<int64_t> logical = pads->constant->to_i64();
    const size_t r = p.size();
    if (logical.size() != 2 * r) {
      use_logical_order(node);
      return Status::Ok();
    }
    const std::vector<int64_t> physical = layout::stored_pads(logical, p);
    Value* new_pads = shape_constant(node->name + "_pads_nhwc", physical);
    set_storage(new_pads, make_shape({static_cast<int64_t>(2 * r)}), {0});
    g_.set_input(node, 1, new_pads);
    store_output(node->outputs[0], p);
    ++changes_;
    return Status::Ok();
  }

  Status rewrite_gather(Node* node) {
    Value* x = node->inputs[0];
    Value* indices = node->inputs[1];
    if (!known(x) || is_identity(perm_of(x)) || !known(indices) || rank_of(indices) > 1) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Order p = perm_of(x);
    const int axis = normalize_axis(node->attrs.get_int("axis", 0), p.size());
    node->attrs.set("axis", static_cast<int64_t>(inverse(p)[axis]));
    if (rank_of(indices) == 1) {
      store_output(node->outputs[0], p);  // the gathered axis keeps its place
    } else {
      // scalar index: the axis disappears
      store_output(node->outputs[0], layout::without_axis(p, axis));
    }
    ++changes_;
    return Status::Ok();
  }

  // Reshape, Flatten, Squeeze, Unsqueeze: a reshape of the logical tensor. It stays a reshape of
  // the stored tensor when every group of merged/split logical axes is stored contiguously and in
  // order; the groups then keep their stored sequence.
  Status rewrite_reshape_like(Node* node) {
    Value* x = node->inputs[0];
    Value* out = node->outputs[0];
    if (!known(x) || !known(out) || is_identity(perm_of(x))) {
      use_logical_order(node);
      return Status::Ok();
    }
    const Shape& in_logical = storage_.at(x).logical;
    const Shape& out_logical = storage_.at(out).logical;
    const std::optional<std::vector<AxisGroup>> groups =
        layout::match_reshape_axes(in_logical, out_logical);
    std::optional<Order> out_perm;
    if (groups) out_perm = output_storage(*groups, in_logical, perm_of(x), out_logical);
    if (groups && !out_perm && flatten_into_weights(node, *groups, in_logical, out_logical)) {
      out_perm = identity_order(out_logical.size());  // rows of the weights were reordered instead
    }
    if (groups && !out_perm) {
      // Data has to move. Move it once, into the order that gives the output the storage its
      // readers prefer (NHWC for rank 4): e.g. a channel shuffle costs one Transpose, like the
      // source's own.
      const Order preferred = out_logical.size() == 4 ? kNhwc : identity_order(out_logical.size());
      if (auto in_perm = input_storage_for(*groups, in_logical, out_logical, preferred)) {
        use_stored(node, 0, *in_perm);
        x = node->inputs[0];
        out_perm = output_storage(*groups, in_logical, *in_perm, out_logical);
      }
    }
    std::optional<std::vector<int64_t>> dims;
    if (out_perm) dims = reshape_dims(stored_shape(out_logical, *out_perm));
    if (!out_perm || !dims) {
      use_logical_order(node);  // the input is restored to logical order
      return Status::Ok();
    }
    // Rewrite as a Reshape of the stored tensor.
    Value* shape = shape_constant(node->name + "_shape_nhwc", *dims);
    set_storage(shape, make_shape({static_cast<int64_t>(dims->size())}), {0});
    for (size_t i = node->inputs.size(); i-- > 1;) g_.set_input(node, i, nullptr);
    node->inputs.resize(1);
    node->op = OpType::kReshape;
    node->attrs = ir::Attributes();
    g_.set_input(node, 1, shape);
    store_output(out, *out_perm);
    ++changes_;
    return Status::Ok();
  }

  // A Flatten to [N, K] read only by Gemm/MatMul with constant weights needs no data movement:
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
    // non-unit input axes in storage order
    const std::vector<int> stored = non_unit_sequence(perm_of(x), in_logical);
    const size_t k_axes = k_group->in.size();
    if (stored.size() < k_axes) return false;
    std::vector<int> k_stored(stored.end() - k_axes, stored.end());
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
      Value* weights = g_.add_constant(reader->inputs[1]->name + "_nhwc", std::move(reordered));
      g_.set_input(reader, 1, weights);
    }
    ++changes_;
    return true;
  }

  // Completes a sequence of non-unit axes into a permutation: unit axes go to their logical
  // place when the sequence is sorted, otherwise each right after its logical predecessor.
  static Order with_unit_axes(const std::vector<int>& sequence, const Shape& logical) {
    const int rank = static_cast<int>(logical.size());
    if (std::is_sorted(sequence.begin(), sequence.end())) return identity_order(rank);
    Order perm(sequence.begin(), sequence.end());
    for (int a = 0; a < rank; ++a) {
      if (!is_unit(logical[a])) continue;
      if (a == 0) {
        perm.insert(perm.begin(), 0);
      } else {
        auto prev = std::find(perm.begin(), perm.end(), a - 1);
        perm.insert(prev + 1, a);
      }
    }
    return perm;
  }

  // Storage of the output when the reshape can run on the input stored in `in_perm`: every
  // group stored contiguously and in logical order; the groups keep their stored sequence.
  static std::optional<Order> output_storage(const std::vector<AxisGroup>& groups,
                                             const Shape& in_logical, const Order& in_perm,
                                             const Shape& out_logical) {
    const auto out_sequence =
        layout::map_sequence(groups, non_unit_sequence(in_perm, in_logical), true);
    if (!out_sequence) return std::nullopt;
    return with_unit_axes(*out_sequence, out_logical);
  }

  // The input storage that lets the reshape produce the output stored in `out_perm`, if any.
  static std::optional<Order> input_storage_for(const std::vector<AxisGroup>& groups,
                                                const Shape& in_logical, const Shape& out_logical,
                                                const Order& out_perm) {
    const auto in_sequence =
        layout::map_sequence(groups, non_unit_sequence(out_perm, out_logical), false);
    if (!in_sequence) return std::nullopt;
    return with_unit_axes(*in_sequence, in_logical);
  }

  // ---------------------------------------------------------------- finishing
  // Graph outputs go back to logical order, except rank-4 NHWC ones (unless asked). The producer
  // keeps writing under a new name; the output value (and its name) is written by the move.
  Status fix_outputs() {
    for (Value*& out : g_.outputs) {
      if (!known(out)) continue;
      const Order p = perm_of(out);
      if (is_identity(p)) continue;
      if (!options_.keep_nchw_outputs && p == kNhwc) continue;
      Node* producer = out->producer;
      Value* stored = g_.add_value(out->name + "_stored", out->dtype, out->shape);
      set_storage(stored, storage_.at(out).logical, p);
      if (producer) {
        for (Value*& o : producer->outputs)
          if (o == out) o = stored;
        stored->producer = producer;
        out->producer = nullptr;
      }
      std::vector<Node*> readers = out->consumers;
      for (Node* r : readers)
        for (size_t i = 0; i < r->inputs.size(); ++i)
          if (r->inputs[i] == out) g_.set_input(r, i, stored);
      Value* moved = as_stored(stored, identity_order(p.size()));
      Node* mover = moved->producer;
      if (!mover) continue;
      // Let the mover write `out` itself so that the output keeps its name.
      for (Value*& o : mover->outputs)
        if (o == moved) o = out;
      out->producer = mover;
      moved->producer = nullptr;
      storage_[out].perm = identity_order(p.size());
      converted_.erase({stored, identity_order(p.size())});
      ++changes_;
    }
    return Status::Ok();
  }

  void apply_physical_shapes() {
    for (auto& [v, st] : storage_) v->shape = stored_shape(st.logical, st.perm);
  }

  // Readers of an absorbed Transpose read its input instead (same stored data).
  void remove_absorbed_transposes() {
    for (Node* node : absorbed_) {
      Value* in = node->inputs[0];
      Value* out = node->outputs[0];
      const bool is_output =
          std::find(g_.outputs.begin(), g_.outputs.end(), out) != g_.outputs.end();
      if (is_output) {
        // Keep a node writing the named output: a Reshape to the same stored shape.
        auto dims = reshape_dims(out->shape);
        if (!dims) continue;
        g_.set_input(node, 0, in);
        node->op = OpType::kReshape;
        node->attrs = ir::Attributes();
        g_.set_input(node, 1, shape_constant(node->name + "_shape", *dims));
        continue;
      }
      g_.remove_node(node);
      g_.replace_all_uses(out, in);
    }
  }

  ir::Graph& g_;
  NhwcOptions options_;
  std::unordered_map<Value*, Storage> storage_;           // logical frame of every shaped value
  std::map<std::pair<Value*, Order>, Value*> converted_;  // cached re-stored copies
  std::vector<Node*> absorbed_;                           // Transposes turned into relabelings
  int changes_ = 0;
};

}  // namespace

Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph, const NhwcOptions& options) {
  return NhwcRewriter(graph, options).run();
}

Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph) {
  return rewrite_for_nhwc(graph, NhwcOptions{});
}

}  // namespace mconv::passes
