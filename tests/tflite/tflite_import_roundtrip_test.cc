// TFLite -> IR -> TFLite round trip on the three real files: the re-exported file must compute
// what the original computes in LiteRT, on real photos. Quantized models: bit-exact outputs (same
// integer kernels on the same integer data). The Keras dynamic-range model: bit-exact when the
// exporter writes hybrid int8 weights again; when it writes the dequantized FP32 model instead,
// that export must match mconv's reference interpreter on the imported graph tightly (both FP32)
// and the original loosely (hybrid kernels quantize activations on the fly).
#include <gtest/gtest.h>

#include <cmath>

#include "core/file_io.h"
#include "data/dataset.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"
#include "tflite_import_test_models.h"

namespace {

using mconv::DType;
using mconv::Tensor;
namespace fb = ::tflite;

// `count` photos spread over the 500 shared ones, preprocessed with `preset` (NHWC 224).
Tensor photos(mconv::PreprocessPreset preset, int count, std::vector<int>* labels = nullptr) {
  auto images = mconv::list_image_folder(mconv::test::shared_images_dir());
  EXPECT_TRUE(images.ok()) << images.status().message();
  if (!images.ok()) return Tensor();
  std::vector<mconv::LabeledImage> picked;
  for (size_t i = 7; i < images->size() && static_cast<int>(picked.size()) < count; i += 53)
    picked.push_back((*images)[i]);
  if (labels) *labels = mconv::image_labels(picked);
  auto batch =
      mconv::load_image_batch(picked, mconv::make_preprocess(preset, mconv::ImageLayout::kNHWC));
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(batch).value() : Tensor();
}

// Imports the shared file and writes its re-export next to the test's temp files.
struct RoundTrip {
  std::string original;        // shared .tflite
  std::string exported;        // re-exported .tflite
  mconv::ir::Model model;      // the import
  std::vector<uint8_t> bytes;  // the re-export
};

void round_trip(const std::string& file, RoundTrip* rt) {
  rt->original = mconv::test::shared_models_dir() + "/" + file;
  MCONV_REQUIRE_SHARED_FILE(rt->original);
  auto model = mconv::tflite::import_tflite_file(rt->original);
  ASSERT_TRUE(model.ok()) << model.status().message();
  rt->model = std::move(model).value();
  mconv::tflite::TfliteExportOptions options;
  options.description = rt->model.producer;
  auto bytes = mconv::tflite::export_tflite(rt->model.graph, options);
  ASSERT_TRUE(bytes.ok()) << "re-export of " << file << " failed: " << bytes.status().message();
  rt->bytes = std::move(bytes).value();
  rt->exported = mconv::test::make_temp_dir("tflite_roundtrip") + "/" + file;
  ASSERT_TRUE(mconv::write_file_atomic(rt->exported, rt->bytes).ok());
  // The re-export must itself import again (and verify).
  auto again = mconv::tflite::import_tflite_bytes(rt->bytes);
  ASSERT_TRUE(again.ok()) << "re-import: " << again.status().message();
}

// True when the file has an int8/uint8 constant consumed by an op with a float32 input (a
// dynamic-range op).
bool has_hybrid_weights(const std::vector<uint8_t>& bytes) {
  const fb::Model* m = fb::GetModel(bytes.data());
  const fb::SubGraph* sg = m->subgraphs()->Get(0);
  for (const fb::Operator* op : *sg->operators()) {
    if (!op->inputs() || op->inputs()->size() < 2) continue;
    const int x = op->inputs()->Get(0), w = op->inputs()->Get(1);
    if (x < 0 || w < 0) continue;
    const fb::Tensor* xt = sg->tensors()->Get(x);
    const fb::Tensor* wt = sg->tensors()->Get(w);
    if (xt->type() == fb::TensorType_FLOAT32 &&
        (wt->type() == fb::TensorType_INT8 || wt->type() == fb::TensorType_UINT8))
      return true;
  }
  return false;
}

void expect_bit_exact(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  int64_t differing = 0;
  for (size_t i = 0; i < a.byte_size(); ++i) differing += a.raw()[i] != b.raw()[i];
  EXPECT_EQ(differing, 0) << "bytes differ between the original and the re-export";
}

int64_t argmax(const float* p, int64_t n) {
  return std::max_element(p, p + n) - p;
}

TEST(TfliteImportRoundTrip, QatUint8IsBitExact) {
  MCONV_REQUIRE_LITERT();
  RoundTrip rt;
  ASSERT_NO_FATAL_FAILURE(round_trip("atu_v3-small_224_1.0_uint8.tflite", &rt));
  // uint8 input with scale 1/127, zero point 128: feed x/127.5-1, the runner quantizes it.
  const Tensor input = photos(mconv::PreprocessPreset::kPm1, 6);
  auto outs = mconv::test::run_litert_models({{rt.original, {input}}, {rt.exported, {input}}});
  ASSERT_TRUE(outs.ok()) << outs.status().message();
  EXPECT_EQ((*outs)[0].dtype(), DType::kU8);
  expect_bit_exact((*outs)[1], (*outs)[0]);
}

TEST(TfliteImportRoundTrip, FullInt8IsBitExact) {
  MCONV_REQUIRE_LITERT();
  RoundTrip rt;
  ASSERT_NO_FATAL_FAILURE(round_trip("atu_Mobilenet_v3_small_quant.tflite", &rt));
  const Tensor input = photos(mconv::PreprocessPreset::kUnit, 4);
  // XNNPACK in LiteRT.js rejects the original: both files run on the tfjs engine (TFLite's own
  // reference kernels) so the comparison is kernel for kernel.
  auto outs =
      mconv::test::run_litert_models({{rt.original, {input}}, {rt.exported, {input}}}, "tfjs");
  ASSERT_TRUE(outs.ok()) << outs.status().message();
  expect_bit_exact((*outs)[1], (*outs)[0]);
}

TEST(TfliteImportRoundTrip, KerasDynamicRange) {
  MCONV_REQUIRE_LITERT();
  RoundTrip rt;
  ASSERT_NO_FATAL_FAILURE(round_trip("keras_mobilenet_v3_small_int8_dynrange.tflite", &rt));
  std::vector<int> labels;
  const int n = 8;
  const Tensor input = photos(mconv::PreprocessPreset::kKeras, n, &labels);
  auto outs = mconv::test::run_litert_models({{rt.original, {input}}, {rt.exported, {input}}});
  ASSERT_TRUE(outs.ok()) << outs.status().message();
  const Tensor& original = (*outs)[0];
  const Tensor& exported = (*outs)[1];
  ASSERT_EQ(exported.shape(), original.shape());

  if (has_hybrid_weights(rt.bytes)) {
    // Hybrid again: the same LiteRT kernels on the same int8 weights.
    expect_bit_exact(exported, original);
    return;
  }
  // FP32 export of the dequantized weights: tight against mconv's interpreter on the import...
  auto interpreter = mconv::runtime::Interpreter::Create(rt.model.graph);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
  auto ours = (*interpreter)->run({input});
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  const double rel = mconv::test::relative_max_diff((*ours)[0], exported);
  std::printf("keras FP32 re-export vs mconv interpreter: max rel diff %.3g\n", rel);
  EXPECT_LT(rel, 1e-4);
  // ... and loose against the hybrid original.
  int agree = 0;
  for (int i = 0; i < n; ++i)
    agree += argmax(original.data<float>() + i * 1000, 1000) ==
             argmax(exported.data<float>() + i * 1000, 1000);
  std::printf("keras FP32 re-export vs hybrid original: top-1 agreement %d/%d\n", agree, n);
  EXPECT_GE(agree, n - 1);
}

}  // namespace
