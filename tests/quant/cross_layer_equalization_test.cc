// Cross-layer equalization on a hand-built conv -> relu -> depthwise -> relu -> conv chain whose
// expand channels live on very different scales: the equalized graph computes the same FP32
// outputs, its relu activation's channels share one range, and it quantizes better.
#include "quant/cross_layer_equalization.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "passes/shape_inference.h"
#include "quant/quantize_qdq.h"
#include "runtime/interpreter.h"

namespace mconv::quant {
namespace {

using ir::OpType;

Tensor random_tensor(std::vector<int64_t> shape, float stddev, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(shape_element_count(shape)));
  for (float& x : v) x = dist(rng);
  return Tensor::FromVector(DType::kF32, shape, v);
}

ir::Value* add(ir::Graph& g, OpType op, const std::string& name, std::vector<ir::Value*> in,
               ir::Attributes attrs = {}, ir::Layout layout = ir::Layout::kNone) {
  ir::Value* out = g.add_value(name, DType::kF32, {}, false);
  ir::Node* n = g.add_node(op, name, std::move(in), {out});
  n->attrs = std::move(attrs);
  n->layout = layout;
  return out;
}

ir::Attributes conv(int64_t k, int64_t group) {
  ir::Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{k, k});
  a.set("strides", std::vector<int64_t>{1, 1});
  a.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
  a.set("dilations", std::vector<int64_t>{1, 1});
  a.set("group", group);
  return a;
}

// x[1,4,8,8] -> Conv 1x1 (4->8) -> Relu -> depthwise 3x3 -> Relu -> Conv 1x1 (8->4). Expand
// channels 4-7 are 100x smaller than 0-3 and their depthwise kernels 100x larger, so the
// depthwise output is balanced but the first Relu output is not.
ir::Graph chain() {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 4, 8, 8}));
  g.inputs.push_back(x);
  Tensor w1 = random_tensor({8, 4, 1, 1}, 1.0f, 1);
  Tensor b1 = random_tensor({8}, 0.5f, 2);
  Tensor wd = random_tensor({8, 1, 3, 3}, 1.0f, 3);
  for (int c = 4; c < 8; ++c) {
    for (int i = 0; i < 4; ++i) w1.data<float>()[c * 4 + i] *= 0.01f;
    b1.data<float>()[c] *= 0.01f;
    for (int i = 0; i < 9; ++i) wd.data<float>()[c * 9 + i] *= 100.0f;
  }
  const auto nchw = ir::Layout::kNCHW;
  ir::Value* e = add(g, OpType::kConv, "expand",
                     {x, g.add_constant("w1", w1), g.add_constant("b1", b1)}, conv(1, 1), nchw);
  ir::Value* r1 = add(g, OpType::kRelu, "relu1", {e});
  ir::Value* d = add(g, OpType::kConv, "depthwise",
                     {r1, g.add_constant("wd", wd), g.add_constant("bd", random_tensor({8}, 1, 4))},
                     conv(3, 8), nchw);
  ir::Value* r2 = add(g, OpType::kRelu, "relu2", {d});
  ir::Value* p = add(g, OpType::kConv, "project",
                     {r2, g.add_constant("wp", random_tensor({4, 8, 1, 1}, 0.3f, 5)),
                      g.add_constant("bp", random_tensor({4}, 0.1f, 6))},
                     conv(1, 1), nchw);
  g.outputs.push_back(p);
  EXPECT_TRUE(passes::infer_shapes(g).ok());
  return g;
}

CalibrationSource inputs(int count, uint32_t seed) {
  std::vector<std::vector<Tensor>> runs;
  for (int i = 0; i < count; ++i) runs.push_back({random_tensor({1, 4, 8, 8}, 1.0f, seed + i)});
  return calibration_source_from_runs(std::move(runs));
}

// Output SQNR (dB) of `test` against `reference` over fresh inputs.
double sqnr(const ir::Graph& reference, const ir::Graph& test) {
  auto a = runtime::Interpreter::Create(reference);
  auto b = runtime::Interpreter::Create(test);
  EXPECT_TRUE(a.ok() && b.ok());
  double signal = 0, noise = 0;
  for (int i = 0; i < 8; ++i) {
    const Tensor x = random_tensor({1, 4, 8, 8}, 1.0f, 900 + i);
    auto ya = (*a)->run({x});
    auto yb = (*b)->run({x});
    EXPECT_TRUE(ya.ok() && yb.ok());
    const auto va = (*ya)[0].values<float>(), vb = (*yb)[0].values<float>();
    for (size_t k = 0; k < va.size(); ++k) {
      signal += double(va[k]) * va[k];
      noise += double(va[k] - vb[k]) * (va[k] - vb[k]);
    }
  }
  return 10 * std::log10(signal / std::max(noise, 1e-30));
}

double int8_sqnr(const ir::Graph& fp32) {
  auto stats = calibrate(fp32, inputs(16, 10));
  EXPECT_TRUE(stats.ok());
  auto qdq = quantize_to_qdq(fp32, *stats, {});
  EXPECT_TRUE(qdq.ok()) << qdq.status().message();
  return qdq.ok() ? sqnr(fp32, *qdq) : 0.0;
}

TEST(CrossLayerEqualization, EqualizesExactlyAndQuantizesBetter) {
  ir::Graph g = chain();
  const ir::Graph original = g.clone();
  auto channels = calibrate(g, inputs(16, 10), {.channel_ranges = true});
  ASSERT_TRUE(channels.ok()) << channels.status().message();
  auto eq = equalize_channel_ranges(g, *channels, {.enabled = true});
  ASSERT_TRUE(eq.ok()) << eq.status().message();
  EXPECT_EQ(eq->producers, (std::vector<std::string>{"expand", "depthwise"}));
  EXPECT_GT(sqnr(original, g), 100.0) << "equalization must not change the FP32 function";

  // The small channels of relu1 now reach (close to) the clipped range of the tensor.
  auto after = calibrate(g, inputs(16, 10), {.channel_ranges = true});
  ASSERT_TRUE(after.ok());
  const ChannelRanges& before_r = channels->channel_ranges.at("relu1");
  const ChannelRanges& after_r = after->channel_ranges.at("relu1");
  const auto spread = [](const ChannelRanges& r) {
    return *std::min_element(r.max.begin(), r.max.end()) /
           *std::max_element(r.max.begin(), r.max.end());
  };
  EXPECT_LT(spread(before_r), 0.05f);
  EXPECT_GT(spread(after_r), 0.5f);

  const double plain = int8_sqnr(original), equalized = int8_sqnr(g);
  std::printf("[ cle ] int8 output SQNR %.1f dB -> %.1f dB\n", plain, equalized);
  EXPECT_GT(equalized, plain + 3.0);
}

TEST(CrossLayerEqualization, LeavesNonHomogeneousChainsAlone) {
  ir::Graph g = chain();
  // A HardSwish between expand and depthwise: no positive per-channel scale passes it.
  ir::Node* relu1 = nullptr;
  for (const auto& n : g.nodes())
    if (n->name == "relu1") relu1 = n.get();
  ASSERT_NE(relu1, nullptr);
  relu1->op = OpType::kHardSwish;
  auto channels = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(channels.ok());
  auto eq = equalize_channel_ranges(g, *channels, {.enabled = true});
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->producers, (std::vector<std::string>{"depthwise"}));
}

}  // namespace
}  // namespace mconv::quant
