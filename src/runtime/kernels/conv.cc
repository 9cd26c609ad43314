// Conv (2-D, groups, dilation, strides, pads, auto_pad) in NCHW or NHWC; weights are OIHW in
// both layouts. Constant weights are packed once, at kernel creation, for the compute path the
// weight shape selects (see conv_internal.h).
#include "runtime/kernels/conv_internal.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::kernels {
namespace {

struct PackedWeights {
  const Tensor* source = nullptr;       // tensor the packing was made from (null = none yet)
  ConvPath path = ConvPath::kGemmNchw;  // path the packing serves
  std::vector<float> data;              // weights in that path's layout
};

class ConvKernel final : public Kernel {
 public:
  ConvKernel(Window2d window, int64_t group, bool nhwc)
      : window_(std::move(window)), group_(group), nhwc_(nhwc) {}

  // Packs a weight tensor (and remembers which one) for this node's group and layout.
  Expected<PackedWeights> pack(const Tensor& w) const {
    if (w.rank() != 4) return Status::Error("weight " + w.describe() + " must be OIHW (rank 4)");
    PackedWeights packed;
    packed.source = &w;
    packed.path = choose_conv_path(nhwc_, group_, w.dim(0), w.dim(1));
    MCONV_ASSIGN_OR_RETURN(std::vector<float> oihw, float_values(w, "weight"));
    packed.data = pack_conv_weights(packed.path, oihw, w.dim(0), w.dim(1), w.dim(2), w.dim(3));
    return packed;
  }

