// rewrite_for_nchw on hand-built channels-last graphs (the shapes TFLite imports produce). The
// oracle is the reference interpreter, whose NHWC and NCHW kernels are tested independently:
// the rewritten graph must compute the same outputs as the source graph on seeded inputs, with
// no NHWC node left and Transposes only where the data really has to move.
#include "passes/rewrite_for_nchw.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "layout_test_util.h"

namespace mconv::passes {
namespace {

using ir::Layout;
using ir::OpType;
using namespace testing;  // graph builders, seeded data, the interpreter oracle

// The generic check (layout_test_util.h) through the rewrite_for_nchw entry point.
ir::Graph rewrite_and_compare(ir::Graph& g, const std::vector<Tensor>& inputs,
                              const NchwOptions& options = {}) {
  LayoutOptions layout;
  layout.target = Layout::kNCHW;
  layout.inputs_in_target = options.nchw_input;
  layout.outputs_in_target = options.nchw_outputs;
  return testing::rewrite_and_compare(
      g, inputs, layout, [&](ir::Graph& graph) { return rewrite_for_nchw(graph, options); });
}

// Conv, BN, pools, per-channel constants, a Concat/Split on channels, an SE-style Mul with a
// [1,1,1,C] ReduceMean, a flatten of [N,1,1,C] and a dense layer: one Transpose, at the input.
TEST(RewriteForNchw, CnnBodyHasOneTransposeAtTheInput) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(8), dim(8), dim(3)});
  g.inputs = {x};
  ir::Value* scaled = op(g, OpType::kMul, "rescale", {x, f32_const(g, "s", {}, 0.5f)});
  ir::Value* c1 = op(g, OpType::kRelu, "relu1", {conv(g, "conv1", scaled, 3, 8, 3)});
  ir::Value* biased = op(g, OpType::kAdd, "bias", {c1, seeded_const(g, "chan", {8}, 3)});
  ir::Value* pooled = op(g, OpType::kMaxPool, "pool", {biased},
                         attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
                                {"strides", std::vector<int64_t>{2, 2}},
                                {"pads", std::vector<int64_t>{0, 0, 0, 0}}}),
                         Layout::kNHWC);
  ir::Value* bn = op(g, OpType::kBatchNormalization, "bn",
                     {pooled, seeded_const(g, "bn_s", {8}, 4), seeded_const(g, "bn_b", {8}, 5),
                      seeded_const(g, "bn_m", {8}, 6), f32_const(g, "bn_v", {8}, 1.5f)},
                     attrs({{"epsilon", 1e-3f}}), Layout::kNHWC);
  ir::Value* dw = conv(g, "dw", bn, 8, 8, 3, 1, 8);
  ir::Value* both = op(g, OpType::kConcat, "cat", {bn, dw}, attrs({{"axis", int64_t{3}}}));
  ir::Value* a = g.add_value("half_a", DType::kUndefined, {}, false);
  ir::Value* b = g.add_value("half_b", DType::kUndefined, {}, false);
  ir::Node* split =
      g.add_node(OpType::kSplit, "split", {both, i64_const(g, "sizes", {8, 8})}, {a, b});
  split->attrs.set("axis", int64_t{-1});
  ir::Value* gate = op(g, OpType::kReduceMean, "se_mean", {b},
                       attrs({{"axes", std::vector<int64_t>{1, 2}}, {"keepdims", int64_t{1}}}));
  ir::Value* se = op(g, OpType::kMul, "se", {a, op(g, OpType::kSigmoid, "se_gate", {gate})});
  ir::Value* gap = op(g, OpType::kReduceMean, "gap", {se},
                      attrs({{"axes", std::vector<int64_t>{1, 2}}, {"keepdims", int64_t{1}}}));
  ir::Value* flat = op(g, OpType::kReshape, "flat", {gap, i64_const(g, "flat_shape", {1, 8})});
  ir::Value* logits =
      op(g, OpType::kGemm, "fc",
         {flat, seeded_const(g, "fc_w", {8, 5}, 9), seeded_const(g, "fc_b", {5}, 10)});
  g.outputs = {op(g, OpType::kSoftmax, "softmax", {logits}, attrs({{"axis", int64_t{-1}}}))};

  const ir::Graph r = rewrite_and_compare(g, {seeded({1, 8, 8, 3}, 1)});
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 1);
  ASSERT_EQ(r.inputs[0]->shape, (ir::Shape{dim(1), dim(8), dim(8), dim(3)}));  // NHWC signature
  ASSERT_EQ(r.inputs[0]->consumers.size(), 1u);
  EXPECT_EQ(r.inputs[0]->consumers[0]->op, OpType::kTranspose);
  EXPECT_EQ(r.find_node("cat")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(r.find_node("split")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(r.find_node("se_mean")->attrs.get_ints("axes"), (std::vector<int64_t>{2, 3}));
}

// Pad, Slice (axes H and C), AveragePool and a rank-4 output: the output comes back NHWC by
// default, or stays NCHW with nchw_outputs.
TEST(RewriteForNchw, PadSliceAndRank4Outputs) {
  for (bool nchw_outputs : {false, true}) {
    ir::Graph g;
    ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(6), dim(6), dim(4)});
    g.inputs = {x};
    ir::Value* c = conv(g, "conv", x, 4, 6, 1);
    ir::Value* padded =
        op(g, OpType::kPad, "pad", {c, i64_const(g, "pads", {0, 1, 2, 0, 0, 0, 1, 0})},
           attrs({{"mode", std::string("constant")}}));
    ir::Value* sliced = op(g, OpType::kSlice, "slice",
                           {padded, i64_const(g, "starts", {1, 2}), i64_const(g, "ends", {7, 6}),
                            i64_const(g, "axes", {1, 3})});
    g.outputs = {op(g, OpType::kAveragePool, "avg", {sliced},
                    attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                           {"strides", std::vector<int64_t>{1, 1}},
                           {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                           {"count_include_pad", int64_t{0}}}),
                    Layout::kNHWC)};
    NchwOptions options;
    options.nchw_outputs = nchw_outputs;
    ir::Graph r = rewrite_and_compare(g, {seeded({1, 6, 6, 4}, 2)}, options);
    // Padded to [1,7,9,6], sliced to [1,6,9,4], pooled with "same" padding.
    if (nchw_outputs) {
      EXPECT_EQ(r.outputs[0]->shape, (ir::Shape{dim(1), dim(4), dim(6), dim(9)}));
      EXPECT_EQ(count_ops(r, OpType::kTranspose), 1);
    } else {
      EXPECT_EQ(r.outputs[0]->shape, (ir::Shape{dim(1), dim(6), dim(9), dim(4)}));
      EXPECT_EQ(count_ops(r, OpType::kTranspose), 2);  // in and out
      EXPECT_EQ(r.outputs[0]->name, g.outputs[0]->name);
    }
  }
}

