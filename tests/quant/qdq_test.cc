// The QDQ rewrite on small hand-built graphs: structure (what gets Q/DQ, fused activations, weight
// and bias params), the TFLite parameter constraints (tied and fixed params) and numerics.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/verifier.h"
#include "passes/shape_inference.h"
#include "quant/calibration.h"
#include "quant/quant_params.h"
#include "quant/quantize_qdq.h"
#include "quant_test_graphs.h"
#include "runtime/interpreter.h"

namespace mconv::quant {
namespace {

using ir::OpType;

using testing::conv_attrs;
using testing::node;
using testing::random_tensor;

// x[1,3,8,8] -> Conv(3->8)+Relu -> depthwise Conv -> HardSwish -> (MaxPool, Concat with the
// HardSwish output) -> Conv 1x1 (16->8) -> p * HardSigmoid(p) * 0.5 + relu output (residual) ->
// GlobalAveragePool -> Flatten -> Gemm(8->5) -> Softmax.
ir::Graph small_cnn() {
  ir::Graph g;
  g.name = "small_cnn";
  ir::Value* x = g.add_value("image", DType::kF32, ir::make_shape({1, 3, 8, 8}));
  g.inputs.push_back(x);
  const auto nchw = ir::Layout::kNCHW;
  ir::Value* c1 = node(g, OpType::kConv, "conv1",
                       {x, g.add_constant("w1", random_tensor({8, 3, 3, 3}, 0.3f, 1)),
                        g.add_constant("b1", random_tensor({8}, 0.1f, 2))},
                       conv_attrs(1, 3), nchw);
  ir::Value* r1 = node(g, OpType::kRelu, "relu1", {c1});
  ir::Value* dw = node(g, OpType::kConv, "dw",
                       {r1, g.add_constant("w2", random_tensor({8, 1, 3, 3}, 0.5f, 3)),
                        g.add_constant("b2", random_tensor({8}, 0.1f, 4))},
                       conv_attrs(8, 3), nchw);
  ir::Value* hs = node(g, OpType::kHardSwish, "hswish", {dw});
  ir::Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.set("strides", std::vector<int64_t>{1, 1});
  pool.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::Value* mp = node(g, OpType::kMaxPool, "maxpool", {hs}, pool, nchw);
  ir::Attributes cat;
  cat.set("axis", int64_t{1});
  ir::Value* cc = node(g, OpType::kConcat, "concat", {hs, mp}, cat);
  ir::Value* pw = node(g, OpType::kConv, "project",
                       {cc, g.add_constant("w3", random_tensor({8, 16, 1, 1}, 0.3f, 5)),
                        g.add_constant("b3", random_tensor({8}, 0.1f, 6))},
                       conv_attrs(1, 1), nchw);
  ir::Attributes hsig;
  hsig.set("alpha", 1.0f / 6.0f);
  hsig.set("beta", 0.5f);
  ir::Value* gate = node(g, OpType::kHardSigmoid, "gate", {pw}, hsig);
  ir::Value* se = node(g, OpType::kMul, "se_mul", {pw, gate});
  ir::Value* scaled = node(
      g, OpType::kMul, "scale_by_const",
      {se, g.add_constant("half", Tensor::FromVector(DType::kF32, {}, std::vector<float>{0.5f}))});
  ir::Value* res = node(g, OpType::kAdd, "residual", {scaled, r1});
  ir::Value* gap = node(g, OpType::kGlobalAveragePool, "gap", {res}, {}, nchw);
  ir::Attributes flat;
  flat.set("axis", int64_t{1});
  ir::Value* f = node(g, OpType::kFlatten, "flatten", {gap}, flat);
  ir::Attributes gemm;
  gemm.set("transB", int64_t{1});
  gemm.set("alpha", 2.0f);  // folded into the weights by prepare_for_quantization
  ir::Value* logits = node(g, OpType::kGemm, "fc",
                           {f, g.add_constant("wfc", random_tensor({5, 8}, 0.5f, 7)),
                            g.add_constant("bfc", random_tensor({5}, 0.1f, 8))},
                           gemm);
  ir::Attributes sm;
  sm.set("axis", int64_t{-1});
  ir::Value* prob = node(g, OpType::kSoftmax, "prob", {logits}, sm);
  g.outputs.push_back(prob);
  EXPECT_TRUE(passes::infer_shapes(g).ok());
  return g;
}

CalibrationSource random_images(int count, uint32_t seed) {
  std::vector<std::vector<Tensor>> runs;
  for (int i = 0; i < count; ++i) runs.push_back({random_tensor({1, 3, 8, 8}, 1.0f, seed + i)});
  return calibration_source_from_runs(std::move(runs));
}

// The QuantizeLinear/DequantizeLinear node writing or reading `name`.
const ir::Node* producer_of(const ir::Graph& g, const std::string& name) {
  const ir::Value* v = g.find_value(name);
  return v ? v->producer : nullptr;
}

float scalar(const ir::Value* v) {
  return v->constant->to_f32().at(0);
}
int64_t scalar_i(const ir::Value* v) {
  return v->constant->to_i64().at(0);
}

// Scale and zero point of the Q/DQ pair that now writes value `name`.
std::pair<float, int64_t> params_of(const ir::Graph& g, const std::string& name) {
  const ir::Node* dq = producer_of(g, name);
  EXPECT_TRUE(dq && dq->op == OpType::kDequantizeLinear) << name;
  if (!dq || dq->op != OpType::kDequantizeLinear) return {0.0f, 0};
  return {scalar(dq->inputs[1]), scalar_i(dq->inputs[2])};
}

class QdqTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fp32_ = small_cnn();
    ASSERT_TRUE(prepare_for_quantization(fp32_).ok());
    auto calib = calibrate(fp32_, random_images(16, 100));
    ASSERT_TRUE(calib.ok()) << calib.status().message();
    calibration_ = std::move(calib).value();
    auto q = quantize_to_qdq(fp32_, calibration_);
    ASSERT_TRUE(q.ok()) << q.status().message();
    qdq_ = std::move(q).value();
  }
  ir::Graph fp32_;
  CalibrationResult calibration_;
  ir::Graph qdq_;
};

