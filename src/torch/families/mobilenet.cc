// torchvision MobileNetV2 and MobileNetV3 (Small/Large), any width: channels and kernels come from
// the state dict; strides and activations from torchvision's tables.
//  V2: features.0 = 3x3/2 conv-BN-ReLU6; features.1..17 InvertedResidual (t == 1: dw, project;
//      else expand, dw, project), residual when stride 1 and widths match; features.18 1x1
//      conv-BN-ReLU6; adaptive avg pool; classifier Dropout, Linear. BatchNorm eps 1e-5.
//  V3: features.0 = 3x3/2 conv-BN-Hardswish; InvertedResidual blocks (optional 1x1 expand, dw,
//      optional SE with ReLU and Hardsigmoid, 1x1 project); last 1x1 conv-BN-Hardswish; avg pool;
//      classifier Linear, Hardswish, Dropout, Linear. BatchNorm eps 1e-3.
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

constexpr float kV2Eps = 1e-5f;
constexpr float kV3Eps = 1e-3f;

// Stride of each MobileNetV2 block features.1..17 (the first block of each stage of the
// t,c,n,s table {1,16,1,1},{6,24,2,2},{6,32,3,2},{6,64,4,2},{6,96,3,1},{6,160,3,2},{6,320,1,1}).
constexpr int kV2Strides[17] = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};

struct V3Block {
  bool hardswish;  // "HS" (else "RE")
  int stride;
};
constexpr V3Block kV3Small[] = {{false, 2}, {false, 2}, {false, 1}, {true, 2}, {true, 1}, {true, 1},
                                {true, 1},  {true, 1},  {true, 2},  {true, 1}, {true, 1}};
constexpr V3Block kV3Large[] = {{false, 1}, {false, 2}, {false, 1}, {false, 2}, {false, 1},
                                {false, 1}, {true, 2},  {true, 1},  {true, 1},  {true, 1},
                                {true, 1},  {true, 1},  {true, 2},  {true, 1},  {true, 1}};

std::string child(const std::string& base, int i) {
  return base + "." + std::to_string(i);
}

}  // namespace

int64_t build_mobilenet_v2(TorchNet& t, const std::string&) {
  Act x = t.conv_bn(t.input(), "features.0.0", "features.0.1", 2, kV2Eps, OpType::kClip);
  for (int b = 1; b <= 17; ++b) {
    const std::string conv = "features." + std::to_string(b) + ".conv";
    const int stride = kV2Strides[b - 1];
    Act y = x;
    int i = 0;
    // t == 1 blocks start with the depthwise conv (its weight has one input channel per group).
    const bool expands = t.sd.dims(child(conv, 0) + ".0.weight", 4)[2] == 1;
    if (expands) {
      y = t.conv_bn(y, child(conv, i) + ".0", child(conv, i) + ".1", 1, kV2Eps, OpType::kClip);
      ++i;
    }
    y = t.conv_bn(y, child(conv, i) + ".0", child(conv, i) + ".1", stride, kV2Eps, OpType::kClip);
    ++i;
    y = t.conv(y, child(conv, i), 1, false);
    y = t.batch_norm(y, child(conv, i + 1), kV2Eps);
    if (stride == 1 && y.channels == x.channels)
      y = t.add(y, x, "features." + std::to_string(b) + ".add");
    x = y;
  }
  x = t.conv_bn(x, "features.18.0", "features.18.1", 1, kV2Eps, OpType::kClip);
  x = t.pool_flatten(x, "avgpool");
  x = t.unary(OpType::kDropout, x, "classifier.0");
  return t.linear(x, "classifier.1", "logits").channels;
}

int64_t build_mobilenet_v3(TorchNet& t, const std::string& arch) {
  const bool large = arch == "mobilenet_v3_large";
  const V3Block* table = large ? kV3Large : kV3Small;
  const int blocks = large ? 15 : 11;
  Act x = t.conv_bn(t.input(), "features.0.0", "features.0.1", 2, kV3Eps, OpType::kHardSwish);
  for (int b = 1; b <= blocks; ++b) {
    const std::string name = "features." + std::to_string(b);
    const std::string block = name + ".block";
    const OpType act = table[b - 1].hardswish ? OpType::kHardSwish : OpType::kRelu;
    Act y = x;
    int i = 0;
    // Blocks that keep the width skip the 1x1 expansion: their first conv is the depthwise one.
    const bool expands = t.sd.dims(child(block, 0) + ".0.weight", 4)[2] == 1;
    if (expands) {
      y = t.conv_bn(y, child(block, i) + ".0", child(block, i) + ".1", 1, kV3Eps, act);
      ++i;
    }
    y = t.conv_bn(y, child(block, i) + ".0", child(block, i) + ".1", table[b - 1].stride, kV3Eps,
                  act);
    ++i;
    if (t.sd.has(child(block, i) + ".fc1.weight")) {
      const std::string se = child(block, i);
      Act s = {t.net.global_average_pool(y.value, se + ".avgpool"), y.channels};
      s = t.conv(s, se + ".fc1", 1, true);
      s = t.unary(OpType::kRelu, s, se + ".activation");
      s = t.conv(s, se + ".fc2", 1, true);
      s = t.hard_sigmoid(s, se + ".scale_activation");
      y = t.mul(s, y, se + ".mul");
      ++i;
    }
    y = t.conv_bn(y, child(block, i) + ".0", child(block, i) + ".1", 1, kV3Eps, OpType::kIdentity);
    if (table[b - 1].stride == 1 && y.channels == x.channels) y = t.add(y, x, name + ".add");
    x = y;
  }
  const std::string last = "features." + std::to_string(blocks + 1);
  x = t.conv_bn(x, last + ".0", last + ".1", 1, kV3Eps, OpType::kHardSwish);
  x = t.pool_flatten(x, "avgpool");
  x = t.linear(x, "classifier.0");
  x = t.unary(OpType::kHardSwish, x, "classifier.1");
  x = t.unary(OpType::kDropout, x, "classifier.2");
  return t.linear(x, "classifier.3", "logits").channels;
}

}  // namespace mconv::torch
