// ReduceMean: mean over `axes` (attribute, or the opset-18 input), keepdims (default 1). No axes
// means all axes unless noop_with_empty_axes=1. Sums accumulate in double.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_reduce_mean_kernel(const ir::Node& node) {
  const std::vector<int64_t> axes_attr = node.attrs.get_ints("axes");
  const bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
  const bool noop_empty = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_f32(x, "data"));
        std::vector<int64_t> axes = axes_attr;
        if (in.size() > 1 && in[1]) {
          MCONV_ASSIGN_OR_RETURN(axes, read_index_tensor(*in[1], "axes"));
        }
        if (axes.empty() && noop_empty) {
          out[0] = *in[0];
          return Status::Ok();
        }
        const int rank = x.rank();
        std::vector<bool> reduced(rank, axes.empty());
        for (int64_t a : axes) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a, rank));
          reduced[axis] = true;
        }
        std::vector<int64_t> kept_shape, out_shape;  // kept_shape: rank dims, 1 where reduced
        int64_t count = 1;
        for (int i = 0; i < rank; ++i) {
          kept_shape.push_back(reduced[i] ? 1 : x.dim(i));
          if (reduced[i]) count *= x.dim(i);
          if (!reduced[i] || keepdims) out_shape.push_back(reduced[i] ? 1 : x.dim(i));
        }
        // Output stride of each input axis (0 along reduced axes), walked with an odometer.
        std::vector<int64_t> ostride = contiguous_strides(kept_shape);
        for (int i = 0; i < rank; ++i)
          if (reduced[i]) ostride[i] = 0;
        std::vector<double> sum(dims_product(kept_shape), 0.0);
        const float* src = x.data<float>();
        if (x.element_count() > 0 && rank > 0) {
          // Whole rows of the last axis at a time: summed into one output when that axis is
          // reduced, added elementwise otherwise; an odometer walks the outer axes.
          const int64_t row = x.dim(rank - 1);
          const bool row_reduced = reduced[rank - 1];
          const int64_t rows = x.element_count() / row;
          std::vector<int64_t> idx(rank, 0);
          int64_t off = 0;
          for (int64_t r = 0; r < rows; ++r, src += row) {
            if (row_reduced) {
              double acc = 0.0;
              for (int64_t i = 0; i < row; ++i) acc += src[i];
              sum[off] += acc;
            } else {
              for (int64_t i = 0; i < row; ++i) sum[off + i] += src[i];
            }
            for (int d = rank - 2; d >= 0; --d) {
              off += ostride[d];
              if (++idx[d] < x.dim(d)) break;
              off -= ostride[d] * x.dim(d);
              idx[d] = 0;
            }
          }
        } else if (rank == 0) {
          sum[0] = src[0];
        }
        out[0] = Tensor(DType::kF32, out_shape);
        float* dst = out[0].data<float>();
        for (size_t i = 0; i < sum.size(); ++i)
          dst[i] = static_cast<float>(sum[i] / static_cast<double>(count));
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
