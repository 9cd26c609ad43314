#include "runtime/kernels/quant_params.h"

namespace mconv::runtime::kernels {

Expected<QuantView> resolve_quant_view(const Tensor& x, const Tensor& scale,
                                       const Tensor* zero_point, int64_t axis_attr) {
  QuantView v;
  MCONV_ASSIGN_OR_RETURN(v.scale, float_values(scale, "scale"));
  if (zero_point) {
    if (dtype_is_float(zero_point->dtype()))
      return Status::Error("zero_point " + zero_point->describe() + " must be an integer type");
    if (zero_point->element_count() != scale.element_count())
      return Status::Error("zero_point " + zero_point->describe() + " does not match scale " +
                           scale.describe());
    v.zero_point = zero_point->to_i64();
  } else {
    v.zero_point.assign(v.scale.size(), 0);
  }
  if (scale.element_count() == 1) {  // per-tensor (scalar or one-element vector)
    v.outer = x.element_count();
    return v;
  }
  if (scale.rank() != 1)
    return Status::Error("scale " + scale.describe() + " must be a scalar or 1-D");
  MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, x.rank()));
  if (x.dim(static_cast<int>(axis)) != scale.dim(0))
    return Status::Error("scale " + scale.describe() + " does not match axis " +
                         std::to_string(axis) + " of " + x.describe());
  v.outer = dims_product(x.shape(), 0, axis);
  v.channels = scale.dim(0);
  v.inner = dims_product(x.shape(), axis + 1, x.shape().size());
  return v;
}

Status check_no_block_size(const ir::Node& node) {
  if (node.attrs.get_int("block_size", 0) != 0)
    return Status::Error("blocked quantization (block_size) is not supported");
  return Status::Ok();
}

}  // namespace mconv::runtime::kernels
