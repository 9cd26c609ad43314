// ONNX -> IR -> TFLite on every real ONNX model in shared/data/models, run in LiteRT on the
// stored inputs (transposed to NHWC): outputs must match torch's stored outputs within 1e-4
// relative (max abs diff / max |reference|). The files must have no TRANSPOSE op, pass the
// flatbuffer verifier, carry the serving_default signature with the source's names, use float
// op versions and come out byte-identical on a second export. All models run in ONE LiteRT process.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/file_io.h"
#include "core/half.h"
#include "core/npy.h"
#include "litert_runner.h"
#include "onnx/onnx_importer.h"
#include "passes/fold_batchnorm.h"
#include "passes/rewrite_for_nhwc.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "support/test_tensors.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"

namespace {

namespace fs = std::filesystem;
using mconv::Tensor;

using mconv::test::nchw_to_nhwc;

std::string builtin_name(const ::tflite::OperatorCode* code) {
  const int builtin = std::max<int>(code->deprecated_builtin_code(), code->builtin_code());
  return ::tflite::EnumNameBuiltinOperator(static_cast<::tflite::BuiltinOperator>(builtin));
}

// One exported model and what the test learned about it.
struct Exported {
  std::string name;                     // model stem
  std::string tflite_path;              // exported file
  std::string input_npy;                // NHWC inputs
  std::string out_prefix;               // LiteRT outputs
  Tensor reference;                     // torch outputs
  std::vector<uint8_t> bytes;           // the file
  std::string input_name, output_name;  // source graph I/O names
};

class TfliteExportModels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(mconv::test::make_temp_dir("tflite_export_models"));
    models_ = new std::vector<Exported>();
    const std::string models = mconv::test::shared_models_dir();
    if (!fs::exists(models)) return;
    std::vector<std::string> onnx_files;
    for (const auto& entry : fs::directory_iterator(models))
      if (entry.path().extension() == ".onnx") onnx_files.push_back(entry.path().string());
    std::sort(onnx_files.begin(), onnx_files.end());
    for (const std::string& path : onnx_files) {
      Exported e;
      e.name = fs::path(path).stem().string();
      auto model = mconv::onnx::import_onnx_file(path);
      if (!model.ok()) {
        errors_.push_back(e.name + ": import: " + model.status().message());
        continue;
      }
      e.input_name = model->graph.inputs.at(0)->name;
      e.output_name = model->graph.outputs.at(0)->name;
      auto bytes = mconv::tflite::export_tflite(model->graph);
      if (!bytes.ok()) {
        errors_.push_back(e.name + ": export: " + bytes.status().message());
        continue;
      }
      e.bytes = *bytes;
      e.tflite_path = *dir_ + "/" + e.name + ".tflite";
      (void)mconv::write_file_atomic(e.tflite_path, e.bytes);
      auto input = mconv::read_npy(models + "/" + e.name + ".input.npy");
      auto reference = mconv::read_npy(models + "/" + e.name + ".torch_output.npy");
      if (!input.ok() || !reference.ok()) {
        errors_.push_back(e.name + ": missing stored input/output .npy");
        continue;
      }
      e.input_npy = *dir_ + "/" + e.name + ".nhwc.npy";
      (void)mconv::write_npy(e.input_npy, nchw_to_nhwc(*input));
      e.reference = *reference;
      e.out_prefix = *dir_ + "/" + e.name + ".litert";
      models_->push_back(std::move(e));
    }
  }
  static void TearDownTestSuite() {
    delete models_;
    delete dir_;
  }

  static std::string* dir_;
  static std::vector<Exported>* models_;
  static std::vector<std::string> errors_;
};
std::string* TfliteExportModels::dir_ = nullptr;
std::vector<Exported>* TfliteExportModels::models_ = nullptr;
std::vector<std::string> TfliteExportModels::errors_;

TEST_F(TfliteExportModels, EveryOnnxModelExports) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/mobilenet_v2_op13.onnx");
  for (const std::string& e : errors_) ADD_FAILURE() << e;
  EXPECT_EQ(models_->size(), 5u);
}

