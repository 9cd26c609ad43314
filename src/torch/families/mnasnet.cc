// torchvision MNASNet 0.5/0.75/1.0/1.3 (widths from the state dict): layers.0-2 3x3/2 conv-BN-ReLU,
// layers.3-5 dw 3x3-BN-ReLU, layers.6-7 1x1-BN, layers.8-13 six stacks of inverted residuals
// (1x1-BN-ReLU, dw kxk-BN-ReLU, 1x1-BN; residual when stride 1 and widths match), layers.14-16
// 1x1-BN-ReLU, mean over H and W, classifier Dropout, Linear. BatchNorm eps 1e-5 (its unusual
// momentum only matters in training).
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

constexpr float kEps = 1e-5f;

struct Stack {
  int stride;
  int repeats;
};
constexpr Stack kStacks[6] = {{2, 3}, {2, 3}, {2, 3}, {1, 2}, {2, 4}, {1, 1}};

}  // namespace

int64_t build_mnasnet(TorchNet& t, const std::string&) {
  Act x = t.conv_bn(t.input(), "layers.0", "layers.1", 2, kEps, OpType::kRelu);
  x = t.conv_bn(x, "layers.3", "layers.4", 1, kEps, OpType::kRelu);
  x = t.conv_bn(x, "layers.6", "layers.7", 1, kEps, OpType::kIdentity);
  for (int s = 0; s < 6; ++s) {
    for (int r = 0; r < kStacks[s].repeats; ++r) {
      const std::string name = "layers." + std::to_string(8 + s) + "." + std::to_string(r);
      const int stride = r == 0 ? kStacks[s].stride : 1;
      Act y = t.conv_bn(x, name + ".layers.0", name + ".layers.1", 1, kEps, OpType::kRelu);
      y = t.conv_bn(y, name + ".layers.3", name + ".layers.4", stride, kEps, OpType::kRelu);
      y = t.conv_bn(y, name + ".layers.6", name + ".layers.7", 1, kEps, OpType::kIdentity);
      if (stride == 1 && y.channels == x.channels) y = t.add(y, x, name + ".add");
      x = y;
    }
  }
  x = t.conv_bn(x, "layers.14", "layers.15", 1, kEps, OpType::kRelu);
  x = {t.net.reduce_mean(x.value, "mean", {2, 3}), x.channels};
  x = t.unary(OpType::kDropout, x, "classifier.0");
  return t.linear(x, "classifier.1", "logits").channels;
}

}  // namespace mconv::torch
