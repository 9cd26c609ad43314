// Gate folding (exact FP32 rewrites) and the QDQ -> full-integer lowering on a small
// MobileNetV3-like block: structure of the integer graph (only the ends touch float, integer
// I/O types), and numerics through the interpreter's integer kernels against FP32.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/dump.h"
#include "ir/verifier.h"
#include "quant/calibration.h"
#include "quant/fold_gates.h"
#include "quant/hard_swish_form.h"
#include "quant/lower_to_integer.h"
#include "quant/ptq.h"
#include "quant_test_graphs.h"
#include "runtime/interpreter.h"

namespace mconv::quant {
namespace {

using ir::OpType;

using testing::conv_attrs;
using testing::node;
using testing::random_tensor;

ir::Value* scalar(ir::Graph& g, const std::string& name, float v) {
  return g.add_constant(name, Tensor::FromVector<float>(DType::kF32, {}, {v}));
}

ir::Value* conv(ir::Graph& g, const std::string& name, ir::Value* x, int64_t cin, int64_t cout,
                int64_t group, int64_t k, uint32_t seed) {
  const float stddev = 1.0f / std::sqrt(static_cast<float>(cin / group * k * k));
  return node(
      g, OpType::kConv, name,
      {x, g.add_constant(name + "_w", random_tensor({cout, cin / group, k, k}, stddev, seed)),
       g.add_constant(name + "_b", random_tensor({cout}, 0.1f, seed + 1))},
      conv_attrs(group, k), ir::Layout::kNHWC);
}

// NHWC x[1,8,8,3] -> Conv+Relu6 -> depthwise -> HardSwish -> SE block (mean, conv, relu, conv,
// gate) -> multiply -> project conv -> + residual -> mean -> Reshape -> Gemm -> Softmax.
// `keras_gate`: the gate as Keras writes it (Clip(0,6) then * 1/6, +3 folded into the bias),
// else as torchvision does (HardSigmoid).
ir::Graph mobile_block(bool keras_gate) {
  ir::Graph g;
  g.name = "mobile_block";
  ir::Value* x = g.add_value("image", DType::kF32, ir::make_shape({1, 8, 8, 3}));
  g.inputs.push_back(x);
  ir::Value* c1 = conv(g, "stem", x, 3, 8, 1, 3, 10);
  ir::Value* r1 = node(g, OpType::kClip, "relu6", {c1, scalar(g, "lo", 0), scalar(g, "hi", 6)});
  ir::Value* dw = conv(g, "dw", r1, 8, 8, 8, 3, 20);
  ir::Value* hs = node(g, OpType::kHardSwish, "hswish", {dw});
  ir::Attributes mean;
  mean.set("axes", std::vector<int64_t>{1, 2});
  mean.set("keepdims", int64_t{1});
  ir::Value* m = node(g, OpType::kReduceMean, "se_mean", {hs}, mean);
  ir::Value* s1 = conv(g, "se_reduce", m, 8, 4, 1, 1, 30);
  ir::Value* s1r = node(g, OpType::kRelu, "se_relu", {s1});
  ir::Value* s2 = conv(g, "se_expand", s1r, 4, 8, 1, 1, 40);
  ir::Value* gate;
  if (keras_gate) {
    ir::Value* clipped =
        node(g, OpType::kClip, "gate_relu6", {s2, scalar(g, "glo", 0), scalar(g, "ghi", 6)});
    gate = node(g, OpType::kMul, "gate_scale", {clipped, scalar(g, "sixth", 1.0f / 6.0f)});
  } else {
    ir::Attributes hsig;
    hsig.set("alpha", 1.0f / 6.0f);
    hsig.set("beta", 0.5f);
    gate = node(g, OpType::kHardSigmoid, "gate", {s2}, hsig);
  }
  ir::Value* se = node(g, OpType::kMul, "se_mul", {hs, gate});
  ir::Value* pw = conv(g, "project", se, 8, 8, 1, 1, 50);
  ir::Value* res = node(g, OpType::kAdd, "residual", {pw, r1});
  ir::Value* pooled = node(g, OpType::kReduceMean, "pool", {res}, mean);
  ir::Value* flat = node(
      g, OpType::kReshape, "flatten",
      {pooled, g.add_constant("shape", Tensor::FromVector<int64_t>(DType::kI64, {2}, {1, 8}))});
  ir::Attributes gemm;
  gemm.set("transB", int64_t{1});
  ir::Value* logits = node(g, OpType::kGemm, "classifier",
                           {flat, g.add_constant("fc_w", random_tensor({5, 8}, 0.5f, 60)),
                            g.add_constant("fc_b", random_tensor({5}, 0.1f, 61))},
                           gemm);
  ir::Attributes sm;
  sm.set("axis", int64_t{1});
  ir::Value* probs = node(g, OpType::kSoftmax, "softmax", {logits}, sm);
  g.outputs.push_back(probs);
  EXPECT_TRUE(g.topological_sort().ok());
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
  return g;
}

std::vector<Tensor> images(int n, uint32_t seed) {
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i)
    out.push_back(random_tensor({1, 8, 8, 3}, 1.0f, seed + static_cast<uint32_t>(i)));
  return out;
}

std::vector<float> run(const ir::Graph& g, const Tensor& x) {
  auto interp = runtime::Interpreter::Create(g);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  auto out = (*interp)->run({x});
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? (*out)[0].to_f32() : std::vector<float>{};
}

int count(const ir::Graph& g, OpType op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node->op == op;
  return n;
}

TEST(FoldGates, KerasAndTorchGatesFoldExactly) {
  for (bool keras : {true, false}) {
    ir::Graph before = mobile_block(keras);
    ir::Graph after = before.clone();
    auto folded = fold_gates(after);
    ASSERT_TRUE(folded.ok()) << folded.status().message();
    EXPECT_EQ(folded->folded, 1);
    ASSERT_EQ(folded->gates.size(), 1u);
    EXPECT_EQ(count(after, OpType::kHardSigmoid), 0);
    // The gate is now Conv -> Clip(0, 1); the Keras 1/6 multiply is gone.
    EXPECT_EQ(count(after, OpType::kMul), 1);
    ir::Value* gate = after.find_value(folded->gates[0]);
    ASSERT_NE(gate, nullptr);
    ASSERT_EQ(gate->producer->op, OpType::kClip);
    EXPECT_EQ(gate->producer->inputs[2]->constant->to_f32()[0], 1.0f);
    for (const Tensor& x : images(3, 100)) {
      const std::vector<float> a = run(before, x), b = run(after, x);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i)
        EXPECT_NEAR(a[i], b[i], 1e-5f) << (keras ? "keras" : "torch");
    }
  }
}

