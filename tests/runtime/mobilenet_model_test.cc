// Whole-model check: torchvision MobileNetV3-Small (opset 17 export, random but calibrated
// weights) imported from ONNX and run by the reference interpreter must reproduce PyTorch's
// logits (max abs error 1e-4, same argmax) for both shared input rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/npy.h"
#include "onnx/onnx_importer.h"
#include "runtime_test_util.h"
#include "support/test_tensors.h"
#include "support/test_support.h"

namespace mconv::runtime::test {
namespace {

using mconv::test::batch_row;

int64_t argmax(const Tensor& t) {
  return mconv::test::argmax(t.values<float>());
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double d = 0;
  auto va = a.values<float>(), vb = b.values<float>();
  for (size_t i = 0; i < va.size(); ++i) d = std::max(d, std::fabs(double(va[i]) - vb[i]));
  return d;
}

void check_model(const std::string& stem, int threads) {
  const std::string dir = mconv::test::shared_models_dir();
  const std::string model_path = dir + "/" + stem + ".onnx";
  MCONV_REQUIRE_SHARED_FILE(model_path);
  MCONV_REQUIRE_SHARED_FILE(dir + "/" + stem + ".input.npy");
  MCONV_REQUIRE_SHARED_FILE(dir + "/" + stem + ".torch_output.npy");
  auto model = onnx::import_onnx_file(model_path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto input = read_npy(dir + "/" + stem + ".input.npy");
  auto expected = read_npy(dir + "/" + stem + ".torch_output.npy");
  ASSERT_TRUE(input.ok() && expected.ok());
  ASSERT_EQ(input->dim(0), 2);

  InterpreterOptions options;
  options.threads = threads;
  auto interp = Interpreter::Create(model->graph, options);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  for (int64_t row = 0; row < 2; ++row) {
    auto out = (*interp)->run({batch_row(*input, row)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->size(), 1u);
    const Tensor want = batch_row(*expected, row);
    ASSERT_EQ((*out)[0].shape(), want.shape());
    const double diff = max_abs_diff((*out)[0], want);
    std::printf("[ metric ] %s (%d thread%s) row %lld: max |interpreter - torch| = %.3g\n",
                stem.c_str(), threads, threads == 1 ? "" : "s", static_cast<long long>(row), diff);
    EXPECT_LT(diff, 1e-4) << stem << " row " << row;
    EXPECT_EQ(argmax((*out)[0]), argmax(want)) << stem << " row " << row;
  }
}

TEST(MobileNetModel, V3SmallOpset17MatchesTorch) {
  check_model("mobilenet_v3_small_op17", 1);
}

TEST(MobileNetModel, V3SmallOpset17MatchesTorchWithTwoThreads) {
  check_model("mobilenet_v3_small_op17", 2);
}

TEST(MobileNetModel, V2Opset13MatchesTorch) {
  check_model("mobilenet_v2_op13", 1);
}

TEST(MobileNetModel, DynamicBatchRunsBothRowsAtOnce) {
  const std::string stem = "mobilenet_v3_small_op17_dynbatch";
  const std::string dir = mconv::test::shared_models_dir();
  MCONV_REQUIRE_SHARED_FILE(dir + "/" + stem + ".onnx");
  auto model = onnx::import_onnx_file(dir + "/" + stem + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto input = read_npy(dir + "/" + stem + ".input.npy");
  auto expected = read_npy(dir + "/" + stem + ".torch_output.npy");
  ASSERT_TRUE(input.ok() && expected.ok());
  auto interp = Interpreter::Create(model->graph);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  auto out = (*interp)->run({*input});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ((*out)[0].shape(), expected->shape());
  EXPECT_LT(max_abs_diff((*out)[0], *expected), 1e-4);
  for (int64_t row = 0; row < 2; ++row)
    EXPECT_EQ(argmax(batch_row((*out)[0], row)), argmax(batch_row(*expected, row)));
}

}  // namespace
}  // namespace mconv::runtime::test
