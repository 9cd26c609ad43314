// Gemm (2-D, optional transposes and a broadcast bias) and MatMul (numpy matmul semantics).
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {
namespace {

std::string dim_text(const ir::Dim& d) {
  return d.known() ? std::to_string(d.size) : (d.symbol.empty() ? "?" : d.symbol);
}

}  // namespace

Status infer_Gemm(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0) || !ctx.has_shape(1)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& a = ctx.shape(0);
  const ir::Shape& b = ctx.shape(1);
  if (a.size() != 2 || b.size() != 2)
    return ctx.error("inputs must be 2-D, got " + ir::shape_string(a) + " and " +
                     ir::shape_string(b));
  bool trans_a = ctx.attrs().get_int("transA", 0) != 0;
  bool trans_b = ctx.attrs().get_int("transB", 0) != 0;
  const ir::Dim& m = a[trans_a ? 1 : 0];
  const ir::Dim& k_a = a[trans_a ? 0 : 1];
  const ir::Dim& k_b = b[trans_b ? 1 : 0];
  const ir::Dim& n = b[trans_b ? 0 : 1];
  ir::Dim k;
  if (!merge_dims(k_a, k_b, &k))
    return ctx.error("inner dimensions differ: A " + ir::shape_string(a) + (trans_a ? "^T" : "") +
                     " x B " + ir::shape_string(b) + (trans_b ? "^T" : ""));
  ir::Shape out = {m, n};
  if (ctx.has_shape(2)) {
    // C broadcasts unidirectionally to [M, N].
    const ir::Shape& c = ctx.shape(2);
    if (c.size() > 2) return ctx.error("bias C has rank " + std::to_string(c.size()));
    for (size_t i = 0; i < c.size(); ++i) {
      const ir::Dim& target = out[2 - c.size() + i];
      if (c[i].known() && c[i].size != 1 && target.known() && c[i].size != target.size)
        return ctx.error("bias C " + ir::shape_string(c) + " does not broadcast to [" +
                         dim_text(m) + "," + dim_text(n) + "]");
    }
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

Status infer_MatMul(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0) || !ctx.has_shape(1)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  ir::Shape a = ctx.shape(0);
  ir::Shape b = ctx.shape(1);
  if (a.empty() || b.empty()) return ctx.error("inputs must have rank >= 1");
  // 1-D operands are promoted to matrices and the added dim removed afterwards.
  bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), known_dim(1));
  if (b_vector) b.push_back(known_dim(1));
  ir::Dim k;
  if (!merge_dims(a.back(), b[b.size() - 2], &k))
    return ctx.error("inner dimensions differ: " + ir::shape_string(ctx.shape(0)) + " x " +
                     ir::shape_string(ctx.shape(1)));
  ir::Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  MCONV_ASSIGN_OR_RETURN(ir::Shape out, broadcast_shapes(ctx, batch_a, batch_b));
  if (!a_vector) out.push_back(a[a.size() - 2]);
  if (!b_vector) out.push_back(b.back());
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
