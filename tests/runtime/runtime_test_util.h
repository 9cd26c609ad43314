// Helpers for the runtime tests: random tensors, the normalized error metric, and a builder that
// wraps one op in a graph and runs it both through the Interpreter and through evaluate_node.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"
#include "support/test_tensors.h"

namespace mconv::runtime::test {

// Uniform values in [lo, hi), reproducible from `seed`.
inline Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t(DType::kF32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i) p[i] = dist(rng);
  return t;
}

inline Tensor f32(std::vector<int64_t> shape, const std::vector<float>& v) {
  return Tensor::FromVector<float>(DType::kF32, std::move(shape), v);
}
inline Tensor i64(std::vector<int64_t> shape, const std::vector<int64_t>& v) {
  return Tensor::FromVector<int64_t>(DType::kI64, std::move(shape), v);
}
inline Tensor i64_vector(const std::vector<int64_t>& v) {
  return i64({static_cast<int64_t>(v.size())}, v);
}

// max|got - want| / max(max|want|, eps) (ggml's normalized error); +inf on shape mismatch.
inline double normalized_error(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return INFINITY;
  const std::vector<float> a = got.to_f32(), b = want.to_f32();
  double diff = 0.0, scale = 1e-12;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
    if (std::isnan(a[i])) continue;
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Bytes, dtype and shape all equal.
inline bool identical(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.bytes() == b.bytes();
}

// NCHW <-> NHWC for rank-4 f32 tensors (test code, independent of the Transpose kernel).
using mconv::test::nchw_to_nhwc;
using mconv::test::nhwc_to_nchw;

// One op in a graph of its own. Inputs are either fed at run time (graph inputs) or constants.
class OpGraph {
 public:
  explicit OpGraph(ir::OpType op) : op_(op) {}

  OpGraph& input(Tensor t) { return add(std::move(t), false); }
  OpGraph& constant(Tensor t) { return add(std::move(t), true); }
  OpGraph& absent() {
    slots_.push_back({Tensor(), false, true});
    return *this;
  }
  OpGraph& attr(const std::string& name, ir::AttrValue value) {
    attrs_.set(name, std::move(value));
    return *this;
  }
  OpGraph& layout(ir::Layout l) {
    layout_ = l;
    return *this;
  }
  OpGraph& outputs(int n) {
    outputs_ = n;
    return *this;
  }

  // Through Interpreter::Create + run.
  Expected<std::vector<Tensor>> run(int threads = 1) {
    build();
    InterpreterOptions options;
    options.threads = threads;
    auto interp = Interpreter::Create(graph_, options);
    if (!interp.ok()) return interp.status();
    return (*interp)->run(feeds_);
  }

  // Through evaluate_node with every input as a plain tensor.
  Expected<std::vector<Tensor>> evaluate() {
    build();
    std::vector<const Tensor*> args;
    for (const Slot& s : slots_) args.push_back(s.absent ? nullptr : &s.tensor);
    return evaluate_node(*node_, args);
  }

  // Runs both ways, expects bit-identical results, and returns output 0 (empty on failure).
  Tensor run_both(int threads = 1) {
    auto a = run(threads);
    auto b = evaluate();
    EXPECT_TRUE(a.ok()) << a.status().message();
    EXPECT_TRUE(b.ok()) << b.status().message();
    if (!a.ok() || !b.ok()) return Tensor();
    EXPECT_EQ(a->size(), b->size());
    for (size_t i = 0; i < std::min(a->size(), b->size()); ++i)
      EXPECT_TRUE(identical((*a)[i], (*b)[i])) << "interpreter and evaluate_node differ";
    return a->empty() ? Tensor() : (*a)[0];
  }

 private:
  struct Slot {
    Tensor tensor;     // the data behind this input
    bool is_constant;  // stored as a graph constant rather than fed
    bool absent;       // omitted optional input
  };

  OpGraph& add(Tensor t, bool is_constant) {
    slots_.push_back({std::move(t), is_constant, false});
    return *this;
  }

  void build() {
    if (node_) return;
    std::vector<ir::Value*> ins;
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      const std::string name = "in" + std::to_string(i);
      if (s.absent) {
        ins.push_back(nullptr);
      } else if (s.is_constant) {
        ins.push_back(graph_.add_constant(name, s.tensor));
      } else {
        ir::Value* v = graph_.add_value(name, s.tensor.dtype(), ir::make_shape(s.tensor.shape()));
        graph_.inputs.push_back(v);
        feeds_.push_back(s.tensor);
        ins.push_back(v);
      }
    }
    std::vector<ir::Value*> outs;
    for (int i = 0; i < outputs_; ++i)
      outs.push_back(graph_.add_value("out" + std::to_string(i), DType::kUndefined, {}, false));
    node_ = graph_.add_node(op_, "op", ins, outs);
    node_->attrs = attrs_;
    node_->layout = layout_;
    graph_.outputs = outs;
  }

  ir::OpType op_;                          // the op under test
  std::vector<Slot> slots_;                // its inputs in order
  ir::Attributes attrs_;                   // its attributes
  ir::Layout layout_ = ir::Layout::kNone;  // its layout
  int outputs_ = 1;                        // output count
  ir::Graph graph_;                        // built on first run
  ir::Node* node_ = nullptr;               // the node, once built
  std::vector<Tensor> feeds_;              // graph input tensors, in order
};

}  // namespace mconv::runtime::test
