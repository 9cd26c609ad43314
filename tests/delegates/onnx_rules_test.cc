// ONNX execution-provider rules (ORT CPU integer kernels, CoreML EP NeuralNetwork/MLProgram,
// NNAPI EP) and the partition/verdict logic, on hand-made graphs.
#include <gtest/gtest.h>

#include "op_graph_builder.h"

namespace mconv::delegates::test {
namespace {

constexpr ElemType F32 = ElemType::kF32;
constexpr ElemType U8 = ElemType::kU8;

TEST(OrtCoremlRules, HardSwishMissingFlattenOnlyInNeuralNetwork) {
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {1, 16, 1, 1});
  const int h = b.tensor("h", F32, {1, 16, 1, 1});
  const int f = b.tensor("f", F32, {1, 16});
  b.node("HardSwish", {x}, {h});
  b.node("Flatten", {h}, {f}).ints["axis"] = 1;
  auto r = analyze_delegates(b.g);
  for (const char* key : {"ort-coreml-nn", "ort-coreml-mlprogram", "ort-nnapi"})
    EXPECT_NE(reason_for(r, key, "HardSwish_0").find("no kernel for HardSwish"), std::string::npos)
        << key;
  EXPECT_EQ(reason_for(r, "ort-coreml-nn", "Flatten_1"), "");
  EXPECT_NE(reason_for(r, "ort-coreml-mlprogram", "Flatten_1").find("Flatten"), std::string::npos);
  EXPECT_EQ(reason_for(r, "ort-nnapi", "Flatten_1"), "");
}

TEST(OrtCoremlRules, ConstantWeightsAndFloat16) {
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {1, 4, 8, 8});
  const int w = b.tensor("w", F32, {4, 4, 1, 1});  // computed weights
  const int y = b.tensor("y", F32, {1, 4, 8, 8});
  b.node("Conv", {x, w}, {y});
  const int xh = b.tensor("xh", ElemType::kF16, {1, 4, 8, 8});
  const int yh = b.tensor("yh", ElemType::kF16, {1, 4, 8, 8});
  b.node("Relu", {xh}, {yh});
  auto r = analyze_delegates(b.g);
  EXPECT_NE(reason_for(r, "ort-coreml-nn", "Conv_0").find("weights"), std::string::npos);
  EXPECT_EQ(reason_for(r, "ort-coreml-mlprogram", "Conv_0"), "");
  EXPECT_NE(reason_for(r, "ort-coreml-nn", "Relu_1").find("f16"), std::string::npos);
  EXPECT_EQ(reason_for(r, "ort-coreml-mlprogram", "Relu_1"), "");
}

TEST(NnapiRules, StaticShapesAndClipAsRelu6) {
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {-1, 4, 8, 8});
  const int y = b.tensor("y", F32, {-1, 4, 8, 8});
  b.node("Relu", {x}, {y});
  const int s = b.tensor("s", F32, {1, 4, 8, 8});
  const int zero = b.floats("zero", {0.0f});
  const int six = b.floats("six", {6.0f});
  const int one = b.floats("one", {1.0f});
  const int c1 = b.tensor("c1", F32, {1, 4, 8, 8});
  const int c2 = b.tensor("c2", F32, {1, 4, 8, 8});
  b.node("Clip", {s, zero, six}, {c1});
  b.node("Clip", {c1, zero, one}, {c2});
  auto r = analyze_delegates(b.g);
  EXPECT_NE(reason_for(r, "ort-nnapi", "Relu_0").find("dynamic"), std::string::npos);
  EXPECT_EQ(reason_for(r, "ort-coreml-mlprogram", "Relu_0"), "");  // CoreML EP allows it
  EXPECT_EQ(reason_for(r, "ort-nnapi", "Clip_1"), "");
  EXPECT_NE(reason_for(r, "ort-nnapi", "Clip_2").find("RELU6"), std::string::npos);
}

TEST(NnapiRules, QuantizeToInt8IsRefused) {
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {1, 4});
  const int scale = b.floats("scale", {0.1f});
  const int zp_u8 = b.tensor("zp_u8", U8, {}, true);
  const int zp_i8 = b.tensor("zp_i8", ElemType::kI8, {}, true);
  const int q1 = b.tensor("q1", U8, {1, 4});
  const int q2 = b.tensor("q2", ElemType::kI8, {1, 4});
  b.node("QuantizeLinear", {x, scale, zp_u8}, {q1});
  b.node("QuantizeLinear", {x, scale, zp_i8}, {q2});
  auto r = analyze_delegates(b.g);
  EXPECT_EQ(reason_for(r, "ort-nnapi", "QuantizeLinear_0"), "");
  EXPECT_NE(reason_for(r, "ort-nnapi", "QuantizeLinear_1").find("i8"), std::string::npos);
}

