#include "passes/pipeline.h"

#include <gtest/gtest.h>

#include "graph_builders.h"
#include "passes/pipelines.h"

namespace mconv::passes {
namespace {

using ir::OpType;
using testing::dim;
using testing::op;

// Passes that record their order by appending a node name character to the graph name.
Expected<PassResult> pass_a(ir::Graph& g) {
  g.name += "a";
  return PassResult{1};
}
Expected<PassResult> pass_b(ir::Graph& g) {
  g.name += "b";
  return PassResult{0};
}
Expected<PassResult> pass_fail(ir::Graph& g) {
  g.name += "!";
  return Status::Error("node 'n' (Relu): broken");
}

TEST(Pipeline, RunsInPriorityOrderAndLogs) {
  ir::Graph g;
  const PassEntry passes[] = {
      {"second", 20, &pass_b}, {"first", 10, &pass_a}, {"third", 20, &pass_a}};
  std::vector<PassReport> log;
  ASSERT_TRUE(run_pipeline(g, passes, &log).ok());
  EXPECT_EQ(g.name, "aba");  // priority order, ties keep list order
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].name, "first");
  EXPECT_EQ(log[0].changes, 1);
  EXPECT_EQ(log[1].name, "second");
  EXPECT_EQ(format_pass_log(log), "first: 1 change\nsecond: 0 changes\nthird: 1 change\n");
}

TEST(Pipeline, StopsAtFirstErrorNamingThePass) {
  ir::Graph g;
  const PassEntry passes[] = {{"ok", 0, &pass_a}, {"bad", 1, &pass_fail}, {"never", 2, &pass_b}};
  std::vector<PassReport> log;
  Status s = run_pipeline(g, passes, &log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "bad: node 'n' (Relu): broken");
  EXPECT_EQ(g.name, "a!");
  EXPECT_EQ(log.size(), 1u);
}

TEST(Pipeline, SimplifyAfterImportLogsEachPassAndVerifies) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {dim(1), dim(4)});
  g.inputs = {x};
  ir::Value* id = op(g, OpType::kIdentity, "id", {x});
  g.outputs = {op(g, OpType::kRelu, "relu", {id})};
  std::vector<PassReport> log;
  Status s = simplify_after_import(g, SimplifyOptions{}, &log);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<std::string> names;
  for (const PassReport& r : log) names.push_back(r.name);
  ASSERT_GE(names.size(), 7u);
  EXPECT_EQ(names.front(), "topological_sort");
  EXPECT_EQ(names[1], "shape_inference");
  EXPECT_EQ(names.back(), "verify");
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(ir::shape_string(g.outputs[0]->shape), "[1,4]");
}

TEST(Pipeline, SimplifyAfterImportReportsShapeErrors) {
  ir::Graph g;
  ir::Value* a = g.add_value("a", DType::kF32, {dim(2), dim(3)});
  ir::Value* b = g.add_value("b", DType::kF32, {dim(5)});
  g.inputs = {a, b};
  g.outputs = {op(g, OpType::kMul, "mul_7", {a, b})};
  Status s = simplify_after_import(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("shape_inference: node 'mul_7' (Mul)"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace mconv::passes
