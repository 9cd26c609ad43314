// Integer Pad (TFLite PAD / PADV2 on int8/uint8): the padding is the real value 0, i.e. the
// output zero point, unless a constant_value input (already a code of the quantized type, as
// PADV2 stores it) is given. The copy is the float table's Pad kernel, which handles any dtype;
// the output must keep the input's parameters.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

class QuantizedPadKernel final : public Kernel {
 public:
  Status prepare(const ir::Node& node) {
    MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "data"));
    MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "output"));
    if (xq.dtype != yq.dtype || xq.scale != yq.scale || xq.zero_point != yq.zero_point)
      return Status::Error("output must keep the input's quantization (type, scale, zero point)");
    zero_ = Tensor(yq.dtype, {});
    if (yq.dtype == DType::kI8) {
      zero_.data<int8_t>()[0] = static_cast<int8_t>(yq.zero_point[0]);
    } else {
      zero_.data<uint8_t>()[0] = static_cast<uint8_t>(yq.zero_point[0]);
    }
    MCONV_ASSIGN_OR_RETURN(pad_, kernels::create_pad_kernel(node));
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    std::vector<const Tensor*> args(in.begin(), in.end());
    const bool has_value = args.size() > 2 && args[2] && args[2]->element_count() > 0;
    if (!has_value) {
      if (args.size() < 3) args.resize(3, nullptr);
      args[2] = &zero_;
    }
    return pad_->run(args, out, ctx);
  }

 private:
  Tensor zero_;                  // scalar code of real 0 (the output zero point)
  std::unique_ptr<Kernel> pad_;  // the dtype-agnostic Pad
};

}  // namespace

KernelPtr create_pad_kernel(const ir::Node& node) {
  return kernels::make_prepared_kernel<QuantizedPadKernel>(node);
}

}  // namespace mconv::runtime::quantized