// DQ -> Conv -> Q is one QLinearConv; DQ -> HardSwish -> Q runs in float.
TEST(OrtCpuRules, QdqGroupsBecomeIntegerKernels) {
  GraphBuilder b("onnx");
  const int scale = b.floats("scale", {0.1f});
  const int zp = b.tensor("zp", U8, {}, true);
  const int xq = b.tensor("xq", U8, {1, 4, 8, 8});
  const int wq = b.tensor("wq", ElemType::kI8, {4, 4, 1, 1}, true);
  const int x = b.tensor("x", F32, {1, 4, 8, 8});
  const int w = b.tensor("w", F32, {4, 4, 1, 1});
  const int y = b.tensor("y", F32, {1, 4, 8, 8});
  const int yq = b.tensor("yq", U8, {1, 4, 8, 8});
  const int yd = b.tensor("yd", F32, {1, 4, 8, 8});
  const int h = b.tensor("h", F32, {1, 4, 8, 8});
  const int hq = b.tensor("hq", U8, {1, 4, 8, 8});
  b.node("DequantizeLinear", {xq, scale, zp}, {x});
  b.node("DequantizeLinear", {wq, scale}, {w});
  b.node("Conv", {x, w}, {y});
  b.node("QuantizeLinear", {y, scale, zp}, {yq});
  b.node("DequantizeLinear", {yq, scale, zp}, {yd});
  b.node("HardSwish", {yd}, {h});
  b.node("QuantizeLinear", {h, scale, zp}, {hq});
  auto r = analyze_delegates(b.g);
  const DelegateCoverage* cpu = r.find("ort-cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->nodes, 2);  // Q/DQ are not counted
  EXPECT_EQ(cpu->taken, 1);
  EXPECT_EQ(reason_for(r, "ort-cpu", "Conv_2"), "");
  EXPECT_NE(reason_for(r, "ort-cpu", "HardSwish_5").find("no QDQ selector"), std::string::npos);
  EXPECT_EQ(cpu->verdict, "maybe");
}

TEST(Partitions, ConnectedGroupsAndVerdicts) {
  // Relu -> HardSwish -> Relu: the CoreML EP takes both Relus, in two partitions.
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {1, 4, 8, 8});
  const int a = b.tensor("a", F32, {1, 4, 8, 8});
  const int h = b.tensor("h", F32, {1, 4, 8, 8});
  const int y = b.tensor("y", F32, {1, 4, 8, 8});
  b.node("Relu", {x}, {a});
  b.node("HardSwish", {a}, {h});
  b.node("Relu", {h}, {y});
  auto r = analyze_delegates(b.g);
  const DelegateCoverage* ml = r.find("ort-coreml-mlprogram");
  EXPECT_EQ(ml->taken, 2);
  EXPECT_EQ(ml->partition_sizes, (std::vector<int>{1, 1}));
  EXPECT_EQ(ml->verdict, "poor");  // 66.7% < 75%
  EXPECT_EQ(r.find("ort-cpu")->verdict, "float");
  // Without the HardSwish: one partition of everything.
  b.g.nodes[1].op = "Relu";
  EXPECT_EQ(analyze_delegates(b.g).find("ort-coreml-mlprogram")->verdict, "good");
}

TEST(DelegateJson, CarriesTheTable) {
  GraphBuilder b("onnx");
  const int x = b.tensor("x", F32, {1, 4});
  const int y = b.tensor("y", F32, {1, 4});
  b.node("HardSwish", {x}, {y});
  const std::string json = delegate_report_json(analyze_delegates(b.g));
  EXPECT_NE(json.find("\"key\": \"ort-coreml-mlprogram\""), std::string::npos);
  EXPECT_NE(json.find("\"op\": \"HardSwish\""), std::string::npos);
  EXPECT_NE(json.find("\"partitions\": 0"), std::string::npos);
}

}  // namespace
}  // namespace mconv::delegates::test
