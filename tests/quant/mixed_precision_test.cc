// Sequential bias correction, measured mixed precision and float islands on small hand-made
// graphs, plus one run on the real Keras MobileNetV3-Small.
#include "quant/mixed_precision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/preprocess.h"
#include "ir/verifier.h"
#include "quant/bias_correction.h"
#include "quant/calibration.h"
#include "quant/lower_to_integer.h"
#include "quant/ptq.h"
#include "quant/quantize_qdq.h"
#include "quant/stepwise_run.h"
#include "quant_test_graphs.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "tflite/tflite_importer.h"

namespace mconv::quant {
namespace {

using ir::OpType;
using testing::conv_attrs;
using testing::node;
using testing::random_tensor;

ir::Value* conv(ir::Graph& g, const std::string& name, ir::Value* x, int64_t cin, int64_t cout,
                int64_t group, int64_t k, uint32_t seed, float bias_mean = 0) {
  const float stddev = 1.0f / std::sqrt(static_cast<float>(cin / group * k * k));
  return node(
      g, OpType::kConv, name,
      {x, g.add_constant(name + "_w", random_tensor({cout, cin / group, k, k}, stddev, seed)),
       g.add_constant(name + "_b", random_tensor({cout}, 0.1f, seed + 1, bias_mean))},
      conv_attrs(group, k), ir::Layout::kNHWC);
}

// NHWC x[?,8,8,3] -> conv -> relu -> depthwise -> relu ("mid") -> SE-style Mul by a pooled gate
// -> project conv -> mean -> Reshape [1, 8] -> Gemm (logits) -> Softmax. The Reshape to a
// constant [1, 8] is written for one sample, as real exports often are.
ir::Graph small_net() {
  ir::Graph g;
  g.name = "small_net";
  ir::Value* x = g.add_value("image", DType::kF32, ir::make_shape({-1, 8, 8, 3}));
  g.inputs.push_back(x);
  ir::Value* c1 = node(g, OpType::kRelu, "stem_relu", {conv(g, "stem", x, 3, 8, 1, 3, 10, 0.3f)});
  ir::Value* mid = node(g, OpType::kRelu, "mid", {conv(g, "dw", c1, 8, 8, 8, 3, 20)});
  ir::Attributes mean;
  mean.set("axes", std::vector<int64_t>{1, 2});
  mean.set("keepdims", int64_t{1});
  ir::Value* m = node(g, OpType::kReduceMean, "se_mean", {mid}, mean);
  ir::Value* gate = node(g, OpType::kSigmoid, "se_gate", {conv(g, "se_conv", m, 8, 8, 1, 1, 30)});
  ir::Value* se = node(g, OpType::kMul, "se_mul", {mid, gate});
  ir::Value* pw = conv(g, "project", se, 8, 8, 1, 1, 40);
  ir::Value* pooled = node(g, OpType::kReduceMean, "pool", {pw}, mean);
  ir::Value* flat = node(
      g, OpType::kReshape, "flatten",
      {pooled, g.add_constant("shape", Tensor::FromVector<int64_t>(DType::kI64, {2}, {1, 8}))});
  ir::Attributes gemm;
  gemm.set("transB", int64_t{1});
  ir::Value* logits = node(g, OpType::kGemm, "logits",
                           {flat, g.add_constant("fc_w", random_tensor({10, 8}, 1.0f, 50)),
                            g.add_constant("fc_b", random_tensor({10}, 0.1f, 51))},
                           gemm);
  ir::Attributes sm;
  sm.set("axis", int64_t{1});
  g.outputs.push_back(node(g, OpType::kSoftmax, "probs", {logits}, sm));
  EXPECT_TRUE(g.topological_sort().ok());
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
  return g;
}

std::vector<Tensor> samples(int n, uint32_t seed) {
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i)
    out.push_back(random_tensor({1, 8, 8, 3}, 1.0f, seed + static_cast<uint32_t>(i), 0.5f));
  return out;
}

Tensor stack(const std::vector<Tensor>& parts) {
  std::vector<int64_t> shape = parts[0].shape();
  shape[0] = static_cast<int64_t>(parts.size());
  Tensor t(parts[0].dtype(), shape);
  for (size_t i = 0; i < parts.size(); ++i)
    std::memcpy(t.raw() + i * parts[i].byte_size(), parts[i].raw(), parts[i].byte_size());
  return t;
}

CalibrationResult calibrated(const ir::Graph& g, const std::vector<Tensor>& xs) {
  std::vector<std::vector<Tensor>> runs;
  for (const Tensor& x : xs) runs.push_back({x});
  auto c = calibrate(g, calibration_source_from_runs(std::move(runs)));
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(*c) : CalibrationResult{};
}

ir::Graph prepared(ir::Graph g) {
  EXPECT_TRUE(prepare_for_quantization(g).ok());
  return g;
}

TEST(StepwiseRun, BatchMatchesTheInterpreterSampleBySample) {
  const ir::Graph g = small_net();
  const std::vector<Tensor> xs = samples(4, 1);
  ValueStore store;
  store.set(g.inputs[0], stack(xs));
  ASSERT_TRUE(run_stepwise(g, store).ok());
  const std::vector<float> batch = store.find(g.outputs[0])->to_f32();
  ASSERT_EQ(batch.size(), 40u);
  auto interp = runtime::Interpreter::Create(g);
  ASSERT_TRUE(interp.ok());
  for (size_t i = 0; i < xs.size(); ++i) {
    auto out = (*interp)->run({xs[i]});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<float> one = (*out)[0].to_f32();
    for (size_t k = 0; k < one.size(); ++k) EXPECT_NEAR(batch[i * 10 + k], one[k], 1e-6f);
  }
}

// Per-channel mean of `value` (NHWC) in `g` minus the same in `reference` on `x`.
std::vector<double> mean_error(const ir::Graph& g, const ir::Graph& reference,
                               const std::string& node_name, const Tensor& x) {
  auto means = [&](const ir::Graph& graph) {
    ValueStore store;
    store.set(graph.inputs[0], x);
    EXPECT_TRUE(run_stepwise(graph, store).ok());
    const ir::Node* n = graph.find_node(node_name);
    return channel_means(*store.find(n->outputs[0]), 3);
  };
  const std::vector<double> a = means(g), b = means(reference);
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

TEST(BiasCorrection, SequentialCorrectionRemovesTheMeanShiftDownstreamOfAClippedActivation) {
  const ir::Graph fp32 = prepared(small_net());
  const std::vector<Tensor> calib = samples(16, 100);
  const CalibrationResult c = calibrated(fp32, calib);
  // A range that clips "mid" hard shifts the mean of everything after it; the analytic
  // correction (weights only) cannot see that.
  QuantizeOptions options;
  const Histogram* mid = c.find("mid");
  ASSERT_NE(mid, nullptr);
  options.range_overrides.emplace("mid", FloatRange{0.0f, mid->max() * 0.3f});
  auto qdq = quantize_to_qdq(fp32, c, options);
  ASSERT_TRUE(qdq.ok()) << qdq.status().message();
  ir::Graph corrected = qdq->clone();
  const Tensor batch = stack(calib);
  auto reference = fp32_layer_means(fp32, {batch});
  ASSERT_TRUE(reference.ok()) << reference.status().message();
  auto report = correct_biases_sequentially(corrected, {batch}, *reference);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->corrected.empty());
  EXPECT_GT(report->mean_abs_shift, 0.0);
  // On the calibration images, the project conv's mean error is gone (to bias rounding) ...
  const std::vector<double> before = mean_error(*qdq, fp32, "project", batch);
  const std::vector<double> after = mean_error(corrected, fp32, "project", batch);
  double sum_before = 0, sum_after = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    sum_before += std::fabs(before[i]);
    sum_after += std::fabs(after[i]);
    EXPECT_LT(std::fabs(after[i]), 1e-3) << "channel " << i;
  }
  EXPECT_GT(sum_before, 10 * sum_after);
  // ... and on other images the output is closer to FP32.
  const Tensor other = stack(samples(16, 500));
  auto ref = reference_logits(fp32, {other});
  ASSERT_TRUE(ref.ok());
  auto e_before = measure_output_error(*qdq, {other}, *ref);
  auto e_after = measure_output_error(corrected, {other}, *ref);
  ASSERT_TRUE(e_before.ok() && e_after.ok());
  EXPECT_LT(e_after->noise, e_before->noise);
}

