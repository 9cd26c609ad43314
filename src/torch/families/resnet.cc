// torchvision ResNet 18/34 (BasicBlock) and 50/101/152 (Bottleneck, stride on the 3x3 conv as in
// torchvision's "v1.5"); widths and groups come from the state dict, so Wide ResNet-50/101-2 and
// ResNeXt (grouped 3x3) build with the same code. conv1 7x7/2 + BN + ReLU, MaxPool 3x3/2 pad 1,
// layer1..4 (first block of layers 2-4 has stride 2 and a downsample 1x1 conv + BN), avg pool, fc.
// BN eps 1e-5.
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

constexpr float kEps = 1e-5f;

struct Depths {
  const char* depth;  // the number in the architecture's name
  int blocks[4];
  bool bottleneck;
};
constexpr Depths kDepths[] = {
    {"18", {2, 2, 2, 2}, false},  {"34", {3, 4, 6, 3}, false},  {"50", {3, 4, 6, 3}, true},
    {"101", {3, 4, 23, 3}, true}, {"152", {3, 8, 36, 3}, true},
};

}  // namespace

int64_t build_resnet(TorchNet& t, const std::string& arch) {
  // resnet50, resnext50_32x4d, wide_resnet50_2: the depth follows the family word.
  const size_t digits = arch.find_first_of("0123456789");
  const std::string depth =
      digits == std::string::npos ? "" : arch.substr(digits, arch.find('_', digits) - digits);
  const Depths* depths = &kDepths[0];
  for (const Depths& d : kDepths)
    if (depth == d.depth) depths = &d;
  Act x = t.conv(t.input(), "conv1", 2, false);
  x = t.batch_norm(x, "bn1", kEps);
  x = t.unary(OpType::kRelu, x, "relu");
  x = {t.net.max_pool(x.value, "maxpool", 3, 2, 1, false), x.channels};
  for (int layer = 0; layer < 4; ++layer) {
    for (int b = 0; b < depths->blocks[layer]; ++b) {
      const std::string name = "layer" + std::to_string(layer + 1) + "." + std::to_string(b);
      const int stride = layer > 0 && b == 0 ? 2 : 1;
      Act y = t.conv(x, name + ".conv1", depths->bottleneck ? 1 : stride, false);
      y = t.batch_norm(y, name + ".bn1", kEps);
      y = t.unary(OpType::kRelu, y, name + ".relu1");
      // ResNeXt's grouped 3x3 has the same keys.
      y = t.conv(y, name + ".conv2", depths->bottleneck ? stride : 1, false, -1,
                 depths->bottleneck);
      y = t.batch_norm(y, name + ".bn2", kEps);
      if (depths->bottleneck) {
        y = t.unary(OpType::kRelu, y, name + ".relu2");
        y = t.conv(y, name + ".conv3", 1, false);
        y = t.batch_norm(y, name + ".bn3", kEps);
      }
      Act identity = x;
      if (t.sd.has(name + ".downsample.0.weight")) {
        identity = t.conv(x, name + ".downsample.0", stride, false);
        identity = t.batch_norm(identity, name + ".downsample.1", kEps);
      }
      y = t.add(y, identity, name + ".add");
      x = t.unary(OpType::kRelu, y, name + ".relu");
    }
  }
  x = t.pool_flatten(x, "avgpool");
  return t.linear(x, "fc", "logits").channels;
}

}  // namespace mconv::torch
