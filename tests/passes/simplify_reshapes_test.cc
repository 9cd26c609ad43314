#include "passes/simplify_reshapes.h"

#include <gtest/gtest.h>

#include "graph_builders.h"
#include "ir/verifier.h"
#include "passes/dead_code.h"
#include "passes/shape_inference.h"

namespace mconv::passes {
namespace {

using ir::OpType;
using testing::attrs;
using testing::dim;
using testing::i64_const;
using testing::op;
using testing::sym;

TEST(SimplifyReshapes, CollapsesChainIntoOneReshape) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("n"), dim(4), dim(1), dim(3)});
  g.inputs = {x};
  ir::Value* sq = op(g, OpType::kSqueeze, "sq", {x, i64_const(g, "axes", {2})});
  ir::Value* flat = op(g, OpType::kFlatten, "flat", {sq});
  ir::Value* usq = op(g, OpType::kUnsqueeze, "usq", {flat, i64_const(g, "axes2", {1})});
  g.outputs = {op(g, OpType::kRelu, "relu", {usq})};
  ASSERT_TRUE(infer_shapes(g).ok());
  auto r = simplify_reshapes(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(eliminate_dead_code(g).ok());
  ASSERT_EQ(g.nodes().size(), 2u);
  const ir::Node* reshape = g.nodes()[0].get();
  EXPECT_EQ(reshape->op, OpType::kReshape);
  EXPECT_EQ(reshape->name, "usq");
  EXPECT_EQ(reshape->inputs[0], x);
  ASSERT_TRUE(reshape->inputs[1]->is_constant());
  EXPECT_EQ(reshape->inputs[1]->constant->to_i64(), (std::vector<int64_t>{-1, 1, 12}));
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
  // Inference over the rewritten graph agrees with the original output shape.
  ASSERT_TRUE(infer_shapes(g).ok());
  EXPECT_EQ(ir::shape_string(usq->shape), "[n,1,12]");
}

TEST(SimplifyReshapes, RemovesNoOpReshape) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("n"), dim(6)});
  g.inputs = {x};
  ir::Value* r = op(g, OpType::kReshape, "noop", {x, i64_const(g, "s", {0, 6})});
  ir::Value* y = op(g, OpType::kRelu, "relu", {r});
  g.outputs = {y};
  ASSERT_TRUE(infer_shapes(g).ok());
  auto result = simplify_reshapes(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 1);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->inputs[0], x);
}

TEST(SimplifyReshapes, LeavesBranchingChainsAndTwoUnknownDims) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {sym("n"), sym("m"), dim(4)});
  g.inputs = {x};
  ir::Value* flat = op(g, OpType::kFlatten, "flat", {x});  // [n, ?] read twice
  ir::Value* usq = op(g, OpType::kUnsqueeze, "usq", {flat, i64_const(g, "a", {0})});
  g.outputs = {usq, op(g, OpType::kRelu, "relu", {flat})};
  ASSERT_TRUE(infer_shapes(g).ok());
  auto result = simplify_reshapes(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
  EXPECT_EQ(g.nodes().size(), 3u);
}

}  // namespace
}  // namespace mconv::passes
