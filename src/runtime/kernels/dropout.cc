// Dropout at inference: output = data; the ratio is ignored. A constant-true training_mode input
// would ask for random masking, which an inference interpreter refuses.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_dropout_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
        if (in.size() > 2 && in[2] && in[2]->element_count() == 1 && in[2]->to_i64()[0] != 0)
          return Status::Error("training_mode=true is not supported (inference only)");
        out[0] = *in[0];
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
