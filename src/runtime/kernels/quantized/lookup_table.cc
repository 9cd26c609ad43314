#include "runtime/kernels/quantized/lookup_table.h"

#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::quantized {

KernelPtr make_table_kernel(DType dtype, std::vector<uint8_t> table) {
  return kernels::make_lambda_kernel(
      [table = std::move(table), dtype](KernelInputs in, std::vector<Tensor>& out,
                                        const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "X"));
        out[0] = Tensor(dtype, x.shape());
        const uint8_t* src = x.raw();
        uint8_t* dst = out[0].raw();
        for (int64_t i = 0, n = x.element_count(); i < n; ++i) dst[i] = table[src[i]];
        return Status::Ok();
      });
}

KernelPtr create_lookup_table_kernel(const ir::Node& node, float (*f)(float)) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  return make_table_kernel(yq.dtype, build_lookup_table(xq, yq, f));
}

}  // namespace mconv::runtime::quantized
