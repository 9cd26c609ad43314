// Unsqueeze: inserts size-1 dims at the positions of the i64 `axes` input (opset 13; the older
// attribute is read when the input is absent). Axes index the output rank.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_unsqueeze_kernel(const ir::Node& node) {
  const std::vector<int64_t> axes_attr = node.attrs.get_ints("axes");
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        const Tensor& x = *in[0];
        std::vector<int64_t> axes = axes_attr;
        if (in.size() > 1 && in[1]) {
          MCONV_ASSIGN_OR_RETURN(axes, read_index_tensor(*in[1], "axes"));
        }
        const int64_t out_rank = x.rank() + static_cast<int64_t>(axes.size());
        std::vector<bool> inserted(out_rank, false);
        for (int64_t a : axes) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, out_rank));
          if (inserted[axis]) return Status::Error("axes repeat axis " + std::to_string(a));
          inserted[axis] = true;
        }
        std::vector<int64_t> dims;
        int src = 0;
        for (int64_t i = 0; i < out_rank; ++i) dims.push_back(inserted[i] ? 1 : x.dim(src++));
        out[0] = reshaped_copy(x, dims);
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
