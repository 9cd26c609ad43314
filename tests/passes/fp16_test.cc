// rewrite_for_fp16 on hand-built graphs: which values and constants change type, where Casts go,
// clamping into the f16 range, and the TFLite weight-only form. Whole models (ONNX Runtime and
// LiteRT runs) are covered in tests/tflite/fp16_export_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/half.h"
#include "graph_builders.h"
#include "ir/verifier.h"
#include "passes/rewrite_for_fp16.h"
#include "passes/shape_inference.h"

namespace mconv::passes {
namespace {

using namespace mconv::passes::testing;

// x[1,3,8,8] -> Conv(w[4,3,3,3], b[4]) -> Relu -> GlobalAveragePool -> Reshape(i64 [1,4]) -> y
ir::Graph small_cnn() {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 3, 8, 8}));
  g.inputs.push_back(x);
  ir::Value* w = f32_const(g, "w", {4, 3, 3, 3}, 0.25f);
  ir::Value* b = f32_const(g, "b", {4}, 0.5f);
  ir::Value* conv = op(g, ir::OpType::kConv, "conv", {x, w, b},
                       attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                              {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
                       ir::Layout::kNCHW);
  ir::Value* relu = op(g, ir::OpType::kRelu, "relu", {conv});
  ir::Value* pool = op(g, ir::OpType::kGlobalAveragePool, "pool", {relu}, {}, ir::Layout::kNCHW);
  ir::Value* y = op(g, ir::OpType::kReshape, "reshape", {pool, i64_const(g, "shape", {1, 4})});
  g.outputs.push_back(y);
  EXPECT_TRUE(infer_shapes(g).ok());
  return g;
}

TEST(Fp16Onnx, EveryFloatBecomesHalfAndIntegersStay) {
  ir::Graph g = small_cnn();
  auto result = rewrite_for_fp16(g, Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_GT(result->changes, 0);
  EXPECT_TRUE(result->warnings.empty());
  for (const auto& v : g.values()) {
    SCOPED_TRACE(v->name);
    EXPECT_NE(v->dtype, DType::kF32);
    if (v->is_constant()) EXPECT_EQ(v->constant->dtype(), v->dtype);
  }
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF16);
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF16);
  EXPECT_EQ(g.find_value("shape")->dtype, DType::kI64);
  EXPECT_EQ(count_ops(g, ir::OpType::kCast), 0);
  // Weight values survive the conversion (0.25 and 0.5 are exact in f16).
  EXPECT_EQ(g.find_value("w")->constant->to_f32()[7], 0.25f);
  EXPECT_EQ(g.find_value("b")->constant->to_f32()[3], 0.5f);
  EXPECT_TRUE(ir::verify(g).ok());
  // Shape inference agrees with the new types.
  ASSERT_TRUE(infer_shapes(g).ok());
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF16);
}

TEST(Fp16Onnx, KeepIoTypesAddsOneCastAtEachEnd) {
  ir::Graph g = small_cnn();
  Fp16Options options;
  options.keep_io_types = true;
  auto result = rewrite_for_fp16(g, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "x");
  EXPECT_EQ(g.outputs[0]->name, "reshape_out");
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF32);
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF32);
  EXPECT_EQ(count_ops(g, ir::OpType::kCast), 2);
  ASSERT_EQ(g.inputs[0]->consumers.size(), 1u);
  const ir::Node* in_cast = g.inputs[0]->consumers[0];
  EXPECT_EQ(in_cast->op, ir::OpType::kCast);
  EXPECT_EQ(in_cast->attrs.get_int("to", -1), static_cast<int64_t>(DType::kF16));
  const ir::Node* out_cast = g.outputs[0]->producer;
  ASSERT_NE(out_cast, nullptr);
  EXPECT_EQ(out_cast->op, ir::OpType::kCast);
  EXPECT_EQ(out_cast->attrs.get_int("to", -1), static_cast<int64_t>(DType::kF32));
  EXPECT_EQ(out_cast->inputs[0]->dtype, DType::kF16);
  EXPECT_EQ(g.find_value("conv_out")->dtype, DType::kF16);
  EXPECT_TRUE(ir::verify(g).ok());
}

TEST(Fp16Onnx, CastPairsCollapse) {
  // x -> Cast(f16) -> Cast(f32) -> Relu -> y: after the rewrite both Casts are identities.
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({2, 3}));
  g.inputs.push_back(x);
  ir::Value* down =
      op(g, ir::OpType::kCast, "down", {x}, attrs({{"to", static_cast<int64_t>(DType::kF16)}}));
  ir::Value* up =
      op(g, ir::OpType::kCast, "up", {down}, attrs({{"to", static_cast<int64_t>(DType::kF32)}}));
  g.outputs.push_back(op(g, ir::OpType::kRelu, "relu", {up}));
  ASSERT_TRUE(infer_shapes(g).ok());
  ASSERT_EQ(up->dtype, DType::kF32);
  auto result = rewrite_for_fp16(g, Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(count_ops(g, ir::OpType::kCast), 0);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->inputs[0], g.inputs[0]);
  EXPECT_TRUE(ir::verify(g).ok());
}

