// Hand-built ONNX-style (NCHW) graphs in the shape of well-known CNN families, exported to TFLite
// and run in LiteRT against the reference interpreter on the original graph (random weights and
// input, seeded):
//   ResNet       residual Add, BatchNormalization (folded), MaxPool with padding, Gemm head
//   EfficientNet SiLU (x * Sigmoid(x)), squeeze-excitation, broadcast constants [1,C,1,1]/[C,1,1]
//   ShuffleNet   channel split, grouped 1x1 conv, channel shuffle (Reshape-Transpose-Reshape)
//   SqueezeNet   fire-module Concat, ceil_mode MaxPool, padded AveragePool counting pads
//   MNASNet      ReduceMean over H,W, Softmax head, Flatten of a C*H*W tensor
// Each graph is also checked after rewrite_for_nhwc alone (interpreter on NHWC input), and the
// exported files for the count of TRANSPOSE ops (none, or no more than the source's own).
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include "core/file_io.h"
#include "core/npy.h"
#include "ir/verifier.h"
#include "litert_runner.h"
#include "passes/fold_batchnorm.h"
#include "passes/rewrite_for_nhwc.h"
#include "passes/shape_inference.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "support/test_tensors.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"

namespace {

using mconv::DType;
using mconv::Tensor;
using mconv::ir::Attributes;
using mconv::ir::Layout;
using mconv::ir::OpType;
using mconv::ir::Value;

// Builds NCHW graphs with seeded random weights.
class Builder {
 public:
  explicit Builder(uint32_t seed) : rng_(seed) {}
  mconv::ir::Graph g;

  Value* input(std::vector<int64_t> shape) {
    Value* v = g.add_value("input", DType::kF32, mconv::ir::make_shape(shape));
    g.inputs.push_back(v);
    return v;
  }
  Value* weights(const std::string& name, std::vector<int64_t> shape, float scale) {
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> data(mconv::shape_element_count(shape));
    for (float& x : data) x = dist(rng_);
    return g.add_constant(name, Tensor::FromVector(DType::kF32, shape, data));
  }
  Value* op(OpType type, std::vector<Value*> inputs, Attributes attrs = {},
            Layout layout = Layout::kNone, int outputs = 1) {
    const std::string name = std::string(mconv::ir::op_name(type)) + "_" + std::to_string(next_++);
    std::vector<Value*> outs;
    for (int i = 0; i < outputs; ++i)
      outs.push_back(g.add_value(name + "_out" + std::to_string(i), DType::kUndefined, {}, false));
    mconv::ir::Node* n = g.add_node(type, name, std::move(inputs), outs);
    n->attrs = std::move(attrs);
    n->layout = layout;
    last_ = n;
    return outs[0];
  }
  mconv::ir::Node* last() { return last_; }

  Value* conv(Value* x, int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t pad,
              int64_t group = 1, bool bias = true, int64_t dilation = 1) {
    Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{k, k});
    a.set("strides", std::vector<int64_t>{stride, stride});
    a.set("dilations", std::vector<int64_t>{dilation, dilation});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    a.set("group", group);
    const float scale = 1.0f / std::sqrt(static_cast<float>(cin / group * k * k));
    std::vector<Value*> in = {
        x, weights("w" + std::to_string(next_), {cout, cin / group, k, k}, scale)};
    if (bias) in.push_back(weights("b" + std::to_string(next_), {cout}, 0.1f));
    return op(OpType::kConv, in, a, Layout::kNCHW);
  }
  Value* bn(Value* x, int64_t c) {
    std::uniform_real_distribution<float> var(0.5f, 1.5f);
    std::vector<float> v(c);
    for (float& e : v) e = var(rng_);
    Value* variance =
        g.add_constant("var" + std::to_string(next_), Tensor::FromVector(DType::kF32, {c}, v));
    Attributes a;
    a.set("epsilon", 1e-5f);
    return op(OpType::kBatchNormalization,
              {x, weights("gamma" + std::to_string(next_), {c}, 0.5f),
               weights("beta" + std::to_string(next_), {c}, 0.2f),
               weights("mean" + std::to_string(next_), {c}, 0.2f), variance},
              a, Layout::kNCHW);
  }
  Value* relu(Value* x) { return op(OpType::kRelu, {x}); }
  Value* silu(Value* x) { return op(OpType::kMul, {x, op(OpType::kSigmoid, {x})}); }
  Value* gap(Value* x) { return op(OpType::kGlobalAveragePool, {x}, {}, Layout::kNCHW); }
  Value* pool(OpType type, Value* x, int64_t k, int64_t s, int64_t pad, bool ceil,
              bool count_pad = false) {
    Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{k, k});
    a.set("strides", std::vector<int64_t>{s, s});
    a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    a.set("ceil_mode", static_cast<int64_t>(ceil));
    if (type == OpType::kAveragePool) a.set("count_include_pad", static_cast<int64_t>(count_pad));
    return op(type, {x}, a, Layout::kNCHW);
  }
  Value* i64(std::vector<int64_t> values) {
    return g.add_constant(
        "c" + std::to_string(next_++),
        Tensor::FromVector(DType::kI64, {static_cast<int64_t>(values.size())}, values));
  }
  Value* flatten(Value* x) {
    Attributes a;
    a.set("axis", int64_t{1});
    return op(OpType::kFlatten, {x}, a);
  }
  Value* gemm(Value* x, int64_t in, int64_t out) {
    Attributes a;
    a.set("transB", int64_t{1});
    return op(OpType::kGemm,
              {x, weights("fc" + std::to_string(next_), {out, in}, 1.0f / std::sqrt(float(in))),
               weights("fcb" + std::to_string(next_), {out}, 0.1f)},
              a);
  }
  void output(Value* v) { g.outputs.push_back(v); }

 private:
  std::mt19937 rng_;
  int next_ = 0;
  mconv::ir::Node* last_ = nullptr;
};

