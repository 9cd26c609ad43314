// Reshape: new shape from the i64 `shape` input; 0 copies the input dim (unless allowzero=1,
// then it means a real 0) and one -1 is inferred from the element count.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_reshape_kernel(const ir::Node& node) {
  const bool allowzero = node.attrs.get_int("allowzero", 0) != 0;
  return make_lambda_kernel(
      [allowzero](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "shape"));
        const Tensor& x = *in[0];
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> dims, read_index_tensor(*in[1], "shape"));
        int infer = -1;
        int64_t known = 1;
        for (size_t i = 0; i < dims.size(); ++i) {
          if (dims[i] == -1) {
            if (infer >= 0) return Status::Error("shape " + shape_to_string(dims) + " has two -1");
            infer = static_cast<int>(i);
            continue;
          }
          if (dims[i] == 0 && !allowzero) {
            if (static_cast<int>(i) >= x.rank())
              return Status::Error("shape " + shape_to_string(dims) + " copies dim " +
                                   std::to_string(i) + " of " + x.describe());
            dims[i] = x.dim(static_cast<int>(i));
          }
          if (dims[i] < 0)
            return Status::Error("shape " + shape_to_string(dims) + " has a negative dim");
          if (__builtin_mul_overflow(known, dims[i], &known))
            return Status::Error("shape " + shape_to_string(dims) + " overflows int64");
        }
        const int64_t total = x.element_count();
        if (infer >= 0) {
          if (known == 0 || total % known != 0)
            return Status::Error("cannot infer the -1 of shape " + shape_to_string(dims) + " for " +
                                 x.describe());
          dims[infer] = total / known;
        } else if (known != total) {
          return Status::Error("cannot reshape " + x.describe() + " to " + shape_to_string(dims));
        }
        out[0] = reshaped_copy(x, dims);
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