TEST_F(TfliteExportModels, LiteRtMatchesTorchWithin1e4) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/mobilenet_v2_op13.onnx");
  MCONV_REQUIRE_LITERT();
  ASSERT_FALSE(models_->empty());
  std::vector<mconv::test::LiteRtJob> jobs;
  for (const Exported& e : *models_) jobs.push_back({e.tflite_path, {e.input_npy}, e.out_prefix});
  // One more: MobileNetV2 keeping its NCHW input (one TRANSPOSE at the input), fed the stored
  // NCHW samples as they are.
  const std::string models = mconv::test::shared_models_dir();
  auto v2 = mconv::onnx::import_onnx_file(models + "/mobilenet_v2_op13.onnx");
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  mconv::tflite::TfliteExportOptions keep;
  keep.keep_nchw_input = true;
  const std::string nchw_file = *dir_ + "/mobilenet_v2_op13.nchw.tflite";
  ASSERT_TRUE(mconv::tflite::export_tflite_file(v2->graph, nchw_file, keep).ok());
  jobs.push_back({nchw_file, {models + "/mobilenet_v2_op13.input.npy"}, *dir_ + "/v2_nchw"});
  const auto run = mconv::test::run_litert_batch(jobs, *dir_);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  for (size_t i = 0; i < models_->size(); ++i) {
    const Exported& e = (*models_)[i];
    ASSERT_TRUE(run.job_ok[i]) << e.name << "\n" << run.log;
    auto out = mconv::read_npy(e.out_prefix + ".0.npy");
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->shape(), e.reference.shape()) << e.name;
    const double rel = mconv::test::relative_max_diff(*out, e.reference);
    EXPECT_LE(rel, 1e-4) << e.name;
    std::printf("[ litert ] %s: max|diff|/max|ref| = %.3g over %lld outputs\n", e.name.c_str(), rel,
                static_cast<long long>(out->element_count()));
  }
  ASSERT_TRUE(run.job_ok.back()) << run.log;
  auto nchw_out = mconv::read_npy(*dir_ + "/v2_nchw.0.npy");
  auto reference = mconv::read_npy(models + "/mobilenet_v2_op13.torch_output.npy");
  ASSERT_TRUE(nchw_out.ok() && reference.ok());
  const double rel = mconv::test::relative_max_diff(*nchw_out, *reference);
  EXPECT_LE(rel, 1e-4);
  std::printf("[ litert ] mobilenet_v2_op13 (NCHW input kept): max|diff|/max|ref| = %.3g\n", rel);
}

TEST_F(TfliteExportModels, FilesAreValidTransposeFreeAndSigned) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/mobilenet_v2_op13.onnx");
  ASSERT_FALSE(models_->empty());
  for (const Exported& e : *models_) {
    SCOPED_TRACE(e.name);
    flatbuffers::Verifier verifier(e.bytes.data(), e.bytes.size());
    ASSERT_TRUE(::tflite::VerifyModelBuffer(verifier));
    ASSERT_TRUE(::tflite::ModelBufferHasIdentifier(e.bytes.data()));
    const ::tflite::Model* model = ::tflite::GetModel(e.bytes.data());
    EXPECT_EQ(model->version(), 3u);
    // Buffer 0 is the empty sentinel.
    ASSERT_GT(model->buffers()->size(), 1u);
    EXPECT_TRUE(!model->buffers()->Get(0)->data() || model->buffers()->Get(0)->data()->size() == 0);

    std::map<std::string, int> op_counts;
    const auto* sg = model->subgraphs()->Get(0);
    for (const ::tflite::Operator* op : *sg->operators())
      ++op_counts[builtin_name(model->operator_codes()->Get(op->opcode_index()))];
    EXPECT_EQ(op_counts.count("TRANSPOSE"), 0u);
    EXPECT_GT(op_counts["CONV_2D"], 10);
    EXPECT_GT(op_counts["DEPTHWISE_CONV_2D"], 5);
    EXPECT_EQ(op_counts["FULLY_CONNECTED"], e.name.find("v2") != std::string::npos ? 1 : 2);
    EXPECT_EQ(op_counts.count("RELU"), 0u) << "ReLUs should be fused into their producers";
    if (e.name.find("v3") != std::string::npos) EXPECT_GT(op_counts["HARD_SWISH"], 5);

    // Float model: every op at version 1 (the lowest), codes consistent in both fields.
    for (const ::tflite::OperatorCode* code : *model->operator_codes()) {
      EXPECT_EQ(code->version(), 1) << builtin_name(code);
      EXPECT_EQ(code->deprecated_builtin_code(), code->builtin_code()) << builtin_name(code);
    }

    // Input NHWC [1,224,224,3], output [1,1000], signature with the source's names.
    ASSERT_EQ(sg->inputs()->size(), 1u);
    const ::tflite::Tensor* in = sg->tensors()->Get(sg->inputs()->Get(0));
    EXPECT_EQ(std::vector<int>(in->shape()->begin(), in->shape()->end()),
              (std::vector<int>{1, 224, 224, 3}));
    const bool dynamic = e.name.find("dynbatch") != std::string::npos;
    if (dynamic) {
      ASSERT_NE(in->shape_signature(), nullptr);
      EXPECT_EQ(in->shape_signature()->Get(0), -1);
    }
    ASSERT_NE(model->signature_defs(), nullptr);
    ASSERT_EQ(model->signature_defs()->size(), 1u);
    const auto* sig = model->signature_defs()->Get(0);
    EXPECT_EQ(sig->signature_key()->str(), "serving_default");
    ASSERT_EQ(sig->inputs()->size(), 1u);
    EXPECT_EQ(sig->inputs()->Get(0)->name()->str(), e.input_name);
    EXPECT_EQ(sig->inputs()->Get(0)->tensor_index(), sg->inputs()->Get(0));
    ASSERT_EQ(sig->outputs()->size(), 1u);
    EXPECT_EQ(sig->outputs()->Get(0)->name()->str(), e.output_name);
    EXPECT_EQ(sig->outputs()->Get(0)->tensor_index(), sg->outputs()->Get(0));
  }
}

