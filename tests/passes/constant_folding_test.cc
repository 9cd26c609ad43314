#include "passes/constant_folding.h"

#include <gtest/gtest.h>

#include "graph_builders.h"
#include "ir/verifier.h"
#include "passes/pipelines.h"
#include "passes/shape_inference.h"
#include "runtime/interpreter.h"

namespace mconv::passes {
namespace {

using ir::OpType;
using testing::attrs;
using testing::count_ops;
using testing::dim;
using testing::f32_const;
using testing::i64_const;
using testing::op;
using testing::run_graph;
using testing::sym;

// torch.flatten(x, 1) as exported by torch.onnx: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)),
// [-1])).
struct TorchFlatten {
  ir::Graph g;
  ir::Value* x;       // graph input
  ir::Value* target;  // the computed Reshape shape
  ir::Value* y;       // graph output (Relu after the reshape)
};

TorchFlatten torch_flatten(ir::Dim batch) {
  TorchFlatten t;
  ir::Graph& g = t.g;
  t.x = g.add_value("x", DType::kF32, {batch, dim(8), dim(2), dim(2)});
  g.inputs = {t.x};
  ir::Value* pooled = op(g, OpType::kRelu, "features", {t.x});
  ir::Value* shape = op(g, OpType::kShape, "Shape_0", {pooled});
  ir::Value* index = i64_const(g, "const_0", {0}, /*scalar=*/true);
  ir::Value* batch_dim = op(g, OpType::kGather, "Gather_1", {shape, index});
  ir::Value* unsq =
      op(g, OpType::kUnsqueeze, "Unsqueeze_2", {batch_dim, i64_const(g, "axes", {0})});
  t.target = op(g, OpType::kConcat, "Concat_3", {unsq, i64_const(g, "minus_one", {-1})},
                attrs({{"axis", int64_t{0}}}));
  ir::Value* flat = op(g, OpType::kReshape, "Reshape_4", {pooled, t.target});
  t.y = op(g, OpType::kRelu, "head", {flat});
  g.outputs = {t.y};
  return t;
}

TEST(ConstantFolding, TorchFlattenArithmeticDisappearsWithStaticBatch) {
  TorchFlatten t = torch_flatten(dim(2));
  ASSERT_EQ(t.g.nodes().size(), 7u);
  Status s = simplify_after_import(t.g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(count_ops(t.g, OpType::kShape), 0);
  EXPECT_EQ(count_ops(t.g, OpType::kGather), 0);
  EXPECT_EQ(count_ops(t.g, OpType::kUnsqueeze), 0);
  EXPECT_EQ(count_ops(t.g, OpType::kConcat), 0);
  ASSERT_EQ(t.g.nodes().size(), 3u);  // Relu, Reshape, Relu
  const ir::Node* reshape = t.g.find_node("Reshape_4");
  ASSERT_NE(reshape, nullptr);
  ASSERT_TRUE(reshape->inputs[1]->is_constant());
  EXPECT_EQ(reshape->inputs[1]->constant->to_i64(), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(ir::shape_string(reshape->outputs[0]->shape), "[2,32]");
  EXPECT_EQ(ir::shape_string(t.y->shape), "[2,32]");
  EXPECT_EQ(t.g.outputs[0]->name, "head_out");
}

TEST(ConstantFolding, DynamicBatchArithmeticBecomesConstantTarget) {
  TorchFlatten t = torch_flatten(sym("batch"));
  ir::Graph original = t.g.clone();
  Status s = simplify_after_import(t.g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ir::shape_string(t.y->shape), "[batch,32]");
  // The batch size is only known at run time, but the output shape says the target is [-1, 32].
  EXPECT_EQ(count_ops(t.g, OpType::kShape), 0);
  EXPECT_EQ(count_ops(t.g, OpType::kConcat), 0);
  const ir::Node* reshape = t.g.find_node("Reshape_4");
  ASSERT_NE(reshape, nullptr);
  ASSERT_TRUE(reshape->inputs[1]->is_constant());
  EXPECT_EQ(reshape->inputs[1]->constant->to_i64(), (std::vector<int64_t>{-1, 32}));

  // Same results as the unsimplified graph for a batch of 3.
  std::vector<float> data(3 * 8 * 2 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 5) - 2.0f;
  Tensor in = Tensor::FromVector<float>(DType::kF32, {3, 8, 2, 2}, data);
  const std::vector<Tensor> out_before = run_graph(original, {in});
  const std::vector<Tensor> out_after = run_graph(t.g, {in});
  ASSERT_FALSE(out_before.empty());
  ASSERT_FALSE(out_after.empty());
  EXPECT_EQ(out_after[0].shape(), (std::vector<int64_t>{3, 32}));
  EXPECT_EQ(out_before[0].to_f32(), out_after[0].to_f32());
}

// ShuffleNet's channel shuffle as torch exports it with a dynamic batch:
// x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, -1, h, w), every size read
// through Shape -> Gather and c // groups computed with Div.
TEST(ConstantFolding, DynamicBatchChannelShuffleBecomesConstantReshapes) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("batch"), dim(8), dim(3), dim(2)});
  g.inputs = {x};
  ir::Value* shape = op(g, OpType::kShape, "shape", {x});
  auto size_of = [&](int axis) {
    ir::Value* s = op(g, OpType::kGather, "gather" + std::to_string(axis),
                      {shape, i64_const(g, "i" + std::to_string(axis), {axis}, true)});
    return s;
  };
  auto unsq = [&](ir::Value* v) {
    return op(g, OpType::kUnsqueeze, v->name + "_u", {v, i64_const(g, v->name + "_ax", {0})});
  };
  ir::Value* b = size_of(0);
  ir::Value* groups_c = op(g, OpType::kDiv, "div", {size_of(1), i64_const(g, "two", {2}, true)});
  ir::Value* h = size_of(2);
  ir::Value* w = size_of(3);
  ir::Value* target1 = op(g, OpType::kConcat, "cat1",
                          {unsq(b), i64_const(g, "groups", {2}), unsq(groups_c), unsq(h), unsq(w)},
                          attrs({{"axis", int64_t{0}}}));
  ir::Value* split = op(g, OpType::kReshape, "view", {x, target1});
  ir::Value* shuffled = op(g, OpType::kTranspose, "transpose", {split},
                           attrs({{"perm", std::vector<int64_t>{0, 2, 1, 3, 4}}}));
  ir::Value* target2 =
      op(g, OpType::kConcat, "cat2", {unsq(b), i64_const(g, "m1", {-1}), unsq(h), unsq(w)},
         attrs({{"axis", int64_t{0}}}));
  ir::Value* merged = op(g, OpType::kReshape, "merge", {shuffled, target2});
  g.outputs = {op(g, OpType::kRelu, "relu", {merged})};
  ir::Graph original = g.clone();

