// The acceptance on the real MobileNetV3-Small FP32 ONNX file, through the CLI: the
// default file leaves every HardSwish to the CPU under the CoreML EP and NNAPI; `--target coreml`
// leaves no op the CoreML EP (MLProgram) lacks, in one partition, and both files give the same
// outputs in ONNX Runtime within 1e-4 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/file_io.h"
#include "core/npy.h"
#include "delegates/delegate_analysis.h"
#include "support/test_support.h"

namespace mconv::delegates::test {
namespace {

DelegateReport analyze_file(const std::string& path) {
  auto bytes = read_file_bytes(path);
  EXPECT_TRUE(bytes.ok()) << path;
  auto report = analyze_model_bytes(*bytes, path);
  EXPECT_TRUE(report.ok()) << report.status().message();
  return *report;
}

TEST(TargetCoreml, MobileNetV3SmallOnnx) {
  const std::string source = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
  const std::string input = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op17.input.npy";
  MCONV_REQUIRE_SHARED_FILE(source);
  const std::string dir = mconv::test::make_temp_dir("target_coreml");
  const std::string mconv = mconv::test::mconv_binary();
  for (const std::string& target : {std::string(""), std::string(" --target coreml")}) {
    const std::string out = dir + (target.empty() ? "/default" : "/coreml");
    auto r =
        mconv::test::run_command(mconv + " convert " + source + " -o " + out + ".onnx" + target);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = mconv::test::run_command(mconv + " run " + out + ".onnx -i " + input + " -o " + out +
                                 ".npy --runtime ort");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  const DelegateReport before = analyze_file(dir + "/default.onnx");
  for (const char* key : {"ort-coreml-nn", "ort-coreml-mlprogram", "ort-nnapi"}) {
    const DelegateCoverage* d = before.find(key);
    ASSERT_NE(d, nullptr);
    const auto hard_swish = std::count_if(d->not_taken.begin(), d->not_taken.end(),
                                          [](const NotTaken& n) { return n.op == "HardSwish"; });
    EXPECT_EQ(hard_swish, 19) << key;  // every HardSwish of MobileNetV3-Small
  }
  const DelegateReport after = analyze_file(dir + "/coreml.onnx");
  const DelegateCoverage* ml = after.find("ort-coreml-mlprogram");
  ASSERT_NE(ml, nullptr);
  EXPECT_TRUE(ml->not_taken.empty())
      << ml->not_taken.front().op << ": " << ml->not_taken.front().reason;
  EXPECT_EQ(ml->partition_sizes.size(), 1u);
  EXPECT_EQ(ml->verdict, "good");

  auto a = read_npy(dir + "/default.npy");
  auto b = read_npy(dir + "/coreml.npy");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->shape(), b->shape());
  const auto av = a->values<float>();
  const auto bv = b->values<float>();
  float scale = 0, worst = 0;
  for (size_t i = 0; i < av.size(); ++i) {
    scale = std::max(scale, std::fabs(av[i]));
    worst = std::max(worst, std::fabs(av[i] - bv[i]));
  }
  ASSERT_GT(scale, 0.0f);
  RecordProperty("max_abs_diff", std::to_string(worst));
  std::printf("max |default - coreml| = %.3g, relative to max |output| %.3g: %.3g\n", worst, scale,
              worst / scale);
  EXPECT_LE(worst, 1e-4f * scale);
}

}  // namespace
}  // namespace mconv::delegates::test
