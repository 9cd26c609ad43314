// The public API (include/mconv/) used as an application would: real shared models and images,
// conversion written to disk, verification in the real runtimes, errors as values.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "mconv/mconv.h"
#include "support/test_support.h"

namespace mconv::api {
namespace {

std::string op17() {
  return test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
}

// A folder with the first `n` shared images (linked) and the shared labels.
std::string few_images(const std::string& dir, int n) {
  namespace fs = std::filesystem;
  std::vector<fs::path> images;
  for (const auto& e : fs::directory_iterator(test::shared_images_dir()))
    if (e.path().extension() == ".JPEG") images.push_back(e.path());
  std::sort(images.begin(), images.end());
  fs::create_directories(dir);
  for (int i = 0; i < n && i < static_cast<int>(images.size()); ++i)
    fs::create_symlink(images[i], dir + "/" + images[i].filename().string());
  fs::create_symlink(test::shared_images_dir() + "/labels.csv", dir + "/labels.csv");
  return dir;
}

TEST(Api, InspectGivesFormatSignatureAndPrecision) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  auto info = inspect_model(op17());
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->format, Format::kOnnx);
  EXPECT_EQ(info->precision, Precision::kFp32);
  ASSERT_EQ(info->inputs.size(), 1u);
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(info->inputs[0].layout, "NCHW");
  EXPECT_EQ(info->outputs[0].shape, (std::vector<int64_t>{1, 1000}));
  EXPECT_GT(info->node_count, 50);
  // MobileNetV3-Small: 2.5 million parameters.
  EXPECT_GT(info->parameter_count, 2'000'000);
  EXPECT_LT(info->parameter_count, 3'000'000);
}

TEST(Api, Fp32TfliteConversionVerifiesWithFullAgreement) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  const std::string dir = test::make_temp_dir("api_fp32");
  const std::string out = dir + "/mnv3.tflite";
  auto converted = convert(op17(), out);
  ASSERT_TRUE(converted.ok()) << converted.status().message();
  EXPECT_EQ(converted->format, Format::kTflite);
  EXPECT_EQ(converted->file_bytes, std::filesystem::file_size(out));
  ASSERT_EQ(converted->inputs.size(), 1u);
  EXPECT_EQ(converted->inputs[0].layout, "NHWC");  // ONNX -> TFLite makes the input NHWC

  VerifyOptions options;
  options.images_dir = few_images(dir + "/images", 8);
  options.runs = 1;
  auto verified = verify(out, op17(), options);
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_TRUE(verified->passed);
  EXPECT_EQ(verified->precision, Precision::kFp32);  // inferred from the file
  EXPECT_EQ(verified->samples, 8);
  EXPECT_EQ(verified->top1_agreement, 1.0);
  EXPECT_GT(verified->cosine_min, 0.9999);
  EXPECT_FALSE(verified->runtime.empty());
  EXPECT_TRUE(verified->reasons.empty());
}

TEST(Api, ErrorsAreValuesNamingTheFileAndNothingIsWritten) {
  const std::string dir = test::make_temp_dir("api_errors");
  auto missing = inspect_model(dir + "/nope.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.onnx"), std::string::npos);
  EXPECT_NE(missing.status().message().find("no such file"), std::string::npos);

  const std::string junk = dir + "/junk.onnx";
  std::ofstream(junk) << "not a model";
  auto bad = convert(junk, dir + "/out.tflite");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("junk.onnx"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.tflite"));

  MCONV_REQUIRE_SHARED_FILE(op17());
  auto wrong_ext = convert(op17(), dir + "/out.txt");
  ASSERT_FALSE(wrong_ext.ok());
  EXPECT_NE(wrong_ext.status().message().find("out.txt"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.txt"));
}

TEST(Api, BenchMeasuresLatencyInTheRuntimeAskedFor) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  auto ort = bench(op17(), {.warmup = 1, .runs = 5});
  ASSERT_TRUE(ort.ok()) << ort.status().message();
  EXPECT_EQ(ort->runtime, "ort");  // the format's own runtime
  EXPECT_EQ(ort->runtime_detail.rfind("onnxruntime 1.", 0), 0u) << ort->runtime_detail;
  EXPECT_EQ(ort->runs, 5);
  EXPECT_EQ(ort->inputs, "f32[1,3,224,224]");
  EXPECT_GT(ort->p50_ms, 0);
  EXPECT_LE(ort->p50_ms, ort->p90_ms);
  EXPECT_LE(ort->p90_ms, ort->p99_ms);
  EXPECT_GT(ort->peak_rss_bytes, 0);
  EXPECT_EQ(ort->file_bytes, static_cast<int64_t>(std::filesystem::file_size(op17())));
  auto ref = bench(op17(), {.runtime = "ref", .warmup = 0, .runs = 1});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  EXPECT_EQ(ref->runtime_detail, "mconv reference interpreter");

  // A runtime that cannot run the file is an error naming it, not a fallback.
  auto wrong = bench(op17(), {.runtime = "tflite", .runs = 1});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("TFLite files only"), std::string::npos);
  EXPECT_FALSE(bench(op17(), {.runtime = "tpu"}).ok());
  EXPECT_FALSE(bench(op17(), {.runs = 0}).ok());
}

}  // namespace
}  // namespace mconv::api