Value* resnet(Builder& b) {
  Value* x = b.input({1, 3, 32, 32});
  x = b.relu(b.bn(b.conv(x, 3, 8, 3, 2, 1, 1, false), 8));  // 16x16
  x = b.pool(OpType::kMaxPool, x, 3, 2, 1, false);          // 8x8
  Value* y = b.relu(b.bn(b.conv(x, 8, 8, 3, 1, 1, 1, false), 8));
  y = b.bn(b.conv(y, 8, 8, 3, 1, 1, 1, false), 8);
  x = b.relu(b.op(OpType::kAdd, {x, y}));
  Value* down = b.relu(b.bn(b.conv(x, 8, 16, 3, 2, 1, 1, false), 16));  // 4x4
  down = b.bn(b.conv(down, 16, 16, 3, 1, 1, 1, false), 16);
  Value* shortcut = b.bn(b.conv(x, 8, 16, 1, 2, 0, 1, false), 16);
  x = b.relu(b.op(OpType::kAdd, {down, shortcut}));
  return b.gemm(b.flatten(b.gap(x)), 16, 10);
}

Value* efficientnet(Builder& b) {
  Value* x = b.input({1, 3, 32, 32});
  x = b.silu(b.bn(b.conv(x, 3, 16, 3, 2, 1, 1, false), 16));           // 16x16
  Value* y = b.silu(b.bn(b.conv(x, 16, 16, 3, 1, 1, 16, false), 16));  // depthwise
  // Squeeze-excitation.
  Value* s = b.gap(y);
  s = b.silu(b.conv(s, 16, 4, 1, 1, 0));
  s = b.op(OpType::kSigmoid, {b.conv(s, 4, 16, 1, 1, 0)});
  y = b.op(OpType::kMul, {y, s});
  // Broadcast constants in ONNX shapes: a per-channel scale [1,C,1,1] and shift [C,1,1].
  y = b.op(OpType::kMul, {y, b.weights("scale", {1, 16, 1, 1}, 1.0f)});
  y = b.op(OpType::kAdd, {y, b.weights("shift", {16, 1, 1}, 0.3f)});
  y = b.bn(b.conv(y, 16, 16, 1, 1, 0, 1, false), 16);
  x = b.bn(b.op(OpType::kAdd, {x, y}), 16);  // BN without a Conv before it: Mul + Add
  x = b.silu(b.conv(x, 16, 24, 3, 2, 1));    // 8x8, asymmetric pad -> PAD
  return b.gemm(b.flatten(b.gap(x)), 24, 10);
}

