// Slice (opset 10+ form): starts/ends/axes/steps as i64/i32 inputs. Negative starts/ends count
// from the back, then are clamped as the ONNX spec says: starts to [0, dim] (positive steps) or
// [0, dim-1] (negative steps), ends to [0, dim] or [-1, dim-1]. Any dtype.
#include <algorithm>
#include <limits>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/strided_copy.h"

namespace mconv::runtime::kernels {

KernelPtr create_slice_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "starts"));
        MCONV_RETURN_IF_ERROR(require_input(in, 2, "ends"));
        const Tensor& x = *in[0];
        const int rank = x.rank();
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> starts, read_index_tensor(*in[1], "starts"));
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> ends, read_index_tensor(*in[2], "ends"));
        std::vector<int64_t> axes, steps;
        if (in.size() > 3 && in[3]) {
          MCONV_ASSIGN_OR_RETURN(axes, read_index_tensor(*in[3], "axes"));
        } else {
          for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
        }
        if (in.size() > 4 && in[4]) {
          MCONV_ASSIGN_OR_RETURN(steps, read_index_tensor(*in[4], "steps"));
        } else {
          steps.assign(starts.size(), 1);
        }
        if (ends.size() != starts.size() || axes.size() != starts.size() ||
            steps.size() != starts.size())
          return Status::Error("starts, ends, axes and steps must have the same length");

        // Per output axis: first input index, step and count. Unsliced axes keep everything.
        std::vector<int64_t> first(rank, 0), step(rank, 1), count(x.shape());
        std::vector<bool> seen(rank, false);
        for (size_t i = 0; i < starts.size(); ++i) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axes[i], rank));
          if (seen[axis]) return Status::Error("axes repeat axis " + std::to_string(axes[i]));
          seen[axis] = true;
          const int64_t dim = x.dim(static_cast<int>(axis)), s = steps[i];
          if (s == 0 || s == std::numeric_limits<int64_t>::min())
            return Status::Error("step " + std::to_string(s) + " is not supported");
          // Negative values count from the back (int64 extremes are common "to the end" markers,
          // so compare before adding to stay clear of overflow).
          int64_t b = starts[i], e = ends[i];
          if (b < 0) b = b < -dim ? -1 : b + dim;
          if (e < 0) e = e < -dim ? -1 : e + dim;
          if (s > 0) {
            b = std::clamp<int64_t>(b, 0, dim);
            e = std::clamp<int64_t>(e, 0, dim);
            count[axis] = e > b ? (e - b - 1) / s + 1 : 0;
          } else if (dim == 0) {
            b = 0;
            count[axis] = 0;
          } else {
            b = std::clamp<int64_t>(b, 0, dim - 1);
            e = std::clamp<int64_t>(e, -1, dim - 1);
            count[axis] = b > e ? (b - e - 1) / -s + 1 : 0;
          }
          first[axis] = b;
          step[axis] = s;
        }
        out[0] = Tensor(x.dtype(), count);
        if (out[0].element_count() == 0) return Status::Ok();
        const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
        std::vector<int64_t> strides(rank);
        int64_t offset = 0;
        for (int a = 0; a < rank; ++a) {
          offset += first[a] * in_strides[a];
          strides[a] = step[a] * in_strides[a];
        }
        const size_t esize = dtype_size(x.dtype());
        copy_strided(esize, count, x.raw() + offset * static_cast<int64_t>(esize), strides,
                     out[0].raw());
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
