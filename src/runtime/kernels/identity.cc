// Identity: output = input (any dtype).
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_identity_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        out[0] = *in[0];
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
