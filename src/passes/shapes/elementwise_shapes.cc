// Elementwise ops: unary ones keep their input's shape, binary ones broadcast (numpy rules).
#include <algorithm>
#include <limits>

#include "ir/op_attributes.h"
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {
namespace {

// Output 0 = input 0 (dtype and shape, or unknown rank).
Status same_as_input(ShapeContext& ctx) {
  if (ctx.has_shape(0)) {
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  } else {
    ctx.set_output_rank_unknown(0, ctx.dtype(0));
  }
  return Status::Ok();
}

enum class Arith { kAdd, kSub, kMul, kDiv, kNone };

// Integer arithmetic on tracked shape values (torch computes e.g. channels // groups this way).
// Elements that overflow, divide by zero or involve unknowns become unknown.
void track_arithmetic(ShapeContext& ctx, Arith arith) {
  if (arith == Arith::kNone || dtype_is_float(ctx.dtype(0))) return;
  const KnownInts* a = ctx.known(0);
  const KnownInts* b = ctx.known(1);
  if (!a || !b || a->empty() || b->empty()) return;
  if (a->size() != b->size() && a->size() != 1 && b->size() != 1) return;
  size_t n = std::max(a->size(), b->size());
  KnownInts out(n);
  for (size_t i = 0; i < n; ++i) {
    const KnownInt& x = (*a)[a->size() == 1 ? 0 : i];
    const KnownInt& y = (*b)[b->size() == 1 ? 0 : i];
    if (!x.known || !y.known) {
      // x*1, x/1, x+0, x-0 keep a symbolic x.
      bool neutral_y =
          y.known && ((arith == Arith::kMul || arith == Arith::kDiv) ? y.value == 1 : y.value == 0);
      if (!x.known && neutral_y) out[i] = x;
      continue;
    }
    int64_t r = 0;
    bool ok = true;
    switch (arith) {
      case Arith::kAdd:
        ok = checked_add(x.value, y.value, &r);
        break;
      case Arith::kSub:
        ok = !__builtin_sub_overflow(x.value, y.value, &r);
        break;
      case Arith::kMul:
        ok = checked_mul(x.value, y.value, &r);
        break;
      case Arith::kDiv:
        ok = y.value != 0 && !(x.value == std::numeric_limits<int64_t>::min() && y.value == -1);
        if (ok) r = x.value / y.value;  // truncates, like the integer kernels
        break;
      case Arith::kNone:
        ok = false;
        break;
    }
    if (ok) out[i] = KnownInt{true, r, ""};
  }
  ctx.set_output_known(0, std::move(out));
}

Status broadcast_binary(ShapeContext& ctx, bool same_dtype, Arith arith = Arith::kNone) {
  if (same_dtype && ctx.dtype(0) != DType::kUndefined && ctx.dtype(1) != DType::kUndefined &&
      ctx.dtype(0) != ctx.dtype(1))
    return ctx.error("input dtypes differ (" + std::string(dtype_name(ctx.dtype(0))) + " vs " +
                     std::string(dtype_name(ctx.dtype(1))) + ")");
  if (!ctx.has_shape(0) || !ctx.has_shape(1)) {
    ctx.set_output_rank_unknown(0, ctx.dtype(0));
    return Status::Ok();
  }
  MCONV_ASSIGN_OR_RETURN(ir::Shape out, broadcast_shapes(ctx, ctx.shape(0), ctx.shape(1)));
  ctx.set_output(0, ctx.dtype(0), std::move(out));
  track_arithmetic(ctx, arith);
  return Status::Ok();
}

}  // namespace

Status infer_Relu(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_LeakyRelu(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_HardSigmoid(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_HardSwish(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_Sigmoid(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_Tanh(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_Sqrt(ShapeContext& ctx) {
  return same_as_input(ctx);
}

Status infer_Clip(ShapeContext& ctx) {
  // min/max must be scalars (ONNX); a tensor bound would silently broadcast in some runtimes.
  for (int i = 1; i <= 2; ++i) {
    if (ctx.has_shape(i) && !ctx.shape(i).empty() &&
        !(ctx.rank(i) == 1 && ctx.shape(i)[0].known() && ctx.shape(i)[0].size == 1))
      return ctx.error(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " +
                       ir::shape_string(ctx.shape(i)));
  }
  return same_as_input(ctx);
}

Status infer_Identity(ShapeContext& ctx) {
  if (const KnownInts* k = ctx.known(0)) ctx.set_output_known(0, *k);
  return same_as_input(ctx);
}

Status infer_Dropout(ShapeContext& ctx) {
  MCONV_RETURN_IF_ERROR(infer_Identity(ctx));
  // Optional mask output (opset >= 12 names it; older exports may still carry it).
  if (ctx.output_count() > 1) {
    if (ctx.has_shape(0)) {
      ctx.set_output(1, DType::kBool, ctx.shape(0));
    } else {
      ctx.set_output_rank_unknown(1, DType::kBool);
    }
  }
  return Status::Ok();
}

Status infer_Softmax(ShapeContext& ctx) {
  if (ctx.has_shape(0) && ctx.rank(0) > 0) {
    MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(ir::axis_attribute(ctx.node()), ctx.rank(0), "axis"));
    (void)axis;
  }
  return same_as_input(ctx);
}

Status infer_Add(ShapeContext& ctx) {
  return broadcast_binary(ctx, true);
}
Status infer_Sub(ShapeContext& ctx) {
  return broadcast_binary(ctx, true);
}
Status infer_Mul(ShapeContext& ctx) {
  return broadcast_binary(ctx, true);
}
Status infer_Div(ShapeContext& ctx) {
  return broadcast_binary(ctx, true);
}
// The exponent may have another type than the base (ONNX Pow), the result takes the base's.
Status infer_Pow(ShapeContext& ctx) {
  return broadcast_binary(ctx, false);
}

Status infer_Cast(ShapeContext& ctx) {
  int64_t to = ctx.attrs().get_int("to", -1);
  if (to <= static_cast<int64_t>(DType::kUndefined) || to >= kDTypeCount)
    return ctx.error("attribute 'to' = " + std::to_string(to) + " is not a valid dtype");
  DType dtype = static_cast<DType>(to);
  if (ctx.has_shape(0)) {
    ctx.set_output(0, dtype, ctx.shape(0));
  } else {
    ctx.set_output_rank_unknown(0, dtype);
  }
  // Integer casts of shape arithmetic keep the tracked contents (i64 <-> i32 in torch exports).
  if (dtype == DType::kI64 || dtype == DType::kI32)
    if (const KnownInts* k = ctx.known(0)) ctx.set_output_known(0, *k);
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