TEST_F(QdqTest, CalibrationSeesEveryFloatActivation) {
  EXPECT_EQ(calibration_.runs, 16u);
  for (const char* name : {"image", "conv1", "relu1", "dw", "hswish", "maxpool", "concat",
                           "project", "gate", "se_mul", "residual", "gap", "flatten", "fc", "prob"})
    EXPECT_NE(calibration_.find(name), nullptr) << name;
  EXPECT_EQ(calibration_.find("w1"), nullptr);  // constants are not activations
  const Histogram* relu = calibration_.find("relu1");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->min(), 0.0f);
  EXPECT_EQ(relu->count(), 16u * 8 * 8 * 8);
  // Channel means of Conv/Gemm inputs, for bias correction.
  ASSERT_TRUE(calibration_.input_means.count("dw"));
  EXPECT_EQ(calibration_.input_means.at("dw").sum.size(), 8u);
  EXPECT_EQ(calibration_.input_means.at("fc").sum.size(), 8u);
}

TEST_F(QdqTest, KeepsFloatInterfaceAndNames) {
  ASSERT_TRUE(ir::verify(qdq_).ok());
  ASSERT_EQ(qdq_.inputs.size(), 1u);
  ASSERT_EQ(qdq_.outputs.size(), 1u);
  EXPECT_EQ(qdq_.inputs[0]->name, "image");
  EXPECT_EQ(qdq_.inputs[0]->dtype, DType::kF32);
  EXPECT_EQ(qdq_.outputs[0]->name, "prob");
  EXPECT_EQ(qdq_.outputs[0]->dtype, DType::kF32);
  // Input: Q right after the graph input, readers read the dequantized copy.
  ASSERT_EQ(qdq_.inputs[0]->consumers.size(), 1u);
  EXPECT_EQ(qdq_.inputs[0]->consumers[0]->op, OpType::kQuantizeLinear);
  // Output: written by a DequantizeLinear.
  EXPECT_EQ(qdq_.outputs[0]->producer->op, OpType::kDequantizeLinear);
  // Every QuantizeLinear output is int8 with its params recorded on the value.
  int quantize_nodes = 0;
  for (const auto& n : qdq_.nodes()) {
    if (n->op != OpType::kQuantizeLinear) continue;
    ++quantize_nodes;
    const ir::Value* q = n->outputs[0];
    EXPECT_EQ(q->dtype, DType::kI8) << q->name;
    ASSERT_TRUE(q->quant.has_value()) << q->name;
    EXPECT_FLOAT_EQ(q->quant->scale[0], scalar(n->inputs[1]));
    EXPECT_EQ(q->quant->zero_point[0], scalar_i(n->inputs[2]));
  }
  // image, relu1, dw, hswish, maxpool, concat, project, gate, se_mul, scale_by_const, residual,
  // gap, flatten, fc, prob (conv1 is fused with its Relu).
  EXPECT_EQ(quantize_nodes, 15);
}

