// Helpers for the layout-rewrite tests: seeded data, a Conv builder for either layout, running a
// graph in the reference interpreter (the oracle: its NHWC and NCHW kernels are tested on their
// own) and comparing outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "graph_builders.h"
#include "ir/verifier.h"
#include "passes/layout_order.h"
#include "passes/rewrite_layout.h"
#include "passes/shape_inference.h"
#include "runtime/interpreter.h"

namespace mconv::passes::testing {

inline Tensor seeded(std::vector<int64_t> shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape_element_count(shape)));
  for (float& x : v) x = u(rng);
  return Tensor::FromVector(DType::kF32, std::move(shape), v);
}

inline ir::Value* seeded_const(ir::Graph& g, const std::string& name, std::vector<int64_t> shape,
                               uint32_t seed) {
  return g.add_constant(name, seeded(std::move(shape), seed));
}

// Conv in `layout` with OIHW weights [out, in/group, k, k], "same" padding for odd k, stride s.
inline ir::Value* conv(ir::Graph& g, const std::string& name, ir::Value* x, int64_t in, int64_t out,
                       int64_t k, int64_t stride = 1, int64_t group = 1,
                       ir::Layout layout = ir::Layout::kNHWC) {
  const int64_t p = k / 2;
  return op(g, ir::OpType::kConv, name,
            {x, seeded_const(g, name + "_w", {out, in / group, k, k}, 7 + out + k),
             seeded_const(g, name + "_b", {out}, 11 + out)},
            attrs({{"kernel_shape", std::vector<int64_t>{k, k}},
                   {"strides", std::vector<int64_t>{stride, stride}},
                   {"pads", std::vector<int64_t>{p, p, p, p}},
                   {"dilations", std::vector<int64_t>{1, 1}},
                   {"group", group}}),
            layout);
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return 1e30;
  const std::vector<float> x = a.to_f32(), y = b.to_f32();
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::fabs(x[i] - y[i])));
  return worst;
}

// How a rank-4 source tensor is stored in `target`: logical NCHW as NHWC, or NHWC as NCHW.
inline layout::Order target_order(ir::Layout target) {
  return target == ir::Layout::kNHWC ? layout::Order{0, 2, 3, 1} : layout::Order{0, 3, 1, 2};
}

// Infers shapes on `g`, rewrites a clone with `rewrite` (a layout rewrite behaving as `options`
// say), checks that the clone verifies, that no layout-sensitive node is left outside the target
// layout and that the clone computes what `g` computes (rank-4 inputs fed, and rank-4 outputs
// compared, in target order when the options keep them there). Returns the rewritten clone.
inline ir::Graph rewrite_and_compare(
    ir::Graph& g, const std::vector<Tensor>& inputs, const LayoutOptions& options,
    const std::function<Expected<PassResult>(ir::Graph&)>& rewrite) {
  auto inferred = infer_shapes(g);
  EXPECT_TRUE(inferred.ok()) << inferred.status().message();
  EXPECT_TRUE(ir::verify(g).ok());
  ir::Graph rewritten = g.clone();
  auto result = rewrite(rewritten);
  EXPECT_TRUE(result.ok()) << result.status().message();
  EXPECT_GT(result.ok() ? result->changes : 0, 0);
  Status verified = ir::verify(rewritten);
  EXPECT_TRUE(verified.ok()) << verified.message();
  for (const auto& n : rewritten.nodes()) {
    if (ir::op_info(n->op).layout_sensitive) {
      EXPECT_EQ(n->layout, options.target) << n->name;
    }
  }
  const layout::Order order = target_order(options.target);
  std::vector<Tensor> expected = run_graph(g, inputs);
  if (options.outputs_in_target)
    for (Tensor& t : expected)
      if (t.rank() == 4) t = layout::transpose_tensor(t, order);
  std::vector<Tensor> fed = inputs;
  if (options.inputs_in_target)
    for (Tensor& t : fed)
      if (t.rank() == 4) t = layout::transpose_tensor(t, order);
  const std::vector<Tensor> actual = run_graph(rewritten, fed);
  EXPECT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    EXPECT_EQ(actual[i].shape(), expected[i].shape()) << "output " << i;
    EXPECT_LE(max_abs_diff(actual[i], expected[i]), 1e-5) << "output " << i;
  }
  return rewritten;
}

}  // namespace mconv::passes::testing
