// Integer Add / Sub (TFLite's 20-bit headroom scheme) against float on the dequantized inputs:
// within 1 LSB, with different input scales, zero points, broadcasting and saturation.
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedAddSub, Int8DifferentScalesAndZeroPoints) {
  for (ir::OpType op : {ir::OpType::kAdd, ir::OpType::kSub}) {
    QuantOp q(op);
    q.input(uniform({2, 5, 7}, 1, -2.0f, 2.0f), per_tensor(DType::kI8, 0.017f, -9))
        .input(uniform({2, 5, 7}, 2, -4.0f, 1.0f), per_tensor(DType::kI8, 0.031f, 20))
        .output(per_tensor(DType::kI8, 0.045f, 2));
    q.expect_close();
  }
}

TEST(QuantizedAddSub, Uint8BroadcastConstantAndSaturation) {
  // The QAT models' hard-sigmoid: x + 3 with a constant, output range narrower than the sum.
  for (ir::OpType op : {ir::OpType::kAdd, ir::OpType::kSub}) {
    QuantOp q(op);
    q.input(uniform({1, 4, 4, 6}, 3, -6.0f, 6.0f), per_tensor(DType::kU8, 0.05f, 120))
        .constant(uniform({1, 1, 1, 6}, 4, 2.0f, 3.0f), per_tensor(DType::kU8, 0.012f, 0))
        .output(per_tensor(DType::kU8, 0.03f, 30));
    EXPECT_LE(q.expect_close(), 1);
  }
}

}  // namespace
}  // namespace mconv::runtime::qtest
