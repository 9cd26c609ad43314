// Integer Concat (TFLite CONCATENATION on int8/uint8). An input already on the output's grid is
// copied; one with other parameters is first moved to it as TFLite's ConcatenationWithScaling
// does: round(x * s_in / s_out - in_zp * s_in / s_out) + out_zp in float, clamped. The joining
// itself is the float table's Concat kernel, which copies any dtype.
#include <cmath>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

// How one input reaches the output grid.
struct InputRescale {
  bool copy = true;  // same parameters as the output: plain copy
  float scale = 1;   // s_in / s_out
  float bias = 0;    // -in_zp * scale
};

class QuantizedConcatKernel final : public Kernel {
 public:
  Status prepare(const ir::Node& node) {
    MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "concat_result"));
    dtype_ = yq.dtype;
    out_zero_point_ = yq.zero_point[0];
    const float inverse_out_scale = 1.0f / static_cast<float>(yq.scale[0]);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, i, "input"));
      if (xq.dtype != yq.dtype)
        return Status::Error("input " + std::to_string(i) + " is " +
                             std::string(dtype_name(xq.dtype)) + " but output is " +
                             std::string(dtype_name(yq.dtype)));
      InputRescale r;
      r.copy = xq.scale == yq.scale && xq.zero_point == yq.zero_point;
      r.scale = static_cast<float>(xq.scale[0]) * inverse_out_scale;
      r.bias = -static_cast<float>(xq.zero_point[0]) * r.scale;
      rescale_.push_back(r);
    }
    MCONV_ASSIGN_OR_RETURN(join_, kernels::create_concat_kernel(node));
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    if (in.size() != rescale_.size()) return Status::Error("input count changed since creation");
    std::vector<Tensor> moved(in.size());
    std::vector<const Tensor*> parts(in.begin(), in.end());
    for (size_t i = 0; i < in.size(); ++i) {
      MCONV_RETURN_IF_ERROR(kernels::require_input(in, i, "input"));
      MCONV_RETURN_IF_ERROR(require_tensor_dtype(*in[i], dtype_, "input"));
      if (rescale_[i].copy) continue;
      moved[i] = Tensor(dtype_, in[i]->shape());
      MCONV_RETURN_IF_ERROR(dispatch_quantized(dtype_, "input", [&](auto tag) {
        using T = decltype(tag);
        const T* src = in[i]->data<T>();
        T* dst = moved[i].data<T>();
        const int32_t lo = dtype_min(dtype_), hi = dtype_max(dtype_);
        for (int64_t j = 0, n = in[i]->element_count(); j < n; ++j) {
          const int32_t v =
              static_cast<int32_t>(
                  std::round(static_cast<float>(src[j]) * rescale_[i].scale + rescale_[i].bias)) +
              out_zero_point_;
          dst[j] = static_cast<T>(std::clamp(v, lo, hi));
        }
        return Status::Ok();
      }));
      parts[i] = &moved[i];
    }
    return join_->run(parts, out, ctx);
  }

 private:
  DType dtype_ = DType::kI8;           // the quantized type of every input and the output
  int32_t out_zero_point_ = 0;         // output zero point
  std::vector<InputRescale> rescale_;  // per input
  std::unique_ptr<Kernel> join_;       // the dtype-agnostic Concat
};

}  // namespace

KernelPtr create_concat_kernel(const ir::Node& node) {
  return kernels::make_prepared_kernel<QuantizedConcatKernel>(node);
}

}  // namespace mconv::runtime::quantized