Value* shufflenet(Builder& b) {
  Value* x = b.input({1, 3, 24, 24});
  x = b.relu(b.conv(x, 3, 16, 3, 2, 1));  // 12x12
  // Channel split, one branch processed, concat, shuffle.
  Attributes split;
  split.set("axis", int64_t{1});
  b.op(OpType::kSplit, {x, b.i64({8, 8})}, split, Layout::kNone, 2);
  mconv::ir::Node* split_node = b.last();
  Value* left = split_node->outputs[0];
  Value* right = split_node->outputs[1];
  right = b.relu(b.conv(right, 8, 8, 1, 1, 0, 2));  // grouped 1x1 conv (ShuffleNet v1 style)
  right = b.conv(right, 8, 8, 3, 1, 1, 8);          // depthwise
  right = b.relu(b.conv(right, 8, 8, 1, 1, 0));
  Attributes cat;
  cat.set("axis", int64_t{1});
  x = b.op(OpType::kConcat, {left, right}, cat);
  x = b.op(OpType::kReshape, {x, b.i64({1, 2, 8, 12, 12})});
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{0, 2, 1, 3, 4});
  x = b.op(OpType::kTranspose, {x}, perm);
  x = b.op(OpType::kReshape, {x, b.i64({1, 16, 12, 12})});
  x = b.relu(b.conv(x, 16, 16, 1, 1, 0));
  return b.gemm(b.flatten(b.gap(x)), 16, 10);
}

Value* squeezenet(Builder& b) {
  Value* x = b.input({1, 3, 33, 33});
  x = b.relu(b.conv(x, 3, 16, 3, 2, 0));           // 16x16
  x = b.pool(OpType::kMaxPool, x, 3, 2, 0, true);  // ceil: 8x8 (floor would be 7)
  auto fire = [&](Value* in, int64_t cin, int64_t squeeze, int64_t expand) {
    Value* s = b.relu(b.conv(in, cin, squeeze, 1, 1, 0));
    Value* e1 = b.relu(b.conv(s, squeeze, expand, 1, 1, 0));
    Value* e3 = b.relu(b.conv(s, squeeze, expand, 3, 1, 1));
    Attributes cat;
    cat.set("axis", int64_t{1});
    return b.op(OpType::kConcat, {e1, e3}, cat);
  };
  x = fire(x, 16, 4, 8);                           // 16 ch
  x = b.pool(OpType::kMaxPool, x, 3, 2, 0, true);  // ceil: 4x4 (floor 3x3)
  x = fire(x, 16, 4, 8);
  x = b.pool(OpType::kAveragePool, x, 3, 2, 1, true, true);  // padded, pads counted
  x = b.relu(b.conv(x, 16, 10, 1, 1, 0));
  return b.flatten(b.gap(x));
}

Value* mnasnet(Builder& b) {
  Value* x = b.input({1, 3, 32, 32});
  x = b.relu(b.bn(b.conv(x, 3, 16, 3, 2, 1, 1, false), 16));
  x = b.relu(b.bn(b.conv(x, 16, 16, 3, 1, 2, 16, false, 2), 16));  // dilated depthwise
  x = b.bn(b.conv(x, 16, 8, 1, 1, 0, 1, false), 8);
  Value* y = b.relu(b.bn(b.conv(x, 8, 24, 1, 1, 0, 1, false), 24));
  y = b.relu(b.bn(b.conv(y, 24, 24, 5, 2, 2, 24, false), 24));  // 8x8
  y = b.bn(b.conv(y, 24, 16, 1, 1, 0, 1, false), 16);
  Attributes mean;
  mean.set("axes", std::vector<int64_t>{2, 3});
  mean.set("keepdims", int64_t{0});
  Value* pooled = b.op(OpType::kReduceMean, {y}, mean);  // [1,16]
  Value* logits = b.gemm(pooled, 16, 10);
  Attributes softmax;
  softmax.set("axis", int64_t{1});
  b.output(b.op(OpType::kSoftmax, {logits}, softmax));
  // A second head flattening C*H*W into a Gemm: the Gemm's weight rows are reordered to the
  // channels-last flattening instead of moving data.
  return b.gemm(b.flatten(y), 16 * 8 * 8, 4);
}

