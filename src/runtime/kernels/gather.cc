// Gather: out = data indexed along `axis` by an i64/i32 index tensor (negative indices count from
// the end). Output shape: data[:axis] + indices + data[axis+1:]. Any data dtype.
#include <cstring>

#include "core/bytes.h"
#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_gather_kernel(const ir::Node& node) {
  const int64_t axis_attr = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis_attr](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "indices"));
        const Tensor& data = *in[0];
        const Tensor& idx = *in[1];
        if (data.rank() < 1) return Status::Error("data must have rank >= 1");
        MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, data.rank()));
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> indices, read_index_tensor(idx, "indices"));
        const auto& d = data.shape();
        const int64_t extent = d[axis];
        for (int64_t& i : indices) {
          if (i < -extent || i >= extent)
            return Status::Error("index " + std::to_string(i) + " is out of range for axis " +
                                 std::to_string(axis) + " of " + data.describe());
          if (i < 0) i += extent;
        }
        std::vector<int64_t> shape(d.begin(), d.begin() + axis);
        shape.insert(shape.end(), idx.shape().begin(), idx.shape().end());
        shape.insert(shape.end(), d.begin() + axis + 1, d.end());
        out[0] = Tensor(data.dtype(), shape);
        const size_t block = dtype_size(data.dtype()) * dims_product(d, axis + 1, d.size());
        const int64_t outer = dims_product(d, 0, axis);
        const uint8_t* src = data.raw();
        uint8_t* dst = out[0].raw();
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i : indices) {
            copy_bytes(dst, src + (o * extent + i) * block, block);
            dst += block;
          }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
