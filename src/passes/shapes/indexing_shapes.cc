// Ops that select or assemble parts of tensors: Concat, Split, Slice, Gather, Pad. They read
// their constant index inputs, and propagate tracked contents of small integer vectors so that
// Shape -> Gather/Slice -> Concat chains keep their (symbolic) values.
#include <algorithm>
#include <limits>

#include "ir/op_attributes.h"
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {

Status infer_Concat(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  int n = ctx.input_count();
  int known_rank = -1;
  for (int i = 0; i < n; ++i) {
    if (!ctx.has_input(i)) return ctx.error("input " + std::to_string(i) + " is missing");
    if (ctx.dtype(i) != DType::kUndefined && dtype != DType::kUndefined && ctx.dtype(i) != dtype)
      return ctx.error("input " + std::to_string(i) + " has dtype " +
                       std::string(dtype_name(ctx.dtype(i))) + ", input 0 has " +
                       std::string(dtype_name(dtype)));
    if (!ctx.has_shape(i)) continue;
    if (known_rank >= 0 && ctx.rank(i) != known_rank)
      return ctx.error("inputs have ranks " + std::to_string(known_rank) + " and " +
                       std::to_string(ctx.rank(i)));
    known_rank = ctx.rank(i);
  }
  if (known_rank < 0) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  if (known_rank == 0) return ctx.error("cannot concatenate scalars");
  MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(ir::axis_attribute(ctx.node()), known_rank, "axis"));
  ir::Shape out = unknown_shape(known_rank);
  bool first = true;
  bool all_shapes = true;
  int64_t axis_total = 0;
  bool axis_known = true;
  for (int i = 0; i < n; ++i) {
    if (!ctx.has_shape(i)) {
      all_shapes = false;
      continue;
    }
    const ir::Shape& s = ctx.shape(i);
    for (int d = 0; d < known_rank; ++d) {
      if (d == axis) continue;
      if (first) {
        out[d] = s[d];
      } else if (!merge_dims(out[d], s[d], &out[d])) {
        return ctx.error("input " + std::to_string(i) + " shape " + ir::shape_string(s) +
                         " differs from the others outside axis " + std::to_string(axis));
      }
    }
    first = false;
    if (!s[axis].known()) {
      axis_known = false;
    } else if (!checked_add(axis_total, s[axis].size, &axis_total)) {
      return ctx.error("concatenated dim overflows int64");
    }
  }
  out[axis] = all_shapes && axis_known ? known_dim(axis_total) : unknown_dim();
  if (all_shapes && axis_known && n == 1) out[axis] = ctx.shape(0)[axis];
  ctx.set_output(0, dtype, std::move(out));

  if (known_rank == 1) {
    KnownInts joined;
    for (int i = 0; i < n; ++i) {
      const KnownInts* k = ctx.known(i);
      if (!k) return Status::Ok();
      joined.insert(joined.end(), k->begin(), k->end());
    }
    ctx.set_output_known(0, std::move(joined));
  }
  return Status::Ok();
}