TEST_F(QdqTest, ConvWeightsPerChannelAndBiasScales) {
  const ir::Node* conv = qdq_.find_node("dw");
  ASSERT_NE(conv, nullptr);
  const ir::Node* wdq = conv->inputs[1]->producer;
  ASSERT_TRUE(wdq && wdq->op == OpType::kDequantizeLinear);
  EXPECT_EQ(wdq->attrs.get_int("axis", -1), 0);
  const Tensor& w = *wdq->inputs[0]->constant;
  EXPECT_EQ(w.dtype(), DType::kI8);
  EXPECT_EQ(w.shape(), (std::vector<int64_t>{8, 1, 3, 3}));
  const std::vector<float> wscale = wdq->inputs[1]->constant->to_f32();
  ASSERT_EQ(wscale.size(), 8u);
  for (int8_t q : w.values<int8_t>()) EXPECT_GE(q, -127);
  // Each channel reaches +-127 (symmetric, max|w| / 127).
  for (int c = 0; c < 8; ++c) {
    int peak = 0;
    for (int k = 0; k < 9; ++k) peak = std::max(peak, std::abs(int(w.values<int8_t>()[c * 9 + k])));
    EXPECT_EQ(peak, 127) << c;
  }
  for (int64_t zp : wdq->inputs[2]->constant->to_i64()) EXPECT_EQ(zp, 0);
  // Bias: int32, scale = input scale * weight scale per channel, zero point 0.
  const ir::Node* bdq = conv->inputs[2]->producer;
  ASSERT_TRUE(bdq && bdq->op == OpType::kDequantizeLinear);
  EXPECT_EQ(bdq->inputs[0]->constant->dtype(), DType::kI32);
  EXPECT_EQ(bdq->inputs[2]->constant->dtype(), DType::kI32);
  const float in_scale = scalar(conv->inputs[0]->producer->inputs[1]);
  const std::vector<float> bscale = bdq->inputs[1]->constant->to_f32();
  ASSERT_EQ(bscale.size(), 8u);
  for (int c = 0; c < 8; ++c) EXPECT_EQ(bscale[c], in_scale * wscale[c]);
  // Gemm with transB=1: per-channel along axis 0 of [N, K]; alpha was folded away.
  const ir::Node* fc = qdq_.find_node("fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->attrs.get_float("alpha", 1.0f), 1.0f);
  const ir::Node* fdq = fc->inputs[1]->producer;
  EXPECT_EQ(fdq->attrs.get_int("axis", -1), 0);
  EXPECT_EQ(fdq->inputs[1]->constant->element_count(), 5);
  EXPECT_EQ(fc->inputs[2]->producer->inputs[0]->constant->dtype(), DType::kI32);
}

TEST_F(QdqTest, ReluIsFusedIntoTheConv) {
  const ir::Node* relu = qdq_.find_node("relu1");
  ASSERT_NE(relu, nullptr);
  // Conv -> Relu directly, no Q/DQ between them.
  EXPECT_EQ(relu->inputs[0]->producer->op, OpType::kConv);
  EXPECT_EQ(producer_of(qdq_, "conv1")->op, OpType::kConv);
  // The Q after the Relu covers [0, max]: zero point at the lowest code.
  EXPECT_EQ(params_of(qdq_, "relu1").second, -128);
}

TEST_F(QdqTest, FixedAndTiedParams) {
  // Softmax output: scale 1/256, zero point -128 (TFLite spec).
  EXPECT_EQ(params_of(qdq_, "prob"), (std::pair<float, int64_t>{1.0f / 256.0f, -128}));
  // HardSigmoid output: [0, 1] with the default LOGISTIC-style params.
  EXPECT_EQ(params_of(qdq_, "gate"), (std::pair<float, int64_t>{1.0f / 256.0f, -128}));
  // MaxPool and Concat share the params of their inputs (TFLite requires it).
  const auto hs = params_of(qdq_, "hswish");
  EXPECT_EQ(params_of(qdq_, "maxpool"), hs);
  EXPECT_EQ(params_of(qdq_, "concat"), hs);
  EXPECT_EQ(params_of(qdq_, "flatten"), params_of(qdq_, "gap"));
  // HardSwish output never goes below -0.375: the zero point leaves little room below 0.
  EXPECT_GE(dequantized_min(fixed_params(hs.first, hs.second)), -0.375f - hs.first);
  // The constant operand of a Mul is an int8 constant that represents 0.5 exactly.
  const ir::Node* mul = qdq_.find_node("scale_by_const");
  const ir::Node* cdq = mul->inputs[1]->producer;
  ASSERT_TRUE(cdq && cdq->op == OpType::kDequantizeLinear);
  const int64_t code = cdq->inputs[0]->constant->to_i64()[0];
  EXPECT_FLOAT_EQ((code - scalar_i(cdq->inputs[2])) * scalar(cdq->inputs[1]), 0.5f);
}

TEST_F(QdqTest, FakeQuantizedOutputsTrackFp32) {
  auto fp = runtime::Interpreter::Create(fp32_);
  auto q = runtime::Interpreter::Create(qdq_);
  ASSERT_TRUE(fp.ok() && q.ok());
  double worst = 1.0;
  for (int i = 0; i < 8; ++i) {
    const Tensor x = random_tensor({1, 3, 8, 8}, 1.0f, 500 + i);
    auto a = (*fp)->run({x});
    auto b = (*q)->run({x});
    ASSERT_TRUE(a.ok() && b.ok());
    const auto va = (*a)[0].values<float>(), vb = (*b)[0].values<float>();
    double dot = 0, na = 0, nb = 0;
    for (size_t k = 0; k < va.size(); ++k)
      dot += va[k] * vb[k], na += va[k] * va[k], nb += vb[k] * vb[k];
    worst = std::min(worst, dot / std::sqrt(na * nb));
  }
  EXPECT_GT(worst, 0.99);
}

TEST_F(QdqTest, FloatNodesStayFloat) {
  QuantizeOptions options;
  options.float_nodes = {"prob"};
  auto q = quantize_to_qdq(fp32_, calibration_, options);
  ASSERT_TRUE(q.ok()) << q.status().message();
  // Softmax reads the dequantized logits and writes the float graph output directly.
  EXPECT_EQ(q->outputs[0]->producer->op, OpType::kSoftmax);
  EXPECT_EQ(q->outputs[0]->producer->inputs[0]->producer->op, OpType::kDequantizeLinear);
}

TEST_F(QdqTest, RefusesQuantizedGraphsAndMissingCalibration) {
  auto twice = quantize_to_qdq(qdq_, calibration_);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("already quantized"), std::string::npos);
  CalibrationResult partial = calibration_;
  partial.values.erase("dw");
  auto missing = quantize_to_qdq(fp32_, partial);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'dw'"), std::string::npos);
}

