// Transpose: out.dim(i) = in.dim(perm[i]); perm defaults to reversing the axes. Any dtype.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/strided_copy.h"

namespace mconv::runtime::kernels {

KernelPtr create_transpose_kernel(const ir::Node& node) {
  const bool has_perm = node.attrs.has("perm");
  const std::vector<int64_t> perm_attr = node.attrs.get_ints("perm");
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        const Tensor& x = *in[0];
        const int rank = x.rank();
        std::vector<int64_t> perm = perm_attr;
        if (!has_perm)
          for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
        if (static_cast<int>(perm.size()) != rank)
          return Status::Error("perm " + shape_to_string(perm) + " does not match " + x.describe());
        std::vector<bool> seen(rank, false);
        const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
        std::vector<int64_t> shape(rank), strides(rank);
        for (int i = 0; i < rank; ++i) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(perm[i], rank, "perm entry"));
          if (seen[axis])
            return Status::Error("perm " + shape_to_string(perm) + " repeats an axis");
          seen[axis] = true;
          shape[i] = x.dim(static_cast<int>(axis));
          strides[i] = in_strides[axis];
        }
        out[0] = Tensor(x.dtype(), shape);
        if (out[0].element_count() > 0)
          copy_strided(dtype_size(x.dtype()), shape, x.raw(), strides, out[0].raw());
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
