// Squeeze: removes the size-1 dims listed in the optional i64 `axes` input (opset 13; the older
// attribute is read too), or every size-1 dim when no axes are given.
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_squeeze_kernel(const ir::Node& node) {
  const bool attr_axes = node.attrs.has("axes");
  const std::vector<int64_t> axes_attr = node.attrs.get_ints("axes");
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        const Tensor& x = *in[0];
        std::vector<bool> drop(x.rank(), false);
        std::vector<int64_t> axes = axes_attr;
        bool have_axes = attr_axes;
        if (in.size() > 1 && in[1]) {
          MCONV_ASSIGN_OR_RETURN(axes, read_index_tensor(*in[1], "axes"));
          have_axes = true;
        }
        if (have_axes) {
          for (int64_t a : axes) {
            MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, x.rank()));
            if (x.dim(static_cast<int>(axis)) != 1)
              return Status::Error("cannot squeeze axis " + std::to_string(a) + " of " +
                                   x.describe() + ": its size is not 1");
            drop[axis] = true;
          }
        } else {
          for (int i = 0; i < x.rank(); ++i) drop[i] = x.dim(i) == 1;
        }
        std::vector<int64_t> dims;
        for (int i = 0; i < x.rank(); ++i)
          if (!drop[i]) dims.push_back(x.dim(i));
        out[0] = reshaped_copy(x, dims);
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
