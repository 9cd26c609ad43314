// torchvision ShuffleNetV2 (x0.5, x1.0, x1.5, x2.0; widths from the state dict): conv1
// 3x3/2-BN-ReLU, MaxPool 3x3/2 pad 1, stages 2-4 (4, 8, 4 blocks; the first has stride 2 and two
// branches, the others split the channels in halves and transform the second), each block ending in
// a channel shuffle of 2 groups (Reshape [N,2,C/2,H,W], Transpose, Reshape back), conv5
// 1x1-BN-ReLU, mean over H and W, fc. BatchNorm eps 1e-5.
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

constexpr float kEps = 1e-5f;
constexpr int kRepeats[3] = {4, 8, 4};

// Spatial size after a 3x3 stride-2 pad-1 conv or pool.
int64_t halve(int64_t size) {
  return (size - 1) / 2 + 1;
}

// branch2: 1x1-BN-ReLU, dw 3x3-BN, 1x1-BN-ReLU (children 0..7).
Act branch2(TorchNet& t, Act x, const std::string& b, int stride) {
  x = t.conv_bn(x, b + ".0", b + ".1", 1, kEps, OpType::kRelu);
  x = t.conv_bn(x, b + ".3", b + ".4", stride, kEps, OpType::kIdentity);
  return t.conv_bn(x, b + ".5", b + ".6", 1, kEps, OpType::kRelu);
}

Act channel_shuffle(TorchNet& t, Act x, const std::string& name, int64_t size) {
  ir::Value* v = t.net.reshape(x.value, name + ".view", {-1, 2, x.channels / 2, size, size});
  v = t.net.transpose(v, name + ".transpose", {0, 2, 1, 3, 4});
  return {t.net.reshape(v, name + ".flatten", {-1, x.channels, size, size}), x.channels};
}

}  // namespace

int64_t build_shufflenet_v2(TorchNet& t, const std::string&) {
  Act x = t.conv_bn(t.input(), "conv1.0", "conv1.1", 2, kEps, OpType::kRelu);
  int64_t size = halve(224);
  x = {t.net.max_pool(x.value, "maxpool", 3, 2, 1, false), x.channels};
  size = halve(size);
  for (int stage = 0; stage < 3; ++stage) {
    for (int b = 0; b < kRepeats[stage]; ++b) {
      const std::string name = "stage" + std::to_string(stage + 2) + "." + std::to_string(b);
      Act out;
      if (b == 0) {
        size = halve(size);
        Act left =
            t.conv_bn(x, name + ".branch1.0", name + ".branch1.1", 2, kEps, OpType::kIdentity);
        left = t.conv_bn(left, name + ".branch1.2", name + ".branch1.3", 1, kEps, OpType::kRelu);
        Act right = branch2(t, x, name + ".branch2", 2);
        out = {t.net.concat({left.value, right.value}, name + ".cat", 1),
               left.channels + right.channels};
      } else {
        const int64_t half = x.channels / 2;
        std::vector<ir::Value*> parts = t.net.split(x.value, name + ".chunk", 1, {half, half});
        Act right = branch2(t, {parts[1], half}, name + ".branch2", 1);
        out = {t.net.concat({parts[0], right.value}, name + ".cat", 1), half + right.channels};
      }
      x = channel_shuffle(t, out, name + ".shuffle", size);
    }
  }
  x = t.conv_bn(x, "conv5.0", "conv5.1", 1, kEps, OpType::kRelu);
  x = {t.net.reduce_mean(x.value, "mean", {2, 3}), x.channels};
  return t.linear(x, "fc", "logits").channels;
}

}  // namespace mconv::torch
