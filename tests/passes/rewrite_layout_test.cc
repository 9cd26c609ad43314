// rewrite_layout (the one layout pass behind rewrite_for_nhwc and rewrite_for_nchw) on hand-built
// channels-first graphs, as ONNX and PyTorch give them. The oracle is the reference interpreter
// (its NCHW and NHWC kernels are tested on their own): the rewritten graph must compute what the
// source graph computes on seeded inputs, every layout-sensitive node must run in the target
// layout, and Transposes may stand only where data truly has to move.
#include "passes/rewrite_layout.h"

#include <gtest/gtest.h>

#include "layout_test_util.h"
#include "passes/rewrite_for_nhwc.h"

namespace mconv::passes {
namespace {

using ir::Layout;
using ir::OpType;
using namespace testing;  // graph builders, seeded data, the interpreter oracle

using Ints = std::vector<int64_t>;

ir::Value* nchw_conv(ir::Graph& g, const std::string& name, ir::Value* x, int64_t in, int64_t out,
                     int64_t k, int64_t stride = 1, int64_t group = 1) {
  return testing::conv(g, name, x, in, out, k, stride, group, Layout::kNCHW);
}

ir::Value* pool(ir::Graph& g, OpType type, const std::string& name, ir::Value* x, int64_t k,
                int64_t stride, int64_t pad) {
  ir::Attributes a = attrs({{"kernel_shape", Ints{k, k}},
                            {"strides", Ints{stride, stride}},
                            {"pads", Ints{pad, pad, pad, pad}}});
  if (type == OpType::kAveragePool) a.set("count_include_pad", int64_t{0});
  return op(g, type, name, {x}, std::move(a), Layout::kNCHW);
}

ir::Graph rewrite_and_compare(ir::Graph& g, const std::vector<Tensor>& inputs,
                              const LayoutOptions& options) {
  return testing::rewrite_and_compare(
      g, inputs, options, [&](ir::Graph& graph) { return rewrite_layout(graph, options); });
}

LayoutOptions to_nhwc() {
  return LayoutOptions{};
}

// Conv, depthwise conv, BN, max pool, a lower-rank per-channel constant, Concat and Split on
// channels, an SE block (ReduceMean keepdims + Sigmoid + Mul), Div of two computed tensors,
// GlobalAveragePool, Flatten, Gemm and Softmax: the body needs no Transpose at all.
void build_cnn(ir::Graph& g) {
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(3), dim(8), dim(8)});
  g.inputs = {x};
  ir::Value* scaled = op(g, OpType::kMul, "rescale", {x, f32_const(g, "s", {}, 0.5f)});
  ir::Value* c1 = op(g, OpType::kRelu, "relu1", {nchw_conv(g, "conv1", scaled, 3, 8, 3)});
  ir::Value* biased = op(g, OpType::kAdd, "bias", {c1, seeded_const(g, "chan", {8, 1, 1}, 3)});
  ir::Value* pooled = pool(g, OpType::kMaxPool, "pool", biased, 2, 2, 0);
  ir::Value* bn = op(g, OpType::kBatchNormalization, "bn",
                     {pooled, seeded_const(g, "bn_s", {8}, 4), seeded_const(g, "bn_b", {8}, 5),
                      seeded_const(g, "bn_m", {8}, 6), f32_const(g, "bn_v", {8}, 1.5f)},
                     attrs({{"epsilon", 1e-3f}}), Layout::kNCHW);
  ir::Value* dw = nchw_conv(g, "dw", bn, 8, 8, 3, 1, 8);
  ir::Value* both = op(g, OpType::kConcat, "cat", {bn, dw}, attrs({{"axis", int64_t{1}}}));
  ir::Value* a = testing::fresh(g, "half_a");
  ir::Value* b = testing::fresh(g, "half_b");
  ir::Node* split =
      g.add_node(OpType::kSplit, "split", {both, i64_const(g, "sizes", {8, 8})}, {a, b});
  split->attrs.set("axis", int64_t{1});
  ir::Value* gate = op(g, OpType::kReduceMean, "se_mean", {b},
                       attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{1}}}));
  ir::Value* se = op(g, OpType::kMul, "se", {a, op(g, OpType::kSigmoid, "se_gate", {gate})});
  ir::Value* den = op(g, OpType::kAdd, "den",
                      {op(g, OpType::kSigmoid, "den_sig", {a}), f32_const(g, "one", {}, 1.0f)});
  ir::Value* ratio = op(g, OpType::kDiv, "ratio", {se, den});
  ir::Value* gap = op(g, OpType::kGlobalAveragePool, "gap", {ratio}, {}, Layout::kNCHW);
  ir::Value* flat = op(g, OpType::kFlatten, "flat", {gap}, attrs({{"axis", int64_t{1}}}));
  ir::Value* logits =
      op(g, OpType::kGemm, "fc",
         {flat, seeded_const(g, "fc_w", {8, 5}, 9), seeded_const(g, "fc_b", {5}, 10)});
  g.outputs = {op(g, OpType::kSoftmax, "softmax", {logits}, attrs({{"axis", int64_t{-1}}}))};
}

