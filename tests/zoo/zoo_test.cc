// The built-in zoo: torchvision's MobileNetV3-Small architecture, proved by loading the torch
// export's weights and reproducing torch's stored outputs; seeded synthetic weights that are
// deterministic and give input-dependent outputs.
#include "zoo/zoo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "core/npy.h"
#include "passes/fold_batchnorm.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "support/test_tensors.h"

namespace mconv::zoo {
namespace {

std::string op17_model() {
  return test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
}

Tensor random_input(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Tensor t(DType::kF32, {1, 3, 224, 224});
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = normal(rng);
  return t;
}

using test::batch_row;

std::vector<float> run(const ir::Graph& graph, const Tensor& input) {
  auto interpreter = runtime::Interpreter::Create(graph);
  EXPECT_TRUE(interpreter.ok()) << interpreter.status().message();
  if (!interpreter.ok()) return {};
  auto out = (*interpreter)->run({input});
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? (*out)[0].to_f32() : std::vector<float>{};
}

int argmax(const std::vector<float>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST(Zoo, ListsMobileNetV3Small) {
  EXPECT_EQ(zoo_model_names(), std::vector<std::string>{"mobilenet_v3_small"});
  EXPECT_EQ(zoo_models()[0].input_shape, (std::vector<int64_t>{1, 3, 224, 224}));
  auto bad = build_zoo_model("resnet9000");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("mobilenet_v3_small"), std::string::npos);
}

TEST(Zoo, MobileNetV3SmallHasTorchvisionsLayers) {
  auto model = build_zoo_model("mobilenet_v3_small", {.seed = 1});
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->graph;
  EXPECT_EQ(model->source_format, "zoo");
  EXPECT_NE(model->producer.find("synthetic"), std::string::npos);
  std::map<std::string, int> ops;
  int64_t running_stats = 0;
  for (const auto& node : g.nodes()) {
    ++ops[std::string(ir::op_name(node->op))];
    if (node->op == ir::OpType::kBatchNormalization)
      running_stats += 2 * node->inputs[3]->constant->element_count();
  }
  // The counts of torch's own ONNX export (BatchNorm folded there), plus one BN per Conv that
  // is not a Squeeze-Excitation fc layer, and the classifier's Dropout.
  EXPECT_EQ(ops["Conv"], 52);
  EXPECT_EQ(ops["BatchNormalization"], 34);
  EXPECT_EQ(ops["HardSwish"], 19);
  EXPECT_EQ(ops["Relu"], 14);
  EXPECT_EQ(ops["GlobalAveragePool"], 10);
  EXPECT_EQ(ops["HardSigmoid"], 9);
  EXPECT_EQ(ops["Mul"], 9);
  EXPECT_EQ(ops["Add"], 6);
  EXPECT_EQ(ops["Gemm"], 2);
  EXPECT_EQ(ops["Flatten"], 1);
  EXPECT_EQ(ops["Dropout"], 1);
  // torchvision.models.mobilenet_v3_small() has 2,542,856 trainable parameters.
  EXPECT_EQ(g.parameter_count() - running_stats, 2542856);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "input");
  EXPECT_EQ(ir::shape_string(g.inputs[0]->shape), "[1,3,224,224]");
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->name, "logits");
  EXPECT_EQ(ir::shape_string(g.outputs[0]->shape), "[1,1000]");
  for (const auto& node : g.nodes())
    if (ir::op_info(node->op).layout_sensitive) EXPECT_EQ(node->layout, ir::Layout::kNCHW);
}

TEST(Zoo, SameSeedSameWeightsOtherSeedOtherWeights) {
  auto a = build_zoo_model("mobilenet_v3_small", {.seed = 7});
  auto b = build_zoo_model("mobilenet_v3_small", {.seed = 7});
  auto c = build_zoo_model("mobilenet_v3_small", {.seed = 8});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const auto& va = a->graph.values();
  const auto& vb = b->graph.values();
  const auto& vc = c->graph.values();
  ASSERT_EQ(va.size(), vb.size());
  int constants = 0, differing = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    if (!va[i]->is_constant()) continue;
    ++constants;
    ASSERT_EQ(va[i]->name, vb[i]->name);
    EXPECT_EQ(va[i]->constant->bytes(), vb[i]->constant->bytes()) << va[i]->name;
    if (va[i]->constant->bytes() != vc[i]->constant->bytes()) ++differing;
  }
  EXPECT_GT(constants, 150);
  EXPECT_GT(differing, constants / 2);
}