Status infer_Split(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  int outputs = ctx.output_count();
  if (outputs < 1) return ctx.error("has no outputs");
  if (!ctx.has_shape(0)) {
    for (int i = 0; i < outputs; ++i) ctx.set_output_rank_unknown(i, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  if (in.empty()) return ctx.error("cannot split a scalar");
  MCONV_ASSIGN_OR_RETURN(
      int axis, ctx.axis(ir::axis_attribute(ctx.node()), static_cast<int>(in.size()), "axis"));
  const ir::Dim& dim = in[axis];
  std::optional<std::vector<int64_t>> sizes;
  if (ctx.has_input(1)) {
    MCONV_ASSIGN_OR_RETURN(sizes, ctx.ints(1, "split"));
  } else if (ctx.attrs().has("split")) {
    sizes = ctx.attrs().get_ints("split");
  } else if (dim.known()) {
    // Equal parts; a smaller last part when the dim does not divide (opset 18 num_outputs rule).
    int64_t part = dim.size / outputs + (dim.size % outputs != 0 ? 1 : 0);
    sizes.emplace();
    int64_t left = dim.size;
    for (int i = 0; i < outputs; ++i) {
      int64_t take = std::min(part, left);
      sizes->push_back(take);
      left -= take;
    }
  }
  if (sizes) {
    if (static_cast<int>(sizes->size()) != outputs)
      return ctx.error("split sizes " + dims_string(*sizes) + " do not match " +
                       std::to_string(outputs) + " outputs");
    int64_t total = 0;
    for (int64_t s : *sizes) {
      if (s < 0) return ctx.error("split sizes " + dims_string(*sizes) + " are negative");
      if (!checked_add(total, s, &total)) return ctx.error("split sizes overflow int64");
    }
    if (dim.known() && total != dim.size)
      return ctx.error("split sizes " + dims_string(*sizes) + " sum to " + std::to_string(total) +
                       " but the split dim is " + std::to_string(dim.size));
  }
  for (int i = 0; i < outputs; ++i) {
    ir::Shape out = in;
    out[axis] = sizes ? known_dim((*sizes)[i]) : unknown_dim();
    ctx.set_output(i, dtype, std::move(out));
  }
  return Status::Ok();
}

namespace {

// ONNX Slice: clamps start/end into the dim and returns the number of selected elements.
int64_t slice_length(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return 0;
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end <= start) return 0;
    int64_t span = end - start;
    return span / step + (span % step != 0 ? 1 : 0);
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  if (start <= end) return 0;
  int64_t span = start - end;
  // step is negative and > INT64_MIN here (checked by the caller).
  int64_t stride = -step;
  return span / stride + (span % stride != 0 ? 1 : 0);
}

// Normalized first index of a slice (for tracked contents); same clamping as slice_length.
int64_t slice_first(int64_t dim, int64_t start, int64_t step) {
  if (dim == 0) return 0;
  if (start < 0) start += dim;
  return step > 0 ? std::clamp<int64_t>(start, 0, dim) : std::clamp<int64_t>(start, 0, dim - 1);
}

}  // namespace

Status infer_Slice(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  MCONV_ASSIGN_OR_RETURN(auto starts, ctx.ints(1, "starts"));
  MCONV_ASSIGN_OR_RETURN(auto ends, ctx.ints(2, "ends"));
  std::optional<std::vector<int64_t>> axes, steps;
  if (ctx.has_input(3)) {
    MCONV_ASSIGN_OR_RETURN(axes, ctx.ints(3, "axes"));
  }
  if (ctx.has_input(4)) {
    MCONV_ASSIGN_OR_RETURN(steps, ctx.ints(4, "steps"));
  }
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  bool axes_known = !ctx.has_input(3) || axes.has_value();
  if (!starts || !ends || !axes_known || (ctx.has_input(4) && !steps)) {
    // Values unknown: only the sliced axes (if known) lose their size.
    ir::Shape out = in;
    if (axes && axes_known && ctx.has_input(3)) {
      for (int64_t a : *axes) {
        MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(a, rank, "axis"));
        out[axis] = unknown_dim();
      }
    } else {
      out = unknown_shape(rank);
    }
    ctx.set_output(0, dtype, std::move(out));
    return Status::Ok();
  }
  size_t n = starts->size();
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < n; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = std::vector<int64_t>(n, 1);
  if (ends->size() != n || axes->size() != n || steps->size() != n)
    return ctx.error("starts/ends/axes/steps lengths differ (" + std::to_string(n) + ", " +
                     std::to_string(ends->size()) + ", " + std::to_string(axes->size()) + ", " +
                     std::to_string(steps->size()) + ")");
  ir::Shape out = in;
  std::vector<bool> seen(rank, false);
  struct Cut {
    int axis;
    int64_t first, step, length;
  };
  std::vector<Cut> cuts;
  for (size_t i = 0; i < n; ++i) {
    MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis((*axes)[i], rank, "axis"));
    if (seen[axis]) return ctx.error("axes " + dims_string(*axes) + " repeat an axis");
    seen[axis] = true;
    int64_t start = (*starts)[i], end = (*ends)[i], step = (*steps)[i];
    if (step == 0) return ctx.error("step is 0");
    if (step == std::numeric_limits<int64_t>::min()) return ctx.error("step is out of range");
    if (!in[axis].known()) {
      // Whole-axis slices keep the (symbolic) dim.
      bool whole = step == 1 && start == 0 && end >= std::numeric_limits<int32_t>::max();
      if (!whole) out[axis] = unknown_dim();
      continue;
    }
    int64_t length = slice_length(in[axis].size, start, end, step);
    out[axis] = known_dim(length);
    cuts.push_back(Cut{axis, slice_first(in[axis].size, start, step), step, length});
  }
  ctx.set_output(0, dtype, std::move(out));
  const KnownInts* k = ctx.known(0);
  if (rank == 1 && k && cuts.size() == 1) {
    KnownInts picked;
    for (int64_t j = 0, at = cuts[0].first; j < cuts[0].length; ++j, at += cuts[0].step) {
      if (at < 0 || at >= static_cast<int64_t>(k->size())) return Status::Ok();
      picked.push_back((*k)[at]);
    }
    ctx.set_output_known(0, std::move(picked));
  } else if (rank == 1 && k && n == 0) {
    ctx.set_output_known(0, *k);
  }
  return Status::Ok();
}

