// Graph-level behaviour: scheduling, value lifetimes, capturing, input checks, dynamic batch,
// threads, and a hand-built MobileNetV3-style block run in both layouts.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

using ir::OpType;

// Builds graphs tersely: values by name, nodes in any order.
class GraphBuilder {
 public:
  ir::Value* input(const std::string& name, ir::Shape shape) {
    ir::Value* v = g.add_value(name, DType::kF32, shape);
    g.inputs.push_back(v);
    return v;
  }
  ir::Value* constant(const std::string& name, Tensor t) {
    return g.add_constant(name, std::move(t));
  }
  ir::Value* value(const std::string& name) {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    return values_[name] = g.add_value(name, DType::kF32, {}, false);
  }
  ir::Node* node(OpType op, const std::string& name, std::vector<ir::Value*> ins,
                 const std::string& out, ir::Layout layout = ir::Layout::kNone) {
    ir::Node* n = g.add_node(op, name, std::move(ins), {value(out)});
    n->layout = layout;
    return n;
  }
  ir::Graph g;

 private:
  std::map<std::string, ir::Value*> values_;
};

// x -> conv 3x3 s2 -> hardswish -> depthwise 3x3 -> relu -> SE(gap, conv, relu, conv,
// hardsigmoid, mul) -> pointwise conv -> add(residual from the depthwise branch input)
// -> gap -> flatten -> gemm. `nhwc` builds the same network channels-last.
ir::Graph mobilenet_block(bool nhwc, uint32_t seed) {
  const ir::Layout lay = nhwc ? ir::Layout::kNHWC : ir::Layout::kNCHW;
  GraphBuilder b;
  ir::Value* x = b.input("x", nhwc ? ir::Shape{{-1, "batch"}, {16}, {16}, {3}}
                                   : ir::Shape{{-1, "batch"}, {3}, {16}, {16}});
  auto conv = [&](const std::string& name, ir::Value* in, int64_t m, int64_t c, int64_t k,
                  int64_t stride, int64_t group, const std::string& out) {
    ir::Node* n = b.node(OpType::kConv, name,
                         {in, b.constant(name + ".w", random_tensor({m, c / group, k, k}, seed++)),
                          b.constant(name + ".b", random_tensor({m}, seed++))},
                         out, lay);
    n->attrs.set("strides", std::vector<int64_t>{stride, stride});
    const int64_t p = k / 2;
    n->attrs.set("pads", std::vector<int64_t>{p, p, p, p});
    n->attrs.set("group", group);
  };
  // Added deliberately out of order (the tail first) to exercise scheduling.
  ir::Node* gemm = b.node(OpType::kGemm, "fc",
                          {b.value("flat"), b.constant("fc.w", random_tensor({10, 16}, 90)),
                           b.constant("fc.b", random_tensor({10}, 91))},
                          "logits");
  gemm->attrs.set("transB", int64_t{1});
  b.node(OpType::kFlatten, "flatten", {b.value("pooled")}, "flat")->attrs.set("axis", int64_t{1});
  b.node(OpType::kGlobalAveragePool, "gap2", {b.value("sum")}, "pooled", lay);
  b.node(OpType::kAdd, "residual", {b.value("proj"), b.value("act1")}, "sum");
  conv("stem", x, 16, 3, 3, 2, 1, "stem_out");
  b.node(OpType::kHardSwish, "hswish", {b.value("stem_out")}, "act1");
  conv("dw", b.value("act1"), 16, 16, 3, 1, 16, "dw_out");
  b.node(OpType::kRelu, "relu", {b.value("dw_out")}, "dw_act");
  b.node(OpType::kGlobalAveragePool, "se.gap", {b.value("dw_act")}, "se_in", lay);
  conv("se.fc1", b.value("se_in"), 8, 16, 1, 1, 1, "se_mid");
  b.node(OpType::kRelu, "se.relu", {b.value("se_mid")}, "se_act");
  conv("se.fc2", b.value("se_act"), 16, 8, 1, 1, 1, "se_logit");
  ir::Node* hs = b.node(OpType::kHardSigmoid, "se.gate", {b.value("se_logit")}, "se_gate");
  hs->attrs.set("alpha", 1.0f / 6.0f);
  b.node(OpType::kMul, "se.scale", {b.value("dw_act"), b.value("se_gate")}, "se_out");
  conv("proj", b.value("se_out"), 16, 16, 1, 1, 1, "proj");
  b.g.outputs = {b.value("logits")};
  return std::move(b.g);
}