  Status s = simplify_after_import(g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ir::shape_string(split->shape), "[batch,2,4,3,2]");
  EXPECT_EQ(ir::shape_string(merged->shape), "[batch,8,3,2]");
  for (OpType gone :
       {OpType::kShape, OpType::kGather, OpType::kDiv, OpType::kConcat, OpType::kUnsqueeze})
    EXPECT_EQ(count_ops(g, gone), 0) << ir::op_name(gone);
  ASSERT_EQ(g.nodes().size(), 4u);  // Reshape, Transpose, Reshape, Relu
  EXPECT_EQ(g.find_node("view")->inputs[1]->constant->to_i64(),
            (std::vector<int64_t>{-1, 2, 4, 3, 2}));
  EXPECT_EQ(g.find_node("merge")->inputs[1]->constant->to_i64(),
            (std::vector<int64_t>{-1, 8, 3, 2}));

  std::vector<float> data(2 * 8 * 3 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
  Tensor in = Tensor::FromVector<float>(DType::kF32, {2, 8, 3, 2}, data);
  const std::vector<Tensor> out_before = run_graph(original, {in});
  const std::vector<Tensor> out_after = run_graph(g, {in});
  ASSERT_FALSE(out_before.empty());
  ASSERT_FALSE(out_after.empty());
  EXPECT_EQ(out_before[0].to_f32(), out_after[0].to_f32());
  // Channel 1 of the shuffled output is input channel 4 (groups of 4 interleaved).
  EXPECT_EQ(out_after[0].to_f32()[6], data[4 * 6]);
}

TEST(ConstantFolding, FoldsWithoutPriorShapeInference) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* c = op(g, OpType::kConstantOfShape, "fill", {i64_const(g, "shape", {4})});
  g.outputs = {op(g, OpType::kAdd, "add", {x, c})};
  auto r = fold_constants(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->changes, 1);
  ASSERT_TRUE(c->is_constant());
  EXPECT_EQ(c->constant->to_f32(), (std::vector<float>{0, 0, 0, 0}));
}

TEST(ConstantFolding, GatherOfStaticDimsFoldsUnderDynamicBatch) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("n"), dim(5), dim(3)});
  g.inputs = {x};
  ir::Value* shape = op(g, OpType::kShape, "shape", {x});
  ir::Value* dims = op(g, OpType::kGather, "dims", {shape, i64_const(g, "idx", {1, 2})});
  ir::Value* filled = op(g, OpType::kConstantOfShape, "fill", {dims});
  ir::Value* y = op(g, OpType::kAdd, "add", {x, filled});
  g.outputs = {y};
  auto shapes = infer_shapes(g);
  ASSERT_TRUE(shapes.ok()) << shapes.status().message();
  auto r = fold_constants(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(dims->is_constant());
  EXPECT_EQ(dims->constant->to_i64(), (std::vector<int64_t>{5, 3}));
  ASSERT_TRUE(filled->is_constant());
  EXPECT_EQ(filled->constant->shape(), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(r->changes, 2);
}

TEST(ConstantFolding, EvaluatesConstantArithmeticChains) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(3)});
  g.inputs = {x};
  ir::Value* a = g.add_constant("a", Tensor::FromVector<float>(DType::kF32, {3}, {1, -2, 3}));
  ir::Value* b = g.add_constant("b", Tensor::FromVector<float>(DType::kF32, {3}, {10, 20, 30}));
  ir::Value* two = g.add_constant("two", Tensor::FromVector<float>(DType::kF32, {}, {2}));
  ir::Value* sum = op(g, OpType::kAdd, "sum", {a, b});
  ir::Value* scaled = op(g, OpType::kMul, "scaled", {sum, two});
  ir::Value* relu = op(g, OpType::kRelu, "relu", {op(g, OpType::kSub, "neg", {a, b})});
  ir::Value* y = op(g, OpType::kAdd, "y", {op(g, OpType::kAdd, "mix", {x, scaled}), relu});
  g.outputs = {y};
  Status s = simplify_after_import(g);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(g.nodes().size(), 2u);  // mix and y stay (x is an input)
  const ir::Node* mix = g.find_node("mix");
  ASSERT_NE(mix, nullptr);
  ASSERT_TRUE(mix->inputs[1]->is_constant());
  auto values = mix->inputs[1]->constant->to_f32();
  EXPECT_EQ(values, (std::vector<float>{22, 36, 66}));
  const ir::Node* last = g.find_node("y");
  ASSERT_TRUE(last->inputs[1]->is_constant());
  EXPECT_EQ(last->inputs[1]->constant->to_f32(), (std::vector<float>{0, 0, 0}));
  // Unused originals are gone after dead code elimination.
  EXPECT_EQ(g.find_value("a"), nullptr);
}