class ZooSeeds : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ZooSeeds, SyntheticWeightsGiveInputDependentOutputs) {
  auto model = build_zoo_model("mobilenet_v3_small", {.seed = GetParam()});
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<int> classes;
  for (uint32_t s = 0; s < 6; ++s) {
    std::vector<float> logits = run(model->graph, random_input(100 + s));
    ASSERT_EQ(logits.size(), 1000u);
    double mean = 0, sq = 0;
    for (float x : logits) {
      ASSERT_TRUE(std::isfinite(x));
      mean += x;
    }
    mean /= logits.size();
    for (float x : logits) sq += (x - mean) * (x - mean);
    const double spread = std::sqrt(sq / logits.size());
    EXPECT_GT(spread, 0.1) << "sample " << s;
    EXPECT_LT(spread, 100) << "sample " << s;
    classes.push_back(argmax(logits));
  }
  std::sort(classes.begin(), classes.end());
  const auto distinct = std::unique(classes.begin(), classes.end()) - classes.begin();
  EXPECT_GE(distinct, 3) << "six random inputs should not share one or two classes";
}

INSTANTIATE_TEST_SUITE_P(Seeds, ZooSeeds, ::testing::Values(0, 1, 2, 3, 4, 5, 6, 12345));

TEST(Zoo, BatchNormFoldingKeepsOutputs) {
  auto model = build_zoo_model("mobilenet_v3_small", {.seed = 3});
  ASSERT_TRUE(model.ok());
  Tensor input = random_input(5);
  std::vector<float> before = run(model->graph, input);
  auto folded = passes::fold_batchnorm(model->graph);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  EXPECT_EQ(folded->changes, 34);
  std::vector<float> after = run(model->graph, input);
  ASSERT_EQ(before.size(), after.size());
  float scale = 0, diff = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    scale = std::max(scale, std::abs(before[i]));
    diff = std::max(diff, std::abs(before[i] - after[i]));
  }
  EXPECT_LT(diff, 1e-4 * std::max(1.f, scale));
}

// The architecture proof: torch's weights in the zoo graph reproduce torch's outputs.
TEST(Zoo, TorchWeightsReproduceTorchOutputs) {
  const std::string path = op17_model();
  MCONV_REQUIRE_SHARED_FILE(path);
  auto model = build_zoo_model("mobilenet_v3_small", {.seed = 0, .weights_path = path});
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_NE(model->producer.find(path), std::string::npos);
  auto inputs = read_npy(test::shared_models_dir() + "/mobilenet_v3_small_op17.input.npy");
  auto expected = read_npy(test::shared_models_dir() + "/mobilenet_v3_small_op17.torch_output.npy");
  ASSERT_TRUE(inputs.ok() && expected.ok());
  ASSERT_EQ(inputs->dim(0), 2);
  std::vector<float> want = expected->to_f32();
  for (int64_t r = 0; r < 2; ++r) {
    std::vector<float> got = run(model->graph, batch_row(*inputs, r));
    ASSERT_EQ(got.size(), 1000u);
    float diff = 0;
    for (int c = 0; c < 1000; ++c) diff = std::max(diff, std::abs(got[c] - want[r * 1000 + c]));
    EXPECT_LT(diff, 1e-4) << "row " << r;
    EXPECT_EQ(argmax(got), argmax({want.begin() + r * 1000, want.begin() + (r + 1) * 1000}));
  }
}

TEST(Zoo, WeightsOfAnotherArchitectureAreAOneLineError) {
  const std::string path = test::shared_models_dir() + "/mobilenet_v2_op13.onnx";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto model = build_zoo_model("mobilenet_v3_small", {.seed = 0, .weights_path = path});
  ASSERT_FALSE(model.ok());
  const std::string message = model.status().message();
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("Conv/Gemm layers"), std::string::npos) << message;
}

TEST(Zoo, MissingWeightsFileIsAnError) {
  auto model = build_zoo_model("mobilenet_v3_small", {.weights_path = "/nonexistent/w.onnx"});
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("/nonexistent/w.onnx"), std::string::npos);
}

}  // namespace
}  // namespace mconv::zoo