TEST(MixedPrecision, RankingPutsTheHarmfulActivationFirst) {
  const ir::Graph fp32 = prepared(small_net());
  const std::vector<Tensor> calib = samples(16, 100);
  const CalibrationResult c = calibrated(fp32, calib);
  QuantizeOptions options;
  const Histogram* mid = c.find("mid");
  ASSERT_NE(mid, nullptr);
  options.range_overrides.emplace("mid", FloatRange{0.0f, mid->max() * 0.1f});
  auto qdq = quantize_to_qdq(fp32, c, options);
  ASSERT_TRUE(qdq.ok()) << qdq.status().message();
  const Tensor batch = stack(samples(8, 300));
  auto ref = reference_logits(fp32, {batch});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  for (int threads : {1, 2}) {
    auto ranking = rank_activations(*qdq, {batch}, *ref, threads);
    ASSERT_TRUE(ranking.ok()) << ranking.status().message();
    ASSERT_GT(ranking->size(), 4u);
    EXPECT_EQ((*ranking)[0].value, "mid");
    EXPECT_EQ((*ranking)[0].producer, "Relu");
    EXPECT_GT((*ranking)[0].noise_removed, (*ranking)[1].noise_removed);
    for (const ActivationSensitivity& s : *ranking) EXPECT_NE(s.value, "image");
  }
}