TEST(Calibration, ThreadCountDoesNotChangeTheResult) {
  ir::Graph g = small_cnn();
  ASSERT_TRUE(prepare_for_quantization(g).ok());
  auto one = calibrate(g, random_images(12, 7), {.threads = 1});
  auto three = calibrate(g, random_images(12, 7), {.threads = 3});
  ASSERT_TRUE(one.ok() && three.ok());
  ASSERT_EQ(one->values.size(), three->values.size());
  for (const auto& [name, h] : one->values) {
    const Histogram* other = three->find(name);
    ASSERT_NE(other, nullptr) << name;
    EXPECT_EQ(h.counts(), other->counts()) << name;
    EXPECT_EQ(h.min(), other->min()) << name;
    EXPECT_EQ(h.max(), other->max()) << name;
  }
}

TEST(Calibration, ReportsTheFailingRun) {
  ir::Graph g = small_cnn();
  std::vector<std::vector<Tensor>> runs = {{random_tensor({1, 3, 8, 8}, 1.0f, 1)},
                                           {random_tensor({1, 3, 7, 7}, 1.0f, 2)}};
  auto r = calibrate(g, calibration_source_from_runs(runs));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("calibration run 1"), std::string::npos);
}

TEST(Calibration, SplitsABatchIntoRuns) {
  const Tensor batch = random_tensor({5, 3, 8, 8}, 1.0f, 3);
  const CalibrationSource source = calibration_source_from_batch(batch, 2);
  ASSERT_EQ(source.count, 3u);
  auto last = source.inputs(2);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ((*last)[0].shape(), (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_EQ((*last)[0].values<float>()[0], batch.values<float>()[4 * 3 * 8 * 8]);
}

}  // namespace
}  // namespace mconv::quant