TEST(FoldGates, HardSwishSpelledAsMulOfHardSigmoidBecomesHardSwish) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 4}));
  g.inputs.push_back(x);
  ir::Attributes hsig;
  hsig.set("alpha", 1.0f / 6.0f);
  hsig.set("beta", 0.5f);
  ir::Value* h = node(g, OpType::kHardSigmoid, "hsig", {x}, hsig);
  g.outputs.push_back(node(g, OpType::kMul, "mul", {x, h}));
  auto folded = fold_gates(g);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(count(g, OpType::kHardSwish), 1);
  EXPECT_EQ(count(g, OpType::kMul), 0);
  const Tensor in = Tensor::FromVector<float>(DType::kF32, {1, 4}, {-4.0f, -1.0f, 0.5f, 4.0f});
  const std::vector<float> y = run(g, in);
  const float expected[] = {0.0f, -1.0f / 3.0f, 0.5f * 3.5f / 6.0f, 4.0f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], expected[i], 1e-6f);
}

// Hard-swish as Add(x, 3) -> Clip(0, 6) -> Mul(x, .) with the 1/6 folded into the readers: the
// SE mean feeds a conv and the SE product feeds the projection conv, so both convs take it.
TEST(HardSwishForm, DecomposedBlockComputesTheSameFp32) {
  const ir::Graph original = mobile_block(false);
  ir::Graph g = original.clone();
  auto rewrite = decompose_hard_swish(g);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status().message();
  EXPECT_EQ(rewrite->decomposed, 1);
  EXPECT_EQ(rewrite->folded, 1);
  EXPECT_EQ(rewrite->weights_scaled, 2);  // se_reduce and project
  EXPECT_EQ(count(g, OpType::kHardSwish), 0);
  EXPECT_EQ(count(g, OpType::kMul), count(original, OpType::kMul) + 1);
  EXPECT_EQ(count(g, OpType::kConv), count(original, OpType::kConv));
  ASSERT_TRUE(ir::verify(g).ok());
  // Values that hold six times their old value are no longer under their old names.
  EXPECT_EQ(g.find_value("se_mean"), nullptr);
  EXPECT_NE(g.find_value("se_mean_x6"), nullptr);
  for (const Tensor& x : images(4, 7)) {
    const std::vector<float> a = run(original, x), b = run(g, x);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f);
  }
}

