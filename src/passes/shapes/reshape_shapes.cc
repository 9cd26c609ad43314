// Ops that rearrange dims without touching data order: Reshape, Flatten, Transpose, Squeeze,
// Unsqueeze. Reshape and Squeeze/Unsqueeze read their constant (or Shape-derived) inputs.
#include <algorithm>
#include <set>

#include "ir/op_attributes.h"
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {
namespace {

// Axes from input 1 (canonical form) or the legacy "axes" attribute; nullopt when not known.
Expected<std::optional<std::vector<int64_t>>> axes_input(ShapeContext& ctx) {
  if (ctx.has_input(1)) return ctx.ints(1, "axes");
  if (ctx.attrs().has("axes"))
    return std::optional<std::vector<int64_t>>(ctx.attrs().get_ints("axes"));
  return std::optional<std::vector<int64_t>>(std::vector<int64_t>{});
}

// Normalizes and checks axes against `rank`, rejecting duplicates.
Expected<std::vector<int>> unique_axes(const ShapeContext& ctx, const std::vector<int64_t>& raw,
                                       int rank) {
  std::vector<int> axes;
  for (int64_t a : raw) {
    MCONV_ASSIGN_OR_RETURN(int axis, ctx.axis(a, rank, "axis"));
    if (std::find(axes.begin(), axes.end(), axis) != axes.end())
      return ctx.error("axes " + dims_string(raw) + " repeat axis " + std::to_string(axis));
    axes.push_back(axis);
  }
  return axes;
}

// The product of the dims not matched symbol-for-symbol on the other side, when all are known.
struct Residual {
  bool known = true;    // every unmatched dim is known
  int64_t product = 1;  // product of the unmatched known dims
};

}  // namespace

Status infer_Reshape(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  const KnownInts* target = ctx.known(1);
  if (ctx.has_input(1) && ctx.input(1)->constant) {
    // Surfaces non-integer or oversized shape constants as errors.
    MCONV_ASSIGN_OR_RETURN(auto unused, ctx.ints(1, "shape"));
    (void)unused;
  }
  if (!target) {
    // Rank is still known when the shape tensor's length is.
    if (ctx.has_shape(1) && ctx.rank(1) == 1 && ctx.shape(1)[0].known() &&
        ctx.shape(1)[0].size <= kMaxRank) {
      ctx.set_output(0, dtype, unknown_shape(static_cast<int>(ctx.shape(1)[0].size)));
    } else {
      ctx.set_output_rank_unknown(0, dtype);
    }
    return Status::Ok();
  }
  if (static_cast<int64_t>(target->size()) > kMaxRank)
    return ctx.error("target shape has " + std::to_string(target->size()) + " dims, more than " +
                     std::to_string(kMaxRank));
  bool allow_zero = ctx.attrs().get_int("allowzero", 0) != 0;
  const bool in_known = ctx.has_shape(0);
  ir::Shape out;
  int infer_at = -1;
  for (size_t i = 0; i < target->size(); ++i) {
    const KnownInt& t = (*target)[i];
    if (!t.known) {
      out.push_back(ir::Dim{-1, t.symbol});
    } else if (t.value == -1) {
      if (infer_at >= 0) return ctx.error("target shape has more than one -1");
      infer_at = static_cast<int>(i);
      out.push_back(unknown_dim());
    } else if (t.value < -1) {
      return ctx.error("target shape has negative dim " + std::to_string(t.value));
    } else if (t.value == 0 && !allow_zero) {
      // 0 copies the input dim at the same position.
      if (!in_known) {
        out.push_back(unknown_dim());
      } else if (i >= ctx.shape(0).size()) {
        return ctx.error("target dim " + std::to_string(i) + " is 0 (copy) but the input " +
                         ir::shape_string(ctx.shape(0)) + " has no such dim");
      } else {
        out.push_back(ctx.shape(0)[i]);
      }
    } else {
      out.push_back(known_dim(t.value));
    }
  }
  if (allow_zero && infer_at >= 0 &&
      std::any_of(out.begin(), out.end(), [](const ir::Dim& d) { return d.size == 0; }))
    return ctx.error("target shape has both -1 and 0 with allowzero");
  if (!in_known) {
    ctx.set_output(0, dtype, std::move(out));
    return Status::Ok();
  }

  // Cancel dims equal on both sides (same symbol) so that [batch,512,1,1] -> [batch,-1] resolves.
  const ir::Shape& in = ctx.shape(0);
  std::multiset<std::string> in_symbols;
  Residual in_rest, out_rest;
  bool in_zero = false;
  for (const ir::Dim& d : in) {
    if (d.known()) {
      if (d.size == 0) in_zero = true;
      if (!checked_mul(in_rest.product, d.size, &in_rest.product))
        return ctx.error("input element count overflows int64");
    } else if (!d.symbol.empty()) {
      in_symbols.insert(d.symbol);
    } else {
      in_rest.known = false;
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int>(i) == infer_at) continue;
    const ir::Dim& d = out[i];
    if (d.known()) {
      if (!checked_mul(out_rest.product, d.size, &out_rest.product))
        return ctx.error("target element count overflows int64");
    } else if (auto it = !d.symbol.empty() ? in_symbols.find(d.symbol) : in_symbols.end();
               it != in_symbols.end()) {
      in_symbols.erase(it);
    } else {
      out_rest.known = false;
    }
  }
  if (!in_symbols.empty()) in_rest.known = false;
  if (in_rest.known && out_rest.known) {
    if (infer_at >= 0) {
      if (out_rest.product == 0) {
        if (!in_zero) return ctx.error("cannot infer -1 next to a 0 dim");
      } else if (in_rest.product % out_rest.product != 0) {
        return ctx.error("cannot reshape " + ir::shape_string(in) + " to " + ir::shape_string(out) +
                         " (-1 at dim " + std::to_string(infer_at) +
                         "): element counts do not divide");
      } else {
        out[infer_at] = known_dim(in_rest.product / out_rest.product);
      }
    } else if (in_rest.product != out_rest.product) {
      return ctx.error("cannot reshape " + ir::shape_string(in) + " to " + ir::shape_string(out) +
                       ": element counts differ");
    }
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

Status infer_Flatten(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0)) {
    ctx.set_output(0, dtype, unknown_shape(2));
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  int64_t axis = ir::axis_attribute(ctx.node());
  if (axis < -rank || axis > rank)
    return ctx.error("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  if (axis < 0) axis += rank;
  MCONV_ASSIGN_OR_RETURN(ir::Dim outer, dim_product(ctx, in, 0, static_cast<size_t>(axis)));
  MCONV_ASSIGN_OR_RETURN(ir::Dim inner, dim_product(ctx, in, static_cast<size_t>(axis), in.size()));
  ctx.set_output(0, dtype, {outer, inner});
  return Status::Ok();
}

Status infer_Transpose(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  std::vector<int64_t> perm;
  for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  perm = ctx.attrs().get_ints("perm", perm);
  if (static_cast<int>(perm.size()) != rank)
    return ctx.error("perm " + dims_string(perm) + " does not match input rank " +
                     std::to_string(rank));
  std::vector<bool> seen(rank, false);
  ir::Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return ctx.error("perm " + dims_string(perm) + " is not a permutation");
    seen[p] = true;
    out.push_back(in[p]);
  }
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

Status infer_Squeeze(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  MCONV_ASSIGN_OR_RETURN(auto raw_axes, axes_input(ctx));
  if (!ctx.has_shape(0) || !raw_axes) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int rank = static_cast<int>(in.size());
  std::vector<bool> drop(rank, false);
  if (raw_axes->empty()) {
    // No axes: every size-1 dim goes, which needs all dims known.
    for (int i = 0; i < rank; ++i) {
      if (!in[i].known()) {
        ctx.set_output_rank_unknown(0, dtype);
        return Status::Ok();
      }
      drop[i] = in[i].size == 1;
    }
  } else {
    MCONV_ASSIGN_OR_RETURN(std::vector<int> axes, unique_axes(ctx, *raw_axes, rank));
    for (int a : axes) {
      if (in[a].known() && in[a].size != 1)
        return ctx.error("cannot squeeze dim " + std::to_string(a) + " of size " +
                         std::to_string(in[a].size) + " in " + ir::shape_string(in));
      drop[a] = true;
    }
  }
  ir::Shape out;
  for (int i = 0; i < rank; ++i)
    if (!drop[i]) out.push_back(in[i]);
  ctx.set_output(0, dtype, std::move(out));
  // Squeezing a [1] tracked vector to a scalar keeps its content.
  if (const KnownInts* k = ctx.known(0)) ctx.set_output_known(0, *k);
  return Status::Ok();
}

Status infer_Unsqueeze(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  MCONV_ASSIGN_OR_RETURN(auto raw_axes, axes_input(ctx));
  if (!ctx.has_shape(0) || !raw_axes) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& in = ctx.shape(0);
  int64_t out_rank = static_cast<int64_t>(in.size()) + static_cast<int64_t>(raw_axes->size());
  if (out_rank > kMaxRank)
    return ctx.error("output rank " + std::to_string(out_rank) + " exceeds " +
                     std::to_string(kMaxRank));
  MCONV_ASSIGN_OR_RETURN(std::vector<int> axes,
                         unique_axes(ctx, *raw_axes, static_cast<int>(out_rank)));
  std::vector<bool> inserted(out_rank, false);
  for (int a : axes) inserted[a] = true;
  ir::Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[i] ? known_dim(1) : in[next++]);
  ctx.set_output(0, dtype, std::move(out));
  if (const KnownInts* k = ctx.known(0)) ctx.set_output_known(0, *k);
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
