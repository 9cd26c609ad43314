// FP16 variants of MobileNetV3-small (shared models dir), end to end:
//  - ONNX flavour (rewrite_for_fp16 kOnnx): the export passes the ONNX checker, ONNX Runtime runs
//  it
//    on the stored input converted to f16 with no NaN/Inf and the same top-1 class as the FP32
//    export on every row, and the file is at most 52% of the FP32 one;
//  - TFLite flavour (fold_batchnorm, rewrite_for_nhwc, then kTflite): LiteRT runs it with outputs
//    within 1e-2 relative of the FP32 .tflite, no NaN, DEQUANTIZE operators present, file at most
//    52% of the FP32 one.
// (It lives with the TFLite tests because this executable links both exporters and ORT.)
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/file_io.h"
#include "core/npy.h"
#include "litert_runner.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "ort/ort_session.h"
#include "passes/fold_batchnorm.h"
#include "passes/rewrite_for_fp16.h"
#include "passes/rewrite_for_nhwc.h"
#include "support/test_support.h"
#include "support/test_tensors.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"

namespace {

using mconv::DType;
using mconv::Tensor;

const char kModel[] = "mobilenet_v3_small_op17";

std::string model_path() {
  return mconv::test::shared_models_dir() + "/" + kModel + ".onnx";
}
std::string input_path() {
  return mconv::test::shared_models_dir() + "/" + kModel + ".input.npy";
}

using mconv::test::argmax;
using mconv::test::batch_row;
using mconv::test::nchw_to_nhwc;

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

std::map<std::string, int> tflite_op_counts(const std::vector<uint8_t>& bytes) {
  std::map<std::string, int> counts;
  const ::tflite::Model* model = ::tflite::GetModel(bytes.data());
  for (const ::tflite::Operator* op : *model->subgraphs()->Get(0)->operators()) {
    const ::tflite::OperatorCode* code = model->operator_codes()->Get(op->opcode_index());
    const int builtin = std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
    ++counts[::tflite::EnumNameBuiltinOperator(static_cast<::tflite::BuiltinOperator>(builtin))];
  }
  return counts;
}

TEST(Fp16Export, OnnxHalfModelRunsInOrtWithFp32Top1) {
  MCONV_REQUIRE_SHARED_FILE(model_path());
  auto model = mconv::onnx::import_onnx_file(model_path());
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto fp32_bytes = mconv::onnx::export_onnx(model->graph);
  ASSERT_TRUE(fp32_bytes.ok()) << fp32_bytes.status().message();

  mconv::ir::Graph half = model->graph.clone();
  auto result = mconv::passes::rewrite_for_fp16(half, mconv::passes::Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_GT(result->changes, 0);
  for (const std::string& w : result->warnings) std::printf("[ fp16 ] warning: %s\n", w.c_str());
  auto fp16_bytes = mconv::onnx::export_onnx(half);
  ASSERT_TRUE(fp16_bytes.ok()) << fp16_bytes.status().message();
  const mconv::Status checked = mconv::onnx::check_onnx_bytes(*fp16_bytes);
  ASSERT_TRUE(checked.ok()) << checked.message();
  const double size_ratio =
      static_cast<double>(fp16_bytes->size()) / static_cast<double>(fp32_bytes->size());
  std::printf("[ fp16 ] onnx: fp32 %zu bytes, fp16 %zu bytes (%.1f%%), %d changes\n",
              fp32_bytes->size(), fp16_bytes->size(), 100.0 * size_ratio, result->changes);
  EXPECT_LE(size_ratio, 0.52);

  auto fp32_session = mconv::ort::OrtSession::LoadBytes(*fp32_bytes);
  ASSERT_TRUE(fp32_session.ok()) << fp32_session.status().message();
  auto fp16_session = mconv::ort::OrtSession::LoadBytes(*fp16_bytes);
  ASSERT_TRUE(fp16_session.ok()) << fp16_session.status().message();
  ASSERT_EQ((*fp16_session)->inputs().at(0).dtype, DType::kF16);
  ASSERT_EQ((*fp16_session)->outputs().at(0).dtype, DType::kF16);

  auto input = mconv::read_npy(input_path());
  ASSERT_TRUE(input.ok()) << input.status().message();
  ASSERT_EQ(input->dim(0), 2);
  for (int64_t row = 0; row < input->dim(0); ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    const Tensor x = batch_row(*input, row);
    auto ref = (*fp32_session)->run({x});
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    auto out = (*fp16_session)->run({x.cast(DType::kF16)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->at(0).dtype(), DType::kF16);
    const std::vector<float> got = out->at(0).to_f32(), want = ref->at(0).to_f32();
    ASSERT_EQ(got.size(), want.size());
    EXPECT_TRUE(all_finite(got));
    EXPECT_EQ(argmax(got), argmax(want));
    const double rel = mconv::test::relative_max_diff(out->at(0), ref->at(0));
    std::printf("[ fp16 ] onnx row %lld: top-1 %lld vs fp32 %lld, max|diff|/max|ref| = %.3g\n",
                static_cast<long long>(row), static_cast<long long>(argmax(got)),
                static_cast<long long>(argmax(want)), rel);
  }
}

TEST(Fp16Export, OnnxKeepIoTypesKeepsFloatSignature) {
  MCONV_REQUIRE_SHARED_FILE(model_path());
  auto model = mconv::onnx::import_onnx_file(model_path());
  ASSERT_TRUE(model.ok()) << model.status().message();
  mconv::passes::Fp16Options options;
  options.keep_io_types = true;
  auto result = mconv::passes::rewrite_for_fp16(model->graph, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  auto bytes = mconv::onnx::export_onnx(model->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_TRUE(mconv::onnx::check_onnx_bytes(*bytes).ok());
  auto session = mconv::ort::OrtSession::LoadBytes(*bytes);
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ((*session)->inputs().at(0).dtype, DType::kF32);
  EXPECT_EQ((*session)->outputs().at(0).dtype, DType::kF32);
  auto input = mconv::read_npy(input_path());
  ASSERT_TRUE(input.ok());
  auto out = (*session)->run({batch_row(*input, 0)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(all_finite(out->at(0).to_f32()));
}

// Dynamic batch: the batch dim stays dynamic and one run of both rows gives FP32's top-1 on each.
// (This export has no integer values left after import; i64 constants are covered in
// tests/passes/fp16_test.cc.)
TEST(Fp16Export, OnnxHalfDynamicBatchRunsBothRowsAtOnce) {
  const std::string models = mconv::test::shared_models_dir();
  const std::string path = models + "/mobilenet_v3_small_op17_dynbatch.onnx";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto model = mconv::onnx::import_onnx_file(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto fp32_bytes = mconv::onnx::export_onnx(model->graph);
  ASSERT_TRUE(fp32_bytes.ok()) << fp32_bytes.status().message();
  auto result = mconv::passes::rewrite_for_fp16(model->graph, mconv::passes::Fp16Options{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  for (const auto& v : model->graph.values()) EXPECT_NE(v->dtype, DType::kF32) << v->name;
  auto fp16_bytes = mconv::onnx::export_onnx(model->graph);
  ASSERT_TRUE(fp16_bytes.ok()) << fp16_bytes.status().message();
  ASSERT_TRUE(mconv::onnx::check_onnx_bytes(*fp16_bytes).ok());
  auto fp32_session = mconv::ort::OrtSession::LoadBytes(*fp32_bytes);
  auto fp16_session = mconv::ort::OrtSession::LoadBytes(*fp16_bytes);
  ASSERT_TRUE(fp32_session.ok() && fp16_session.ok());
  EXPECT_EQ((*fp16_session)->inputs().at(0).shape.at(0), -1);
  auto input = mconv::read_npy(models + "/mobilenet_v3_small_op17_dynbatch.input.npy");
  ASSERT_TRUE(input.ok()) << input.status().message();
  auto ref = (*fp32_session)->run({*input});
  auto out = (*fp16_session)->run({input->cast(DType::kF16)});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->at(0).shape(), ref->at(0).shape());
  const std::vector<float> got = out->at(0).to_f32(), want = ref->at(0).to_f32();
  EXPECT_TRUE(all_finite(got));
  const size_t classes = static_cast<size_t>(ref->at(0).dim(1));
  for (size_t row = 0; row * classes < want.size(); ++row) {
    const std::vector<float> g(got.begin() + row * classes, got.begin() + (row + 1) * classes);
    const std::vector<float> w(want.begin() + row * classes, want.begin() + (row + 1) * classes);
    EXPECT_EQ(argmax(g), argmax(w)) << "row " << row;
  }
}

TEST(Fp16Export, TfliteHalfWeightsMatchFp32InLiteRt) {
  MCONV_REQUIRE_SHARED_FILE(model_path());
  MCONV_REQUIRE_LITERT();
  auto model = mconv::onnx::import_onnx_file(model_path());
  ASSERT_TRUE(model.ok()) << model.status().message();
  mconv::ir::Graph& graph = model->graph;
  ASSERT_TRUE(mconv::passes::fold_batchnorm(graph).ok());
  ASSERT_TRUE(mconv::passes::rewrite_for_nhwc(graph).ok());
  mconv::tflite::TfliteExportOptions prepared;
  prepared.prepare_graph = false;  // already channels-last
  auto fp32_bytes = mconv::tflite::export_tflite(graph, prepared);
  ASSERT_TRUE(fp32_bytes.ok()) << fp32_bytes.status().message();

  mconv::passes::Fp16Options options;
  options.flavour = mconv::passes::Fp16Flavour::kTflite;
  auto result = mconv::passes::rewrite_for_fp16(graph, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->warnings.empty());
  auto fp16_bytes = mconv::tflite::export_tflite(graph, prepared);
  ASSERT_TRUE(fp16_bytes.ok()) << fp16_bytes.status().message();

  flatbuffers::Verifier verifier(fp16_bytes->data(), fp16_bytes->size());
  ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));
  const std::map<std::string, int> ops = tflite_op_counts(*fp16_bytes);
  const int dequantize = ops.count("DEQUANTIZE") ? ops.at("DEQUANTIZE") : 0;
  EXPECT_GT(dequantize, 50);  // every conv filter and bias, the FC weights
  EXPECT_EQ(ops.count("CAST"), 0u);
  const double size_ratio =
      static_cast<double>(fp16_bytes->size()) / static_cast<double>(fp32_bytes->size());
  std::printf("[ fp16 ] tflite: fp32 %zu bytes, fp16 %zu bytes (%.1f%%), %d DEQUANTIZE ops\n",
              fp32_bytes->size(), fp16_bytes->size(), 100.0 * size_ratio, dequantize);
  EXPECT_LE(size_ratio, 0.52);

  const std::string dir = mconv::test::make_temp_dir("fp16_export");
  ASSERT_TRUE(mconv::write_file_atomic(dir + "/fp32.tflite", *fp32_bytes).ok());
  ASSERT_TRUE(mconv::write_file_atomic(dir + "/fp16.tflite", *fp16_bytes).ok());
  auto input = mconv::read_npy(input_path());
  ASSERT_TRUE(input.ok()) << input.status().message();
  ASSERT_TRUE(mconv::write_npy(dir + "/input.nhwc.npy", nchw_to_nhwc(*input)).ok());
  const auto run = mconv::test::run_litert_batch(
      {{dir + "/fp32.tflite", {dir + "/input.nhwc.npy"}, dir + "/fp32"},
       {dir + "/fp16.tflite", {dir + "/input.nhwc.npy"}, dir + "/fp16"}},
      dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  ASSERT_TRUE(run.job_ok[0] && run.job_ok[1]) << run.log;
  auto ref = mconv::read_npy(dir + "/fp32.0.npy");
  auto out = mconv::read_npy(dir + "/fp16.0.npy");
  ASSERT_TRUE(ref.ok() && out.ok());
  ASSERT_EQ(out->shape(), ref->shape());
  EXPECT_EQ(out->dim(0), 2);
  EXPECT_TRUE(all_finite(out->to_f32()));
  const double rel = mconv::test::relative_max_diff(*out, *ref);
  std::printf("[ fp16 ] tflite: LiteRT fp16 vs fp32 max|diff|/max|ref| = %.3g\n", rel);
  EXPECT_LT(rel, 1e-2);
}

}  // namespace
