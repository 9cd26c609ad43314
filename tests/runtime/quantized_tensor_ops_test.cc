// Integer Concat (inputs requantized to the output grid), Pad (padding is the zero point),
// QuantizeLinear int -> int (TFLite QUANTIZE requantization), and the data-movement ops that
// reuse their float kernels (Reshape, Transpose, Gather) with the same-grid check.
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedConcat, RequantizesInputsOnOtherGrids) {
  const QParams out = per_tensor(DType::kI8, 0.04f, 3);
  QuantOp q(ir::OpType::kConcat);
  q.input(uniform({1, 3, 3, 4}, 1, -2.0f, 2.0f), out)
      .input(uniform({1, 3, 3, 2}, 2, -5.0f, 1.0f), per_tensor(DType::kI8, 0.025f, 40))
      .input(uniform({1, 3, 3, 3}, 3, -1.0f, 1.0f), per_tensor(DType::kI8, 0.01f, -2))
      .output(out)
      .attr("axis", int64_t{3});
  q.expect_close();
}

TEST(QuantizedPad, PadsWithTheZeroPoint) {
  const QParams q = per_tensor(DType::kU8, 0.02f, 131);
  QuantOp pad(ir::OpType::kPad);
  pad.input(uniform({1, 3, 3, 2}, 4, -1.0f, 1.0f), q)
      .plain_constant(Tensor::FromVector<int64_t>(DType::kI64, {8}, {0, 1, 2, 0, 0, 1, 0, 0}))
      .output(q);
  EXPECT_EQ(pad.expect_close(0), 0);
  auto got = pad.run_integer(IntegerRounding::kLiteRt);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->shape(), (std::vector<int64_t>{1, 5, 5, 2}));
  EXPECT_EQ(got->data<uint8_t>()[0], 131);  // a padded corner is real 0
}

TEST(QuantizedQuantizeLinear, RequantizesBetweenGridsAndTypes) {
  // TFLite QUANTIZE int -> int (e.g. int8 -> uint8 output of a full-integer model).
  const QParams in = per_tensor(DType::kI8, 0.05f, -7);
  for (const QParams& out :
       {per_tensor(DType::kU8, 0.05f, 121), per_tensor(DType::kI8, 0.03f, 9)}) {
    QuantOp q(ir::OpType::kQuantizeLinear);
    q.input(uniform({5, 11}, 5, -6.0f, 6.0f), in)
        .plain_constant(Tensor::FromVector<float>(DType::kF32, {}, {out.scale[0]}))
        .constant(Tensor::FromVector<float>(DType::kF32, {}, {0.0f}), out)
        .output(out);
    // The float reference of QuantizeLinear on real inputs is quantize() itself: compare codes.
    auto got = q.run_integer(IntegerRounding::kLiteRt);
    ASSERT_TRUE(got.ok()) << got.status().message();
    const Tensor real = dequantize(quantize(uniform({5, 11}, 5, -6.0f, 6.0f), in), in);
    const std::vector<int64_t> a = got->to_i64(), b = quantize(real, out).to_i64();
    for (size_t i = 0; i < a.size(); ++i) EXPECT_LE(std::abs(a[i] - b[i]), 1) << i;
  }
}

TEST(QuantizedDataMovement, ReshapeTransposeGatherKeepCodes) {
  const QParams q = per_tensor(DType::kI8, 0.02f, 4);
  QuantOp reshape(ir::OpType::kReshape);
  reshape.input(uniform({2, 3, 4}, 6, -1.0f, 1.0f), q)
      .plain_constant(Tensor::FromVector<int64_t>(DType::kI64, {2}, {6, 4}))
      .output(q);
  EXPECT_EQ(reshape.expect_close(0), 0);
  QuantOp transpose(ir::OpType::kTranspose);
  transpose.input(uniform({2, 3, 4}, 7, -1.0f, 1.0f), q)
      .output(q)
      .attr("perm", std::vector<int64_t>{2, 0, 1});
  EXPECT_EQ(transpose.expect_close(0), 0);
  QuantOp gather(ir::OpType::kGather);  // channel selection of the exporter's channel splitting
  gather.input(uniform({1, 2, 2, 6}, 8, -1.0f, 1.0f), q)
      .plain_constant(Tensor::FromVector<int64_t>(DType::kI64, {3}, {5, 0, 2}))
      .output(q)
      .attr("axis", int64_t{3});
  EXPECT_EQ(gather.expect_close(0), 0);
}

TEST(QuantizedDataMovement, RefusesAChangeOfGrid) {
  QuantOp reshape(ir::OpType::kReshape);
  reshape.input(uniform({2, 3}, 9, -1.0f, 1.0f), per_tensor(DType::kI8, 0.02f, 4))
      .plain_constant(Tensor::FromVector<int64_t>(DType::kI64, {1}, {6}))
      .output(per_tensor(DType::kI8, 0.03f, 4));
  auto r = reshape.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node 'op' (Reshape)"), std::string::npos)
      << r.status().message();
}

TEST(QuantizedDispatch, OpWithoutIntegerKernelIsRefusedByName) {
  const QParams q = per_tensor(DType::kI8, 0.02f, 0);
  QuantOp div(ir::OpType::kDiv);
  div.input(uniform({4}, 10, 1.0f, 2.0f), q).input(uniform({4}, 11, 1.0f, 2.0f), q).output(q);
  auto r = div.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node 'op' (Div)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("no integer kernel"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace mconv::runtime::qtest
