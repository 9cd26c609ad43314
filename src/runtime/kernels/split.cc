// Split: cuts `input` along `axis` into one piece per node output. Sizes come from the optional
// i64 `split` input (opset 13), else the older attribute, else equal parts (the last one smaller
// when num_outputs does not divide the dim, as opset 18 allows).
#include <cstring>

#include "core/bytes.h"
#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_split_kernel(const ir::Node& node) {
  const int64_t axis_attr = ir::axis_attribute(node);
  const std::vector<int64_t> split_attr = node.attrs.get_ints("split");
  const int64_t pieces = static_cast<int64_t>(node.outputs.size());
  if (pieces < 1) return Status::Error("needs at least one output");
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, x.rank()));
        const int64_t extent = x.dim(static_cast<int>(axis));
        std::vector<int64_t> sizes = split_attr;
        if (in.size() > 1 && in[1]) {
          MCONV_ASSIGN_OR_RETURN(sizes, read_index_tensor(*in[1], "split"));
        }
        if (sizes.empty()) {
          const int64_t part = (extent + pieces - 1) / pieces;  // ceil, last piece takes the rest
          for (int64_t i = 0, left = extent; i < pieces; ++i, left -= part)
            sizes.push_back(std::max<int64_t>(0, std::min(part, left)));
        }
        int64_t total = 0;
        for (int64_t s : sizes) {
          if (s < 0 || s > extent)
            return Status::Error("split size " + std::to_string(s) + " is out of range for axis " +
                                 std::to_string(axis) + " of " + x.describe());
          total += s;
        }
        if (static_cast<int64_t>(sizes.size()) != pieces || total != extent)
          return Status::Error("split sizes " + shape_to_string(sizes) + " do not cut axis " +
                               std::to_string(axis) + " of " + x.describe() + " into " +
                               std::to_string(pieces) + " pieces");
        const size_t esize = dtype_size(x.dtype());
        const auto& d = x.shape();
        const int64_t outer = dims_product(d, 0, axis);
        const size_t row = esize * dims_product(d, axis + 1, d.size());  // bytes per axis index
        int64_t begin = 0;
        for (int64_t p = 0; p < pieces; ++p) {
          std::vector<int64_t> shape = d;
          shape[axis] = sizes[p];
          out[p] = Tensor(x.dtype(), shape);
          const size_t block = row * sizes[p];
          for (int64_t o = 0; o < outer; ++o)
            copy_bytes(out[p].raw() + o * block, x.raw() + (o * extent + begin) * row, block);
          begin += sizes[p];
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