Status infer_Gather(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0) || !ctx.has_shape(1)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& data = ctx.shape(0);
  const ir::Shape& indices = ctx.shape(1);
  if (data.empty()) return ctx.error("cannot gather from a scalar");
  int rank = static_cast<int>(data.size());
  MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(ir::axis_attribute(ctx.node()), rank, "axis"));
  int64_t out_rank = rank - 1 + static_cast<int64_t>(indices.size());
  if (out_rank > kMaxRank)
    return ctx.error("output rank " + std::to_string(out_rank) + " exceeds " +
                     std::to_string(kMaxRank));
  MCONV_ASSIGN_OR_RETURN(auto index_values, ctx.ints(1, "indices"));
  if (index_values && data[axis].known()) {
    for (int64_t i : *index_values)
      if (i < -data[axis].size || i >= data[axis].size)
        return ctx.error("index " + std::to_string(i) + " is out of range for dim " +
                         std::to_string(data[axis].size) + " of " + ir::shape_string(data));
  }
  ir::Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  ctx.set_output(0, dtype, std::move(out));

  const KnownInts* k = ctx.known(0);
  if (rank == 1 && k && index_values && indices.size() <= 1) {
    KnownInts picked;
    const int64_t size = static_cast<int64_t>(k->size());
    for (int64_t i : *index_values) {
      int64_t at = i < 0 ? i + size : i;
      if (at < 0 || at >= size) return ctx.error("index " + std::to_string(i) + " is out of range");
      picked.push_back((*k)[at]);
    }
    ctx.set_output_known(0, std::move(picked));
  }
  return Status::Ok();
}

Status infer_Pad(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  std::string mode = ctx.attrs().get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return ctx.error("unknown mode '" + mode + "'");
  MCONV_ASSIGN_OR_RETURN(auto pads, ctx.ints(1, "pads"));
  std::optional<std::vector<int64_t>> axes;
  if (ctx.has_input(3)) {
    MCONV_ASSIGN_OR_RETURN(axes, ctx.ints(3, "axes"));
  }
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  if (!pads || (ctx.has_input(3) && !axes)) {
    ctx.set_output(0, dtype, unknown_shape(rank));
    return Status::Ok();
  }
  std::vector<int> pad_axes;
  if (axes) {
    for (int64_t a : *axes) {
      MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(a, rank, "axis"));
      if (std::find(pad_axes.begin(), pad_axes.end(), axis) != pad_axes.end())
        return ctx.error("axes " + dims_string(*axes) + " repeat an axis");
      pad_axes.push_back(axis);
    }
  } else {
    for (int i = 0; i < rank; ++i) pad_axes.push_back(i);
  }
  size_t n = pad_axes.size();
  if (pads->size() != 2 * n)
    return ctx.error("pads " + dims_string(*pads) + " has " + std::to_string(pads->size()) +
                     " entries, expected " + std::to_string(2 * n));
  ir::Shape out = in;
  for (size_t i = 0; i < n; ++i) {
    ir::Dim& d = out[pad_axes[i]];
    int64_t begin = (*pads)[i], end = (*pads)[i + n];
    if (!d.known()) {
      if (begin != 0 || end != 0) d = unknown_dim();
      continue;
    }
    int64_t size;
    if (!checked_add(d.size, begin, &size) || !checked_add(size, end, &size))
      return ctx.error("padded size overflows int64");
    if (size < 0)
      return ctx.error("pads " + dims_string(*pads) + " crop dim " + std::to_string(pad_axes[i]) +
                       " of " + ir::shape_string(in) + " below zero");
    if (mode == "reflect" && (begin >= d.size || end >= d.size) && (begin > 0 || end > 0))
      return ctx.error(mode + " padding " + dims_string(*pads) + " is not smaller than dim " +
                       std::to_string(d.size));
    d = known_dim(size);
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