// A hard-swish whose result leaves the graph keeps its value through an explicit Mul by 1/6.
TEST(HardSwishForm, UnfoldableReaderGetsAnExplicitSixth) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 4}));
  g.inputs.push_back(x);
  g.outputs.push_back(node(g, OpType::kHardSwish, "hswish", {x}));
  auto rewrite = decompose_hard_swish(g);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status().message();
  EXPECT_EQ(rewrite->decomposed, 1);
  EXPECT_EQ(rewrite->folded, 0);
  EXPECT_EQ(count(g, OpType::kMul), 2);
  EXPECT_EQ(g.outputs[0]->name, "hswish");
  const Tensor in = Tensor::FromVector<float>(DType::kF32, {1, 4}, {-4.0f, -1.0f, 0.5f, 4.0f});
  const std::vector<float> y = run(g, in);
  const float expected[] = {0.0f, -1.0f / 3.0f, 0.5f * 3.5f / 6.0f, 4.0f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], expected[i], 1e-6f);
}

class IntegerLowering : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    fp32_ = mobile_block(GetParam());
    std::vector<std::vector<Tensor>> runs;
    for (const Tensor& x : images(24, 1)) runs.push_back({x});
    PtqOptions options;
    options.quantize.activation_range.method = RangeMethod::kMinMax;
    auto ptq =
        quantize_post_training(fp32_, calibration_source_from_runs(std::move(runs)), options);
    ASSERT_TRUE(ptq.ok()) << ptq.status().message();
    ptq_ = std::move(ptq).value();
  }
  ir::Graph fp32_;
  PtqResult ptq_;
};

TEST_P(IntegerLowering, OnlyTheEndsTouchFloat) {
  auto lowered = lower_to_integer(ptq_.qdq);
  ASSERT_TRUE(lowered.ok()) << lowered.status().message();
  const ir::Graph& g = *lowered;
  EXPECT_EQ(count(g, OpType::kQuantizeLinear), 1);    // after the float input
  EXPECT_EQ(count(g, OpType::kDequantizeLinear), 1);  // before the float softmax
  EXPECT_EQ(count(g, OpType::kHardSigmoid), 0);
  for (const auto& n : g.nodes()) {
    if (n->op == OpType::kQuantizeLinear || n->op == OpType::kDequantizeLinear ||
        n->op == OpType::kSoftmax)
      continue;
    for (const ir::Value* v : n->outputs) {
      EXPECT_TRUE(v->dtype == DType::kI8) << n->name << " writes " << dtype_name(v->dtype);
      EXPECT_TRUE(v->quant.has_value()) << n->name;
    }
    if (n->op == OpType::kConv) {
      EXPECT_EQ(n->inputs[1]->dtype, DType::kI8);
      ASSERT_TRUE(n->inputs[1]->quant);
      EXPECT_EQ(n->inputs[1]->quant->axis, 0);  // per output channel
      EXPECT_EQ(n->inputs[2]->dtype, DType::kI32);
    }
  }
  // The softmax reads the dequantized logits and writes the float output.
  const ir::Node* softmax = g.outputs[0]->producer;
  ASSERT_EQ(softmax->op, OpType::kSoftmax);
  EXPECT_EQ(softmax->inputs[0]->producer->op, OpType::kDequantizeLinear);
}