TEST(MixedPrecision, ChoosesTheFewestActivationsThatMeetTheTarget) {
  // Agreement rising with k, first at or above 0.95 at k = 5.
  const std::vector<double> agreement = {0.80, 0.85, 0.88, 0.90, 0.93, 0.96, 0.97, 0.98, 0.99};
  auto measure = [&](int k) -> Expected<OutputError> {
    OutputError e;
    e.agreement = agreement[std::min<size_t>(k, agreement.size() - 1)];
    e.noise = 1.0 - e.agreement;
    return e;
  };
  auto choice = choose_float_values(measure, 0.95, 8);
  ASSERT_TRUE(choice.ok());
  EXPECT_EQ(choice->kept, 5);
  EXPECT_TRUE(choice->target_met);
  EXPECT_DOUBLE_EQ(choice->all_int8.agreement, 0.80);
  EXPECT_DOUBLE_EQ(choice->chosen.agreement, 0.96);
  // Out of reach: the best measured, target not met.
  auto unreachable = choose_float_values(measure, 0.999, 8);
  ASSERT_TRUE(unreachable.ok());
  EXPECT_FALSE(unreachable->target_met);
  EXPECT_EQ(unreachable->kept, 8);
  // Out of reach with agreement tied everywhere: the lowest noise.
  auto flat = [](int k) -> Expected<OutputError> {
    OutputError e;
    e.agreement = 0.9;
    e.noise = k == 2 ? 0.01 : 0.1;
    return e;
  };
  auto tied = choose_float_values(flat, 0.95, 8);
  ASSERT_TRUE(tied.ok());
  EXPECT_EQ(tied->kept, 2);
  // Met with none kept.
  auto none = choose_float_values(measure, 0.5, 8);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->kept, 0);
  EXPECT_EQ(none->tried.size(), 1u);
}

int count(const ir::Graph& g, OpType op) {
  int n = 0;
  for (const auto& nd : g.nodes()) n += nd->op == op;
  return n;
}