TEST(Interpreter, MatchesNodeByNodeEvaluationAndCapturesEveryValue) {
  ir::Graph g = mobilenet_block(false, 1);
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  Tensor x = random_tensor({1, 3, 16, 16}, 5);
  std::vector<std::pair<std::string, Tensor>> captured;
  auto out = (*interp)->run_capturing({x}, &captured);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{1, 10}));
  EXPECT_EQ(captured.size(), g.nodes().size());

  // Replay every node with evaluate_node on the captured inputs: same bytes.
  std::map<std::string, Tensor> values(captured.begin(), captured.end());
  values["x"] = x;
  for (const auto& node : g.nodes()) {
    std::vector<const Tensor*> args;
    for (const ir::Value* v : node->inputs)
      args.push_back(v->is_constant() ? v->constant.get() : &values.at(v->name));
    auto r = evaluate_node(*node, args);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(identical((*r)[0], values.at(node->outputs[0]->name))) << node->name;
  }
  EXPECT_TRUE(identical((*out)[0], values.at("logits")));
  auto plain = (*interp)->run({x});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(identical((*plain)[0], (*out)[0]));
}

TEST(Interpreter, NhwcGraphAgreesWithNchw) {
  ir::Graph nchw = mobilenet_block(false, 1), nhwc = mobilenet_block(true, 1);
  Tensor x = random_tensor({2, 3, 16, 16}, 6);
  auto a = Interpreter::Create(nchw);
  auto b = Interpreter::Create(nhwc);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ya = (*a)->run({x});
  auto yb = (*b)->run({nchw_to_nhwc(x)});
  ASSERT_TRUE(ya.ok()) << ya.status().message();
  ASSERT_TRUE(yb.ok()) << yb.status().message();
  EXPECT_LT(normalized_error((*yb)[0], (*ya)[0]), 1e-5);
}

TEST(Interpreter, DynamicBatchRowsAreIndependentAndThreadsAgree) {
  ir::Graph g = mobilenet_block(false, 1);
  auto one = Interpreter::Create(g);
  InterpreterOptions two_threads;
  two_threads.threads = 2;
  auto two = Interpreter::Create(g, two_threads);
  ASSERT_TRUE(one.ok() && two.ok());
  Tensor batch = random_tensor({3, 3, 16, 16}, 7);
  auto yb = (*one)->run({batch});
  auto yt = (*two)->run({batch});
  auto yt_again = (*two)->run({batch});
  ASSERT_TRUE(yb.ok() && yt.ok() && yt_again.ok());
  EXPECT_LT(normalized_error((*yt)[0], (*yb)[0]), 1e-5);
  EXPECT_TRUE(identical((*yt)[0], (*yt_again)[0]));  // fixed partitioning: reproducible
  for (int64_t row = 0; row < 3; ++row) {
    Tensor single(DType::kF32, {1, 3, 16, 16});
    std::memcpy(single.raw(), batch.raw() + row * single.byte_size(), single.byte_size());
    auto ys = (*one)->run({single});
    ASSERT_TRUE(ys.ok());
    Tensor want(DType::kF32, {1, 10});
    std::memcpy(want.raw(), (*yb)[0].raw() + row * want.byte_size(), want.byte_size());
    EXPECT_LT(normalized_error((*ys)[0], want), 1e-6) << "row " << row;
  }
}

TEST(Interpreter, RejectsInputsThatDoNotFit) {
  ir::Graph g = mobilenet_block(false, 1);
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok());
  EXPECT_FALSE((*interp)->run({}).ok());
  auto wrong_dim = (*interp)->run({random_tensor({1, 4, 16, 16}, 1)});
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_NE(wrong_dim.status().message().find("'x'"), std::string::npos)
      << wrong_dim.status().message();
  EXPECT_FALSE((*interp)->run({random_tensor({1, 3, 16}, 1)}).ok());
  Tensor ints(DType::kI64, {1, 3, 16, 16});
  EXPECT_FALSE((*interp)->run({ints}).ok());
}

