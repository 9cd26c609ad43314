// Integer Softmax (TFLite's float-LUT kernel) against the float Softmax: within 1 LSB, int8 and
// uint8, including a row where one logit dominates (outputs saturate at the top code).
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedSoftmax, Int8AndUint8LastAxis) {
  QuantOp i8(ir::OpType::kSoftmax);
  i8.input(uniform({4, 37}, 1, -6.0f, 6.0f), per_tensor(DType::kI8, 0.06f, 5))
      .output(per_tensor(DType::kI8, 1.0f / 256, -128))
      .attr("axis", int64_t{-1});
  i8.expect_close();
  QuantOp u8(ir::OpType::kSoftmax);
  u8.input(uniform({2, 1001}, 2, -8.0f, 12.0f), per_tensor(DType::kU8, 0.1f, 80))
      .output(per_tensor(DType::kU8, 1.0f / 256, 0))
      .attr("axis", int64_t{-1});
  u8.expect_close();
}

TEST(QuantizedSoftmax, DominantLogitSaturates) {
  QuantOp q(ir::OpType::kSoftmax);
  q.input(Tensor::FromVector<float>(DType::kF32, {1, 4}, {10.0f, -5.0f, -5.0f, -5.0f}),
          per_tensor(DType::kU8, 0.1f, 100))
      .output(per_tensor(DType::kU8, 1.0f / 256, 0))
      .attr("axis", int64_t{-1});
  q.expect_close();
  auto got = q.run_integer(IntegerRounding::kLiteRt);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data<uint8_t>()[0], 255);
  EXPECT_EQ(got->data<uint8_t>()[1], 0);
}

TEST(QuantizedSoftmax, RefusesAnInnerAxis) {
  QuantOp q(ir::OpType::kSoftmax);
  q.input(uniform({4, 5}, 3, -1.0f, 1.0f), per_tensor(DType::kI8, 0.01f, 0))
      .output(per_tensor(DType::kI8, 1.0f / 256, -128))
      .attr("axis", int64_t{0});
  auto r = q.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("last axis"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace mconv::runtime::qtest
