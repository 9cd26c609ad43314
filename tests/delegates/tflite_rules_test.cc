// TFLite delegate rules (XNNPACK, GPU, Core ML) on hand-made graphs: each rule family taken in
// its supported form and refused, with the reason naming the dtype/option/shape, otherwise.
#include <gtest/gtest.h>

#include "op_graph_builder.h"

namespace mconv::delegates::test {
namespace {

constexpr ElemType F32 = ElemType::kF32;
constexpr ElemType I8 = ElemType::kI8;

// x -> OP -> y with x/y of `type` [1,8,8,4].
GraphBuilder unary(const std::string& op, ElemType type, bool quantized) {
  GraphBuilder b("tflite");
  const int x = b.tensor("x", type, {1, 8, 8, 4}, false, quantized);
  const int y = b.tensor("y", type, {1, 8, 8, 4}, false, quantized);
  b.node(op, {x}, {y});
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b;
}

TEST(XnnpackRules, HardSwishIsTakenInFloatOnly) {
  auto f = analyze_delegates(unary("HARD_SWISH", F32, false).g);
  EXPECT_EQ(reason_for(f, "xnnpack", "HARD_SWISH_0"), "");
  auto q = analyze_delegates(unary("HARD_SWISH", I8, true).g);
  EXPECT_NE(reason_for(q, "xnnpack", "HARD_SWISH_0").find("is i8"), std::string::npos);
  EXPECT_EQ(q.find("xnnpack")->verdict, "none");
  // The GPU delegate dequantizes quantized tensors and takes it.
  EXPECT_EQ(reason_for(q, "tflite-gpu", "HARD_SWISH_0"), "");
}

TEST(XnnpackRules, QuantizedLogisticIsTakenAndGatherNever) {
  EXPECT_EQ(reason_for(analyze_delegates(unary("LOGISTIC", I8, true).g), "xnnpack", "LOGISTIC_0"),
            "");
  GraphBuilder b("tflite");
  const int x = b.tensor("x", F32, {10, 4});
  const int idx = b.ints("idx", {1, 2});
  const int y = b.tensor("y", F32, {2, 4});
  b.node("GATHER", {x, idx}, {y});
  auto r = analyze_delegates(b.g);
  EXPECT_NE(reason_for(r, "xnnpack", "GATHER_0").find("no kernel for GATHER"), std::string::npos);
  EXPECT_EQ(reason_for(r, "tflite-gpu", "GATHER_0"), "");  // 1-D int32 indices: GPU takes it
}

TEST(XnnpackRules, FusedActivationAndStaticFilter) {
  GraphBuilder b("tflite");
  const int x = b.tensor("x", F32, {1, 8, 8, 4});
  const int w = b.tensor("w", F32, {4, 3, 3, 4}, true);
  const int w_runtime = b.tensor("w_rt", F32, {4, 3, 3, 4});
  const int y1 = b.tensor("y1", F32, {1, 8, 8, 4});
  const int y2 = b.tensor("y2", F32, {1, 8, 8, 4});
  const int y3 = b.tensor("y3", F32, {1, 8, 8, 4});
  b.node("CONV_2D", {x, w}, {y1}).ints["fused_activation"] = 3;   // RELU6: fine
  b.node("CONV_2D", {y1, w}, {y2}).ints["fused_activation"] = 4;  // TANH: not in XNNPACK
  b.node("CONV_2D", {y2, w_runtime}, {y3});
  auto r = analyze_delegates(b.g);
  EXPECT_EQ(reason_for(r, "xnnpack", "CONV_2D_0"), "");
  EXPECT_NE(reason_for(r, "xnnpack", "CONV_2D_1").find("TANH"), std::string::npos);
  EXPECT_EQ(reason_for(r, "tflite-gpu", "CONV_2D_1"), "");  // the GPU delegate fuses TANH
  EXPECT_NE(reason_for(r, "xnnpack", "CONV_2D_2").find("filter"), std::string::npos);
}

TEST(XnnpackRules, MeanOverSpatialAxesOnly) {
  GraphBuilder b("tflite");
  const int x = b.tensor("x", F32, {1, 8, 8, 4});
  const int hw = b.ints("hw", {1, 2});
  const int c = b.ints("c", {3});
  const int y1 = b.tensor("y1", F32, {1, 1, 1, 4});
  const int y2 = b.tensor("y2", F32, {1, 8, 8, 1});
  b.node("MEAN", {x, hw}, {y1}).ints["keep_dims"] = 1;
  b.node("MEAN", {x, c}, {y2}).ints["keep_dims"] = 1;
  auto r = analyze_delegates(b.g);
  EXPECT_EQ(reason_for(r, "xnnpack", "MEAN_0"), "");
  EXPECT_NE(reason_for(r, "xnnpack", "MEAN_1").find("axis 3"), std::string::npos);
}

TEST(GpuRules, ActivationBroadcastPaddingsAndUnknownOps) {
  GraphBuilder b("tflite");
  const int a = b.tensor("a", F32, {1, 8, 1, 4});
  const int c = b.tensor("c", F32, {1, 1, 8, 4});
  const int y = b.tensor("y", F32, {1, 8, 8, 4});
  b.node("MUL", {a, c}, {y});  // each smaller than the other somewhere
  const int y2 = b.tensor("y2", F32, {1, 8, 8, 4});
  b.node("ADD", {y, y}, {y2}).ints["fused_activation"] = 5;  // SIGN_BIT
  const int p = b.ints("p", {0, 0, 1, 1, 1, 1, 0, 0, 0, 0});
  b.g.tensors[p].dims = {5, 2};
  const int y3 = b.tensor("y3", F32, {1, 10, 10, 4});
  b.node("PAD", {y2, p}, {y3});
  const int s = b.tensor("s", ElemType::kI32, {4});
  b.node("SHAPE", {y3}, {s});
  auto r = analyze_delegates(b.g);
  EXPECT_NE(reason_for(r, "tflite-gpu", "MUL_0").find("covers"), std::string::npos);
  EXPECT_NE(reason_for(r, "tflite-gpu", "ADD_1").find("SIGN_BIT"), std::string::npos);
  EXPECT_NE(reason_for(r, "tflite-gpu", "PAD_2").find("4x2"), std::string::npos);
  EXPECT_NE(reason_for(r, "tflite-gpu", "SHAPE_3").find("no kernel"), std::string::npos);
}

TEST(CoremlDelegateRules, MeanNeedsKeepDimsAndFloatVersionOneOps) {
  GraphBuilder b("tflite");
  const int x = b.tensor("x", F32, {1, 8, 8, 4});
  const int w = b.tensor("w", F32, {4, 1, 1, 4}, true);
  const int y0 = b.tensor("y0", F32, {1, 8, 8, 4});
  const int hw = b.ints("hw", {1, 2});
  const int y1 = b.tensor("y1", F32, {1, 1, 1, 4});
  const int y2 = b.tensor("y2", F32, {1, 4});
  b.node("CONV_2D", {x, w}, {y0});
  b.node("MEAN", {y0, hw}, {y1}).ints["keep_dims"] = 1;
  b.node("MEAN", {y0, hw}, {y2}).ints["keep_dims"] = 0;
  const int y3 = b.tensor("y3", F32, {1, 8, 8, 4});
  b.node("CONV_2D", {y0, w}, {y3}, /*version=*/3);
  auto r = analyze_delegates(b.g);
  EXPECT_EQ(reason_for(r, "tflite-coreml", "CONV_2D_0"), "");
  EXPECT_EQ(reason_for(r, "tflite-coreml", "MEAN_1"), "");
  EXPECT_NE(reason_for(r, "tflite-coreml", "MEAN_2").find("keep_dims"), std::string::npos);
  EXPECT_NE(reason_for(r, "tflite-coreml", "CONV_2D_3").find("version 3"), std::string::npos);
  EXPECT_EQ(r.find("tflite-coreml")->partition_sizes, std::vector<int>{2});
}

TEST(CoremlDelegateRules, IntegerModelsAndLonePartitionsStayOnCpu) {
  auto q = analyze_delegates(unary("RELU", I8, true).g);
  EXPECT_NE(reason_for(q, "tflite-coreml", "RELU_0").find("float32 models only"),
            std::string::npos);
  // A supported node alone is below kMinNodesPerCoreMlDelegate (2).
  auto f = analyze_delegates(unary("RELU", F32, false).g);
  EXPECT_NE(reason_for(f, "tflite-coreml", "RELU_0").find("minimum of 2"), std::string::npos);
  EXPECT_EQ(reason_for(f, "xnnpack", "RELU_0"), "");
}

}  // namespace
}  // namespace mconv::delegates::test