// Less common ops in a channels-last body: LeakyRelu, reflect Pad, Slice on channels and space,
// Split/Concat, Tanh, general Clip, Sub/Div by broadcast constants, ReduceMean keeping dims,
// Squeeze/Unsqueeze, MatMul, AveragePool with SAME-like pads, a Flatten that must move data.
Value* misc(Builder& b) {
  Value* x = b.input({1, 4, 20, 20});
  Attributes leaky;
  leaky.set("alpha", 0.1f);
  x = b.op(OpType::kLeakyRelu, {b.conv(x, 4, 12, 3, 1, 1)}, leaky);
  Attributes reflect;
  reflect.set("mode", std::string("reflect"));
  x = b.op(OpType::kPad, {x, b.i64({0, 0, 1, 2, 0, 0, 1, 2})}, reflect);  // 23x23
  x = b.op(OpType::kSlice, {x, b.i64({2, 1, 0}), b.i64({10, 21, 22}), b.i64({1, 2, 3}),
                            b.i64({1, 1, 2})});  // 8ch, 20x11
  Attributes split;
  split.set("axis", int64_t{1});
  b.op(OpType::kSplit, {x, b.i64({3, 5})}, split, Layout::kNone, 2);
  mconv::ir::Node* parts = b.last();
  Value* a = b.op(OpType::kTanh, {parts->outputs[0]});
  Value* c = b.op(
      OpType::kClip,
      {parts->outputs[1],
       b.g.add_constant("lo", Tensor::FromVector(DType::kF32, {}, std::vector<float>{-0.5f})),
       b.g.add_constant("hi", Tensor::FromVector(DType::kF32, {}, std::vector<float>{0.25f}))});
  Attributes cat;
  cat.set("axis", int64_t{1});
  x = b.op(OpType::kConcat, {c, a}, cat);
  x = b.op(OpType::kSub, {x, b.weights("mu", {8, 1, 1}, 0.2f)});
  x = b.op(
      OpType::kDiv,
      {x, b.g.add_constant("two", Tensor::FromVector(DType::kF32, {1}, std::vector<float>{2.0f}))});
  x = b.pool(OpType::kAveragePool, x, 3, 1, 1, false);  // stride 1, pad 1: SAME
  // Flattening C*H*W into an output needs channels-first order: the one Transpose allowed.
  b.output(b.flatten(x));
  Attributes mean;
  mean.set("axes", std::vector<int64_t>{2, 3});
  mean.set("keepdims", int64_t{1});
  x = b.op(OpType::kReduceMean, {x}, mean);        // [1,8,1,1]
  x = b.op(OpType::kSqueeze, {x, b.i64({2, 3})});  // [1,8]
  x = b.op(OpType::kMatMul, {x, b.weights("proj", {8, 6}, 0.5f)});
  return b.op(OpType::kUnsqueeze, {x, b.i64({1})});  // [1,1,6]
}

struct Case {
  std::string name;                       // family
  std::function<Value*(Builder&)> build;  // returns the (last) output
  int max_transposes;                     // TRANSPOSE ops allowed in the exported file
};

const std::vector<Case>& cases() {
  static const std::vector<Case> list = {
      {"resnet", resnet, 0},         {"efficientnet", efficientnet, 0},
      {"shufflenet", shufflenet, 1}, {"squeezenet", squeezenet, 0},
      {"mnasnet", mnasnet, 0},       {"misc", misc, 1},
  };
  return list;
}

using mconv::test::nchw_to_nhwc;

Tensor random_input(const std::vector<int64_t>& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> data(mconv::shape_element_count(shape));
  for (float& x : data) x = dist(rng);
  return Tensor::FromVector(DType::kF32, shape, data);
}

// A built graph with its reference outputs on a random input.
struct Built {
  mconv::ir::Graph graph;
  Tensor input;                   // NCHW
  std::vector<Tensor> reference;  // interpreter outputs on the original graph
};

Built build(const Case& c, uint32_t seed) {
  Builder b(seed);
  b.output(c.build(b));
  // The last-built head is the final output; MNASNet added its softmax head first.
  Built out{std::move(b.g), {}, {}};
  auto shapes = mconv::passes::infer_shapes(out.graph);
  EXPECT_TRUE(shapes.ok()) << c.name << ": " << shapes.status().message();
  EXPECT_TRUE(mconv::ir::verify(out.graph).ok()) << c.name;
  out.input = random_input(mconv::ir::static_dims(out.graph.inputs[0]->shape), seed + 1);
  auto interp = mconv::runtime::Interpreter::Create(out.graph);
  EXPECT_TRUE(interp.ok()) << c.name << ": " << interp.status().message();
  if (interp.ok()) {
    auto result = (*interp)->run({out.input});
    EXPECT_TRUE(result.ok()) << c.name << ": " << result.status().message();
    if (result.ok()) out.reference = *result;
  }
  return out;
}

int count_ops(const std::vector<uint8_t>& bytes, const std::string& name) {
  const ::tflite::Model* model = ::tflite::GetModel(bytes.data());
  int count = 0;
  for (const ::tflite::Operator* op : *model->subgraphs()->Get(0)->operators()) {
    const auto* code = model->operator_codes()->Get(op->opcode_index());
    count += ::tflite::EnumNameBuiltinOperator(code->builtin_code()) == name;
  }
  return count;
}