// A flatten of [N,H,W,C] with H,W > 1 feeding a dense layer flattens the NCHW-stored tensor as
// it lies and reorders the dense weights' rows to match: no data moves.
TEST(RewriteForNchw, FlattenOfSpatialDimsIntoDenseReordersWeights) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(4), dim(4), dim(3)});
  g.inputs = {x};
  ir::Value* c = conv(g, "conv", x, 3, 5, 3, 2);  // [1,2,2,5]
  ir::Value* flat = op(g, OpType::kReshape, "flat", {c, i64_const(g, "shape", {1, 20})});
  g.outputs = {op(g, OpType::kMatMul, "fc", {flat, seeded_const(g, "w", {20, 6}, 12)})};
  ir::Graph r = rewrite_and_compare(g, {seeded({1, 4, 4, 3}, 3)});
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 1);  // the input's
}

// A channel shuffle written for NHWC (reshape to [.., groups, C/groups], swap, reshape back)
// feeding a Conv: one data move for the shuffle itself, as in the source.
TEST(RewriteForNchw, ChannelShuffleCostsOneTranspose) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(4), dim(4), dim(6)});
  g.inputs = {x};
  ir::Value* c = conv(g, "conv", x, 6, 6, 1);
  ir::Value* split = op(g, OpType::kReshape, "groups", {c, i64_const(g, "s1", {1, 4, 4, 2, 3})});
  ir::Value* swapped = op(g, OpType::kTranspose, "swap", {split},
                          attrs({{"perm", std::vector<int64_t>{0, 1, 2, 4, 3}}}));
  ir::Value* merged = op(g, OpType::kReshape, "merge", {swapped, i64_const(g, "s2", {1, 4, 4, 6})});
  g.outputs = {conv(g, "conv2", merged, 6, 4, 3)};
  ir::Graph r = rewrite_and_compare(g, {seeded({1, 4, 4, 6}, 4)});
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 3);  // input, the shuffle, output back to NHWC
}