TEST(ConstantFolding, FoldedGraphComputesTheSameOutputs) {
  TorchFlatten original = torch_flatten(dim(2));
  ir::Graph folded = original.g.clone();
  ASSERT_TRUE(infer_shapes(original.g).ok());
  Status s = simplify_after_import(folded);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<float> data(2 * 8 * 2 * 2);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 7) - 3.0f;
  Tensor in = Tensor::FromVector<float>(DType::kF32, {2, 8, 2, 2}, data);
  const std::vector<Tensor> out_before = run_graph(original.g, {in});
  const std::vector<Tensor> out_after = run_graph(folded, {in});
  ASSERT_FALSE(out_before.empty());
  ASSERT_FALSE(out_after.empty());
  ASSERT_EQ(out_after.size(), 1u);
  EXPECT_EQ(out_after[0].shape(), (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(out_before[0].to_f32(), out_after[0].to_f32());
}

TEST(ConstantFolding, LeavesGraphOutputsIntact) {
  ir::Graph g;
  ir::Value* a = g.add_constant("a", Tensor::FromVector<float>(DType::kF32, {2}, {1, 2}));
  ir::Value* b = g.add_constant("b", Tensor::FromVector<float>(DType::kF32, {2}, {3, 4}));
  ir::Value* sum = op(g, OpType::kAdd, "sum", {a, b});
  ir::Value* out = op(g, OpType::kRelu, "final", {sum});
  g.outputs = {out};
  Status s = simplify_after_import(g);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0], out);
  EXPECT_EQ(g.outputs[0]->name, "final_out");
  ASSERT_NE(out->producer, nullptr);  // still computed by a node
  EXPECT_EQ(out->producer->name, "final");
  ASSERT_TRUE(out->producer->inputs[0]->is_constant());  // but everything upstream folded
  EXPECT_EQ(out->producer->inputs[0]->constant->to_f32(), (std::vector<float>{4, 6}));
  EXPECT_FALSE(out->is_constant());
}