TEST(Interpreter, OutputsMayBeInputsConstantsOrRepeated) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({2}));
  ir::Value* c = g.add_constant("c", f32({2}, {1, 2}));
  ir::Value* y = g.add_value("y", DType::kF32, ir::make_shape({2}));
  g.add_node(OpType::kAdd, "add", {x, c}, {y});
  g.inputs = {x};
  g.outputs = {y, x, c, y};
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  auto out = (*interp)->run({f32({2}, {10, 20})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ((*out)[0].to_f32(), (std::vector<float>{11, 22}));
  EXPECT_EQ((*out)[1].to_f32(), (std::vector<float>{10, 20}));
  EXPECT_EQ((*out)[2].to_f32(), (std::vector<float>{1, 2}));
  EXPECT_EQ((*out)[3].to_f32(), (std::vector<float>{11, 22}));
}

TEST(Interpreter, CreateFailsOnBrokenGraphsNamingTheNode) {
  {
    ir::Graph g;  // input neither fed, constant nor produced
    ir::Value* a = g.add_value("a", DType::kF32, ir::make_shape({1}));
    ir::Value* b = g.add_value("b", DType::kF32, ir::make_shape({1}));
    g.add_node(OpType::kRelu, "dangling_relu", {a}, {b});
    g.outputs = {b};
    auto r = Interpreter::Create(g);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("dangling_relu"), std::string::npos)
        << r.status().message();
  }
  {
    ir::Graph g;  // arity below the op table's minimum
    ir::Value* a = g.add_value("a", DType::kF32, ir::make_shape({1, 1, 1, 1}));
    ir::Value* b = g.add_value("b", DType::kF32, ir::make_shape({1, 1, 1, 1}));
    g.add_node(OpType::kConv, "lonely_conv", {a}, {b})->layout = ir::Layout::kNCHW;
    g.inputs = {a};
    g.outputs = {b};
    auto r = Interpreter::Create(g);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("lonely_conv"), std::string::npos) << r.status().message();
  }
  {
    ir::Graph g;  // bad attribute caught when preparing the kernel
    ir::Value* a = g.add_value("a", DType::kF32, ir::make_shape({1, 1, 4, 4}));
    ir::Value* b = g.add_value("b", DType::kF32, ir::make_shape({1, 1, 2, 2}));
    ir::Node* n = g.add_node(OpType::kMaxPool, "pool", {a}, {b});
    n->layout = ir::Layout::kNCHW;  // no kernel_shape
    g.inputs = {a};
    g.outputs = {b};
    auto r = Interpreter::Create(g);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("node 'pool' (MaxPool)"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("kernel_shape"), std::string::npos);
  }
  ir::Graph ok = mobilenet_block(false, 1);
  InterpreterOptions zero;
  zero.threads = 0;
  EXPECT_FALSE(Interpreter::Create(ok, zero).ok());
}

TEST(Interpreter, DeclaredDtypeMismatchIsReported) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({2, 3}));
  ir::Value* s = g.add_value("s", DType::kF32, ir::make_shape({2}));  // Shape yields i64
  g.add_node(OpType::kShape, "shape", {x}, {s});
  g.inputs = {x};
  g.outputs = {s};
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok());
  auto r = (*interp)->run({random_tensor({2, 3}, 1)});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("declared f32"), std::string::npos) << r.status().message();
}

TEST(EvaluateNode, RequiresOneTensorPerInput) {
  ir::Graph g;
  ir::Value* a = g.add_value("a", DType::kF32, ir::make_shape({1}));
  ir::Value* b = g.add_value("b", DType::kF32, ir::make_shape({1}));
  ir::Value* c = g.add_value("c", DType::kF32, ir::make_shape({1}));
  ir::Node* n = g.add_node(OpType::kAdd, "add", {a, b}, {c});
  Tensor t = f32({1}, {1});
  EXPECT_FALSE(evaluate_node(*n, {&t}).ok());
  EXPECT_FALSE(evaluate_node(*n, {&t, nullptr}).ok());
  auto r = evaluate_node(*n, {&t, &t});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].to_f32(), (std::vector<float>{2}));
}

}  // namespace
}  // namespace mconv::runtime::test
