// Div: C = A / B with numpy broadcasting. Integer division truncates toward zero (as ONNX Runtime
// does) and a zero divisor is an error rather than undefined behaviour.
#include "runtime/kernels/binary.h"
#include "runtime/kernels/kernel_factories.h"

namespace mconv::runtime::kernels {

KernelPtr create_div_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "A"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "B"));
        const Tensor& b = *in[1];
        if (b.dtype() == DType::kI32 || b.dtype() == DType::kI64) {
          for (int64_t v : b.to_i64())
            if (v == 0) return Status::Error("integer division by zero");
        }
        return run_same_type_binary(*in[0], b, out[0], [](auto x, auto y) { return x / y; });
      });
}

}  // namespace mconv::runtime::kernels
