// BatchNormalization (inference): y = (x - mean) / sqrt(var + epsilon) * scale + B, folded into
// y = x * a[c] + b[c] per channel. Channels are axis 1 (NCHW) or the last axis (NHWC). With
// constant statistics the fold happens once at creation.
#include <cmath>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {
namespace {

struct ChannelAffine {
  std::vector<float> a;  // per-channel multiplier scale / sqrt(var + eps)
  std::vector<float> b;  // per-channel offset B - mean * a
};

Expected<ChannelAffine> fold(const Tensor& scale, const Tensor& bias, const Tensor& mean,
                             const Tensor& var, float epsilon) {
  const int64_t c = scale.element_count();
  for (const Tensor* t : {&bias, &mean, &var})
    if (t->element_count() != c)
      return Status::Error("parameter " + t->describe() + " does not match scale " +
                           scale.describe());
  MCONV_ASSIGN_OR_RETURN(std::vector<float> s, float_values(scale, "scale"));
  MCONV_ASSIGN_OR_RETURN(std::vector<float> bb, float_values(bias, "B"));
  MCONV_ASSIGN_OR_RETURN(std::vector<float> m, float_values(mean, "mean"));
  MCONV_ASSIGN_OR_RETURN(std::vector<float> v, float_values(var, "var"));
  ChannelAffine f;
  f.a.resize(c);
  f.b.resize(c);
  for (int64_t i = 0; i < c; ++i) {
    f.a[i] = s[i] / std::sqrt(v[i] + epsilon);
    f.b[i] = bb[i] - m[i] * f.a[i];
  }
  return f;
}

class BatchNormKernel final : public Kernel {
 public:
  BatchNormKernel(float epsilon, bool nhwc) : epsilon_(epsilon), nhwc_(nhwc) {}

  Status prepare(const ir::Node& node) {
    const Tensor* params[4];
    for (int i = 0; i < 4; ++i)
      if (!(params[i] = constant_input(node, i + 1))) return Status::Ok();  // computed stats
    MCONV_ASSIGN_OR_RETURN(folded_, fold(*params[0], *params[1], *params[2], *params[3], epsilon_));
    for (int i = 0; i < 4; ++i) folded_from_[i] = params[i];
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext&) override {
    for (size_t i = 0; i < 5; ++i)
      MCONV_RETURN_IF_ERROR(require_input(in, i, "of BatchNormalization"));
    const Tensor& x = *in[0];
    MCONV_RETURN_IF_ERROR(require_f32(x, "X"));
    if (x.rank() < 2) return Status::Error("X " + x.describe() + " must have rank >= 2");
    const ChannelAffine* f = &folded_;
    ChannelAffine local;
    bool cached = true;
    for (int i = 0; i < 4; ++i) cached = cached && in[i + 1] == folded_from_[i];
    if (!cached) {
      MCONV_ASSIGN_OR_RETURN(local, fold(*in[1], *in[2], *in[3], *in[4], epsilon_));
      f = &local;
    }
    const auto& dims = x.shape();
    const int64_t channels = nhwc_ ? dims.back() : dims[1];
    if (static_cast<int64_t>(f->a.size()) != channels)
      return Status::Error("X " + x.describe() + " has " + std::to_string(channels) +
                           " channels but the parameters have " + std::to_string(f->a.size()));
    out[0] = Tensor(DType::kF32, dims);
    const float* src = x.data<float>();
    float* dst = out[0].data<float>();
    const float* a = f->a.data();
    const float* b = f->b.data();
    if (nhwc_) {
      const int64_t pixels = x.element_count() / std::max<int64_t>(channels, 1);
      for (int64_t p = 0; p < pixels; ++p, src += channels, dst += channels)
        for (int64_t c = 0; c < channels; ++c) dst[c] = src[c] * a[c] + b[c];
    } else {
      const int64_t inner = dims_product(dims, 2, dims.size());
      for (int64_t n = 0; n < dims[0]; ++n)
        for (int64_t c = 0; c < channels; ++c, src += inner, dst += inner)
          for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * a[c] + b[c];
    }
    return Status::Ok();
  }

 private:
  float epsilon_;                      // added to the variance
  bool nhwc_;                          // channels are the last axis
  ChannelAffine folded_;               // fold of the constant parameters
  const Tensor* folded_from_[4] = {};  // the constants folded_ was computed from
};

}  // namespace

KernelPtr create_batch_normalization_kernel(const ir::Node& node) {
  if (node.attrs.get_int("training_mode", 0) != 0)
    return Status::Error("training_mode=1 is not supported (inference only)");
  return make_prepared_kernel<BatchNormKernel>(node, node.attrs.get_float("epsilon", 1e-5f),
                                               node.layout == ir::Layout::kNHWC);
}

}  // namespace mconv::runtime::kernels
