// Acceptance: Google's MediaPipe Tasks ImageClassifier (web build, @mediapipe/tasks-vision, in
// Debian's headless chromium, driven by tools/mediapipe/mediapipe_classify.mjs) accepts the FP32,
// FP16 and INT8 .tflite files mconv writes with `--labels imagenet`, and names the right classes:
// its top-1 on the shared images is within 2 points of LiteRT's top-1 for the same file
// (`mconv verify`, resize-256 / centre-crop-224; MediaPipe gets a centre regionOfInterest of
// 0.875 of the short side, which it stretches to 224 with plain bilinear), and its top-1 name is
// the ImageNet name of the true class whenever its index is right.
//
// Two models: the Keras MobileNetV3-Small (float 0..255 input, 1000 classes, keras preset), and
// the same network re-headed as a float model with [-1,1] input and 1001 classes with background
// first (pm1 preset: the fixture puts x * 127.5 + 127.5 in front and a zero background score in
// front of the 1000 probabilities), the form of Google's TF-slim classifiers.
// INT8 calibrates on the first 100 images; accuracy is measured on the 400 others.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "core/tensor.h"
#include "passes/shape_inference.h"
#include "support/test_support.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"

namespace mconv {
namespace {

using ir::Value;

constexpr int kCalibCount = 100;  // images 0..99 calibrate INT8
constexpr int kEvalOffset = 100;  // images 100..499 measure accuracy
constexpr int kEvalCount = 400;

std::string keras_model() {
  return test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
}
std::string synsets() {
  return test::shared_dir() + "/data/labels/LOC_synset_mapping.txt";
}
std::string mediapipe_modules() {
  return test::source_dir() + "/.cache/mediapipe/node_modules";
}
constexpr char kChromium[] = "/usr/bin/chromium";

Value* constant(ir::Graph& g, const std::string& name, float v) {
  return g.add_constant(name, Tensor::FromVector(DType::kF32, {1}, std::vector<float>{v}));
}
Value* node(ir::Graph& g, ir::OpType op, const std::string& name, std::vector<Value*> inputs,
            ir::Attributes attrs = {}) {
  Value* out = g.add_value(name, DType::kUndefined, {}, false);
  g.add_node(op, name, std::move(inputs), {out})->attrs = std::move(attrs);
  return out;
}

// The Keras network with [-1,1] input and 1001 outputs (background first), as a .tflite file.
Status write_pm1_1001_model(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(ir::Model model, tflite::import_tflite_file(keras_model()));
  ir::Graph& g = model.graph;
  for (const auto& v : g.values())
    if (v->quant && v->dtype == DType::kF32) v->quant.reset();  // dequantized hybrid weights
  Value* pixels = g.inputs[0];
  Value* x = g.add_value("image_pm1", DType::kF32, pixels->shape);
  Value* scaled =
      node(g, ir::OpType::kMul, "to_pixels_scale", {x, constant(g, "half_range", 127.5f)});
  Value* shifted =
      node(g, ir::OpType::kAdd, "to_pixels", {scaled, constant(g, "mid_grey", 127.5f)});
  g.replace_all_uses(pixels, shifted);
  g.inputs[0] = x;
  Value* probs = g.outputs[0];
  ir::Attributes mean;
  mean.set("axes", std::vector<int64_t>{1});
  mean.set("keepdims", int64_t{1});
  Value* any = node(g, ir::OpType::kReduceMean, "mean_score", {probs}, mean);
  Value* background = node(g, ir::OpType::kMul, "background", {any, constant(g, "zero", 0.0f)});
  ir::Attributes axis;
  axis.set("axis", int64_t{1});
  g.outputs[0] = node(g, ir::OpType::kConcat, "scores_1001", {background, probs}, axis);
  g.remove_dead();
  MCONV_RETURN_IF_ERROR(g.topological_sort());
  MCONV_RETURN_IF_ERROR(passes::infer_shapes(g).status());
  return tflite::export_tflite_file(g, path);
}

// "accuracy     top-1 84.0%, ..." of `mconv verify`, in percent; -1 when missing.
double litert_top1(const std::string& model, const std::string& reference,
                   const std::string& preset) {
  const test::CommandResult r = test::run_command(
      "'" + test::mconv_binary() + "' verify '" + model + "' --reference '" + reference +
      "' --images '" + test::shared_images_dir() + "' --preset " + preset + " --offset " +
      std::to_string(kEvalOffset) + " --count " + std::to_string(kEvalCount) + " --runs 1");
  std::smatch m;
  const std::regex accuracy("accuracy +top-1 ([0-9.]+)%");
  const std::regex runtime("runtime +LiteRT");
  EXPECT_TRUE(std::regex_search(r.output, runtime)) << r.output;
  if (!std::regex_search(r.output, m, accuracy)) {
    ADD_FAILURE() << "no accuracy from mconv verify:\n" << r.output;
    return -1;
  }
  return std::stod(m[1].str());
}

struct MediaPipeResult {
  int images = 0, top1 = 0, named = 0;
};

// Runs MediaPipe on every model in one browser; results by model path.
std::map<std::string, MediaPipeResult> mediapipe_top1(const std::vector<std::string>& models,
                                                      int class_offset) {
  std::string command = "node '" + test::source_dir() +
                        "/tools/mediapipe/mediapipe_classify.mjs' --modules '" +
                        mediapipe_modules() + "' --chromium " + kChromium + " --images '" +
                        test::shared_images_dir() + "' --offset " + std::to_string(kEvalOffset) +
                        " --count " + std::to_string(kEvalCount) + " --class-offset " +
                        std::to_string(class_offset) + " --synsets '" + synsets() + "'";
  for (const std::string& m : models) command += " '" + m + "'";
  const test::CommandResult r = test::run_command(command);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, MediaPipeResult> out;
  const std::regex line("model (\\S+) images (\\d+) top1 (\\d+) named (\\d+)");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), line);
       it != std::sregex_iterator(); ++it)
    out[(*it)[1].str()] = {std::stoi((*it)[2].str()), std::stoi((*it)[3].str()),
                           std::stoi((*it)[4].str())};
  return out;
}

