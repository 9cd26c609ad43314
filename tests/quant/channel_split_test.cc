// Channel splitting on a hand-built conv -> hard-swish -> depthwise chain whose channels live on
// very different scales (the MobileNetV3 stem problem): the split graph computes the same FP32
// outputs and quantizes far better.
#include "quant/channel_split.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ir/verifier.h"
#include "passes/shape_inference.h"
#include "quant/fold_channel_order.h"
#include "quant/ptq.h"
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

// x[1,4,8,8] -> Conv 1x1 (4->8) -> HardSwish -> depthwise 3x3 -> Relu -> Conv 1x1 (8->4).
// Channels 0-3 of the first conv are large (scale 10, offset 12); channels 4-7 are small
// (scale 0.05 around 3.2) and their depthwise kernels are large, high-pass (sum ~ 0): the
// pattern BatchNorm folding leaves in MobileNetV3. `uniform`: all channels alike instead.
ir::Graph stem(bool uniform) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 4, 8, 8}));
  g.inputs.push_back(x);
  Tensor w1 = random_tensor({8, 4, 1, 1}, 1.0f, 1);
  Tensor b1(DType::kF32, {8});
  Tensor wd = random_tensor({8, 1, 3, 3}, 1.0f, 2);
  for (int c = 1; c < 8 && uniform; ++c) {
    // Every channel a copy of channel 0: identical ranges, nothing to gain.
    for (int i = 0; i < 4; ++i) w1.data<float>()[c * 4 + i] = w1.data<float>()[i];
    for (int i = 0; i < 9; ++i) wd.data<float>()[c * 9 + i] = wd.data<float>()[i];
  }
  for (int c = 0; c < 8; ++c) {
    const bool small = !uniform && c >= 4;
    for (int i = 0; i < 4; ++i) w1.data<float>()[c * 4 + i] *= small ? 0.05f : 10.0f;
    b1.data<float>()[c] = small ? 3.2f : 12.0f;
    float* k = wd.data<float>() + c * 9;
    float mean = 0;
    for (int i = 0; i < 9; ++i) mean += k[i] / 9;
    for (int i = 0; i < 9; ++i) k[i] = (k[i] - mean) * (small ? 50.0f : 0.5f);
  }
  const auto nchw = ir::Layout::kNCHW;
  ir::Value* c1 = add(g, OpType::kConv, "expand",
                      {x, g.add_constant("w1", w1), g.add_constant("b1", b1)}, conv(1, 1), nchw);
  ir::Value* h = add(g, OpType::kHardSwish, "hswish", {c1});
  ir::Value* d =
      add(g, OpType::kConv, "depthwise",
          {h, g.add_constant("wd", wd),
           g.add_constant("bd", uniform ? Tensor(DType::kF32, {8}) : random_tensor({8}, 1, 3))},
          conv(3, 8), nchw);
  ir::Value* r = add(g, OpType::kRelu, "relu", {d});
  ir::Value* p = add(g, OpType::kConv, "project",
                     {r, g.add_constant("wp", random_tensor({4, 8, 1, 1}, 0.3f, 4)),
                      g.add_constant("bp", random_tensor({4}, 0.1f, 5))},
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

// Output SQNR (dB) of `test` against `reference` over a few fresh inputs.
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

int count_ops(const ir::Graph& g, OpType op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node->op == op;
  return n;
}

TEST(ChannelSplit, SplitsDisparateChannelsExactly) {
  ir::Graph g = stem(false);
  const ir::Graph original = g.clone();
  auto stats = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  ASSERT_TRUE(stats->channel_ranges.count("hswish"));
  EXPECT_EQ(stats->channel_ranges.at("hswish").min.size(), 8u);
  EXPECT_EQ(stats->channel_ranges.at("hswish").axis, 1);
  auto split = split_channel_groups(g, *stats, {.max_groups = 2});
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(*split, 1);
  ASSERT_TRUE(ir::verify(g).ok());
  // Two groups: two expand convs, two depthwise convs (group 4 each), one Concat and one Gather
  // that writes the original "relu" value.
  EXPECT_EQ(count_ops(g, OpType::kConv), 5);
  EXPECT_EQ(count_ops(g, OpType::kHardSwish), 2);
  EXPECT_EQ(count_ops(g, OpType::kConcat), 1);
  ASSERT_NE(g.find_value("relu"), nullptr);
  EXPECT_EQ(g.find_value("relu")->producer->op, OpType::kGather);
  for (const auto& n : g.nodes())
    if (n->op == OpType::kConv && n->name.rfind("depthwise", 0) == 0)
      EXPECT_EQ(n->attrs.get_int("group", 0), 4) << n->name;
  // Same FP32 function (up to float rounding in a different GEMM shape).
  EXPECT_GT(sqnr(original, g), 100.0);
}

// A chain with a node named in keep_whole (e.g. a head left in float) is not split, even where
// the same chain splits without it.
TEST(ChannelSplit, KeepWholeLeavesTheNamedChainAlone) {
  ir::Graph g = stem(false);
  auto stats = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  auto split = split_channel_groups(g, *stats, {.max_groups = 2, .keep_whole = {"depthwise"}});
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(*split, 0);
  EXPECT_EQ(count_ops(g, OpType::kConv), 3);
  EXPECT_EQ(count_ops(g, OpType::kGather), 0);
}

// fold_channel_order: the Gather that restores the channel order goes into the reader's weights
// (the projection conv's input channels); the graph computes the same and holds no Gather.
TEST(ChannelSplit, ChannelOrderFoldsIntoTheReaderExactly) {
  ir::Graph g = stem(false);
  const ir::Graph original = g.clone();
  auto stats = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  auto split = split_channel_groups(g, *stats, {.max_groups = 2});
  ASSERT_TRUE(split.ok() && *split == 1);
  ASSERT_EQ(count_ops(g, OpType::kGather), 1);
  auto folded = fold_channel_order(g);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  EXPECT_EQ(folded->gathers_folded, 1);
  EXPECT_EQ(count_ops(g, OpType::kGather), 0);
  EXPECT_EQ(g.find_value("relu"), nullptr);  // the project conv reads the grouped value
  ASSERT_TRUE(ir::verify(g).ok());
  EXPECT_GT(sqnr(original, g), 100.0);
}

// A grouped value that is also a graph output cannot change its order: the Gather stays.
TEST(ChannelSplit, ChannelOrderStaysForAGraphOutput) {
  ir::Graph g = stem(false);
  auto stats = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  auto split = split_channel_groups(g, *stats, {.max_groups = 2});
  ASSERT_TRUE(split.ok() && *split == 1);
  g.outputs.push_back(g.find_value("relu"));
  auto folded = fold_channel_order(g);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  EXPECT_EQ(folded->gathers_folded, 0);
  EXPECT_EQ(folded->gathers_kept, 1);
  EXPECT_EQ(count_ops(g, OpType::kGather), 1);
}

TEST(ChannelSplit, LeavesUniformChannelsAlone) {
  ir::Graph g = stem(true);
  auto stats = calibrate(g, inputs(8, 10), {.channel_ranges = true});
  ASSERT_TRUE(stats.ok());
  auto split = split_channel_groups(g, *stats, {.max_groups = 4});
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(*split, 0);
  EXPECT_EQ(count_ops(g, OpType::kConv), 3);
}

TEST(ChannelSplit, QuantizesFarBetter) {
  const ir::Graph fp32 = stem(false);
  PtqOptions off;
  off.split.max_groups = 1;
  auto plain = quantize_post_training(fp32, inputs(16, 10), off);
  PtqOptions on;  // splitting is off by default (it costs speed); ask for it
  on.split.max_groups = 6;
  auto split = quantize_post_training(fp32, inputs(16, 10), on);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(plain->chains_split, 0);
  EXPECT_EQ(split->chains_split, 1);
  const double before = sqnr(fp32, plain->qdq), after = sqnr(fp32, split->qdq);
  std::printf("[ int8 output SQNR ] one group %.1f dB, split %.1f dB\n", before, after);
  // Concat and Gather keep their input params (TFLite requires it).
  for (const auto& n : split->qdq.nodes()) {
    if (n->op != OpType::kConcat && n->op != OpType::kGather) continue;
    const ir::Node* out_q = n->outputs[0]->consumers.at(0);
    ASSERT_EQ(out_q->op, OpType::kQuantizeLinear);
    for (const ir::Value* in : n->inputs) {
      if (in->is_constant()) continue;
      EXPECT_EQ(in->producer->inputs[1]->constant->to_f32(), out_q->inputs[1]->constant->to_f32());
      EXPECT_EQ(in->producer->inputs[2]->constant->to_i64(), out_q->inputs[2]->constant->to_i64());
    }
  }
  EXPECT_GT(after, before + 6.0);
}

}  // namespace
}  // namespace mconv::quant