TEST(RewriteLayout, CnnBodyToNhwcHasNoTranspose) {
  ir::Graph g;
  build_cnn(g);
  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 3, 8, 8}, 1)}, to_nhwc());
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 0);
  EXPECT_EQ(r.inputs[0]->shape, (ir::Shape{dim(1), dim(8), dim(8), dim(3)}));
  EXPECT_EQ(r.find_node("cat")->attrs.get_int("axis", -1), 3);
  EXPECT_EQ(r.find_node("split")->attrs.get_int("axis", -1), 3);
  EXPECT_EQ(r.find_node("se_mean")->attrs.get_ints("axes"), (Ints{1, 2}));
}

// Keeping the NCHW input costs exactly one Transpose, right after the input.
TEST(RewriteLayout, SourceInputSignatureCostsOneTranspose) {
  ir::Graph g;
  build_cnn(g);
  LayoutOptions options;
  options.inputs_in_target = false;
  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 3, 8, 8}, 1)}, options);
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 1);
  EXPECT_EQ(r.inputs[0]->shape, (ir::Shape{dim(1), dim(3), dim(8), dim(8)}));
  ASSERT_EQ(r.inputs[0]->consumers.size(), 1u);
  EXPECT_EQ(r.inputs[0]->consumers[0]->op, OpType::kTranspose);
}

// NCHW -> NHWC -> NCHW: the second rewrite runs the same pass the other way and brings back the
// source's signature and numerics, still without a Transpose.
TEST(RewriteLayout, RoundTripThroughBothTargets) {
  ir::Graph g;
  build_cnn(g);
  ir::Graph nhwc = rewrite_and_compare(g, {seeded({1, 3, 8, 8}, 1)}, to_nhwc());
  LayoutOptions back;
  back.target = Layout::kNCHW;
  auto result = rewrite_layout(nhwc, back);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_GT(result->changes, 0);
  ASSERT_TRUE(ir::verify(nhwc).ok());
  EXPECT_EQ(count_ops(nhwc, OpType::kTranspose), 0);
  EXPECT_EQ(nhwc.inputs[0]->shape, (ir::Shape{dim(1), dim(3), dim(8), dim(8)}));
  for (const auto& n : nhwc.nodes()) {
    if (ir::op_info(n->op).layout_sensitive) {
      EXPECT_EQ(n->layout, Layout::kNCHW) << n->name;
    }
  }
  const std::vector<Tensor> want = run_graph(g, {seeded({1, 3, 8, 8}, 1)});
  const std::vector<Tensor> got = run_graph(nhwc, {seeded({1, 3, 8, 8}, 1)});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LE(max_abs_diff(got[0], want[0]), 1e-5);
}