TEST(Fp16Onnx, OutOfRangeConstantsAreClampedAndReported) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({4}));
  g.inputs.push_back(x);
  const float inf = std::numeric_limits<float>::infinity();
  ir::Value* big = g.add_constant(
      "big", Tensor::FromVector<float>(DType::kF32, {4}, {1e6f, -70000.0f, 3.0f, -inf}));
  ir::Value* ok = f32_const(g, "ok", {4}, 2.0f);
  ir::Value* sum = op(g, ir::OpType::kAdd, "add", {x, big});
  g.outputs.push_back(op(g, ir::OpType::kMul, "mul", {sum, ok}));
  ASSERT_TRUE(infer_shapes(g).ok());
  auto result = rewrite_for_fp16(g, Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->clamped_elements, 3);
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_NE(result->warnings[0].find("'big'"), std::string::npos) << result->warnings[0];
  const std::vector<float> stored = g.find_value("big")->constant->to_f32();
  EXPECT_EQ(stored, (std::vector<float>{65504.0f, -65504.0f, 3.0f, -65504.0f}));
  for (float v : stored) EXPECT_TRUE(std::isfinite(v));
}

TEST(Fp16Onnx, ConstantOfShapeFillBecomesHalf) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({2, 3}));
  g.inputs.push_back(x);
  ir::Attributes fill;
  fill.set("value", Tensor::FromVector<float>(DType::kF32, {1}, {1e5f}));
  ir::Value* filled =
      op(g, ir::OpType::kConstantOfShape, "fill", {i64_const(g, "dims", {2, 3})}, fill);
  g.outputs.push_back(op(g, ir::OpType::kAdd, "add", {x, filled}));
  ASSERT_TRUE(infer_shapes(g).ok());
  ASSERT_EQ(filled->dtype, DType::kF32);
  auto result = rewrite_for_fp16(g, Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(filled->dtype, DType::kF16);
  EXPECT_EQ(g.find_value("dims")->dtype, DType::kI64);
  const Tensor* value = g.find_node("fill")->attrs.get_tensor("value");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->dtype(), DType::kF16);
  EXPECT_EQ(value->to_f32(), std::vector<float>{65504.0f});
  EXPECT_EQ(result->clamped_elements, 1);
  EXPECT_EQ(result->warnings.size(), 1u);
  // Shape inference derives the fill's type from the attribute: it agrees with the rewrite.
  ASSERT_TRUE(infer_shapes(g).ok());
  EXPECT_EQ(filled->dtype, DType::kF16);
}

TEST(Fp16Onnx, QuantizedGraphsAreRefused) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({4}));
  g.inputs.push_back(x);
  ir::Value* scale = f32_const(g, "scale", {}, 0.1f);
  ir::Value* zp = g.add_constant("zp", Tensor::FromVector<int8_t>(DType::kI8, {}, {0}));
  g.outputs.push_back(op(g, ir::OpType::kQuantizeLinear, "q", {x, scale, zp}));
  auto result = rewrite_for_fp16(g, Fp16Options{});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("'q' (QuantizeLinear)"), std::string::npos)
      << result.status().message();
}

TEST(Fp16Tflite, WeightsStoredHalfBehindACastMathStaysFloat) {
  ir::Graph g = small_cnn();
  Fp16Options options;
  options.flavour = Fp16Flavour::kTflite;
  auto result = rewrite_for_fp16(g, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF32);
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF32);
  EXPECT_EQ(g.find_value("relu_out")->dtype, DType::kF32);
  EXPECT_EQ(count_ops(g, ir::OpType::kCast), 2);  // filter and bias
  const ir::Node* conv = g.find_node("conv");
  ASSERT_NE(conv, nullptr);
  for (size_t i : {1u, 2u}) {
    const ir::Value* w = conv->inputs[i];
    EXPECT_EQ(w->dtype, DType::kF32);
    ASSERT_NE(w->producer, nullptr);
    EXPECT_EQ(w->producer->op, ir::OpType::kCast);
    EXPECT_EQ(w->producer->attrs.get_int("to", -1), static_cast<int64_t>(DType::kF32));
    const ir::Value* stored = w->producer->inputs[0];
    ASSERT_TRUE(stored->is_constant());
    EXPECT_EQ(stored->constant->dtype(), DType::kF16);
    EXPECT_EQ(stored->dtype, DType::kF16);
  }
  // The f32 originals are gone; the i64 Reshape target is untouched.
  EXPECT_EQ(g.find_value("w"), nullptr);
  EXPECT_EQ(g.find_value("shape")->dtype, DType::kI64);
  EXPECT_TRUE(ir::verify(g).ok());
}

TEST(Fp16Tflite, SmallWeightsStayFloatAndSharedWeightsCastOnce) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 8}));
  g.inputs.push_back(x);
  ir::Value* w = f32_const(g, "w", {8, 8}, 0.125f);
  ir::Value* b = f32_const(g, "b", {8}, 1.0f);
  ir::Value* h = op(g, ir::OpType::kGemm, "fc1", {x, w, b}, attrs({{"transB", int64_t{1}}}));
  g.outputs.push_back(op(g, ir::OpType::kGemm, "fc2", {h, w, b}, attrs({{"transB", int64_t{1}}})));
  ASSERT_TRUE(infer_shapes(g).ok());
  Fp16Options options;
  options.flavour = Fp16Flavour::kTflite;
  options.min_elements = 16;  // the 8-element bias stays f32
  auto result = rewrite_for_fp16(g, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(count_ops(g, ir::OpType::kCast), 1);
  const ir::Node* fc1 = g.find_node("fc1");
  const ir::Node* fc2 = g.find_node("fc2");
  EXPECT_EQ(fc1->inputs[1], fc2->inputs[1]);
  EXPECT_FALSE(fc1->inputs[1]->is_constant());
  EXPECT_EQ(fc1->inputs[2], b);
  EXPECT_EQ(b->constant->dtype(), DType::kF32);
  EXPECT_TRUE(ir::verify(g).ok());
}

}  // namespace
}  // namespace mconv::passes