TEST_P(IntegerLowering, IntegerKernelsFollowFp32) {
  auto lowered = lower_to_integer(ptq_.qdq);
  ASSERT_TRUE(lowered.ok()) << lowered.status().message();
  double worst = 1.0;
  int agree = 0;
  const std::vector<Tensor> xs = images(16, 500);
  for (const Tensor& x : xs) {
    const std::vector<float> a = run(fp32_, x), b = run(*lowered, x);
    ASSERT_EQ(a.size(), b.size());
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
    worst = std::min(worst, dot / std::sqrt(na * nb));
    agree += std::max_element(a.begin(), a.end()) - a.begin() ==
             std::max_element(b.begin(), b.end()) - b.begin();
  }
  std::printf("[ %s gate ] integer vs FP32: worst cosine %.4f, top-1 agreement %d/16\n",
              GetParam() ? "keras" : "torch", worst, agree);
  EXPECT_GT(worst, 0.98);
  EXPECT_GE(agree, 13);
}

TEST_P(IntegerLowering, IntegerInputsAndOutputs) {
  PtqOptions options;
  options.float_softmax_output = false;
  std::vector<std::vector<Tensor>> runs;
  for (const Tensor& x : images(8, 1)) runs.push_back({x});
  auto ptq = quantize_post_training(fp32_, calibration_source_from_runs(std::move(runs)), options);
  ASSERT_TRUE(ptq.ok()) << ptq.status().message();
  for (IntegerIo io : {IntegerIo::kInt8, IntegerIo::kUint8}) {
    auto lowered = lower_to_integer(ptq->qdq, {.io = io});
    ASSERT_TRUE(lowered.ok()) << lowered.status().message();
    const DType want = io == IntegerIo::kInt8 ? DType::kI8 : DType::kU8;
    EXPECT_EQ(lowered->inputs[0]->dtype, want);
    EXPECT_EQ(lowered->outputs[0]->dtype, want);
    EXPECT_EQ(lowered->inputs[0]->name, "image");
    ASSERT_TRUE(lowered->outputs[0]->quant);
    // Softmax output params are fixed by the spec: scale 1/256 (zero point -128, +128 as uint8).
    EXPECT_FLOAT_EQ(lowered->outputs[0]->quant->scale[0], 1.0f / 256.0f);
    EXPECT_EQ(lowered->outputs[0]->quant->zero_point[0], io == IntegerIo::kInt8 ? -128 : 0);
    EXPECT_EQ(count(*lowered, OpType::kDequantizeLinear), 0);
  }
  // A float softmax tail cannot give integer outputs: a clear error.
  auto bad = lower_to_integer(ptq_.qdq, {.io = IntegerIo::kInt8});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("computed in float"), std::string::npos);
}

TEST(IntegerLoweringErrors, Uint8ActivationsAreRefused) {
  ir::Graph fp32 = mobile_block(true);
  std::vector<std::vector<Tensor>> runs;
  for (const Tensor& x : images(4, 1)) runs.push_back({x});
  PtqOptions options;
  options.quantize.activation_type = DType::kU8;
  auto ptq = quantize_post_training(fp32, calibration_source_from_runs(std::move(runs)), options);
  ASSERT_TRUE(ptq.ok()) << ptq.status().message();
  auto lowered = lower_to_integer(ptq->qdq);
  ASSERT_FALSE(lowered.ok());
  EXPECT_NE(lowered.status().message().find("uint8"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Gates, IntegerLowering, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "keras" : "torch"; });

}  // namespace
}  // namespace mconv::quant