TEST_F(TfliteExportModels, ExportIsDeterministic) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/mobilenet_v3_small_op13.onnx");
  auto model = mconv::onnx::import_onnx_file(mconv::test::shared_models_dir() +
                                             "/mobilenet_v3_small_op13.onnx");
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto first = mconv::tflite::export_tflite(model->graph);
  auto second = mconv::tflite::export_tflite(model->graph);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first == *second);
}

TEST_F(TfliteExportModels, KeepNchwInputAddsExactlyOneTranspose) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/mobilenet_v2_op13.onnx");
  auto model =
      mconv::onnx::import_onnx_file(mconv::test::shared_models_dir() + "/mobilenet_v2_op13.onnx");
  ASSERT_TRUE(model.ok()) << model.status().message();
  mconv::tflite::TfliteExportOptions options;
  options.keep_nchw_input = true;
  auto bytes = mconv::tflite::export_tflite(model->graph, options);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const ::tflite::Model* m = ::tflite::GetModel(bytes->data());
  const auto* sg = m->subgraphs()->Get(0);
  int transposes = 0;
  for (const ::tflite::Operator* op : *sg->operators())
    transposes += builtin_name(m->operator_codes()->Get(op->opcode_index())) == "TRANSPOSE";
  EXPECT_EQ(transposes, 1);
  const ::tflite::Tensor* in = sg->tensors()->Get(sg->inputs()->Get(0));
  EXPECT_EQ(std::vector<int>(in->shape()->begin(), in->shape()->end()),
            (std::vector<int>{1, 3, 224, 224}));
}

// Stores every Conv/Gemm weight and bias as float16 behind a Cast to f32: the graph form the
// exporter turns into float16 buffers + DEQUANTIZE (what passes/rewrite_for_fp16's TFLite flavour
// produces; built here directly so the test pins the exporter's side of that contract).
void store_weights_as_fp16(mconv::ir::Graph& g) {
  std::vector<mconv::ir::Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  for (mconv::ir::Node* node : nodes) {
    if (node->op != mconv::ir::OpType::kConv && node->op != mconv::ir::OpType::kGemm) continue;
    for (size_t i = 1; i < node->inputs.size() && i <= 2; ++i) {
      mconv::ir::Value* w = node->inputs[i];
      if (!w || !w->is_constant() || w->constant->dtype() != mconv::DType::kF32) continue;
      Tensor half(mconv::DType::kF16, w->constant->shape());
      const std::vector<float> values = w->constant->to_f32();
      for (size_t k = 0; k < values.size(); ++k)
        half.data<uint16_t>()[k] = mconv::float_to_half(values[k]);
      mconv::ir::Value* stored = g.add_constant(w->name + "_fp16", std::move(half));
      mconv::ir::Value* widened = g.add_value(w->name + "_f32", mconv::DType::kF32, w->shape);
      mconv::ir::Node* cast =
          g.add_node(mconv::ir::OpType::kCast, w->name + "_cast", {stored}, {widened});
      cast->attrs.set("to", static_cast<int64_t>(mconv::DType::kF32));
      g.set_input(node, i, widened);
    }
  }
  ASSERT_TRUE(g.topological_sort().ok());
  g.remove_dead();
}