int count_version(const std::vector<uint8_t>& bytes, const std::string& name) {
  const ::tflite::Model* model = ::tflite::GetModel(bytes.data());
  for (const ::tflite::OperatorCode* code : *model->operator_codes())
    if (::tflite::EnumNameBuiltinOperator(code->builtin_code()) == name) return code->version();
  return 0;
}

// The NHWC rewrite alone keeps the graph's meaning: interpreter(rewritten, NHWC input) equals
// interpreter(original, NCHW input).
TEST(TfliteExportGraphs, NhwcRewriteKeepsResults) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Built built = build(c, 7);
    ASSERT_FALSE(built.reference.empty());
    mconv::ir::Graph nhwc = built.graph.clone();
    ASSERT_TRUE(mconv::passes::fold_batchnorm(nhwc).ok());
    auto rewritten = mconv::passes::rewrite_for_nhwc(nhwc);
    ASSERT_TRUE(rewritten.ok()) << rewritten.status().message();
    EXPECT_GT(rewritten->changes, 0);
    ASSERT_TRUE(mconv::ir::verify(nhwc).ok());
    int transposes = 0, bns = 0;
    for (const auto& n : nhwc.nodes()) {
      transposes += n->op == OpType::kTranspose;
      bns += n->op == OpType::kBatchNormalization;
      if (mconv::ir::op_info(n->op).layout_sensitive)
        EXPECT_EQ(n->layout, Layout::kNHWC) << n->name;
    }
    EXPECT_EQ(bns, 0);
    EXPECT_LE(transposes, c.max_transposes);
    EXPECT_EQ(
        mconv::ir::static_dims(nhwc.inputs[0]->shape),
        (std::vector<int64_t>{1, built.input.dim(2), built.input.dim(3), built.input.dim(1)}));
    auto interp = mconv::runtime::Interpreter::Create(nhwc);
    ASSERT_TRUE(interp.ok()) << interp.status().message();
    auto out = (*interp)->run({nchw_to_nhwc(built.input)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->size(), built.reference.size());
    for (size_t i = 0; i < out->size(); ++i) {
      EXPECT_EQ((*out)[i].shape(), built.reference[i].shape());
      EXPECT_LE(mconv::test::relative_max_diff((*out)[i], built.reference[i]), 1e-5);
    }
  }
}

// Export + LiteRT (one process for all graphs) against the reference interpreter.
TEST(TfliteExportGraphs, LiteRtMatchesReferenceInterpreter) {
  MCONV_REQUIRE_LITERT();
  const std::string dir = mconv::test::make_temp_dir("tflite_export_graphs");
  std::vector<Built> built;
  std::vector<std::vector<uint8_t>> files;
  std::vector<mconv::test::LiteRtJob> jobs;
  for (const Case& c : cases()) {
    built.push_back(build(c, 11));
    ASSERT_FALSE(built.back().reference.empty()) << c.name;
    auto bytes = mconv::tflite::export_tflite(built.back().graph);
    ASSERT_TRUE(bytes.ok()) << c.name << ": " << bytes.status().message();
    flatbuffers::Verifier verifier(bytes->data(), bytes->size());
    ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier)) << c.name;
    files.push_back(*bytes);
    const std::string model = dir + "/" + c.name + ".tflite";
    ASSERT_TRUE(mconv::write_file_atomic(model, *bytes).ok());
    const std::string input = dir + "/" + c.name + ".input.npy";
    ASSERT_TRUE(mconv::write_npy(input, nchw_to_nhwc(built.back().input)).ok());
    jobs.push_back({model, {input}, dir + "/" + c.name + ".out"});
  }
  const auto run = mconv::test::run_litert_batch(jobs, dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  for (size_t i = 0; i < cases().size(); ++i) {
    const Case& c = cases()[i];
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(run.job_ok[i]) << run.log;
    EXPECT_LE(count_ops(files[i], "TRANSPOSE"), c.max_transposes);
    for (size_t k = 0; k < built[i].reference.size(); ++k) {
      auto out = mconv::read_npy(jobs[i].out_prefix + "." + std::to_string(k) + ".npy");
      ASSERT_TRUE(out.ok()) << out.status().message();
      ASSERT_EQ(out->shape(), built[i].reference[k].shape());
      const double rel = mconv::test::relative_max_diff(*out, built[i].reference[k]);
      EXPECT_LE(rel, 1e-4);
      std::printf("[ litert ] %s output %zu: max|diff|/max|ref| = %.3g, TRANSPOSE ops %d\n",
                  c.name.c_str(), k, rel, count_ops(files[i], "TRANSPOSE"));
    }
  }
  // Family-specific lowering facts.
  EXPECT_EQ(count_version(files[2], "CONV_2D"), 6);  // ShuffleNet's grouped conv
  EXPECT_GE(count_ops(files[3], "CONCATENATION"), 2);
  EXPECT_EQ(count_ops(files[4], "SOFTMAX"), 1);
  EXPECT_GE(count_ops(files[4], "MEAN"), 1);
  EXPECT_EQ(count_ops(files[0], "RELU"), 0);                   // fused into CONV_2D / ADD
  EXPECT_EQ(count_version(files[4], "DEPTHWISE_CONV_2D"), 2);  // dilated
  EXPECT_EQ(count_ops(files[5], "MIRROR_PAD"), 1);
  EXPECT_EQ(count_ops(files[5], "STRIDED_SLICE"), 1);
  EXPECT_EQ(count_ops(files[5], "SPLIT_V"), 1);
}