TEST(FloatIslands, LoweringKeepsAFloatIslandBetweenDequantizeAndQuantize) {
  const ir::Graph fp32 = prepared(small_net());
  const std::vector<Tensor> calib = samples(16, 100);
  const CalibrationResult c = calibrated(fp32, calib);
  QuantizeOptions options;
  options.float_nodes.push_back("probs");  // float Softmax tail, as quantize_post_training does
  options.float_values = {"mid"};
  auto qdq = quantize_to_qdq(fp32, c, options);
  ASSERT_TRUE(qdq.ok()) << qdq.status().message();
  // "mid" has no Q/DQ pair: its producer (the depthwise conv + relu) and readers compute in float.
  const ir::Value* mid = qdq->find_value("mid");
  ASSERT_NE(mid, nullptr);
  EXPECT_EQ(mid->producer->op, OpType::kRelu);
  for (const ir::Node* reader : mid->consumers) EXPECT_NE(reader->op, OpType::kQuantizeLinear);

  // The full-integer lowering refuses it, naming a float node.
  auto strict = lower_to_integer(*qdq);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("would compute in float"), std::string::npos);

  IntegerLoweringOptions lowering;
  lowering.allow_float_islands = true;
  auto lowered = lower_to_integer(*qdq, lowering);
  ASSERT_TRUE(lowered.ok()) << lowered.status().message();
  // Island: dw conv, relu, mean, mul and their DEQUANTIZE/QUANTIZE; the rest integer.
  const ir::Value* lm = lowered->find_value("mid");
  ASSERT_NE(lm, nullptr);
  EXPECT_EQ(lm->dtype, DType::kF32);
  const ir::Node* dw = lm->producer->inputs[0]->producer;
  ASSERT_EQ(dw->op, OpType::kConv);
  EXPECT_EQ(dw->inputs[0]->producer->op, OpType::kDequantizeLinear);
  EXPECT_TRUE(dw->inputs[1]->is_constant());
  EXPECT_EQ(dw->inputs[1]->dtype, DType::kF32);  // int8 weights, dequantized once
  const ir::Node* stem = dw->inputs[0]->producer->inputs[0]->producer;
  ASSERT_NE(stem, nullptr);
  EXPECT_EQ(stem->op, OpType::kRelu);  // the stem conv's fused relu, integer before the island
  EXPECT_EQ(stem->outputs[0]->dtype, DType::kI8);
  const ir::Node* se_mul = lowered->find_node("se_mul");
  ASSERT_NE(se_mul, nullptr);
  EXPECT_EQ(se_mul->inputs[0], lm);  // reads the island's float value
  ASSERT_EQ(se_mul->outputs[0]->consumers.size(), 1u);
  EXPECT_EQ(se_mul->outputs[0]->consumers[0]->op, OpType::kQuantizeLinear);  // island ends
  const ir::Node* project = lowered->find_node("project");
  ASSERT_NE(project, nullptr);
  EXPECT_EQ(project->inputs[0]->dtype, DType::kI8);  // integer after the island
  EXPECT_GE(count(*lowered, OpType::kQuantizeLinear), 2);
  EXPECT_GE(count(*lowered, OpType::kDequantizeLinear), 3);
  const ir::Node* logits = lowered->find_node("logits");
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->inputs[0]->dtype, DType::kI8);  // integer again after the island

  // The integer graph with its island computes what the QDQ graph computes.
  auto interp_q = runtime::Interpreter::Create(*qdq);
  auto interp_l = runtime::Interpreter::Create(*lowered);
  ASSERT_TRUE(interp_q.ok() && interp_l.ok());
  for (const Tensor& x : samples(4, 700)) {
    auto a = (*interp_q)->run({x});
    auto b = (*interp_l)->run({x});
    ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.status().message() : a.status().message());
    const std::vector<float> pa = (*a)[0].to_f32(), pb = (*b)[0].to_f32();
    for (size_t k = 0; k < pa.size(); ++k) EXPECT_NEAR(pa[k], pb[k], 0.03f);
  }
}

// The real Keras MobileNetV3-Small: mixed precision on 40 shared images (20 held out) keeps few
// activations in float, does not lose agreement against all-int8, and lowers to TFLite form.
TEST(MixedPrecisionReal, KerasMobileNetV3SmallOnSharedImages) {
  const std::string model =
      test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(model);
  MCONV_REQUIRE_SHARED_FILE(test::shared_images_dir() + "/labels.csv");
  auto imported = tflite::import_tflite_file(model);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  ir::Graph& g = imported->graph;
  for (const auto& v : g.values())
    if (v->quant && v->dtype == DType::kF32) v->quant.reset();  // dequantized hybrid weights
  auto all = list_image_folder(test::shared_images_dir());
  ASSERT_TRUE(all.ok());
  auto some = select_images(*all, 0, 40);
  ASSERT_TRUE(some.ok());
  auto batch = load_image_batch(
      *some, make_preprocess(PreprocessPreset::kKeras, ImageLayout::kNHWC, 224, 224), 2);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  PtqOptions options = product_ptq_options();
  options.calibration.threads = 2;
  options.mixed.enabled = true;          // as `--int8-agreement` turns it on
  options.mixed.target_agreement = 1.0;  // 20 held-out images: as close as the cap allows
  options.mixed.max_float_values = 8;
  auto ptq = quantize_post_training(g, calibration_source_from_batch(*batch, 1), options);
  ASSERT_TRUE(ptq.ok()) << ptq.status().message();
  EXPECT_TRUE(ptq->mixed);
  EXPECT_EQ(ptq->heldout_inputs, 20);
  EXPECT_EQ(ptq->range_inputs, 20);
  EXPECT_GT(ptq->bias_corrected.size(), 20u);
  EXPECT_LE(ptq->kept_in_float.size(), 8u);
  EXPECT_GE(ptq->heldout_final.agreement, ptq->heldout_int8.agreement);
  EXPECT_LE(ptq->heldout_final.noise, ptq->heldout_int8.noise);
  IntegerLoweringOptions lowering;
  lowering.allow_float_islands = true;
  auto lowered = lower_to_integer(ptq->qdq, lowering);
  ASSERT_TRUE(lowered.ok()) << lowered.status().message();
}

}  // namespace
}  // namespace mconv::quant