// Pad and Slice on H/W and channels, Softmax over channels and an AveragePool writing a rank-4
// output: NHWC by default, moved back to NCHW (one Transpose) when asked.
TEST(RewriteLayout, PadSliceSoftmaxAndRank4Output) {
  for (bool outputs_in_target : {true, false}) {
    ir::Graph g;
    ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(4), dim(6), dim(6)});
    g.inputs = {x};
    ir::Value* c = nchw_conv(g, "conv", x, 4, 6, 1);
    ir::Value* padded =
        op(g, OpType::kPad, "pad", {c, i64_const(g, "pads", {0, 0, 1, 2, 0, 0, 0, 1})},
           attrs({{"mode", std::string("constant")}}));  // [1,6,7,9]
    ir::Value* sliced = op(g, OpType::kSlice, "slice",
                           {padded, i64_const(g, "starts", {1, 2}), i64_const(g, "ends", {6, 7}),
                            i64_const(g, "axes", {1, 2})});  // [1,5,5,9]
    ir::Value* soft = op(g, OpType::kSoftmax, "soft", {sliced}, attrs({{"axis", int64_t{1}}}));
    g.outputs = {pool(g, OpType::kAveragePool, "avg", soft, 3, 1, 1)};
    LayoutOptions options;
    options.outputs_in_target = outputs_in_target;
    const ir::Graph r = rewrite_and_compare(g, {seeded({1, 4, 6, 6}, 2)}, options);
    EXPECT_EQ(r.find_node("soft")->attrs.get_int("axis", -1), 3);
    EXPECT_EQ(count_ops(r, OpType::kTranspose), outputs_in_target ? 0 : 1);
    EXPECT_EQ(r.outputs[0]->shape, outputs_in_target ? (ir::Shape{dim(1), dim(5), dim(9), dim(5)})
                                                     : (ir::Shape{dim(1), dim(5), dim(5), dim(9)}));
    EXPECT_EQ(r.outputs[0]->name, g.outputs[0]->name);
  }
}

// A flatten mixing C with H,W > 1: read by a dense layer, the dense weights' rows are reordered
// (no data moves); read by anything else, the data moves once.
TEST(RewriteLayout, FlattenOfSpatialDims) {
  for (bool dense : {true, false}) {
    ir::Graph g;
    ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(3), dim(4), dim(4)});
    g.inputs = {x};
    ir::Value* c = nchw_conv(g, "conv", x, 3, 5, 3, 2);  // [1,5,2,2]
    ir::Value* flat = op(g, OpType::kFlatten, "flat", {c}, attrs({{"axis", int64_t{1}}}));
    g.outputs = {dense ? op(g, OpType::kMatMul, "fc", {flat, seeded_const(g, "w", {20, 6}, 12)})
                       : op(g, OpType::kRelu, "act", {flat})};
    const ir::Graph r = rewrite_and_compare(g, {seeded({1, 3, 4, 4}, 3)}, to_nhwc());
    EXPECT_EQ(count_ops(r, OpType::kTranspose), dense ? 0 : 1);
  }
}

// Transposes the model wrote itself (a channels-last detour for a Softmax) are absorbed; a
// ReduceMean without keepdims leaves [N,C].
TEST(RewriteLayout, ModelTransposesAreAbsorbed) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(3), dim(6), dim(6)});
  g.inputs = {x};
  ir::Value* c = nchw_conv(g, "conv", x, 3, 4, 3);
  ir::Value* last = op(g, OpType::kTranspose, "to_last", {c}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
  ir::Value* soft = op(g, OpType::kSoftmax, "soft", {last}, attrs({{"axis", int64_t{-1}}}));
  ir::Value* first =
      op(g, OpType::kTranspose, "to_first", {soft}, attrs({{"perm", Ints{0, 3, 1, 2}}}));
  ir::Value* c2 = nchw_conv(g, "conv2", first, 4, 5, 3, 2);
  g.outputs = {op(g, OpType::kReduceMean, "mean", {c2},
                  attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{0}}}))};
  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 3, 6, 6}, 4)}, to_nhwc());
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 0);
  EXPECT_EQ(r.find_node("mean")->attrs.get_ints("axes"), (Ints{1, 2}));
  EXPECT_EQ(r.outputs[0]->shape, (ir::Shape{dim(1), dim(5)}));
}

// A channel shuffle (Reshape to groups, swap, Reshape back) costs one data move, as in the source.
TEST(RewriteLayout, ChannelShuffleCostsOneTranspose) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(6), dim(4), dim(4)});
  g.inputs = {x};
  ir::Value* c = nchw_conv(g, "conv", x, 6, 6, 1);
  ir::Value* groups = op(g, OpType::kReshape, "groups", {c, i64_const(g, "s1", {1, 2, 3, 4, 4})});
  ir::Value* swapped =
      op(g, OpType::kTranspose, "swap", {groups}, attrs({{"perm", Ints{0, 2, 1, 3, 4}}}));
  ir::Value* merged = op(g, OpType::kReshape, "merge", {swapped, i64_const(g, "s2", {1, 6, 4, 4})});
  g.outputs = {nchw_conv(g, "conv2", merged, 6, 4, 3)};
  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 6, 4, 4}, 5)}, to_nhwc());
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 1);
}

