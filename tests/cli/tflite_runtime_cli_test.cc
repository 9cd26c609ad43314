// `mconv run/verify/bench --runtime tflite` (native TensorFlow Lite 2.9) on every kind of .tflite:
// the shared TOCO uint8, dynamic-range and TF-Hub int8 files and mconv's own FP32, FP16, INT8 and
// --io uint8 exports. `run` writes what LiteRT computes for the same .npy (within the rules of
// tests/tflite_runtime, which compare the two runtimes in depth), `verify` names the runtime and
// passes mconv's own files, `bench` puts native TFLite and LiteRT side by side.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.h"
#include "core/npy.h"
#include "litert/litert.h"

namespace mconv::test {
namespace {

const std::string kKeras = "keras_mobilenet_v3_small_int8_dynrange.tflite";

struct File {
  std::string path;    // the .tflite
  std::string preset;  // preprocessing its input expects
  bool own = false;    // written by mconv from the Keras file (verify must PASS against it)
};

class TfliteRuntimeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = make_temp_dir("cli_tflite_runtime");
    const std::string src = model_file(kKeras);
    if (!std::filesystem::exists(src)) return;
    // Four photos linked into a folder of their own, preprocessed per preset.
    images_ = link_shared_photos(dir_ + "/images", 4);
    const std::string calib = " --calib " + shell_quote(shared_images_dir()) + " --calib-count 16";
    for (const auto& [name, flags] : std::vector<std::pair<std::string, std::string>>{
             {"own_fp32.tflite", "--precision fp32"},
             {"own_fp16.tflite", "--precision fp16"},
             {"own_int8.tflite", "--precision int8" + calib},
             {"own_int8_u8io.tflite", "--precision int8 --io uint8" + calib}}) {
      auto r = run_mconv("convert " + shell_quote(src) + " -o " + shell_quote(dir_ + "/" + name) +
                         " " + flags);
      log_ += name + ": " + r.output;
    }
  }

  static std::vector<File> files() {
    return {{model_file("atu_v3-small_224_1.0_uint8.tflite"), "u8"},
            {model_file(kKeras), "keras"},
            {model_file("atu_Mobilenet_v3_small_quant.tflite"), "unit"},
            {dir_ + "/own_fp32.tflite", "keras", true},
            {dir_ + "/own_fp16.tflite", "keras", true},
            {dir_ + "/own_int8.tflite", "keras", true},
            {dir_ + "/own_int8_u8io.tflite", "u8", true}};
  }

  static std::string input_for(const std::string& preset) {
    const std::string path = dir_ + "/x_" + preset + ".npy";
    if (!std::filesystem::exists(path)) {
      auto r = run_mconv("preprocess " + shell_quote(images_) + " -o " + shell_quote(path) +
                         " --preset " + preset + " --layout nhwc");
      EXPECT_EQ(r.exit_code, 0) << r.output;
    }
    return path;
  }

  static inline std::string dir_, images_, log_;
};

