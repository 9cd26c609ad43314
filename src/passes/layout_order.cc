#include "passes/layout_order.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <numeric>
#include <utility>

namespace mconv::passes::layout {

Order identity_order(size_t rank) {
  Order order(rank);
  std::iota(order.begin(), order.end(), 0);
  return order;
}

bool is_identity(const Order& order) {
  for (size_t i = 0; i < order.size(); ++i)
    if (order[i] != static_cast<int>(i)) return false;
  return true;
}

Order inverse(const Order& order) {
  Order inv(order.size());
  for (size_t i = 0; i < order.size(); ++i) inv[order[i]] = static_cast<int>(i);
  return inv;
}

int normalize_axis(int64_t axis, size_t rank) {
  return static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
}

bool is_unit(const ir::Dim& d) {
  return d.known() && d.size == 1;
}

ir::Shape stored_shape(const ir::Shape& logical, const Order& order) {
  ir::Shape out(order.size());
  for (size_t i = 0; i < order.size(); ++i) out[i] = logical[order[i]];
  return out;
}

std::vector<int> non_unit_sequence(const Order& order, const ir::Shape& logical) {
  std::vector<int> seq;
  for (int axis : order)
    if (!is_unit(logical[axis])) seq.push_back(axis);
  return seq;
}

Order move_permutation(const Order& from, const Order& to) {
  const Order old_position = inverse(from);
  Order perm(to.size());
  for (size_t i = 0; i < to.size(); ++i) perm[i] = old_position[to[i]];
  return perm;
}

Tensor transpose_tensor(const Tensor& in, const Order& perm) {
  const int rank = in.rank();
  std::vector<int64_t> out_dims(rank), in_strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * in.dim(i + 1);
  for (int i = 0; i < rank; ++i) out_dims[i] = in.dim(perm[i]);
  Tensor out(in.dtype(), out_dims);
  const size_t elem = dtype_size(in.dtype());
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0, count = in.element_count(); n < count; ++n) {
    int64_t src = 0;
    for (int i = 0; i < rank; ++i) src += index[i] * in_strides[perm[i]];
    std::memcpy(out.raw() + n * elem, in.raw() + src * elem, elem);
    for (int i = rank - 1; i >= 0; --i) {
      if (++index[i] < out_dims[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

std::optional<std::vector<int64_t>> reshape_dims(const ir::Shape& shape) {
  std::vector<int64_t> dims;
  int unknown = 0;
  for (const ir::Dim& d : shape) {
    dims.push_back(d.known() ? d.size : -1);
    unknown += d.known() ? 0 : 1;
  }
  if (unknown > 1) return std::nullopt;
  return dims;
}

Order relabel_through_transpose(const Order& order, const std::vector<int64_t>& perm) {
  Order output_axis_of(perm.size());  // input logical axis -> output logical axis
  for (size_t j = 0; j < perm.size(); ++j) output_axis_of[perm[j]] = static_cast<int>(j);
  Order out(order.size());
  for (size_t i = 0; i < order.size(); ++i) out[i] = output_axis_of[order[i]];
  return out;
}

Order without_axis(const Order& order, int axis) {
  Order out;
  for (int a : order)
    if (a != axis) out.push_back(a > axis ? a - 1 : a);
  return out;
}

Order without_reduced_axes(const Order& order, const std::vector<bool>& reduced) {
  std::vector<int> renumbered(order.size(), -1);
  int next = 0;
  for (size_t a = 0; a < order.size(); ++a)
    if (!reduced[a]) renumbered[a] = next++;
  Order out;
  for (int axis : order)
    if (!reduced[axis]) out.push_back(renumbered[axis]);
  return out;
}

std::vector<int64_t> stored_pads(const std::vector<int64_t>& logical_pads, const Order& order) {
  const size_t rank = order.size();
  std::vector<int64_t> stored(2 * rank);
  for (size_t i = 0; i < rank; ++i) {
    stored[i] = logical_pads[order[i]];                // begin
    stored[rank + i] = logical_pads[rank + order[i]];  // end
  }
  return stored;
}

std::optional<std::vector<AxisGroup>> match_reshape_axes(const ir::Shape& in,
                                                         const ir::Shape& out) {
  const std::vector<int> a = non_unit_sequence(identity_order(in.size()), in);
  const std::vector<int> b = non_unit_sequence(identity_order(out.size()), out);
  std::vector<AxisGroup> groups;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    AxisGroup group{{a[i]}, {b[j]}};
    const ir::Dim& da = in[a[i++]];
    const ir::Dim& db = out[b[j++]];
    if (!da.known() || !db.known()) {
      if (da.known() != db.known()) return std::nullopt;
      groups.push_back(std::move(group));
      continue;
    }
    int64_t pa = da.size, pb = db.size;
    while (pa != pb) {
      if (pa < pb) {
        if (i == a.size() || !in[a[i]].known()) return std::nullopt;
        pa *= in[a[i]].size;
        group.in.push_back(a[i++]);
      } else {
        if (j == b.size() || !out[b[j]].known()) return std::nullopt;
        pb *= out[b[j]].size;
        group.out.push_back(b[j++]);
      }
    }
    groups.push_back(std::move(group));
  }
  if (i != a.size() || j != b.size()) return std::nullopt;
  return groups;
}

std::optional<std::vector<int>> map_sequence(const std::vector<AxisGroup>& groups,
                                             const std::vector<int>& stored, bool from_in) {
  std::vector<int> mapped;
  size_t pos = 0;
  while (pos < stored.size()) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const AxisGroup& g) {
      return (from_in ? g.in : g.out).front() == stored[pos];
    });
    if (group == groups.end()) return std::nullopt;
    const std::vector<int>& run = from_in ? group->in : group->out;
    if (pos + run.size() > stored.size() ||
        !std::equal(run.begin(), run.end(), stored.begin() + static_cast<std::ptrdiff_t>(pos)))
      return std::nullopt;
    pos += run.size();
    const std::vector<int>& other = from_in ? group->out : group->in;
    mapped.insert(mapped.end(), other.begin(), other.end());
  }
  return mapped;
}

int merge_reshape_chains(ir::Graph& graph) {
  int merged = 0;
  std::vector<ir::Node*> nodes;
  for (const auto& n : graph.nodes()) nodes.push_back(n.get());
  for (ir::Node* node : nodes) {
    if (node->op != ir::OpType::kReshape) continue;
    ir::Value* mid = node->inputs[0];
    ir::Node* inner = mid ? mid->producer : nullptr;
    if (!inner || inner->op != ir::OpType::kReshape || mid->consumers.size() != 1) continue;
    if (std::find(graph.outputs.begin(), graph.outputs.end(), mid) != graph.outputs.end()) continue;
    graph.set_input(node, 0, inner->inputs[0]);
    ++merged;
  }
  return merged;
}

}  // namespace mconv::passes::layout
