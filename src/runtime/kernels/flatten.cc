// Flatten: [d0..dn) -> [prod(d[:axis]), prod(d[axis:])], axis in [-rank, rank] (default 1).
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_flatten_kernel(const ir::Node& node) {
  const int64_t axis_attr = node.attrs.get_int("axis", 1);
  return make_lambda_kernel(
      [axis_attr](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        // axis == rank is legal here (everything goes to the first dim), hence rank + 1.
        MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, x.rank() + 1));
        const auto& d = x.shape();
        out[0] = reshaped_copy(x, {dims_product(d, 0, axis), dims_product(d, axis, d.size())});
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