// Per-channel QuantizeLinear/DequantizeLinear, a Gather of channels and a Squeeze after global
// pooling: axes follow the storage.
TEST(RewriteLayout, QdqGatherAndSqueeze) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(2), dim(5), dim(5)});
  g.inputs = {x};
  ir::Value* c = nchw_conv(g, "conv", x, 2, 6, 3);
  ir::Value* scale = g.add_constant(
      "scale",
      Tensor::FromVector<float>(DType::kF32, {6}, {0.01f, 0.02f, 0.03f, 0.02f, 0.01f, 0.05f}));
  ir::Value* zero = g.add_constant(
      "zero", Tensor::FromVector<int8_t>(DType::kI8, {6}, std::vector<int8_t>(6, 0)));
  ir::Value* q =
      op(g, OpType::kQuantizeLinear, "q", {c, scale, zero}, attrs({{"axis", int64_t{1}}}));
  ir::Value* dq =
      op(g, OpType::kDequantizeLinear, "dq", {q, scale, zero}, attrs({{"axis", int64_t{1}}}));
  ir::Value* picked = op(g, OpType::kGather, "pick", {dq, i64_const(g, "idx", {5, 0, 3})},
                         attrs({{"axis", int64_t{1}}}));
  ir::Value* c2 = nchw_conv(g, "conv2", picked, 3, 4, 1);
  ir::Value* gap = op(g, OpType::kGlobalAveragePool, "gap", {c2}, {}, Layout::kNCHW);
  g.outputs = {op(g, OpType::kSqueeze, "squeeze", {gap, i64_const(g, "sq_axes", {2, 3})})};
  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 2, 5, 5}, 6)}, to_nhwc());
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 0);
  EXPECT_EQ(r.find_node("q")->attrs.get_int("axis", -1), 3);
  EXPECT_EQ(r.find_node("dq")->attrs.get_int("axis", -1), 3);
  EXPECT_EQ(r.find_node("pick")->attrs.get_int("axis", -1), 3);
  EXPECT_EQ(r.outputs[0]->shape, (ir::Shape{dim(1), dim(4)}));
}

// The NHWC entry point is the same pass: same graph, same result.
TEST(RewriteLayout, RewriteForNhwcIsTheSamePass) {
  ir::Graph a, b;
  build_cnn(a);
  build_cnn(b);
  ASSERT_TRUE(infer_shapes(a).ok());
  ASSERT_TRUE(infer_shapes(b).ok());
  auto ra = rewrite_layout(a, to_nhwc());
  auto rb = rewrite_for_nhwc(b);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->changes, rb->changes);
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    EXPECT_EQ(a.nodes()[i]->op, b.nodes()[i]->op);
    EXPECT_EQ(a.nodes()[i]->name, b.nodes()[i]->name);
  }
}

TEST(RewriteLayout, GraphAlreadyInTargetIsUntouched) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(4), dim(4), dim(3)});
  g.inputs = {x};
  g.outputs = {op(g, OpType::kRelu, "relu", {testing::conv(g, "conv", x, 3, 2, 1)})};
  ASSERT_TRUE(infer_shapes(g).ok());
  auto result = rewrite_layout(g, to_nhwc());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
  EXPECT_EQ(g.nodes().size(), 2u);
  EXPECT_EQ(x->shape, (ir::Shape{dim(1), dim(4), dim(4), dim(3)}));
}

// A layout-sensitive node whose input has no shape is named in the error.
TEST(RewriteLayout, UnshapedConvInputIsNamed) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {}, false);
  g.inputs = {x};
  ir::Value* y = g.add_value("y", DType::kF32, {dim(1), dim(2), dim(4), dim(4)});
  ir::Node* n = g.add_node(OpType::kConv, "the_conv", {x, f32_const(g, "w", {2, 3, 1, 1})}, {y});
  n->layout = Layout::kNCHW;
  g.outputs = {y};
  auto result = rewrite_layout(g, to_nhwc());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("the_conv"), std::string::npos);
}

}  // namespace
}  // namespace mconv::passes
