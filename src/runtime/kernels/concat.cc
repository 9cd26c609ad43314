// Concat: joins inputs of one dtype along `axis`; all other dims must agree. Any dtype.
#include <cstring>

#include "core/bytes.h"
#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_concat_kernel(const ir::Node& node) {
  if (!node.attrs.has("axis")) return Status::Error("missing attribute axis");
  const int64_t axis_attr = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis_attr](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        if (in.empty()) return Status::Error("needs at least one input");
        for (size_t i = 0; i < in.size(); ++i)
          if (!in[i]) return Status::Error("input " + std::to_string(i) + " is missing");
        const Tensor& first = *in[0];
        MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, first.rank()));
        std::vector<int64_t> shape = first.shape();
        shape[axis] = 0;
        for (const Tensor* t : in) {
          bool same = t->dtype() == first.dtype() && t->rank() == first.rank();
          for (int i = 0; same && i < first.rank(); ++i)
            same = i == axis || t->dim(i) == first.dim(i);
          if (!same)
            return Status::Error("input " + t->describe() + " does not match " + first.describe() +
                                 " outside axis " + std::to_string(axis));
          shape[axis] += t->dim(static_cast<int>(axis));
        }
        out[0] = Tensor(first.dtype(), shape);
        const size_t esize = dtype_size(first.dtype());
        const int64_t outer = dims_product(shape, 0, axis);
        const size_t out_block = esize * dims_product(shape, axis, shape.size());
        size_t offset = 0;  // byte offset of the current input's slab inside one output block
        for (const Tensor* t : in) {
          const size_t block = esize * dims_product(t->shape(), axis, t->shape().size());
          for (int64_t o = 0; o < outer; ++o)
            copy_bytes(out[0].raw() + o * out_block + offset, t->raw() + o * block, block);
          offset += block;
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
