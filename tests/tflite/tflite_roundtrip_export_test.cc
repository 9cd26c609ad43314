// TFLite -> IR -> TFLite: the Keras MobileNetV3-Small from shared/data/models (dynamic-range
// weights, dequantized to float on import) is re-exported as an FP32 file. The graph is already
// channels-last, so the NHWC rewrite must leave it alone; LiteRT on the new file must match the
// reference interpreter on the imported graph within 1e-4 relative, on two seeded inputs.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/file_io.h"
#include "core/npy.h"
#include "litert_runner.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"

namespace {

using mconv::DType;
using mconv::Tensor;

TEST(TfliteRoundTripExport, KerasMobileNetV3ReexportsAsFp32) {
  const std::string path =
      mconv::test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(path);
  MCONV_REQUIRE_LITERT();
  auto model = mconv::tflite::import_tflite_file(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto bytes = mconv::tflite::export_tflite(model->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();

  // Same operator mix as the source: no TRANSPOSE appears, no PAD either (SAME padding maps back).
  const ::tflite::Model* out = ::tflite::GetModel(bytes->data());
  int transposes = 0, pads = 0, convs = 0;
  for (const ::tflite::Operator* op : *out->subgraphs()->Get(0)->operators()) {
    const auto code = out->operator_codes()->Get(op->opcode_index())->builtin_code();
    transposes += code == ::tflite::BuiltinOperator_TRANSPOSE;
    pads += code == ::tflite::BuiltinOperator_PAD;
    convs += code == ::tflite::BuiltinOperator_CONV_2D;
  }
  EXPECT_EQ(transposes, 0);
  EXPECT_EQ(pads, 0);
  EXPECT_GT(convs, 20);

  // Two seeded images in the model's 0..255 range, one batch of [2,224,224,3].
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> pixel(0.0f, 255.0f);
  std::vector<float> data(2 * 224 * 224 * 3);
  for (float& v : data) v = pixel(rng);
  const Tensor batch = Tensor::FromVector(DType::kF32, {2, 224, 224, 3}, data);

  auto interp = mconv::runtime::Interpreter::Create(model->graph);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  std::vector<Tensor> reference;
  for (int i = 0; i < 2; ++i) {
    Tensor one = Tensor::FromVector(DType::kF32, {1, 224, 224, 3},
                                    std::vector<float>(data.begin() + i * 224 * 224 * 3,
                                                       data.begin() + (i + 1) * 224 * 224 * 3));
    auto result = (*interp)->run({one});
    ASSERT_TRUE(result.ok()) << result.status().message();
    reference.push_back((*result)[0]);
  }

  const std::string dir = mconv::test::make_temp_dir("tflite_roundtrip_export");
  ASSERT_TRUE(mconv::write_file_atomic(dir + "/keras_fp32.tflite", *bytes).ok());
  ASSERT_TRUE(mconv::write_npy(dir + "/input.npy", batch).ok());
  const auto run = mconv::test::run_litert_batch(
      {{dir + "/keras_fp32.tflite", {dir + "/input.npy"}, dir + "/out"}}, dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  auto litert = mconv::read_npy(dir + "/out.0.npy");
  ASSERT_TRUE(litert.ok()) << litert.status().message();
  ASSERT_EQ(litert->shape(), (std::vector<int64_t>{2, 1000}));
  const std::vector<float> got = litert->to_f32();
  for (int i = 0; i < 2; ++i) {
    const Tensor row = Tensor::FromVector(
        DType::kF32, {1, 1000},
        std::vector<float>(got.begin() + i * 1000, got.begin() + (i + 1) * 1000));
    const double rel = mconv::test::relative_max_diff(row, reference[i]);
    EXPECT_LE(rel, 1e-4) << "sample " << i;
    std::printf("[ litert ] keras round trip sample %d: max|diff|/max|ref| = %.3g\n", i, rel);
  }
}

// A fully quantized (uint8 QAT) model re-exports with its integer tensors and their exact
// quantization: every quantized tensor of the original that survives by name has the same type,
// scales and zero points (bit-exact LiteRT outputs are checked by the import round-trip tests).
TEST(TfliteRoundTripExport, QuantizedModelKeepsItsQuantization) {
  const std::string path = mconv::test::shared_models_dir() + "/atu_v3-small_224_1.0_uint8.tflite";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto original = mconv::read_file_bytes(path);
  ASSERT_TRUE(original.ok());
  auto model = mconv::tflite::import_tflite_file(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto bytes = mconv::tflite::export_tflite(model->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  flatbuffers::Verifier verifier(bytes->data(), bytes->size());
  ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));

  std::map<std::string, const ::tflite::Tensor*> source;
  for (const ::tflite::Tensor* t :
       *::tflite::GetModel(original->data())->subgraphs()->Get(0)->tensors())
    source[t->name()->str()] = t;
  const ::tflite::SubGraph* sg = ::tflite::GetModel(bytes->data())->subgraphs()->Get(0);
  int compared = 0, quantized = 0;
  for (const ::tflite::Tensor* t : *sg->tensors()) {
    if (t->type() == ::tflite::TensorType_UINT8) {
      ++quantized;
      ASSERT_NE(t->quantization(), nullptr) << t->name()->str();
      ASSERT_NE(t->quantization()->scale(), nullptr) << t->name()->str();
    }
    auto it = source.find(t->name()->str());
    if (it == source.end() || !it->second->quantization() || !it->second->quantization()->scale())
      continue;
    const auto* a = t->quantization();
    const auto* b = it->second->quantization();
    EXPECT_EQ(t->type(), it->second->type()) << t->name()->str();
    ASSERT_NE(a, nullptr) << t->name()->str();
    EXPECT_EQ(std::vector<float>(a->scale()->begin(), a->scale()->end()),
              std::vector<float>(b->scale()->begin(), b->scale()->end()))
        << t->name()->str();
    EXPECT_EQ(std::vector<int64_t>(a->zero_point()->begin(), a->zero_point()->end()),
              std::vector<int64_t>(b->zero_point()->begin(), b->zero_point()->end()))
        << t->name()->str();
    ++compared;
  }
  EXPECT_GT(quantized, 100);
  EXPECT_GT(compared, 100);
  // uint8 ops keep version 1, like the original file's.
  for (const ::tflite::OperatorCode* code : *::tflite::GetModel(bytes->data())->operator_codes())
    EXPECT_EQ(code->version(), 1) << ::tflite::EnumNameBuiltinOperator(code->builtin_code());
}

}  // namespace