TEST(ConstantFolding, KeepsQdqOfWeights) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(2), dim(4), dim(4)});
  g.inputs = {x};
  ir::Value* w_q = g.add_constant(
      "w_q", Tensor::FromVector<int8_t>(DType::kI8, {3, 2, 1, 1}, {1, -2, 3, -4, 5, -6}));
  ir::Value* scale = g.add_constant("w_scale", Tensor::FromVector<float>(DType::kF32, {}, {0.5f}));
  ir::Value* zp = g.add_constant("w_zp", Tensor::FromVector<int8_t>(DType::kI8, {}, {0}));
  ir::Value* w = op(g, OpType::kDequantizeLinear, "w_dq", {w_q, scale, zp});
  ir::Value* bias_f = f32_const(g, "bias_f", {3});
  ir::Value* bias_q = op(g, OpType::kQuantizeLinear, "bias_q", {bias_f, scale, zp});
  ir::Value* bias = op(g, OpType::kDequantizeLinear, "bias_dq", {bias_q, scale, zp});
  ir::Value* y = op(g, OpType::kConv, "conv", {x, w, bias}, {}, ir::Layout::kNCHW);
  g.outputs = {y};
  Status s = simplify_after_import(g);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(count_ops(g, OpType::kDequantizeLinear), 2);
  EXPECT_EQ(count_ops(g, OpType::kQuantizeLinear), 1);
  EXPECT_EQ(ir::shape_string(y->shape), "[1,3,4,4]");
}

TEST(ConstantFolding, KeepsFp16WeightCasts) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(2)});
  g.inputs = {x};
  ir::Value* w16 = g.add_constant("w16", Tensor(DType::kF16, {2}));
  ir::Value* w =
      op(g, OpType::kCast, "w_cast", {w16}, attrs({{"to", static_cast<int64_t>(DType::kF32)}}));
  g.outputs = {op(g, OpType::kMul, "mul", {x, w})};
  auto r = fold_constants(g);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes, 0);
  EXPECT_EQ(count_ops(g, OpType::kCast), 1);
}

TEST(ConstantFolding, RespectsOutputSizeCap) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1 << 20), dim(1 << 12)});
  ir::Value* x2 = g.add_value("x2", DType::kF32, {dim(1024)});
  g.inputs = {x, x2};
  // 16 GiB of zeros if it were folded.
  ir::Value* big =
      op(g, OpType::kConstantOfShape, "big", {i64_const(g, "big_shape", {1 << 20, 1 << 12})});
  // 4 KiB: folds under the default cap, not under a 1 KiB cap.
  ir::Value* small =
      op(g, OpType::kConstantOfShape, "small", {i64_const(g, "small_shape", {1024})});
  g.outputs = {op(g, OpType::kAdd, "add", {x, big}), op(g, OpType::kAdd, "add2", {x2, small})};
  auto shapes = infer_shapes(g);
  ASSERT_TRUE(shapes.ok()) << shapes.status().message();
  ir::Graph copy = g.clone();
  FoldingOptions tight;
  tight.max_output_bytes = 1024;
  auto r = fold_constants(copy, tight);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes, 0);
  EXPECT_EQ(count_ops(copy, OpType::kConstantOfShape), 2);

  r = fold_constants(g);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes, 1);
  EXPECT_NE(g.find_node("big"), nullptr);
  EXPECT_EQ(g.find_node("small"), nullptr);
  EXPECT_TRUE(small->is_constant());
}

TEST(ConstantFolding, DoesNotBloatModelWithLargeFills) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1024), dim(1024)});
  g.inputs = {x};
  // 4 MiB of zeros from 16 bytes of shape: cheap to compute at run time, costly to store.
  ir::Value* fill = op(g, OpType::kConstantOfShape, "fill", {i64_const(g, "shape", {1024, 1024})});
  // 4 MiB from 4 MiB: a plain transform of a weight, worth folding.
  ir::Value* w = f32_const(g, "w", {1024, 1024});
  ir::Value* wt = op(g, OpType::kTranspose, "wt", {w});
  g.outputs = {op(g, OpType::kAdd, "add", {x, fill}), op(g, OpType::kMul, "mul", {x, wt})};
  auto r = fold_constants(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->changes, 1);
  EXPECT_NE(g.find_node("fill"), nullptr);
  EXPECT_EQ(g.find_node("wt"), nullptr);
  ASSERT_TRUE(wt->is_constant());
  EXPECT_EQ(wt->constant->shape(), (std::vector<int64_t>{1024, 1024}));
}

TEST(ConstantFolding, RespectsTotalBudget) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(256)});
  g.inputs = {x};
  ir::Value* shape = i64_const(g, "shape", {256});
  for (int i = 0; i < 4; ++i) {
    ir::Value* c = op(g, OpType::kConstantOfShape, "fill" + std::to_string(i), {shape});
    g.outputs.push_back(op(g, OpType::kAdd, "add" + std::to_string(i), {x, c}));
  }
  ASSERT_TRUE(infer_shapes(g).ok());
  FoldingOptions budget;
  budget.max_total_bytes = 2 * 1024;  // room for two 1 KiB results
  auto r = fold_constants(g, budget);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->changes, 2);
  EXPECT_EQ(count_ops(g, OpType::kConstantOfShape), 2);
}

}  // namespace
}  // namespace mconv::passes