// A rank-4 output (segmentation-like) stays NHWC by default; keep_nchw_outputs restores NCHW.
TEST(TfliteExportGraphs, Rank4OutputLayoutFollowsOptions) {
  Builder b(5);
  Value* x = b.input({1, 3, 16, 16});
  b.output(b.relu(b.conv(b.relu(b.conv(x, 3, 8, 3, 1, 1)), 8, 5, 1, 1, 0)));
  ASSERT_TRUE(mconv::passes::infer_shapes(b.g).ok());
  for (bool keep : {false, true}) {
    mconv::tflite::TfliteExportOptions options;
    options.keep_nchw_outputs = keep;
    auto bytes = mconv::tflite::export_tflite(b.g, options);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const ::tflite::Model* model = ::tflite::GetModel(bytes->data());
    const auto* sg = model->subgraphs()->Get(0);
    const ::tflite::Tensor* out = sg->tensors()->Get(sg->outputs()->Get(0));
    const std::vector<int> shape(out->shape()->begin(), out->shape()->end());
    EXPECT_EQ(shape, keep ? (std::vector<int>{1, 5, 16, 16}) : (std::vector<int>{1, 16, 16, 5}));
    EXPECT_EQ(count_ops(*bytes, "TRANSPOSE"), keep ? 1 : 0);
    EXPECT_EQ(out->name()->str(), b.g.outputs[0]->name);  // the output keeps its name
  }
}

// A failed export leaves no file behind; a successful one writes exactly export_tflite's bytes.
TEST(TfliteExportGraphs, FileExportIsAtomic) {
  const std::string dir = mconv::test::make_temp_dir("tflite_export_file");
  Builder bad(3);
  Value* dims = bad.g.add_value("dims", DType::kI64, mconv::ir::make_shape({2}));
  bad.g.inputs.push_back(dims);
  bad.output(bad.op(OpType::kConstantOfShape, {dims}));
  (void)mconv::passes::infer_shapes(bad.g);
  EXPECT_FALSE(mconv::tflite::export_tflite_file(bad.g, dir + "/bad.tflite").ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.tflite"));

  Builder good(4);
  good.output(good.relu(good.conv(good.input({1, 3, 8, 8}), 3, 4, 3, 1, 1)));
  ASSERT_TRUE(mconv::passes::infer_shapes(good.g).ok());
  ASSERT_TRUE(mconv::tflite::export_tflite_file(good.g, dir + "/good.tflite").ok());
  auto written = mconv::read_file_bytes(dir + "/good.tflite");
  auto bytes = mconv::tflite::export_tflite(good.g);
  ASSERT_TRUE(written.ok() && bytes.ok());
  EXPECT_TRUE(*written == *bytes);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
}

TEST(TfliteExportGraphs, UnsupportedOpIsNamed) {
  // ConstantOfShape of a computed shape has no TFLite FP32 lowering (static ones fold away).
  Builder b(3);
  Value* dims = b.g.add_value("dims", DType::kI64, mconv::ir::make_shape({2}));
  b.g.inputs.push_back(dims);
  b.output(b.op(OpType::kConstantOfShape, {dims}));
  (void)mconv::passes::infer_shapes(b.g);
  auto bytes = mconv::tflite::export_tflite(b.g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("(ConstantOfShape)"), std::string::npos)
      << bytes.status().message();
  EXPECT_NE(bytes.status().message().find("'ConstantOfShape_0'"), std::string::npos)
      << bytes.status().message();
}

}  // namespace
