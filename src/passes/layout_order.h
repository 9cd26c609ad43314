// Storage-order machinery shared by the layout passes (rewrite_for_nchw, rewrite_for_nhwc): a
// value keeps its source ("logical") shape and is stored with its axes permuted by an Order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::passes::layout {

// A storage order: stored axis i holds logical axis order[i].
using Order = std::vector<int>;

// The order that stores every axis in its logical place.
Order identity_order(size_t rank);

// True when `order` stores every axis in its logical place.
bool is_identity(const Order& order);

// inverse(order)[logical axis] = the stored axis holding it.
Order inverse(const Order& order);

// A possibly negative ONNX axis made non-negative for a tensor of `rank` axes.
int normalize_axis(int64_t axis, size_t rank);

// Unknown dims may be anything, so only a known 1 is a unit axis.
bool is_unit(const ir::Dim& d);

// The shape of `logical` stored in `order`.
ir::Shape stored_shape(const ir::Shape& logical, const Order& order);

// The non-unit logical axes in the sequence `order` stores them.
std::vector<int> non_unit_sequence(const Order& order, const ir::Shape& logical);

// The Transpose perm that turns storage `from` into storage `to` (new stored axis i = old stored
// axis perm[i]).
Order move_permutation(const Order& from, const Order& to);

// Dense transpose with ONNX semantics: out.shape[i] = in.shape[perm[i]].
Tensor transpose_tensor(const Tensor& in, const Order& perm);

// A Reshape target for `shape`: unknown dims as -1, refused when more than one is unknown.
std::optional<std::vector<int64_t>> reshape_dims(const ir::Shape& shape);

// The storage of a Transpose(perm) output whose input is stored in `order`: the same stored
// data, its axes relabelled (perm as given by ONNX: output axis j = input axis perm[j]).
Order relabel_through_transpose(const Order& order, const std::vector<int64_t>& perm);

// `order` with logical axis `axis` removed and the axes after it renumbered (a scalar Gather).
Order without_axis(const Order& order, int axis);

// `order` with the `reduced` logical axes removed, the kept ones renumbered among themselves
// (a ReduceMean with keepdims=0).
Order without_reduced_axes(const Order& order, const std::vector<bool>& reduced);

// ONNX pads [begins..., ends...] of the logical axes rearranged for the axes stored in `order`.
std::vector<int64_t> stored_pads(const std::vector<int64_t>& logical_pads, const Order& order);

// Logical input axes whose elements a reshape turns into a run of logical output axes.
struct AxisGroup {
  std::vector<int> in;   // input axes, increasing
  std::vector<int> out;  // output axes, increasing
};

// The groups of a reshape from `in` to `out`: the non-unit axes of both sides, matched in order
// by equal element products; an unknown dim only matches a single unknown dim (the batch).
std::optional<std::vector<AxisGroup>> match_reshape_axes(const ir::Shape& in, const ir::Shape& out);

// Maps the stored sequence of one side's non-unit axes through the groups to the other side:
// every group must appear as one contiguous, increasing run. `from_in` says which side `stored`
// belongs to.
std::optional<std::vector<int>> map_sequence(const std::vector<AxisGroup>& groups,
                                             const std::vector<int>& stored, bool from_in);

// Reshape(Reshape(x)) -> Reshape(x) when the inner result has no other reader and is no graph
// output; returns how many Reshapes were rewired.
int merge_reshape_chains(ir::Graph& graph);

}  // namespace mconv::passes::layout
