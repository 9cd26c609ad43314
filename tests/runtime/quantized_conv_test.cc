// Integer Conv (TFLite CONV_2D / DEPTHWISE_CONV_2D form: NHWC, OIHW i8/u8 weights, i32 bias)
// against the float Conv on the dequantized operands, requantized: within 1 LSB.
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

using ir::OpType;

// Per-output-channel int8 weight scales and the matching i32 bias quantization.
QParams weight_params(int64_t out_c, float base) {
  QParams q{DType::kI8, {}, {}, 0};
  for (int64_t o = 0; o < out_c; ++o) {
    q.scale.push_back(base * (1.0f + 0.37f * static_cast<float>(o % 5)));
    q.zp.push_back(0);
  }
  return q;
}
QParams bias_params(const QParams& x, const QParams& w) {
  QParams q{DType::kI32, {}, {}, 0};
  for (float s : w.scale) {
    q.scale.push_back(x.scale[0] * s);
    q.zp.push_back(0);
  }
  return q;
}

QuantOp conv(const Tensor& x, const QParams& xq, const Tensor& w, const QParams& wq,
             const Tensor* b, const QParams& yq, int64_t group, std::vector<int64_t> strides,
             std::vector<int64_t> pads) {
  QuantOp op(OpType::kConv);
  op.input(x, xq).constant(w, wq);
  if (b) op.constant(*b, bias_params(xq, wq));
  op.output(yq)
      .attr("group", group)
      .attr("strides", strides)
      .attr("pads", pads)
      .attr("kernel_shape", std::vector<int64_t>{w.dim(2), w.dim(3)})
      .layout(ir::Layout::kNHWC);
  return op;
}

TEST(QuantizedConv, Int8PerChannel3x3Stride2Padded) {
  const QParams xq = per_tensor(DType::kI8, 0.02f, -3);
  const QParams wq = weight_params(8, 0.01f);
  const Tensor x = uniform({1, 9, 11, 5}, 1, -2.0f, 2.5f);
  const Tensor w = uniform({8, 5, 3, 3}, 2, -1.0f, 1.0f);
  const Tensor b = uniform({8}, 3, -0.5f, 0.5f);
  conv(x, xq, w, wq, &b, per_tensor(DType::kI8, 0.05f, 4), 1, {2, 2}, {1, 1, 1, 1}).expect_close();
}

TEST(QuantizedConv, Int8PointwiseWithoutBias) {
  const QParams xq = per_tensor(DType::kI8, 0.03f, 10);
  const Tensor x = uniform({2, 4, 4, 16}, 4, -3.0f, 3.0f);
  const Tensor w = uniform({12, 16, 1, 1}, 5, -0.5f, 0.5f);
  conv(x, xq, w, weight_params(12, 0.004f), nullptr, per_tensor(DType::kI8, 0.04f, -7), 1, {1, 1},
       {0, 0, 0, 0})
      .expect_close();
}

TEST(QuantizedConv, Int8DepthwiseAndDepthMultiplier) {
  const QParams xq = per_tensor(DType::kI8, 0.02f, 0);
  const Tensor x = uniform({1, 8, 8, 6}, 6, -2.0f, 2.0f);
  for (int64_t multiplier : {1, 2}) {
    const int64_t out_c = 6 * multiplier;
    const Tensor w = uniform({out_c, 1, 3, 3}, 7, -1.0f, 1.0f);
    const Tensor b = uniform({out_c}, 8, -0.3f, 0.3f);
    conv(x, xq, w, weight_params(out_c, 0.008f), &b, per_tensor(DType::kI8, 0.03f, -2), 6, {1, 1},
         {1, 1, 1, 1})
        .expect_close();
  }
}

TEST(QuantizedConv, Int8GroupedConvolution) {
  const QParams xq = per_tensor(DType::kI8, 0.02f, 5);
  const Tensor x = uniform({1, 6, 6, 8}, 9, -2.0f, 2.0f);
  const Tensor w = uniform({6, 4, 3, 3}, 10, -1.0f, 1.0f);  // group 2: 4 in, 3 out per group
  conv(x, xq, w, weight_params(6, 0.01f), nullptr, per_tensor(DType::kI8, 0.05f, 0), 2, {1, 1},
       {0, 0, 0, 0})
      .expect_close();
}

