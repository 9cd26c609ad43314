// Integer Mul against float on the dequantized inputs: within 1 LSB (the squeeze-excite scale
// broadcast [N,1,1,C] x [N,H,W,C], scalar constants, uint8 and saturation).
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedMul, Int8ChannelBroadcast) {
  QuantOp q(ir::OpType::kMul);
  q.input(uniform({1, 6, 6, 8}, 1, -3.0f, 3.0f), per_tensor(DType::kI8, 0.025f, -4))
      .input(uniform({1, 1, 1, 8}, 2, 0.0f, 1.0f), per_tensor(DType::kI8, 1.0f / 256, -128))
      .output(per_tensor(DType::kI8, 0.02f, 1));
  q.expect_close();
}

TEST(QuantizedMul, Uint8ScalarConstantSaturating) {
  QuantOp q(ir::OpType::kMul);
  q.input(uniform({3, 17}, 3, -5.0f, 5.0f), per_tensor(DType::kU8, 0.04f, 128))
      .constant(Tensor::FromVector<float>(DType::kF32, {}, {0.1666667f}),
                per_tensor(DType::kU8, 0.00065359f, 0))
      .output(per_tensor(DType::kU8, 0.003f, 128));
  q.expect_close();
}

}  // namespace
}  // namespace mconv::runtime::qtest
