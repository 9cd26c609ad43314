// Integer ReduceMean (TFLite's integer mean), AveragePool (rounded division) and MaxPool against
// the float kernels on dequantized inputs: within 1 LSB; same-grid pools exactly as TFLite.
#include "runtime/quantized_test_util.h"

namespace mconv::runtime::qtest {
namespace {

TEST(QuantizedReduceMean, SpatialMeanKeepdimsInt8AndUint8) {
  // MobileNetV3's squeeze-excite / final pooling: mean over H, W of NHWC, new output params.
  QuantOp i8(ir::OpType::kReduceMean);
  i8.input(uniform({1, 7, 7, 24}, 1, -1.0f, 5.0f), per_tensor(DType::kI8, 0.03f, -90))
      .output(per_tensor(DType::kI8, 0.012f, -100))
      .attr("axes", std::vector<int64_t>{1, 2})
      .attr("keepdims", int64_t{1});
  i8.expect_close();
  QuantOp u8(ir::OpType::kReduceMean);
  u8.input(uniform({2, 5, 3, 6}, 2, -2.0f, 2.0f), per_tensor(DType::kU8, 0.02f, 128))
      .output(per_tensor(DType::kU8, 0.02f, 128))
      .attr("axes", std::vector<int64_t>{-1})
      .attr("keepdims", int64_t{0});
  u8.expect_close();
}

TEST(QuantizedAveragePool, SameGridAndRequantized) {
  const QParams q = per_tensor(DType::kU8, 0.03f, 110);
  for (const QParams& out : {q, per_tensor(DType::kU8, 0.02f, 90)}) {
    QuantOp pool(ir::OpType::kAveragePool);
    pool.input(uniform({1, 9, 9, 5}, 3, -3.0f, 3.0f), q)
        .output(out)
        .attr("kernel_shape", std::vector<int64_t>{3, 3})
        .attr("strides", std::vector<int64_t>{2, 2})
        .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
        .attr("count_include_pad", int64_t{0})
        .layout(ir::Layout::kNHWC);
    pool.expect_close();
  }
}

TEST(QuantizedMaxPool, ExactOnTheSameGridAndRefusesAnother) {
  const QParams q = per_tensor(DType::kI8, 0.03f, -5);
  QuantOp pool(ir::OpType::kMaxPool);
  pool.input(uniform({2, 6, 7, 3}, 4, -3.0f, 3.0f), q)
      .output(q)
      .attr("kernel_shape", std::vector<int64_t>{2, 3})
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{0, 1, 0, 1})
      .layout(ir::Layout::kNHWC);
  EXPECT_EQ(pool.expect_close(0), 0);
  QuantOp other(ir::OpType::kMaxPool);
  other.input(uniform({1, 4, 4, 3}, 5, -3.0f, 3.0f), q)
      .output(per_tensor(DType::kI8, 0.05f, 0))
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .layout(ir::Layout::kNHWC);
  auto r = other.run_integer(IntegerRounding::kLiteRt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("MaxPool"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace mconv::runtime::qtest