// An input the model transposes itself (NCHW kept by a TFLite export) gets no extra Transpose:
// the model's own is absorbed and the signature stays [1,3,H,W].
TEST(RewriteForNchw, InputTransposedByTheModelNeedsNoTranspose) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(3), dim(6), dim(6)});
  g.inputs = {x};
  ir::Value* nhwc = op(g, OpType::kTranspose, "to_nhwc", {x},
                       attrs({{"perm", std::vector<int64_t>{0, 2, 3, 1}}}));
  ir::Value* c = conv(g, "conv", nhwc, 3, 4, 3);
  g.outputs = {op(g, OpType::kReduceMean, "gap", {c},
                  attrs({{"axes", std::vector<int64_t>{1, 2}}, {"keepdims", int64_t{0}}}))};
  ir::Graph r = rewrite_and_compare(g, {seeded({1, 3, 6, 6}, 5)});
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 0);
  EXPECT_EQ(r.inputs[0]->shape, (ir::Shape{dim(1), dim(3), dim(6), dim(6)}));
}

// nchw_input: the input itself becomes [N,C,H,W] (with its symbolic batch) and nothing moves.
TEST(RewriteForNchw, NchwInputOptionWithSymbolicBatch) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("batch"), dim(6), dim(6), dim(3)});
  g.inputs = {x};
  ir::Value* c = op(g, OpType::kHardSwish, "act", {conv(g, "conv", x, 3, 4, 3, 2)});
  ir::Value* gap = op(g, OpType::kGlobalAveragePool, "gap", {c}, {}, Layout::kNHWC);
  g.outputs = {op(g, OpType::kReshape, "flat", {gap, i64_const(g, "shape", {-1, 4})})};
  NchwOptions options;
  options.nchw_input = true;
  ir::Graph r = rewrite_and_compare(g, {seeded({2, 6, 6, 3}, 6)}, options);
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 0);
  EXPECT_EQ(r.inputs[0]->shape, (ir::Shape{sym("batch"), dim(3), dim(6), dim(6)}));
}

// Gather of channels and a Concat with a constant: axes remapped, constants stored permuted.
TEST(RewriteForNchw, GatherAndConcatWithConstants) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(5), dim(5), dim(2)});
  g.inputs = {x};
  ir::Value* c = conv(g, "conv", x, 2, 6, 3);
  ir::Value* picked = op(g, OpType::kGather, "pick", {c, i64_const(g, "idx", {5, 0, 3})},
                         attrs({{"axis", int64_t{3}}}));
  ir::Value* joined =
      op(g, OpType::kConcat, "join", {picked, seeded_const(g, "extra", {1, 5, 5, 2}, 13)},
         attrs({{"axis", int64_t{-1}}}));
  g.outputs = {conv(g, "conv2", joined, 5, 3, 1)};
  ir::Graph r = rewrite_and_compare(g, {seeded({1, 5, 5, 2}, 7)});
  EXPECT_EQ(r.find_node("pick")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(r.find_node("join")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(count_ops(r, OpType::kTranspose), 2);  // input, rank-4 output back to NHWC
}

TEST(RewriteForNchw, GraphWithoutNhwcNodesIsUntouched) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(3), dim(4), dim(4)});
  g.inputs = {x};
  ir::Value* c = op(g, OpType::kConv, "conv", {x, f32_const(g, "w", {2, 3, 1, 1})},
                    attrs({{"kernel_shape", std::vector<int64_t>{1, 1}}}), Layout::kNCHW);
  g.outputs = {op(g, OpType::kRelu, "relu", {c})};
  ASSERT_TRUE(infer_shapes(g).ok());
  auto result = rewrite_for_nchw(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
  EXPECT_EQ(g.nodes().size(), 2u);
  EXPECT_EQ(x->shape, (ir::Shape{dim(1), dim(3), dim(4), dim(4)}));
}

}  // namespace
}  // namespace mconv::passes
