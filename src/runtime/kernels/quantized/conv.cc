// Integer Conv (TFLite CONV_2D / DEPTHWISE_CONV_2D on int8 or uint8): NHWC activations, constant
// OIHW i8/u8 weights quantized per tensor or per output channel (axis 0), optional constant i32
// bias on the input_scale * weight_scale grid. Output channel o is requantized with the
// multiplier input_scale * weight_scale[o] / output_scale (computed in double, as TFLite's
// PopulateConvolutionQuantizationParams does). The rounding follows the run's IntegerRounding:
// XNNPACK's float requantization under LiteRT; otherwise ruy's single rounding for the
// im2col/pointwise form (TFLite's GEMM backend in every build) and the build's rounding for the
// depthwise loop.
// A fused activation arrives as a separate
// Relu/Clip node on the output, so this kernel clamps only to the dtype range.
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/conv_quantized.h"
#include "runtime/kernels/quantized/quantized_kernels.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::quantized {
namespace {

using kernels::ConvProblem;

class QuantizedConvKernel final : public Kernel {
 public:
  Status prepare(const ir::Node& node) {
    MCONV_ASSIGN_OR_RETURN(window_, kernels::parse_window2d(node, false));
    group_ = node.attrs.get_int("group", 1);
    if (group_ < 1) return Status::Error("group must be >= 1, got " + std::to_string(group_));
    if (node.layout != ir::Layout::kNHWC)
      return Status::Error("the integer Conv computes NHWC activations (TFLite layout) only");
    MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
    MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
    MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
    dtype_ = xq.dtype;

    const Tensor* w = kernels::constant_input(node, 1);
    if (!w) return Status::Error("the integer Conv needs constant weights");
    if (w->rank() != 4) return Status::Error("weight " + w->describe() + " must be OIHW (rank 4)");
    MCONV_ASSIGN_OR_RETURN(QuantInfo wq, quant_info(node.inputs[1], "weight"));
    if (!is_quantized_dtype(w->dtype()) || w->dtype() != wq.dtype)
      return Status::Error("weight " + w->describe() + " must be i8 or u8");
    const int64_t out_c = w->dim(0), cg = w->dim(1), kh = w->dim(2), kw = w->dim(3);
    if (wq.per_axis() && (wq.axis != 0 || static_cast<int64_t>(wq.scale.size()) != out_c))
      return Status::Error(
          "weight quantization must be per tensor or per output channel (axis 0 "
          "with " +
          std::to_string(out_c) + " scales)");
    if (out_c % group_ != 0)
      return Status::Error("weight " + w->describe() + ": output channels not divisible by group " +
                           std::to_string(group_));
    if (window_.kernel_h && (window_.kernel_h != kh || window_.kernel_w != kw))
      return Status::Error("kernel_shape disagrees with weight " + w->describe());
    out_c_ = out_c;
    in_c_per_group_ = cg;
    kernel_h_ = kh;
    kernel_w_ = kw;
    // Depthwise: one input channel per group (TFLite DEPTHWISE_CONV_2D, any multiplier).
    depthwise_ = cg == 1 && group_ > 1;

    const ir::Value* bias_value = node.inputs.size() > 2 ? node.inputs[2] : nullptr;
    ops_.bias.assign(out_c, 0);
    if (bias_value) {
      const Tensor* b = bias_value->constant.get();
      if (!b || b->dtype() != DType::kI32 || b->element_count() != out_c)
        return Status::Error("bias must be a constant i32 tensor of " + std::to_string(out_c) +
                             " values");
      for (int64_t o = 0; o < out_c; ++o) ops_.bias[o] = b->data<int32_t>()[o];
    }

    // Weights minus their zero point, in the order the chosen loop reads them.
    ops_.weights.resize(static_cast<size_t>(w->element_count()));
    const int64_t taps = kh * kw;
    for (int64_t o = 0; o < out_c; ++o) {
      const int32_t zp = wq.zero_point_of(o);
      for (int64_t i = 0; i < cg; ++i)
        for (int64_t t = 0; t < taps; ++t) {
          const int64_t src = (o * cg + i) * taps + t;
          const int32_t code =
              w->dtype() == DType::kI8 ? w->data<int8_t>()[src] : w->data<uint8_t>()[src];
          const int64_t dst = depthwise_ ? t * out_c + o : (o * taps + t) * cg + i;
          ops_.weights[dst] = static_cast<int16_t>(code - zp);
        }
    }

    ops_.input_zero_point = xq.zero_point[0];
    ops_.requantize.output_zero_point = yq.zero_point[0];
    ops_.requantize.range = full_range(yq.dtype);
    for (int64_t o = 0; o < (wq.per_axis() ? out_c : 1); ++o)
      ops_.requantize.add_channel(xq.scale[0] * wq.scale_of(o) / yq.scale[0],
                                  static_cast<float>(xq.scale[0]) *
                                      static_cast<float>(wq.scale_of(o)) /
                                      static_cast<float>(yq.scale[0]));
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "X"));
    const Tensor& x = *in[0];
    MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype_, "X"));
    if (x.rank() != 4) return Status::Error("X " + x.describe() + " must be rank 4 (NHWC)");
    ConvProblem p;
    p.nhwc = true;
    p.batch = x.dim(0);
    p.in_h = x.dim(1);
    p.in_w = x.dim(2);
    p.in_c = x.dim(3);
    p.out_c = out_c_;
    p.group = group_;
    p.in_c_per_group = in_c_per_group_;
    p.out_c_per_group = out_c_ / group_;
    p.kernel_h = kernel_h_;
    p.kernel_w = kernel_w_;
    if (p.in_c != in_c_per_group_ * group_)
      return Status::Error("X " + x.describe() + " has " + std::to_string(p.in_c) +
                           " channels, the weight with group " + std::to_string(group_) +
                           " expects " + std::to_string(in_c_per_group_ * group_));
    p.stride_h = window_.stride_h;
    p.stride_w = window_.stride_w;
    p.dilation_h = window_.dilation_h;
    p.dilation_w = window_.dilation_w;
    MCONV_ASSIGN_OR_RETURN(
        kernels::AxisExtent eh,
        kernels::window_axis(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, window_.pad_top,
                             window_.pad_bottom, window_.auto_pad, false));
    MCONV_ASSIGN_OR_RETURN(
        kernels::AxisExtent ew,
        kernels::window_axis(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, window_.pad_left,
                             window_.pad_right, window_.auto_pad, false));
    p.out_h = eh.out;
    p.out_w = ew.out;
    p.pad_top = eh.pad_begin;
    p.pad_left = ew.pad_begin;
    out[0] = Tensor(dtype_, {p.batch, p.out_h, p.out_w, p.out_c});
    if (out[0].element_count() == 0) return Status::Ok();
    return dispatch_quantized(dtype_, "X", [&](auto tag) {
      using T = decltype(tag);
      if (depthwise_) {
        quantized_conv_depthwise_nhwc<T>(p, ops_, x.data<T>(), out[0].data<T>(), ctx);
      } else {
        quantized_conv_gemm_nhwc<T>(p, ops_, x.data<T>(), out[0].data<T>(), ctx);
      }
      return Status::Ok();
    });
  }

 private:
  kernels::Window2d window_;    // strides, dilations, pads from the attributes
  int64_t group_ = 1;           // channel groups
  DType dtype_ = DType::kI8;    // activation type (input and output)
  int64_t out_c_ = 0;           // output channels (weight dim 0)
  int64_t in_c_per_group_ = 0;  // weight dim 1
  int64_t kernel_h_ = 0;        // window height
  int64_t kernel_w_ = 0;        // window width
  bool depthwise_ = false;      // one input channel per group: direct loop
  QuantizedConvOperands ops_;   // packed weights, bias, zero points, requantization
};

}  // namespace

KernelPtr create_conv_kernel(const ir::Node& node) {
  return kernels::make_prepared_kernel<QuantizedConvKernel>(node);
}

}  // namespace mconv::runtime::quantized
