// Integer HardSwish (TFLite's 16-bit reluish scheme), Relu / Clip (fused-activation clamps and
// requantizing RELU), Sigmoid / Tanh (LUTs): against the float kernels on the dequantized inputs,
// over every input code.
#include <limits>

#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

// Every code of `dtype` once, as real values on grid `q`.
Tensor all_codes(const QParams& q) {
  const int64_t lo = qmin(q.dtype), hi = qmax(q.dtype);
  std::vector<float> v;
  for (int64_t c = lo; c <= hi; ++c) v.push_back(q.scale[0] * static_cast<float>(c - q.zp[0]));
  return Tensor::FromVector<float>(DType::kF32, {1, static_cast<int64_t>(v.size())}, v);
}

TEST(QuantizedHardSwish, EveryCodeInt8AndUint8) {
  struct Case {
    QParams in, out;
  };
  const Case cases[] = {
      {per_tensor(DType::kI8, 0.05f, -10), per_tensor(DType::kI8, 0.03f, -100)},
      {per_tensor(DType::kI8, 0.2f, 0), per_tensor(DType::kI8, 0.1f, -90)},  // wide range
      {per_tensor(DType::kU8, 0.04f, 128), per_tensor(DType::kU8, 0.025f, 15)},
  };
  for (const Case& c : cases) {
    QuantOp q(ir::OpType::kHardSwish);
    q.input(all_codes(c.in), c.in).output(c.out);
    q.expect_close();
  }
}

TEST(QuantizedRelu, ClampsOnTheSameGridAndRequantizes) {
  const QParams in = per_tensor(DType::kI8, 0.05f, 7);
  QuantOp same(ir::OpType::kRelu);
  same.input(all_codes(in), in).output(in);
  EXPECT_EQ(same.expect_close(), 0);  // a fused RELU split off by the importer: exact
  QuantOp other(ir::OpType::kRelu);
  other.input(all_codes(in), in).output(per_tensor(DType::kI8, 0.03f, -128));
  other.expect_close();
}

TEST(QuantizedClip, Relu6BoundsQuantizedLikeTflite) {
  const QParams in = per_tensor(DType::kU8, 0.04f, 100);
  QuantOp q(ir::OpType::kClip);
  q.input(all_codes(in), in)
      .plain_constant(Tensor::FromVector<float>(DType::kF32, {}, {0.0f}))
      .plain_constant(Tensor::FromVector<float>(DType::kF32, {}, {6.0f}))
      .output(in);
  EXPECT_EQ(q.expect_close(), 0);
  auto got = q.run_integer(IntegerRounding::kLiteRt);
  ASSERT_TRUE(got.ok());
  const std::vector<int64_t> codes = got->to_i64();
  EXPECT_EQ(*std::min_element(codes.begin(), codes.end()), 100);        // real 0
  EXPECT_EQ(*std::max_element(codes.begin(), codes.end()), 100 + 150);  // real 6.0 / 0.04
}

TEST(QuantizedSigmoidTanh, EveryCode) {
  const QParams in8 = per_tensor(DType::kI8, 0.08f, 3);
  QuantOp sig(ir::OpType::kSigmoid);
  sig.input(all_codes(in8), in8).output(per_tensor(DType::kI8, 1.0f / 256, -128));
  sig.expect_close();
  const QParams in_u8 = per_tensor(DType::kU8, 0.05f, 128);
  QuantOp sig_u8(ir::OpType::kSigmoid);
  sig_u8.input(all_codes(in_u8), in_u8).output(per_tensor(DType::kU8, 1.0f / 256, 0));
  sig_u8.expect_close();
  QuantOp tanh(ir::OpType::kTanh);
  tanh.input(all_codes(in8), in8).output(per_tensor(DType::kI8, 1.0f / 128, 0));
  tanh.expect_close();
}

}  // namespace
}  // namespace mconv::runtime::qtest
