#include <gtest/gtest.h>

#include "graph_builders.h"
#include "ir/verifier.h"
#include "passes/dead_code.h"
#include "passes/remove_identity.h"

namespace mconv::passes {
namespace {

using ir::OpType;
using testing::dim;
using testing::f32_const;
using testing::op;

TEST(RemoveIdentity, RemovesIdentityAndDropoutKeepingOutputName) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* a = op(g, OpType::kIdentity, "id_in", {x});
  ir::Value* r = op(g, OpType::kRelu, "relu", {a});
  ir::Value* d = op(g, OpType::kDropout, "drop", {r});
  ir::Value* out = op(g, OpType::kIdentity, "id_out", {d});
  g.outputs = {out};
  auto result = remove_identity(g);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changes, 3);
  ASSERT_EQ(g.nodes().size(), 1u);
  const ir::Node* relu = g.nodes()[0].get();
  EXPECT_EQ(relu->op, OpType::kRelu);
  EXPECT_EQ(relu->inputs[0], x);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->name, "id_out_out");  // the graph output keeps its name
  EXPECT_EQ(g.outputs[0]->producer, relu);
  g.remove_dead();
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
}

TEST(RemoveIdentity, KeepsIdentityBetweenGraphInputAndOutput) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* y = op(g, OpType::kIdentity, "passthrough", {x});
  g.outputs = {y};
  auto result = remove_identity(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
  EXPECT_EQ(g.outputs[0], y);
  EXPECT_EQ(y->producer->name, "passthrough");
}

TEST(RemoveIdentity, KeepsIdentityWhoseInputIsAlsoReadElsewhere) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* r = op(g, OpType::kRelu, "relu", {x});
  ir::Value* y = op(g, OpType::kIdentity, "id", {r});
  ir::Value* z = op(g, OpType::kSigmoid, "sig", {r});
  g.outputs = {y, z};
  auto result = remove_identity(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
  EXPECT_TRUE(ir::verify(g).ok());
}

TEST(RemoveIdentity, KeepsDropoutWithUsedMask) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* y = testing::fresh(g, "y");
  ir::Value* mask = testing::fresh(g, "mask");
  g.add_node(OpType::kDropout, "drop", {x}, {y, mask});
  g.outputs = {op(g, OpType::kRelu, "relu", {y}), mask};
  auto result = remove_identity(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 0);
}

TEST(DeadCode, RemovesUnusedNodesAndConstants) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(4)});
  g.inputs = {x};
  ir::Value* used = op(g, OpType::kRelu, "used", {x});
  ir::Value* w = f32_const(g, "unused_w", {4});
  ir::Value* dead = op(g, OpType::kAdd, "dead_add", {x, w});
  op(g, OpType::kSigmoid, "dead_sig", {dead});
  g.outputs = {used};
  auto result = eliminate_dead_code(g);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->changes, 2);
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.find_value("unused_w"), nullptr);
  EXPECT_NE(g.find_value("x"), nullptr);  // graph inputs stay even when unused
  EXPECT_TRUE(ir::verify(g).ok());
}

}  // namespace
}  // namespace mconv::passes
