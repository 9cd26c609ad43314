// `mconv run MODEL.tflite --runtime ref` on Google's fully quantized MobileNetV3-Small files: the
// reference interpreter runs them with its integer kernels. The QAT uint8 file's output codes are
// compared with LiteRT's on the same input (bit-exact today; at most 1 LSB allowed); the TF-Hub
// int8 file (float I/O around QUANTIZE/DEQUANTIZE) must give finite logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli_test_util.h"
#include "core/npy.h"

namespace mconv::test {
namespace {

// The LiteRT.js packages scripts/setup.sh installs in the checkout (support's source_dir()).
std::string litert_home() {
  if (const char* env = std::getenv("MCONV_LITERT_HOME")) return env;
  return source_dir() + "/.cache/litert";
}

// A smooth synthetic 224x224 RGB image, as u8 codes or as [0, 1] floats.
Tensor synthetic_image(DType dtype) {
  Tensor t(dtype, {1, 224, 224, 3});
  for (int64_t y = 0; y < 224; ++y)
    for (int64_t x = 0; x < 224; ++x)
      for (int64_t c = 0; c < 3; ++c) {
        const int64_t i = (y * 224 + x) * 3 + c;
        const int v = static_cast<int>((x * (c + 1) + y * 2 + 40 * c) % 256);
        if (dtype == DType::kU8) t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
        if (dtype == DType::kF32) t.data<float>()[i] = static_cast<float>(v) / 255.0f;
      }
  return t;
}

TEST(RunQuantized, QatUint8RefMatchesLiteRt) {
  const std::string model = model_file("atu_v3-small_224_1.0_uint8.tflite");
  MCONV_REQUIRE_SHARED_FILE(model);
  MCONV_REQUIRE_SHARED_FILE(litert_home() + "/node_modules/@litertjs/core/package.json");
  const std::string dir = make_temp_dir("cli_run_quantized");
  ASSERT_TRUE(write_npy(dir + "/in.npy", synthetic_image(DType::kU8)).ok());
  auto r = run_mconv("run " + shell_quote(model) + " --runtime ref -i " +
                     shell_quote(dir + "/in.npy") + " -o " + shell_quote(dir + "/ref.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  CommandResult lr = run_command("MCONV_LITERT_HOME=" + shell_quote(litert_home()) +
                                 " node --experimental-wasm-relaxed-simd " +
                                 shell_quote(source_dir() + "/tools/litert/mconv_litert.mjs") +
                                 " run " + shell_quote(model) + " " + shell_quote(dir + "/in.npy") +
                                 " -o " + shell_quote(dir + "/litert"));
  ASSERT_EQ(lr.exit_code, 0) << lr.output;
  auto ref = read_npy(dir + "/ref.npy");
  auto want = read_npy(dir + "/litert.0.npy");
  ASSERT_TRUE(ref.ok() && want.ok());
  ASSERT_EQ(ref->dtype(), DType::kU8);
  ASSERT_EQ(ref->shape(), want->shape());
  const std::vector<int64_t> a = ref->to_i64(), b = want->to_i64();
  int64_t worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  EXPECT_LE(worst, 1);
  EXPECT_GT(*std::max_element(a.begin(), a.end()), 0);  // some class has probability
}

TEST(RunQuantized, TfHubInt8RefGivesFiniteLogits) {
  const std::string model = model_file("atu_Mobilenet_v3_small_quant.tflite");
  MCONV_REQUIRE_SHARED_FILE(model);
  const std::string dir = make_temp_dir("cli_run_quantized_int8");
  ASSERT_TRUE(write_npy(dir + "/in.npy", synthetic_image(DType::kF32)).ok());
  auto r = run_mconv("run " + shell_quote(model) + " --runtime ref -i " +
                     shell_quote(dir + "/in.npy") + " -o " + shell_quote(dir + "/ref.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ref = read_npy(dir + "/ref.npy");
  ASSERT_TRUE(ref.ok());
  ASSERT_EQ(ref->shape(), (std::vector<int64_t>{1, 1001}));
  const std::vector<float> v = ref->to_f32();
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); }));
  EXPECT_GT(*std::max_element(v.begin(), v.end()), *std::min_element(v.begin(), v.end()));
}

}  // namespace
}  // namespace mconv::test