TEST_F(TfliteRuntimeCli, RunMatchesLiteRt) {
  MCONV_REQUIRE_SHARED_FILE(model_file(kKeras));
  std::string why;
  const bool litert = litert::litert_available(&why);
  if (!litert && in_ci()) FAIL() << why;
  for (const File& f : files()) {
    SCOPED_TRACE(f.path);
    ASSERT_TRUE(std::filesystem::exists(f.path)) << log_;
    const std::string x = input_for(f.preset);
    const std::string y = dir_ + "/y_" + std::filesystem::path(f.path).stem().string() + ".npy";
    auto r = run_mconv("run " + shell_quote(f.path) + " -i " + shell_quote(x) + " -o " +
                       shell_quote(y) + " --runtime tflite");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("runtime: tflite"), std::string::npos) << r.output;
    auto ours = read_npy(y);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    ASSERT_EQ(ours->dim(0), 4);
    if (!litert) continue;
    auto in = read_npy(x);
    ASSERT_TRUE(in.ok());
    auto theirs = litert::litert_run(f.path, {*in}, {.engine = "auto"});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    ASSERT_EQ((*theirs)[0].shape(), ours->shape());
    const std::vector<float> a = ours->to_f32(), b = (*theirs)[0].to_f32();
    const int64_t width = ours->element_count() / 4;
    int same_top1 = 0;
    double max_diff = 0, range = 0;
    for (int64_t row = 0; row < 4; ++row) {
      const float* pa = a.data() + row * width;
      const float* pb = b.data() + row * width;
      same_top1 += std::max_element(pa, pa + width) - pa == std::max_element(pb, pb + width) - pb;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      max_diff = std::max(max_diff, std::fabs(double(a[i]) - b[i]));
      range = std::max(range, std::fabs(double(b[i])));
    }
    if (f.own && f.path.find("int8") == std::string::npos) {
      EXPECT_LE(max_diff, 1e-4 * std::max(range, 1.0));  // float graphs: same numbers
    } else if (f.own) {
      // mconv's int8 runs through XNNPACK in both: 1 LSB (uint8 output) or float-exact tail.
      EXPECT_LE(max_diff, ours->dtype() == DType::kF32 ? 1e-4 * std::max(range, 1.0) : 1.0);
    }
    // The Google files run on TFLite 2.9's built-in integer kernels (XNNPACK 2.9 refuses them),
    // the dynamic-range file on hybrid kernels: same top-1 on at least 3 of the 4 photos.
    EXPECT_GE(same_top1, f.own ? 4 : 3) << "max diff " << max_diff;
  }
}

TEST_F(TfliteRuntimeCli, VerifyNamesNativeTfliteAndPassesMconvFiles) {
  MCONV_REQUIRE_SHARED_FILE(model_file(kKeras));
  for (const File& f : files()) {
    SCOPED_TRACE(f.path);
    ASSERT_TRUE(std::filesystem::exists(f.path)) << log_;
    // mconv's files against their Keras source; Google's against themselves in the interpreter.
    const std::string ref = f.own ? model_file(kKeras) : f.path;
    const std::string preset = f.preset == "u8" && f.own ? "keras" : f.preset;
    auto r = run_mconv("verify " + shell_quote(f.path) + " --reference " + shell_quote(ref) +
                       " --images " + shell_quote(images_) + " --preset " + preset +
                       " --runtime tflite --runs 2");
    EXPECT_NE(r.output.find("TensorFlow Lite 2.9"), std::string::npos) << r.output;
    // The verdict for Google's files and the dynamic-range one depends on how TFLite 2.9's
    // integer/hybrid kernels round (measured: 3 of 4 photos agree for the dynamic-range file);
    // it must be a verdict (0 or 1), not an error.
    if (f.own)
      EXPECT_EQ(r.exit_code, 0) << r.output;
    else
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  }
}

TEST_F(TfliteRuntimeCli, BenchShowsNativeTfliteBesideLiteRt) {
  MCONV_REQUIRE_SHARED_FILE(model_file(kKeras));
  for (const File& f : files()) {
    SCOPED_TRACE(f.path);
    auto r = run_mconv("bench " + shell_quote(f.path) + " --runtime tflite --runs 2 --warmup 0");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  // Without --runtime: both runtimes in one table for the same file.
  auto r = run_mconv("bench " + shell_quote(model_file(kKeras)) + " --runs 2 --warmup 0");
  const std::string runtimes = r.output.substr(r.output.find("runtime"));
  const std::string line = runtimes.substr(0, runtimes.find('\n'));
  EXPECT_NE(line.find("tflite"), std::string::npos) << r.output;
  std::string why;
  if (litert::litert_available(&why)) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(line.find("litert"), std::string::npos) << r.output;
  }
}

TEST_F(TfliteRuntimeCli, RefusedFileIsAnErrorNamingTheRuntime) {
  const std::string bad = dir_ + "/bad.tflite";
  { std::ofstream(bad) << "TFL3 but not a model"; }
  auto r = run_mconv("run " + shell_quote(bad) + " -i x.npy --runtime tflite");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad.tflite"), std::string::npos) << r.output;
  auto onnx = run_mconv("run " + shell_quote(model_file("mobilenet_v3_small_op17.onnx")) +
                        " -i x.npy --runtime tflite");
  EXPECT_NE(onnx.exit_code, 0);
}

}  // namespace
}  // namespace mconv::test
