// QuantizeLinear / DequantizeLinear: shape of the input; the element type comes from the zero
// point (quantize, uint8 when absent as in ONNX) or the scale (dequantize).
#include "ir/op_attributes.h"
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {
namespace {

// Scale/zero-point must be scalars (per tensor) or 1-D of the axis' size (per channel).
Status check_quant_params(ShapeContext& ctx) {
  if (!ctx.has_shape(0)) return Status::Ok();
  const ir::Shape& x = ctx.shape(0);
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.has_shape(i)) continue;
    const ir::Shape& p = ctx.shape(i);
    const char* what = i == 1 ? "scale" : "zero point";
    if (p.empty() || (p.size() == 1 && p[0].known() && p[0].size == 1)) continue;
    if (p.size() != 1)
      return ctx.error(std::string(what) + " shape " + ir::shape_string(p) + " must be 1-D");
    if (x.empty()) return ctx.error(std::string(what) + " is per-axis on a scalar");
    MCONV_ASSIGN_OR_RETURN(
        int axis, ctx.axis(ir::axis_attribute(ctx.node()), static_cast<int>(x.size()), "axis"));
    ir::Dim merged;
    if (!merge_dims(p[0], x[axis], &merged))
      return ctx.error(std::string(what) + " has " + std::to_string(p[0].size) +
                       " entries but axis " + std::to_string(axis) + " of " + ir::shape_string(x) +
                       " has " + std::to_string(x[axis].size));
  }
  return Status::Ok();
}

Status quant_output(ShapeContext& ctx, DType dtype) {
  MCONV_RETURN_IF_ERROR(check_quant_params(ctx));
  if (ctx.has_shape(0)) {
    ctx.set_output(0, dtype, ctx.shape(0));
  } else {
    ctx.set_output_rank_unknown(0, dtype);
  }
  return Status::Ok();
}

}  // namespace

Status infer_QuantizeLinear(ShapeContext& ctx) {
  return quant_output(ctx, ctx.has_input(2) ? ctx.dtype(2) : DType::kU8);
}

Status infer_DequantizeLinear(ShapeContext& ctx) {
  return quant_output(ctx, ctx.dtype(1));
}

}  // namespace mconv::passes::shapes