TEST(QuantizedConv, Uint8PerTensorWithWeightZeroPoint) {
  // Legacy uint8 (Google's QAT models): asymmetric weights with a non-zero zero point.
  const QParams xq = per_tensor(DType::kU8, 0.024f, 128);
  const QParams wq = per_tensor(DType::kU8, 0.006f, 117);
  QParams bq{DType::kI32, {xq.scale[0] * wq.scale[0]}, {0}, -1};
  const Tensor x = uniform({1, 7, 7, 3}, 11, -3.0f, 3.0f);
  const Tensor w = uniform({4, 3, 3, 3}, 12, -0.6f, 0.6f);
  const Tensor b = uniform({4}, 13, -0.2f, 0.2f);
  QuantOp op(OpType::kConv);
  op.input(x, xq)
      .constant(w, wq)
      .constant(b, bq)
      .output(per_tensor(DType::kU8, 0.05f, 120))
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{0, 0, 1, 1})
      .layout(ir::Layout::kNHWC);
  op.expect_close();
}

TEST(QuantizedConv, SaturatesLikeTheFloatResultClamped) {
  // An output grid far too narrow for the values: both sides clamp to -128 / 127.
  const QParams xq = per_tensor(DType::kI8, 0.05f, 0);
  const Tensor x = uniform({1, 5, 5, 4}, 14, -6.0f, 6.0f);
  const Tensor w = uniform({3, 4, 3, 3}, 15, -1.0f, 1.0f);
  QuantOp op = conv(x, xq, w, weight_params(3, 0.01f), nullptr, per_tensor(DType::kI8, 0.01f, 0), 1,
                    {1, 1}, {1, 1, 1, 1});
  op.expect_close();
  auto got = op.run_integer(IntegerRounding::kLiteRt);
  ASSERT_TRUE(got.ok());
  const std::vector<int64_t> codes = got->to_i64();
  EXPECT_GT(std::count(codes.begin(), codes.end(), 127), 0);
  EXPECT_GT(std::count(codes.begin(), codes.end(), -128), 0);
}

TEST(QuantizedConv, ThreadsGiveIdenticalCodes) {
  const QParams xq = per_tensor(DType::kI8, 0.02f, -3);
  const Tensor x = uniform({2, 12, 10, 8}, 18, -2.0f, 2.0f);
  for (int64_t group : {1, 8}) {
    const int64_t cg = 8 / group;
    const Tensor w = uniform({8, cg, 3, 3}, 19, -1.0f, 1.0f);
    const QuantOp op = conv(x, xq, w, weight_params(8, 0.01f), nullptr,
                            per_tensor(DType::kI8, 0.05f, 0), group, {1, 1}, {1, 1, 1, 1});
    for (IntegerRounding r : {IntegerRounding::kLiteRt, IntegerRounding::kDouble}) {
      auto one = op.run_integer(r, 1);
      auto two = op.run_integer(r, 2);
      ASSERT_TRUE(one.ok() && two.ok());
      EXPECT_EQ(one->bytes(), two->bytes()) << "group " << group;
    }
  }
}

TEST(QuantizedConv, RefusesNchwAndComputedWeights) {
  const QParams xq = per_tensor(DType::kI8, 0.05f, 0);
  const Tensor x = uniform({1, 5, 5, 4}, 16, -1.0f, 1.0f);
  const Tensor w = uniform({3, 4, 1, 1}, 17, -1.0f, 1.0f);
  QuantOp nchw(OpType::kConv);
  nchw.input(x, xq).constant(w, weight_params(3, 0.01f)).output(xq).layout(ir::Layout::kNCHW);
  auto r = nchw.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node 'op' (Conv)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("NHWC"), std::string::npos) << r.status().message();
  QuantOp fed(OpType::kConv);
  fed.input(x, xq).input(w, weight_params(3, 0.01f)).output(xq).layout(ir::Layout::kNHWC);
  r = fed.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("constant weights"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace mconv::runtime::qtest
