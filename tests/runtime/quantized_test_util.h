// Helpers for the integer-kernel tests: one op on quantized values (i8/u8 with QuantParams, the
// IR form of a fully quantized TFLite graph) run through the Interpreter's integer kernel, and the
// same op run by the float kernel on the dequantized inputs, its result quantized to the output
// grid. The two must agree within `max_lsb` codes, under every IntegerRounding.
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

namespace mconv::runtime::qtest {

// Quantization of one operand.
struct QParams {
  DType dtype = DType::kI8;  // i8, u8 (i32 for biases)
  std::vector<float> scale;  // one, or one per channel along `axis`
  std::vector<int64_t> zp;   // same count
  int axis = -1;             // -1 = per tensor
};

inline QParams per_tensor(DType dtype, float scale, int64_t zp) {
  return {dtype, {scale}, {zp}, -1};
}

inline int64_t qmin(DType t) {
  return t == DType::kI8 ? -128 : t == DType::kU8 ? 0 : -(int64_t{1} << 31);
}
inline int64_t qmax(DType t) {
  return t == DType::kI8 ? 127 : t == DType::kU8 ? 255 : (int64_t{1} << 31) - 1;
}

// Scale/zero point of element i of a tensor of `shape`.
inline size_t channel_of(const QParams& q, const std::vector<int64_t>& shape, int64_t i) {
  if (q.axis < 0) return 0;
  int64_t inner = 1;
  for (size_t d = q.axis + 1; d < shape.size(); ++d) inner *= shape[d];
  return static_cast<size_t>((i / inner) % shape[q.axis]);
}

// Real values -> codes (round half away from zero, saturating).
inline Tensor quantize(const Tensor& real, const QParams& q) {
  Tensor out(q.dtype, real.shape());
  const std::vector<float> v = real.to_f32();
  for (int64_t i = 0; i < real.element_count(); ++i) {
    const size_t c = channel_of(q, real.shape(), i);
    const int64_t code =
        std::clamp<int64_t>(static_cast<int64_t>(std::round(v[i] / q.scale[c])) + q.zp[c],
                            qmin(q.dtype), qmax(q.dtype));
    if (q.dtype == DType::kI8) out.data<int8_t>()[i] = static_cast<int8_t>(code);
    if (q.dtype == DType::kU8) out.data<uint8_t>()[i] = static_cast<uint8_t>(code);
    if (q.dtype == DType::kI32) out.data<int32_t>()[i] = static_cast<int32_t>(code);
  }
  return out;
}

// Codes -> real values.
inline Tensor dequantize(const Tensor& codes, const QParams& q) {
  Tensor out(DType::kF32, codes.shape());
  const std::vector<int64_t> v = codes.to_i64();
  for (int64_t i = 0; i < codes.element_count(); ++i) {
    const size_t c = channel_of(q, codes.shape(), i);
    out.data<float>()[i] = q.scale[c] * static_cast<float>(v[i] - q.zp[c]);
  }
  return out;
}

// Uniform reals in [lo, hi).
inline Tensor uniform(std::vector<int64_t> shape, uint32_t seed, float lo, float hi) {
  Tensor t(DType::kF32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// One op with quantized operands.
class QuantOp {
 public:
  explicit QuantOp(ir::OpType op) : op_(op) {}

  // A run-time input given by real values, quantized with `q`.
  QuantOp& input(const Tensor& real, const QParams& q) { return add(real, q, false, true); }
  // A constant input given by real values, quantized with `q`.
  QuantOp& constant(const Tensor& real, const QParams& q) { return add(real, q, true, true); }
  // A constant input used as is by both kernels (shapes, axes, real clip bounds, ...).
  QuantOp& plain_constant(const Tensor& t) { return add(t, QParams{}, true, false); }
  QuantOp& attr(const std::string& name, ir::AttrValue value) {
    attrs_.set(name, std::move(value));
    return *this;
  }
  QuantOp& layout(ir::Layout l) {
    layout_ = l;
    return *this;
  }
  QuantOp& output(const QParams& q) {
    out_ = q;
    return *this;
  }

  // The integer kernel's output codes (through Interpreter::Create + run on `threads`).
  Expected<Tensor> run_integer(IntegerRounding rounding, int threads = 1) const {
    InterpreterOptions options;
    options.integer_rounding = rounding;
    options.threads = threads;
    return run_op(/*integer=*/true, options);
  }

  // The float kernel on the dequantized inputs, quantized to the output grid.
  Expected<Tensor> run_float_reference() const {
    MCONV_ASSIGN_OR_RETURN(Tensor y, run_op(/*integer=*/false, InterpreterOptions{}));
    return quantize(y, out_);
  }

  // Integer vs float reference under every rounding: same shape, at most `max_lsb` apart.
  // Returns the largest difference seen.
  int64_t expect_close(int64_t max_lsb = 1) const {
    auto want = run_float_reference();
    EXPECT_TRUE(want.ok()) << want.status().message();
    if (!want.ok()) return -1;
    int64_t worst = 0;
    for (IntegerRounding r :
         {IntegerRounding::kLiteRt, IntegerRounding::kSingle, IntegerRounding::kDouble}) {
      auto got = run_integer(r);
      EXPECT_TRUE(got.ok()) << got.status().message();
      if (!got.ok()) return -1;
      EXPECT_EQ(got->dtype(), out_.dtype);
      EXPECT_EQ(got->shape(), want->shape());
      if (got->shape() != want->shape()) return -1;
      const std::vector<int64_t> a = got->to_i64(), b = want->to_i64();
      for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    }
    EXPECT_LE(worst, max_lsb);
    return worst;
  }

 private:
  struct Slot {
    Tensor real;       // real values (or the plain tensor)
    QParams q;         // its quantization when `quantized`
    bool is_constant;  // graph constant rather than fed
    bool quantized;    // stored as codes with QuantParams
  };

  // A graph of the one op over the slots, run once. `integer`: quantized slots are fed as codes
  // with their parameters and the output is the quantized out_; otherwise they are fed as their
  // dequantized codes (the same real values the integer kernel sees) and the output is float.
  Expected<Tensor> run_op(bool integer, const InterpreterOptions& options) const {
    ir::Graph g;
    std::vector<ir::Value*> ins;
    std::vector<Tensor> feeds;
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      const Tensor data = !s.quantized ? s.real
                          : integer    ? quantize(s.real, s.q)
                                       : dequantize(quantize(s.real, s.q), s.q);
      ir::Value* v;
      if (s.is_constant) {
        v = g.add_constant("in" + std::to_string(i), data);
      } else {
        v = g.add_value("in" + std::to_string(i), data.dtype(), ir::make_shape(data.shape()));
        g.inputs.push_back(v);
        feeds.push_back(data);
      }
      if (integer && s.quantized) v->quant = ir_quant(s.q);
      ins.push_back(v);
    }
    ir::Value* out = g.add_value("out", integer ? out_.dtype : DType::kF32, {}, false);
    if (integer) out->quant = ir_quant(out_);
    ir::Node* n = g.add_node(op_, "op", ins, {out});
    n->attrs = attrs_;
    n->layout = layout_;
    g.outputs = {out};
    auto interp = Interpreter::Create(g, options);
    if (!interp.ok()) return interp.status();
    auto outs = (*interp)->run(feeds);
    if (!outs.ok()) return outs.status();
    return (*outs)[0];
  }

  static ir::QuantParams ir_quant(const QParams& q) {
    ir::QuantParams p;
    p.scale = q.scale;
    p.zero_point = q.zp;
    p.axis = q.axis;
    return p;
  }

  QuantOp& add(const Tensor& t, const QParams& q, bool is_constant, bool quantized) {
    slots_.push_back({t, q, is_constant, quantized});
    return *this;
  }

  ir::OpType op_;                          // the op under test
  std::vector<Slot> slots_;                // inputs in order
  QParams out_;                            // output quantization
  ir::Attributes attrs_;                   // attributes
  ir::Layout layout_ = ir::Layout::kNone;  // layout
};

}  // namespace mconv::runtime::qtest
