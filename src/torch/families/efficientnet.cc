// torchvision EfficientNet B0-B7: stem 3x3/2 conv-BN-SiLU, seven stages of MBConv blocks (1x1
// expand when the ratio is not 1, depthwise kxk, squeeze-excitation with SiLU and Sigmoid, 1x1
// project; residual with stochastic depth, which is the identity in eval mode), 1x1 head
// conv-BN-SiLU, avg pool, Dropout, Linear. Channels, kernels and block counts come from the state
// dict; stage strides from the B0 table; BatchNorm eps is 1e-5 for B0-B4 and 1e-3 for B5-B7.
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

constexpr int kStageStrides[7] = {1, 2, 2, 2, 1, 2, 1};

// Blocks of stage `stage` (features.<stage>.<j>) present in the state dict.
int blocks_in_stage(const StateDictParameters& sd, int stage) {
  int n = 0;
  while (
      sd.has("features." + std::to_string(stage) + "." + std::to_string(n) + ".block.0.0.weight"))
    ++n;
  return n;
}

}  // namespace

int64_t build_efficientnet(TorchNet& t, const std::string& arch) {
  const float eps = arch >= "efficientnet_b5" ? 1e-3f : 1e-5f;
  Act x = t.conv_bn(t.input(), "features.0.0", "features.0.1", 2, eps, OpType::kSigmoid);
  for (int stage = 1; stage <= 7; ++stage) {
    const int blocks = std::max(1, blocks_in_stage(t.sd, stage));
    for (int b = 0; b < blocks; ++b) {
      const std::string name = "features." + std::to_string(stage) + "." + std::to_string(b);
      const std::string block = name + ".block.";
      const int stride = b == 0 ? kStageStrides[stage - 1] : 1;
      Act y = x;
      int i = 0;
      const bool expands = t.sd.dims(block + "0.0.weight", 4)[2] == 1 && stage > 1;
      if (expands) {
        y = t.conv_bn(y, block + "0.0", block + "0.1", 1, eps, OpType::kSigmoid);
        ++i;
      }
      const std::string dw = block + std::to_string(i++);
      y = t.conv_bn(y, dw + ".0", dw + ".1", stride, eps, OpType::kSigmoid);
      const std::string se = block + std::to_string(i++);
      Act s = {t.net.global_average_pool(y.value, se + ".avgpool"), y.channels};
      s = t.conv(s, se + ".fc1", 1, true);
      s = t.silu(s, se + ".activation");
      s = t.conv(s, se + ".fc2", 1, true);
      s = t.unary(OpType::kSigmoid, s, se + ".scale_activation");
      y = t.mul(s, y, se + ".mul");
      const std::string project = block + std::to_string(i);
      y = t.conv_bn(y, project + ".0", project + ".1", 1, eps, OpType::kIdentity);
      if (stride == 1 && y.channels == x.channels) y = t.add(y, x, name + ".add");
      x = y;
    }
  }
  x = t.conv_bn(x, "features.8.0", "features.8.1", 1, eps, OpType::kSigmoid);
  x = t.pool_flatten(x, "avgpool");
  x = t.unary(OpType::kDropout, x, "classifier.0");
  return t.linear(x, "classifier.1", "logits").channels;
}

}  // namespace mconv::torch
