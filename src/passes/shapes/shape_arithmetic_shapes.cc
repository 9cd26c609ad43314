// Ops that read or build shapes and reductions: Shape, ConstantOfShape, ReduceMean.
#include <algorithm>

#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {

Status infer_Shape(ShapeContext& ctx) {
  if (!ctx.has_shape(0)) {
    ctx.set_output(0, DType::kI64, unknown_shape(1));
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  // Opset 15 start/end: negative counts from the back, both clamped into [0, rank].
  int64_t start = ctx.attrs().get_int("start", 0);
  int64_t end = ctx.attrs().get_int("end", rank);
  if (start < 0) start = std::max<int64_t>(start + rank, 0);
  if (end < 0) end = std::max<int64_t>(end + rank, 0);
  start = std::min(start, rank);
  end = std::min(end, rank);
  int64_t length = std::max<int64_t>(end - start, 0);
  ctx.set_output(0, DType::kI64, {known_dim(length)});
  KnownInts contents;
  for (int64_t i = start; i < start + length; ++i) contents.push_back(known_from_dim(in[i]));
  ctx.set_output_known(0, std::move(contents));
  return Status::Ok();
}

Status infer_ConstantOfShape(ShapeContext& ctx) {
  const Tensor* value = ctx.attrs().get_tensor("value");
  DType dtype = value ? value->dtype() : DType::kF32;
  if (value && value->element_count() != 1)
    return ctx.error("attribute 'value' must hold one element, has " +
                     std::to_string(value->element_count()));
  MCONV_ASSIGN_OR_RETURN(auto unused, ctx.ints(0, "shape"));
  (void)unused;
  const KnownInts* dims = ctx.known(0);
  if (!dims) {
    if (ctx.has_shape(0) && ctx.rank(0) == 1 && ctx.shape(0)[0].known() &&
        ctx.shape(0)[0].size <= kMaxRank) {
      ctx.set_output(0, dtype, unknown_shape(static_cast<int>(ctx.shape(0)[0].size)));
    } else {
      ctx.set_output_rank_unknown(0, dtype);
    }
    return Status::Ok();
  }
  if (static_cast<int64_t>(dims->size()) > kMaxRank)
    return ctx.error("shape has " + std::to_string(dims->size()) + " dims, more than " +
                     std::to_string(kMaxRank));
  ir::Shape out;
  for (const KnownInt& d : *dims) {
    if (d.known && d.value < 0)
      return ctx.error("shape has negative dim " + std::to_string(d.value));
    out.push_back(dim_from_known(d));
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

Status infer_ReduceMean(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  // Canonical IR: axes attribute; opset-18 style axes input accepted when constant.
  std::optional<std::vector<int64_t>> axes = ctx.attrs().get_ints("axes");
  if (ctx.has_input(1)) {
    MCONV_ASSIGN_OR_RETURN(axes, ctx.ints(1, "axes"));
  }
  if (!ctx.has_shape(0) || !axes) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  bool noop_when_empty = ctx.attrs().get_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> reduced(rank, axes->empty() && !noop_when_empty);
  for (int64_t a : *axes) {
    MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(a, rank, "axis"));
    if (reduced[axis]) return ctx.error("axes " + dims_string(*axes) + " repeat an axis");
    reduced[axis] = true;
  }
  ir::Shape out;
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) {
      out.push_back(in[i]);
    } else if (keepdims) {
      out.push_back(known_dim(1));
    }
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