  // Packs constant weights/bias and checks what is already known statically, so a malformed
  // node fails at Interpreter::Create rather than on the first run.
  Status prepare(const ir::Node& node) {
    if (const Tensor* w = constant_input(node, 1)) {
      MCONV_ASSIGN_OR_RETURN(packed_, pack(*w));
      if (window_.kernel_h && (window_.kernel_h != w->dim(2) || window_.kernel_w != w->dim(3)))
        return Status::Error("kernel_shape disagrees with weight " + w->describe());
      if (w->dim(0) % group_ != 0)
        return Status::Error("weight " + w->describe() +
                             ": output channels not divisible by group " + std::to_string(group_));
      const ir::Value* x = node.inputs[0];
      const size_t channel_axis = nhwc_ ? 3 : 1;
      if (x && x->has_shape && x->shape.size() == 4 && x->shape[channel_axis].known() &&
          x->shape[channel_axis].size != w->dim(1) * group_)
        return Status::Error("input '" + x->name + "' " + ir::shape_string(x->shape) + " has " +
                             std::to_string(x->shape[channel_axis].size) + " channels, weight " +
                             w->describe() + " with group " + std::to_string(group_) + " expects " +
                             std::to_string(w->dim(1) * group_));
    }
    if (const Tensor* b = constant_input(node, 2)) {
      MCONV_ASSIGN_OR_RETURN(bias_, float_values(*b, "bias"));
      bias_source_ = b;
    }
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
    MCONV_RETURN_IF_ERROR(require_input(in, 1, "W"));
    const Tensor& x = *in[0];
    const Tensor& w = *in[1];
    const Tensor* b = in.size() > 2 ? in[2] : nullptr;
    MCONV_RETURN_IF_ERROR(require_f32(x, "X"));
    if (x.rank() != 4) return Status::Error("X " + x.describe() + " must be rank 4 (2-D conv)");
    if (w.rank() != 4) return Status::Error("weight " + w.describe() + " must be OIHW (rank 4)");

    ConvProblem p;
    p.nhwc = nhwc_;
    p.batch = x.dim(0);
    p.in_c = nhwc_ ? x.dim(3) : x.dim(1);
    p.in_h = nhwc_ ? x.dim(1) : x.dim(2);
    p.in_w = nhwc_ ? x.dim(2) : x.dim(3);
    p.out_c = w.dim(0);
    p.group = group_;
    p.in_c_per_group = w.dim(1);
    p.kernel_h = w.dim(2);
    p.kernel_w = w.dim(3);
    if (window_.kernel_h && (window_.kernel_h != p.kernel_h || window_.kernel_w != p.kernel_w))
      return Status::Error("kernel_shape disagrees with weight " + w.describe());
    if (p.in_c != p.in_c_per_group * group_)
      return Status::Error("X " + x.describe() + " has " + std::to_string(p.in_c) +
                           " channels, weight " + w.describe() + " with group " +
                           std::to_string(group_) + " expects " +
                           std::to_string(p.in_c_per_group * group_));
    if (p.out_c % group_ != 0)
      return Status::Error("weight " + w.describe() + ": output channels not divisible by group " +
                           std::to_string(group_));
    p.out_c_per_group = p.out_c / group_;
    p.stride_h = window_.stride_h;
    p.stride_w = window_.stride_w;
    p.dilation_h = window_.dilation_h;
    p.dilation_w = window_.dilation_w;
    MCONV_ASSIGN_OR_RETURN(
        AxisExtent eh, window_axis(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, window_.pad_top,
                                   window_.pad_bottom, window_.auto_pad, false));
    MCONV_ASSIGN_OR_RETURN(
        AxisExtent ew, window_axis(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, window_.pad_left,
                                   window_.pad_right, window_.auto_pad, false));
    p.out_h = eh.out;
    p.out_w = ew.out;
    p.pad_top = eh.pad_begin;
    p.pad_left = ew.pad_begin;

    // Weights: the creation-time packing when this is the same constant, else pack now.
    const PackedWeights* weights = &packed_;
    PackedWeights local;
    if (packed_.source != &w) {
      MCONV_ASSIGN_OR_RETURN(local, pack(w));
      weights = &local;
    }
    const float* bias = nullptr;
    std::vector<float> local_bias;
    if (b) {
      if (b->element_count() != p.out_c)
        return Status::Error("bias " + b->describe() + " must have " + std::to_string(p.out_c) +
                             " values");
      if (b == bias_source_) {
        bias = bias_.data();
      } else {
        MCONV_ASSIGN_OR_RETURN(local_bias, float_values(*b, "bias"));
        bias = local_bias.data();
      }
    }

    out[0] = Tensor(DType::kF32, nhwc_ ? std::vector<int64_t>{p.batch, p.out_h, p.out_w, p.out_c}
                                       : std::vector<int64_t>{p.batch, p.out_c, p.out_h, p.out_w});
    if (out[0].element_count() == 0) return Status::Ok();
    const float* xd = x.data<float>();
    float* yd = out[0].data<float>();
    const float* wd = weights->data.data();
    switch (weights->path) {
      case ConvPath::kGemmNchw:
        conv_gemm_nchw(p, xd, wd, bias, yd, scratch_, ctx);
        break;
      case ConvPath::kGemmNhwc:
        conv_gemm_nhwc(p, xd, wd, bias, yd, scratch_, ctx);
        break;
      case ConvPath::kDepthwiseNchw:
        conv_depthwise_nchw(p, xd, wd, bias, yd, ctx);
        break;
      case ConvPath::kDepthwiseNhwc:
        conv_depthwise_nhwc(p, xd, wd, bias, yd, ctx);
        break;
    }
    return Status::Ok();
  }

 private:
  Window2d window_;                      // kernel/stride/dilation/pads from the attributes
  int64_t group_;                        // channel groups
  bool nhwc_;                            // activation layout is channels-last
  PackedWeights packed_;                 // packing of the constant weight, if it is constant
  const Tensor* bias_source_ = nullptr;  // constant bias the cached values came from
  std::vector<float> bias_;              // f32 copy of the constant bias
  std::vector<float> scratch_;           // im2col buffer reused across runs
};

}  // namespace

KernelPtr create_conv_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(Window2d window, parse_window2d(node, false));
  const int64_t group = node.attrs.get_int("group", 1);
  if (group < 1) return Status::Error("group must be >= 1, got " + std::to_string(group));
  return make_prepared_kernel<ConvKernel>(node, window, group, node.layout == ir::Layout::kNHWC);
}

}  // namespace mconv::runtime::kernels
