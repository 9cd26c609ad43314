// Integer Gemm (TFLite FULLY_CONNECTED: [out, K] i8 weights per channel or per tensor, i32 bias)
// against the float Gemm on the dequantized operands: within 1 LSB.
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedFullyConnected, Int8PerChannelWeightsWithBias) {
  const QParams aq = per_tensor(DType::kI8, 0.03f, -12);
  QParams wq{DType::kI8, {}, {}, 0};
  QParams bq{DType::kI32, {}, {}, 0};
  for (int o = 0; o < 10; ++o) {
    wq.scale.push_back(0.004f + 0.001f * static_cast<float>(o));
    wq.zp.push_back(0);
    bq.scale.push_back(aq.scale[0] * wq.scale.back());
    bq.zp.push_back(0);
  }
  QuantOp op(ir::OpType::kGemm);
  op.input(uniform({3, 40}, 1, -3.0f, 3.0f), aq)
      .constant(uniform({10, 40}, 2, -0.5f, 0.5f), wq)
      .constant(uniform({10}, 3, -1.0f, 1.0f), bq)
      .output(per_tensor(DType::kI8, 0.06f, 3))
      .attr("transB", int64_t{1});
  op.expect_close();
}

TEST(QuantizedFullyConnected, Uint8PerTensorWeightsNotTransposed) {
  const QParams aq = per_tensor(DType::kU8, 0.02f, 128);
  const QParams wq = per_tensor(DType::kU8, 0.005f, 130);
  QuantOp op(ir::OpType::kGemm);
  op.input(uniform({2, 24}, 4, -2.0f, 2.0f), aq)
      .constant(uniform({24, 7}, 5, -0.5f, 0.5f), wq)
      .output(per_tensor(DType::kU8, 0.04f, 100));
  op.expect_close();
}

}  // namespace
}  // namespace mconv::runtime::qtest
