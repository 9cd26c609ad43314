// Small helpers the quantization tests build their hand-made graphs with.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::quant::testing {

// Seeded normal values (mean, stddev) of `shape` as f32.
inline Tensor random_tensor(std::vector<int64_t> shape, float stddev, uint32_t seed,
                            float mean = 0) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(static_cast<size_t>(shape_element_count(shape)));
  for (float& x : v) x = dist(rng);
  return Tensor::FromVector(DType::kF32, shape, v);
}

// Adds a one-output f32 node named `name` (its output too) and returns the output.
inline ir::Value* node(ir::Graph& g, ir::OpType op, const std::string& name,
                       std::vector<ir::Value*> in, ir::Attributes attrs = {},
                       ir::Layout layout = ir::Layout::kNone) {
  ir::Value* out = g.add_value(name, DType::kF32, {}, false);
  ir::Node* n = g.add_node(op, name, std::move(in), {out});
  n->attrs = std::move(attrs);
  n->layout = layout;
  return out;
}

// Conv attributes: k x k window, stride 1, "same" padding, `group` groups.
inline ir::Attributes conv_attrs(int64_t group, int64_t k) {
  ir::Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{k, k});
  a.set("strides", std::vector<int64_t>{1, 1});
  const int64_t p = k / 2;
  a.set("pads", std::vector<int64_t>{p, p, p, p});
  a.set("dilations", std::vector<int64_t>{1, 1});
  a.set("group", group);
  return a;
}

}  // namespace mconv::quant::testing
