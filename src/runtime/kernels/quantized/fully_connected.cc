// Integer Gemm (TFLite FULLY_CONNECTED on int8 or uint8): Y[n, o] = requantize(bias[o] +
// sum_k (A[n, k] - a_zp) * (B[o, k] - b_zp[o])). B is a constant i8/u8 weight quantized per tensor
// or per output channel, stored [out, K] (transB = 1, TFLite's layout) or [K, out]; the optional
// bias is a constant i32. alpha, beta and transA must keep their defaults. Rounding as the
// convolutions' GEMM form (gemm_rounding: XNNPACK float under LiteRT, else ruy's single).
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::quantized {
namespace {

class QuantizedGemmKernel final : public Kernel {
 public:
  Status prepare(const ir::Node& node) {
    if (node.attrs.get_float("alpha", 1.0f) != 1.0f || node.attrs.get_float("beta", 1.0f) != 1.0f ||
        node.attrs.get_int("transA", 0) != 0)
      return Status::Error("the integer Gemm supports alpha = beta = 1 and transA = 0 only");
    const bool trans_b = node.attrs.get_int("transB", 0) != 0;
    MCONV_ASSIGN_OR_RETURN(QuantInfo aq, input_quant(node, 0, "A"));
    MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
    MCONV_RETURN_IF_ERROR(require_same_dtype(aq, yq));
    dtype_ = aq.dtype;
    const Tensor* w = kernels::constant_input(node, 1);
    if (!w || w->rank() != 2) return Status::Error("the integer Gemm needs a constant 2-D B");
    MCONV_ASSIGN_OR_RETURN(QuantInfo wq, quant_info(node.inputs[1], "B"));
    if (!is_quantized_dtype(w->dtype()) || w->dtype() != wq.dtype)
      return Status::Error("B " + w->describe() + " must be i8 or u8");
    out_ = trans_b ? w->dim(0) : w->dim(1);
    depth_ = trans_b ? w->dim(1) : w->dim(0);
    const int out_axis = trans_b ? 0 : 1;
    if (wq.per_axis() && (wq.axis != out_axis || static_cast<int64_t>(wq.scale.size()) != out_))
      return Status::Error("B quantization must be per tensor or per output channel (axis " +
                           std::to_string(out_axis) + ")");
    weights_.resize(static_cast<size_t>(out_ * depth_));
    for (int64_t o = 0; o < out_; ++o)
      for (int64_t k = 0; k < depth_; ++k) {
        const int64_t src = trans_b ? o * depth_ + k : k * out_ + o;
        const int32_t code =
            w->dtype() == DType::kI8 ? w->data<int8_t>()[src] : w->data<uint8_t>()[src];
        weights_[o * depth_ + k] = static_cast<int16_t>(code - wq.zero_point_of(o));
      }
    bias_.assign(out_, 0);
    if (node.inputs.size() > 2 && node.inputs[2]) {
      const Tensor* b = node.inputs[2]->constant.get();
      if (!b || b->dtype() != DType::kI32 || b->element_count() != out_)
        return Status::Error("C must be a constant i32 tensor of " + std::to_string(out_) +
                             " values");
      for (int64_t o = 0; o < out_; ++o) bias_[o] = b->data<int32_t>()[o];
    }
    input_zero_point_ = aq.zero_point[0];
    requantize_.output_zero_point = yq.zero_point[0];
    requantize_.range = full_range(yq.dtype);
    for (int64_t o = 0; o < (wq.per_axis() ? out_ : 1); ++o)
      requantize_.add_channel(aq.scale[0] * wq.scale_of(o) / yq.scale[0],
                              static_cast<float>(aq.scale[0]) * static_cast<float>(wq.scale_of(o)) /
                                  static_cast<float>(yq.scale[0]));
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "A"));
    const Tensor& a = *in[0];
    MCONV_RETURN_IF_ERROR(require_tensor_dtype(a, dtype_, "A"));
    if (a.rank() != 2 || a.dim(1) != depth_)
      return Status::Error("A " + a.describe() + " must be [N, " + std::to_string(depth_) + "]");
    const int64_t rows = a.dim(0);
    const Rounding rounding = gemm_rounding(ctx);
    out[0] = Tensor(dtype_, {rows, out_});
    return dispatch_quantized(dtype_, "A", [&](auto tag) {
      using T = decltype(tag);
      const T* x = a.data<T>();
      T* y = out[0].data<T>();
      parallel_for(ctx, rows * out_, 256, [&](int64_t begin, int64_t end) {
        std::vector<int16_t> row(static_cast<size_t>(depth_));
        int64_t loaded = -1;  // row of A currently in `row`
        for (int64_t i = begin; i < end; ++i) {
          const int64_t n = i / out_, o = i % out_;
          if (n != loaded) {
            for (int64_t k = 0; k < depth_; ++k)
              row[k] =
                  static_cast<int16_t>(static_cast<int32_t>(x[n * depth_ + k]) - input_zero_point_);
            loaded = n;
          }
          int32_t acc = bias_[o];
          const int16_t* w = weights_.data() + o * depth_;
          for (int64_t k = 0; k < depth_; ++k)
            acc += static_cast<int32_t>(row[k]) * static_cast<int32_t>(w[k]);
          y[i] = static_cast<T>(requantize_.apply(acc, o, rounding));
        }
      });
      return Status::Ok();
    });
  }

 private:
  DType dtype_ = DType::kI8;      // activation type (A and Y)
  int64_t out_ = 0;               // output features
  int64_t depth_ = 0;             // reduction length K
  std::vector<int16_t> weights_;  // B - b_zp as [out][K]
  std::vector<int32_t> bias_;     // per output feature (zeros when absent)
  int32_t input_zero_point_ = 0;  // a_zp
  Requantizer requantize_;        // accumulator -> output code
};

}  // namespace

KernelPtr create_gemm_kernel(const ir::Node& node) {
  return kernels::make_prepared_kernel<QuantizedGemmKernel>(node);
}

}  // namespace mconv::runtime::quantized