bool mediapipe_available() {
  return std::filesystem::exists(kChromium) &&
         std::filesystem::exists(mediapipe_modules() + "/@mediapipe/tasks-vision/package.json") &&
         std::filesystem::exists(mediapipe_modules() + "/puppeteer-core/package.json");
}

// Converts `source` to the three TFLite precisions with ImageNet labels, then checks each file in
// MediaPipe against LiteRT.
void check_model(const std::string& source, const std::string& preset, int class_offset,
                 const std::string& tag) {
  const std::string dir = test::make_temp_dir("mediapipe_" + tag);
  std::vector<std::string> files;
  for (const char* precision : {"fp32", "fp16", "int8"}) {
    const std::string out = dir + "/" + tag + "_" + precision + ".tflite";
    std::string args = " convert '" + source + "' -o '" + out + "' --precision " + precision +
                       " --preset " + preset + " --labels imagenet";
    if (std::string(precision) == "int8")
      args += " --calib '" + test::shared_images_dir() + "' --calib-count " +
              std::to_string(kCalibCount);
    const test::CommandResult r = test::run_command("'" + test::mconv_binary() + "'" + args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    files.push_back(out);
  }
  const auto results = mediapipe_top1(files, class_offset);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    auto it = results.find(file);
    ASSERT_NE(it, results.end()) << "MediaPipe gave no result";
    const MediaPipeResult& mp = it->second;
    EXPECT_EQ(mp.images, kEvalCount);
    // Every right index carries the right name: the labels file is the ImageNet names in order.
    EXPECT_EQ(mp.named, mp.top1);
    const double mediapipe = 100.0 * mp.top1 / kEvalCount;
    const double litert = litert_top1(file, source, preset);
    std::printf("%s: MediaPipe top-1 %.2f%%, LiteRT top-1 %.2f%% (%d images)\n",
                std::filesystem::path(file).filename().c_str(), mediapipe, litert, kEvalCount);
    EXPECT_GT(mediapipe, 70.0);
    EXPECT_NEAR(mediapipe, litert, 2.0);
  }
}

class MediaPipeAcceptance : public ::testing::Test {
 protected:
  void SetUp() override {
    MCONV_REQUIRE_SHARED_FILE(keras_model());
    MCONV_REQUIRE_SHARED_FILE(synsets());
    if (!mediapipe_available()) {
      if (test::in_ci())
        FAIL() << "chromium or the MediaPipe packages are missing (scripts/setup.sh)";
      GTEST_SKIP() << "chromium or .cache/mediapipe missing (scripts/setup.sh installs them)";
    }
  }
};

TEST_F(MediaPipeAcceptance, KerasMobileNetV3SmallAllPrecisions) {
  check_model(keras_model(), "keras", 0, "keras");
}

TEST_F(MediaPipeAcceptance, FloatPm1InputWith1001ClassesAllPrecisions) {
  const std::string source = test::make_temp_dir("mediapipe_fixture") + "/pm1_1001.tflite";
  ASSERT_TRUE(write_pm1_1001_model(source).ok());
  check_model(source, "pm1", 1, "pm1_1001");
}

}  // namespace
}  // namespace mconv