// FP16 weights (f16 constants behind Casts, on the channels-last graph): every Conv/Gemm weight
// becomes a float16 buffer read through DEQUANTIZE; the file is about half the size and
// LiteRT matches the reference interpreter running the same f16-rounded weights within 1e-4.
TEST_F(TfliteExportModels, Fp16WeightsExportAsDequantize) {
  const std::string models = mconv::test::shared_models_dir();
  MCONV_REQUIRE_SHARED_FILE(models + "/mobilenet_v3_small_op13.onnx");
  MCONV_REQUIRE_LITERT();
  auto model = mconv::onnx::import_onnx_file(models + "/mobilenet_v3_small_op13.onnx");
  ASSERT_TRUE(model.ok()) << model.status().message();
  mconv::ir::Graph& g = model->graph;
  ASSERT_TRUE(mconv::passes::fold_batchnorm(g).ok());
  ASSERT_TRUE(mconv::passes::rewrite_for_nhwc(g).ok());
  ASSERT_NO_FATAL_FAILURE(store_weights_as_fp16(g));

  auto bytes = mconv::tflite::export_tflite(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const ::tflite::Model* m = ::tflite::GetModel(bytes->data());
  std::map<std::string, int> ops;
  for (const ::tflite::Operator* op : *m->subgraphs()->Get(0)->operators())
    ++ops[builtin_name(m->operator_codes()->Get(op->opcode_index()))];
  EXPECT_EQ(ops.count("CAST"), 0u);
  EXPECT_EQ(ops.count("TRANSPOSE"), 0u);
  EXPECT_GE(ops["DEQUANTIZE"], 2 * (ops["CONV_2D"] + ops["DEPTHWISE_CONV_2D"]));
  int half_tensors = 0;
  for (const ::tflite::Tensor* t : *m->subgraphs()->Get(0)->tensors())
    half_tensors += t->type() == ::tflite::TensorType_FLOAT16;
  EXPECT_EQ(half_tensors, ops["DEQUANTIZE"]);
  for (const ::tflite::OperatorCode* code : *m->operator_codes())
    if (builtin_name(code) == "DEQUANTIZE") EXPECT_EQ(code->version(), 3);
  const auto fp32 = std::find_if(models_->begin(), models_->end(), [](const Exported& e) {
    return e.name == "mobilenet_v3_small_op13";
  });
  ASSERT_NE(fp32, models_->end());
  EXPECT_LT(bytes->size(), fp32->bytes.size() * 6 / 10);
  std::printf("[ fp16 ] file %zu bytes vs fp32 %zu bytes, %d DEQUANTIZE ops\n", bytes->size(),
              fp32->bytes.size(), ops["DEQUANTIZE"]);

  // Reference: the interpreter on the same fp16-weight graph, sample by sample.
  auto input = mconv::read_npy(fp32->input_npy);
  ASSERT_TRUE(input.ok());
  auto interp = mconv::runtime::Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  const std::string file = *dir_ + "/mobilenet_v3_small_op13.fp16.tflite";
  ASSERT_TRUE(mconv::write_file_atomic(file, *bytes).ok());
  const auto run =
      mconv::test::run_litert_batch({{file, {fp32->input_npy}, *dir_ + "/fp16"}}, *dir_);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  auto litert = mconv::read_npy(*dir_ + "/fp16.0.npy");
  ASSERT_TRUE(litert.ok());
  const int64_t per_sample = 224 * 224 * 3;
  const std::vector<float> all = input->to_f32();
  const std::vector<float> got = litert->to_f32();
  const std::vector<float> torch = fp32->reference.to_f32();
  for (int i = 0; i < 2; ++i) {
    Tensor one = Tensor::FromVector(
        mconv::DType::kF32, {1, 224, 224, 3},
        std::vector<float>(all.begin() + i * per_sample, all.begin() + (i + 1) * per_sample));
    auto ref = (*interp)->run({one});
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    Tensor row = Tensor::FromVector(
        mconv::DType::kF32, {1, 1000},
        std::vector<float>(got.begin() + i * 1000, got.begin() + (i + 1) * 1000));
    const double rel = mconv::test::relative_max_diff(row, (*ref)[0]);
    EXPECT_LE(rel, 1e-4);
    // Against torch (FP32 weights) the FP16 rounding shows, but stays small.
    Tensor torch_row = Tensor::FromVector(
        mconv::DType::kF32, {1, 1000},
        std::vector<float>(torch.begin() + i * 1000, torch.begin() + (i + 1) * 1000));
    const double vs_torch = mconv::test::relative_max_diff(row, torch_row);
    EXPECT_LE(vs_torch, 2e-2);
    std::printf("[ litert ] fp16 sample %d: vs interpreter %.3g, vs torch fp32 %.3g\n", i, rel,
                vs_torch);
  }
}

}  // namespace
