// Flatten: [d0..dn) -> [prod(d[:axis]), prod(d[axis:])], axis in [-rank, rank] (default 1).
#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_flatten_kernel(const ir::Node& node) {
  const int64_t axis_attr = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis_attr](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        // Valid range is [-rank, rank]: axis == rank puts everything in the first dim.
        const int64_t axis = axis_attr < 0 ? axis_attr + x.rank() : axis_attr;
        if (axis < 0 || axis > x.rank())
          return Status::Error("axis " + std::to_string(axis_attr) + " is out of range for " +
                               x.describe());
        const auto& d = x.shape();
        out[0] = reshaped_copy(x, {dims_product(d, 0, axis), dims_product(d, axis, d.size())});
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
