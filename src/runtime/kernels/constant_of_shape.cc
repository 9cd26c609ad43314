// ConstantOfShape: a tensor of the shape given by the 1-D i64 input, every element equal to the
// one-element `value` attribute (default f32 0), in that attribute's dtype.
#include <cstring>

#include "core/bytes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_constant_of_shape_kernel(const ir::Node& node) {
  Tensor value(DType::kF32, {1});
  if (const Tensor* v = node.attrs.get_tensor("value")) {
    if (v->element_count() != 1)
      return Status::Error("value attribute must hold one element, got " + v->describe());
    value = *v;
  }
  return make_lambda_kernel(
      [value](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> dims, read_index_tensor(*in[0], "input"));
        for (int64_t d : dims)
          if (d < 0) return Status::Error("negative dim in shape " + shape_to_string(dims));
        if (shape_element_count(dims) < 0)
          return Status::Error("shape " + shape_to_string(dims) + " has too many elements");
        out[0] = Tensor(value.dtype(), dims);
        const size_t size = dtype_size(value.dtype());
        uint8_t* dst = out[0].raw();
        for (int64_t i = 0, n = out[0].element_count(); i < n; ++i, dst += size)
          copy_bytes(dst, value.raw(), size);
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
