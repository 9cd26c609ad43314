// torchvision.models.mobilenet_v3_small (width 1.0, 1000 classes) in the IR, layer for layer:
// the inverted-residual table of torchvision's _mobilenet_v3_conf("mobilenet_v3_small"), the
// InvertedResidual block (1x1 expand when the width changes, depthwise kxk, optional
// Squeeze-Excitation with ReLU and Hardsigmoid, 1x1 project, residual when stride 1 and widths
// match), a 3x3/2 Hardswish stem, a 1x1 96->576 Hardswish head and the classifier
// Linear(576,1024) -> Hardswish -> Dropout(0.2) -> Linear(1024,1000).
#include "zoo/mobilenet_v3_small.h"

#include <algorithm>
#include <string>

#include "zoo/net_builder.h"

namespace mconv::zoo {

namespace {

using ir::OpType;
using ir::Value;

// One row of torchvision's InvertedResidualConfig table.
struct BlockConfig {
  int64_t in_channels;        // block input width
  int64_t kernel;             // depthwise kernel size
  int64_t expanded_channels;  // width inside the block
  int64_t out_channels;       // block output width
  bool use_se;                // Squeeze-Excitation after the depthwise conv
  bool hardswish;             // activation: Hardswish ("HS") or ReLU ("RE")
  int64_t stride;             // depthwise stride
};

constexpr BlockConfig kBlocks[] = {
    {16, 3, 16, 16, true, false, 2},  {16, 3, 72, 24, false, false, 2},
    {24, 3, 88, 24, false, false, 1}, {24, 5, 96, 40, true, true, 2},
    {40, 5, 240, 40, true, true, 1},  {40, 5, 240, 40, true, true, 1},
    {40, 5, 120, 48, true, true, 1},  {48, 5, 144, 48, true, true, 1},
    {48, 5, 288, 96, true, true, 2},  {96, 5, 576, 96, true, true, 1},
    {96, 5, 576, 96, true, true, 1},
};
constexpr int64_t kLastConvChannels = 576;  // 6 x the last block's 96
constexpr int64_t kLastChannels = 1024;     // classifier hidden width
constexpr int64_t kClasses = 1000;

// torchvision's _make_divisible(v, 8): round to the nearest multiple of 8, never below 8 and
// never more than 10% below v.
int64_t make_divisible(double v, int64_t divisor = 8) {
  int64_t rounded =
      std::max<int64_t>(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

// SqueezeExcitation(expanded, make_divisible(expanded // 4)): x *
// hardsigmoid(fc2(relu(fc1(avg(x))))).
Value* squeeze_excitation(NetBuilder& net, Value* x, const std::string& name, int64_t channels) {
  const int64_t squeeze = make_divisible(static_cast<double>(channels / 4));
  Value* s = net.global_average_pool(x, name + ".avgpool");
  s = net.conv(s, name + ".fc1", channels, squeeze, 1, 1, 1, true);
  s = net.unary(OpType::kRelu, s, name + ".activation");
  s = net.conv(s, name + ".fc2", squeeze, channels, 1, 1, 1, true);
  s = net.hard_sigmoid(s, name + ".scale_activation");
  return net.binary(OpType::kMul, s, x, name + ".mul");
}

Value* inverted_residual(NetBuilder& net, Value* x, const std::string& name, const BlockConfig& c) {
  const OpType act = c.hardswish ? OpType::kHardSwish : OpType::kRelu;
  Value* y = x;
  int layer = 0;
  auto child = [&] { return name + ".block." + std::to_string(layer++); };
  if (c.expanded_channels != c.in_channels)
    y = net.conv_bn_act(y, child(), c.in_channels, c.expanded_channels, 1, 1, 1, act);
  y = net.conv_bn_act(y, child(), c.expanded_channels, c.expanded_channels, c.kernel, c.stride,
                      c.expanded_channels, act);
  if (c.use_se) y = squeeze_excitation(net, y, child(), c.expanded_channels);
  y = net.conv_bn_act(y, child(), c.expanded_channels, c.out_channels, 1, 1, 1, OpType::kIdentity);
  if (c.stride == 1 && c.in_channels == c.out_channels)
    y = net.binary(OpType::kAdd, y, x, name + ".add");
  return y;
}

}  // namespace

void build_mobilenet_v3_small(ir::Graph& graph, SeededRandom& random) {
  NetBuilder net(graph, random);
  Value* x = net.input("input", {1, 3, 224, 224});
  x = net.conv_bn_act(x, "features.0", 3, kBlocks[0].in_channels, 3, 2, 1, OpType::kHardSwish);
  int index = 1;
  for (const BlockConfig& block : kBlocks)
    x = inverted_residual(net, x, "features." + std::to_string(index++), block);
  x = net.conv_bn_act(x, "features." + std::to_string(index), kBlocks[10].out_channels,
                      kLastConvChannels, 1, 1, 1, OpType::kHardSwish);
  x = net.global_average_pool(x, "avgpool");
  x = net.flatten(x, "flatten");
  x = net.linear(x, "classifier.0", kLastConvChannels, kLastChannels);
  x = net.unary(OpType::kHardSwish, x, "classifier.1");
  x = net.unary(OpType::kDropout, x, "classifier.2");
  // The output is named like the torch export's so files converted from either read the same.
  x = net.linear(x, "classifier.3", kLastChannels, kClasses, "logits");
  graph.outputs.push_back(x);
}

}  // namespace mconv::zoo
