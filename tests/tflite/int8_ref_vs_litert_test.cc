// The reference interpreter's integer kernels against TFLite itself on 20 real photos: every
// quantized output code must be within 1 LSB of TFLite's and the top-1 class the same. Three
// files: Google's QAT uint8 MobileNetV3-Small (LiteRT.js runs it; IntegerRounding::kLiteRt),
// Google's TF-Hub full-int8 one (XNNPACK refuses it, so the runner's `auto` engine falls back to
// tfjs-tflite, an older TFLite with classic double rounding; kDouble), and torchvision's
// MobileNetV3-Small converted by `mconv convert --precision int8` (LiteRT through XNNPACK;
// kLiteRt). The other roundings are run too and their differences printed, as a measurement.
//
// Disabled diagnostics (run with --gtest_also_run_disabled_tests) compare every intermediate
// tensor: for the two Google files by patching the file's output index to each operator output
// (chained and isolated differences per operator); for an int8 file with float I/O
// (MCONV_LAYER_MODEL) by re-exporting the imported graph with a DequantizeLinear probe on each
// node output, since LiteRT.js refuses int8 output tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "core/file_io.h"
#include "core/npy.h"
#include "data/dataset.h"
#include "runtime/interpreter.h"
#include "support/test_tensors.h"
#include "support/test_support.h"
#include "tflite/litert_runner.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"

namespace {

using mconv::DType;
using mconv::Tensor;
namespace fb = ::tflite;

// One of the two real quantized models and how its inputs are made.
struct QuantModel {
  std::string file;                          // in shared/data/models, or an absolute path
  mconv::PreprocessPreset preset;            // image preprocessing its input expects
  const char* engine;                        // LiteRT runner engine that accepts it
  mconv::runtime::IntegerRounding rounding;  // requantization of the TFLite build behind it
};

const QuantModel kTfHubInt8{"atu_Mobilenet_v3_small_quant.tflite", mconv::PreprocessPreset::kUnit,
                            "auto", mconv::runtime::IntegerRounding::kDouble};
const QuantModel kQatUint8{"atu_v3-small_224_1.0_uint8.tflite", mconv::PreprocessPreset::kU8,
                           "litert", mconv::runtime::IntegerRounding::kLiteRt};

constexpr int kImages = 20;

// The first `n` images of the shared folder (sorted by name), preprocessed for `preset`.
Tensor load_images(mconv::PreprocessPreset preset, int n) {
  auto images = mconv::list_image_folder(mconv::test::shared_images_dir());
  EXPECT_TRUE(images.ok()) << images.status().message();
  if (!images.ok()) return Tensor();
  auto chosen = mconv::select_images(images.value(), 0, static_cast<size_t>(n));
  EXPECT_TRUE(chosen.ok()) << chosen.status().message();
  if (!chosen.ok()) return Tensor();
  auto batch = mconv::load_image_batch(
      chosen.value(), mconv::make_preprocess(preset, mconv::ImageLayout::kNHWC), 2);
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(batch).value() : Tensor();
}

using mconv::test::argmax;
using mconv::test::batch_row;

// Runs LiteRT jobs with the given engine in one Node process; fails the test on any job error.
void run_litert(const std::vector<mconv::test::LiteRtJob>& jobs, const std::string& work,
                const char* engine) {
  const std::string list = work + "/jobs.tsv";
  {
    std::ofstream out(list);
    for (const auto& job : jobs) {
      out << job.model << '\t' << job.out_prefix;
      for (const auto& in : job.inputs) out << '\t' << in;
      out << '\n';
    }
  }
  const std::string command =
      "MCONV_LITERT_HOME='" + mconv::test::litert_home() +
      "' node --experimental-wasm-relaxed-simd '" + mconv::test::litert_source_dir() +
      "/tools/litert/mconv_litert.mjs' batch '" + list + "' --engine " + engine;
  mconv::test::CommandResult r = mconv::test::run_command(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// Max |a - b| in units of `scale` (codes when scale is 1) and how many elements differ at all.
struct Diff {
  double max_lsb = 0;  // largest difference in output quanta
  int64_t differ = 0;  // elements not equal
  int64_t total = 0;   // elements compared
};

Diff lsb_diff(const std::vector<float>& a, const std::vector<float>& b, float scale) {
  Diff d;
  d.total = static_cast<int64_t>(a.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double lsb = std::abs(static_cast<double>(a[i]) - b[i]) / scale;
    d.max_lsb = std::max(d.max_lsb, lsb);
    if (lsb > 0.5) ++d.differ;
  }
  return d;
}

// Codes -> real values with per-tensor parameters.
std::vector<float> dequantize_codes(const Tensor& t, const mconv::ir::QuantParams& q) {
  std::vector<float> out;
  for (int64_t c : t.to_i64()) out.push_back(q.scale[0] * static_cast<float>(c - q.zero_point[0]));
  return out;
}

struct Loaded {
  std::string path;                                     // the model file
  mconv::ir::Model model;                               // imported IR
  std::unique_ptr<mconv::runtime::Interpreter> interp;  // reference interpreter over it
};

void load(const QuantModel& m, Loaded* out) {
  mconv::runtime::InterpreterOptions options;
  options.integer_rounding = m.rounding;
  out->path = m.file[0] == '/' ? m.file : mconv::test::shared_models_dir() + "/" + m.file;
  auto model = mconv::tflite::import_tflite_file(out->path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  out->model = std::move(model).value();
  auto interp = mconv::runtime::Interpreter::Create(out->model.graph, options);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  out->interp = std::move(interp).value();
}

// The output's quantization step: the output itself when quantized, else the input of the
// DEQUANTIZE the float output comes from (the TF-Hub model's float output).
float output_lsb(const mconv::ir::Graph& g) {
  const mconv::ir::Value* out = g.outputs[0];
  if (out->quant) return out->quant->scale[0];
  // A float tail (mconv's int8 export keeps Softmax in float) is measured on the grid of the
  // quantized value it starts from.
  for (const mconv::ir::Value* v = out; v && v->producer && !v->producer->inputs.empty();
       v = v->producer->inputs[0]) {
    if (v->producer->op != mconv::ir::OpType::kDequantizeLinear) continue;
    const mconv::ir::Value* q = v->producer->inputs[0];
    if (q->quant) return q->quant->scale[0];
  }
  ADD_FAILURE() << "cannot find the quantization of output '" << out->name << "'";
  return 1.0f;
}

// Float preprocessed images for an integer model input (--io int8/uint8 exports): quantized
// with the input's parameters, rounding half away from zero; other inputs pass through.
Tensor input_codes(const mconv::ir::Graph& g, Tensor images) {
  const mconv::ir::Value* in = g.inputs[0];
  if (images.dtype() != DType::kF32 || !in->quant ||
      (in->dtype != DType::kI8 && in->dtype != DType::kU8))
    return images;
  const float scale = in->quant->scale[0];
  const int64_t zp = in->quant->zero_point[0];
  const int64_t lo = in->dtype == DType::kI8 ? -128 : 0, hi = lo + 255;
  std::vector<int64_t> codes;
  for (float x : images.to_f32())
    codes.push_back(std::clamp<int64_t>(std::llround(x / scale) + zp, lo, hi));
  return Tensor::FromVector<int64_t>(DType::kI64, images.shape(), codes).cast(in->dtype);
}

const char* rounding_name(mconv::runtime::IntegerRounding r) {
  switch (r) {
    case mconv::runtime::IntegerRounding::kLiteRt:
      return "litert";
    case mconv::runtime::IntegerRounding::kSingle:
      return "single";
    case mconv::runtime::IntegerRounding::kDouble:
      return "double";
  }
  return "?";
}

// Runs the model on kImages photos in TFLite and in the interpreter with every IntegerRounding.
// The rounding of the TFLite build behind the engine must match within 1 LSB and on top-1; the
// others are printed, as a measurement of what the rounding conventions change.
void compare_on_images(const QuantModel& m) {
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(m, &l));
  const Tensor images = input_codes(l.model.graph, load_images(m.preset, kImages));
  ASSERT_EQ(images.rank(), 4);
  const std::string work = mconv::test::make_temp_dir("int8_ref_vs_litert");
  ASSERT_TRUE(mconv::write_npy(work + "/images.npy", images).ok());
  ASSERT_NO_FATAL_FAILURE(
      run_litert({{l.path, {work + "/images.npy"}, work + "/litert"}}, work, m.engine));
  auto litert = mconv::read_npy(work + "/litert.0.npy");
  ASSERT_TRUE(litert.ok()) << litert.status().message();
  const Tensor& expected = litert.value();
  ASSERT_EQ(expected.dim(0), kImages);
  const int64_t classes = expected.element_count() / kImages;
  const float lsb = output_lsb(l.model.graph);
  const std::vector<float> all_expected = expected.to_f32();
  for (auto rounding :
       {mconv::runtime::IntegerRounding::kLiteRt, mconv::runtime::IntegerRounding::kSingle,
        mconv::runtime::IntegerRounding::kDouble}) {
    const bool checked = rounding == m.rounding;
    mconv::runtime::InterpreterOptions options;
    options.integer_rounding = rounding;
    auto interp = mconv::runtime::Interpreter::Create(l.model.graph, options);
    ASSERT_TRUE(interp.ok()) << interp.status().message();
    double worst = 0;
    int64_t differ = 0, same_top1 = 0;
    for (int i = 0; i < kImages; ++i) {
      auto outputs = interp.value()->run({batch_row(images, i)});
      ASSERT_TRUE(outputs.ok()) << outputs.status().message();
      const std::vector<float> got = outputs.value()[0].to_f32();
      const std::vector<float> want(all_expected.begin() + i * classes,
                                    all_expected.begin() + (i + 1) * classes);
      ASSERT_EQ(got.size(), want.size());
      const Diff d = lsb_diff(got, want, outputs.value()[0].dtype() == DType::kF32 ? lsb : 1.0f);
      worst = std::max(worst, d.max_lsb);
      differ += d.differ;
      same_top1 += argmax(got) == argmax(want);
      if (!checked) continue;
      EXPECT_LE(d.max_lsb, 1.0 + 1e-3) << m.file << " image " << i;
      EXPECT_EQ(argmax(got), argmax(want)) << m.file << " image " << i;
    }
    std::printf(
        "%s vs %s engine, rounding %-6s%s: %d images, max |ref - TFLite| = %.3g LSB, %lld of "
        "%lld outputs differ, top-1 equal on %lld\n",
        m.file.c_str(), m.engine, rounding_name(rounding), checked ? " (checked)" : "", kImages,
        worst, static_cast<long long>(differ), static_cast<long long>(kImages * classes),
        static_cast<long long>(same_top1));
  }
}

TEST(Int8RefVsLiteRt, TfHubFullInt8MatchesWithinOneLsb) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/" + kTfHubInt8.file);
  MCONV_REQUIRE_LITERT();
  compare_on_images(kTfHubInt8);
}

// mconv's own int8 TFLite (torchvision MobileNetV3-Small calibrated on 50 photos, written by
// `mconv convert --precision int8`): LiteRT runs it through XNNPACK, which the kLiteRt rounding
// follows.
TEST(Int8RefVsLiteRt, MconvInt8ExportMatchesWithinOneLsb) {
  const std::string onnx = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
  MCONV_REQUIRE_SHARED_FILE(onnx);
  MCONV_REQUIRE_LITERT();
  const std::string dir = mconv::test::make_temp_dir("int8_export_ref_vs_litert");
  const std::string out = dir + "/mobilenet_v3_small_int8.tflite";
  mconv::test::CommandResult r =
      mconv::test::run_command("'" + mconv::test::mconv_binary() + "' convert '" + onnx + "' -o '" +
                               out + "' --precision int8 --integer-only --calib '" +
                               mconv::test::shared_images_dir() + "' --calib-count 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  compare_on_images(
      {out, mconv::PreprocessPreset::kTorch, "litert", mconv::runtime::IntegerRounding::kLiteRt});
}

// mconv's int8 export with uint8 inputs and outputs (--io uint8): QUANTIZE uint8 <-> int8 at
// the ends.
TEST(Int8RefVsLiteRt, MconvUint8IoExportMatchesWithinOneLsb) {
  const std::string onnx = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
  MCONV_REQUIRE_SHARED_FILE(onnx);
  MCONV_REQUIRE_LITERT();
  const std::string dir = mconv::test::make_temp_dir("int8_u8io_ref_vs_litert");
  const std::string out = dir + "/mobilenet_v3_small_int8_u8io.tflite";
  mconv::test::CommandResult r =
      mconv::test::run_command("'" + mconv::test::mconv_binary() + "' convert '" + onnx + "' -o '" +
                               out + "' --precision int8 --integer-only --io uint8 --calib '" +
                               mconv::test::shared_images_dir() + "' --calib-count 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  compare_on_images(
      {out, mconv::PreprocessPreset::kTorch, "litert", mconv::runtime::IntegerRounding::kLiteRt});
}

// The same for the Keras MobileNetV3-Small of the precision table (the dynamic-range file,
// dequantized, converted to int8 with the keras preset).
TEST(Int8RefVsLiteRt, MconvInt8KerasExportMatchesWithinOneLsb) {
  const std::string source =
      mconv::test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(source);
  MCONV_REQUIRE_LITERT();
  const std::string dir = mconv::test::make_temp_dir("int8_keras_ref_vs_litert");
  const std::string out = dir + "/keras_mobilenet_v3_small_int8.tflite";
  mconv::test::CommandResult r =
      mconv::test::run_command("'" + mconv::test::mconv_binary() + "' convert '" + source +
                               "' -o '" + out + "' --precision int8 --integer-only --calib '" +
                               mconv::test::shared_images_dir() + "' --calib-count 50");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  compare_on_images(
      {out, mconv::PreprocessPreset::kKeras, "litert", mconv::runtime::IntegerRounding::kLiteRt});
}

TEST(Int8RefVsLiteRt, QatUint8MatchesWithinOneLsb) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/" + kQatUint8.file);
  MCONV_REQUIRE_LITERT();
  compare_on_images(kQatUint8);
}

// Op of the IR node computing `name`, and of the node feeding it when that is a split-off
// fused activation.
std::string ir_op_name(const mconv::ir::Graph& g, const std::string& name) {
  const mconv::ir::Value* v = g.find_value(name);
  if (!v || !v->producer) return "?";
  std::string op(mconv::ir::op_name(v->producer->op));
  const mconv::ir::Value* in = v->producer->inputs.empty() ? nullptr : v->producer->inputs[0];
  if (in && in->producer && in->name.size() > 8 &&
      in->name.compare(in->name.size() - 8, 8, "/pre_act") == 0)
    op = std::string(mconv::ir::op_name(in->producer->op)) + "+" + op;
  return op;
}

// Per-operator diagnostic: every operator output of the file becomes the model output in turn.
void per_layer(const QuantModel& m) {
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(m, &l));
  // MCONV_LAYER_IMAGE=k picks the k-th image (default the first).
  const char* pick = std::getenv("MCONV_LAYER_IMAGE");
  const int index = pick ? std::atoi(pick) : 0;
  const Tensor image = batch_row(load_images(m.preset, index + 1), index);
  const std::string work = mconv::test::make_temp_dir("int8_layers");
  ASSERT_TRUE(mconv::write_npy(work + "/image.npy", image).ok());
  std::vector<std::pair<std::string, Tensor>> captured;
  auto outputs = l.interp->run_capturing({image}, &captured);
  ASSERT_TRUE(outputs.ok()) << outputs.status().message();
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : captured) by_name[name] = &t;

  auto bytes = mconv::read_file_bytes(l.path);
  ASSERT_TRUE(bytes.ok());
  const fb::Model* model = fb::GetModel(bytes.value().data());
  const fb::SubGraph* sg = model->subgraphs()->Get(0);
  ASSERT_EQ(sg->outputs()->size(), 1u);
  const size_t output_slot =
      reinterpret_cast<const uint8_t*>(sg->outputs()->Data()) - bytes.value().data();
  std::vector<mconv::test::LiteRtJob> jobs;
  std::vector<std::string> names;
  for (uint32_t k = 0; k < sg->operators()->size(); ++k) {
    const int32_t t = sg->operators()->Get(k)->outputs()->Get(0);
    std::vector<uint8_t> patched = bytes.value();
    std::memcpy(patched.data() + output_slot, &t, sizeof(t));
    const std::string file = work + "/op" + std::to_string(k) + ".tflite";
    ASSERT_TRUE(mconv::write_file_atomic(file, patched).ok());
    jobs.push_back({file, {work + "/image.npy"}, work + "/op" + std::to_string(k)});
    names.push_back(sg->tensors()->Get(t)->name()->str());
  }
  ASSERT_NO_FATAL_FAILURE(run_litert(jobs, work, m.engine));
  std::map<std::string, Tensor> litert;  // every operator output as TFLite computed it
  for (size_t k = 0; k < jobs.size(); ++k) {
    auto t = mconv::read_npy(jobs[k].out_prefix + ".0.npy");
    ASSERT_TRUE(t.ok()) << t.status().message();
    litert[names[k]] = std::move(t).value();
  }
  // Isolated: the IR nodes computing op k, fed with TFLite's own values of the op's inputs, so
  // a difference belongs to this op's kernel and not to its predecessors.
  const mconv::ir::Graph& g = l.model.graph;
  auto isolated = [&](const std::string& name) -> mconv::Expected<Tensor> {
    std::map<const mconv::ir::Value*, Tensor> memo;
    std::function<mconv::Expected<Tensor>(const mconv::ir::Value*, bool)> eval =
        [&](const mconv::ir::Value* v, bool top) -> mconv::Expected<Tensor> {
      if (v->is_constant()) return *v->constant;
      if (!top) {
        if (auto it = litert.find(v->name); it != litert.end()) return it->second;
        if (v->name == g.inputs[0]->name) return image;
      }
      if (auto it = memo.find(v); it != memo.end()) return it->second;
      if (!v->producer) return mconv::Status::Error("no producer for " + v->name);
      std::vector<Tensor> args;
      args.reserve(v->producer->inputs.size());
      for (const mconv::ir::Value* in : v->producer->inputs) {
        if (!in) {
          args.emplace_back();
          continue;
        }
        MCONV_ASSIGN_OR_RETURN(Tensor t, eval(in, false));
        args.push_back(std::move(t));
      }
      std::vector<const Tensor*> ptrs;
      for (size_t i = 0; i < args.size(); ++i)
        ptrs.push_back(v->producer->inputs[i] ? &args[i] : nullptr);
      MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> outs,
                             mconv::runtime::evaluate_node(*v->producer, ptrs, m.rounding));
      for (size_t i = 0; i < outs.size(); ++i) memo[v->producer->outputs[i]] = outs[i];
      return memo[v];
    };
    const mconv::ir::Value* v = g.find_value(name);
    if (!v) return mconv::Status::Error("no IR value " + name);
    return eval(v, true);
  };
  for (size_t k = 0; k < jobs.size(); ++k) {
    const Tensor& want = litert[names[k]];
    auto it = by_name.find(names[k]);
    auto alone = isolated(names[k]);
    if (it == by_name.end() || !alone.ok()) {
      std::printf("op %zu %s: not captured\n", k, names[k].c_str());
      continue;
    }
    const Diff chained = lsb_diff(it->second->to_f32(), want.to_f32(), 1.0f);
    const Diff own = lsb_diff(alone.value().to_f32(), want.to_f32(), 1.0f);
    if (std::getenv("MCONV_LAYER_VERBOSE")) {
      const std::vector<float> x = alone.value().to_f32(), y = want.to_f32();
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i] != y[i]) std::printf("  [%zu] ref %g tflite %g\n", i, x[i], y[i]);
    }
    std::printf(
        "op %3zu %-14s chained: max %4.3g differ %6lld | isolated: max %4.3g differ %6lld / %lld\n",
        k, ir_op_name(g, names[k]).c_str(), chained.max_lsb, static_cast<long long>(chained.differ),
        own.max_lsb, static_cast<long long>(own.differ), static_cast<long long>(own.total));
  }
}

TEST(Int8RefVsLiteRt, DISABLED_PerLayerQatUint8) {
  MCONV_REQUIRE_LITERT();
  per_layer(kQatUint8);
}

TEST(Int8RefVsLiteRt, DISABLED_PerLayerTfHubInt8) {
  MCONV_REQUIRE_LITERT();
  per_layer(kTfHubInt8);
}

// Per-node diagnostic for an int8 file with float I/O that LiteRT runs through XNNPACK (whose
// API refuses int8 outputs, so the output index cannot simply be patched): for every quantized
// node output, the imported graph gets a DequantizeLinear probe as its only output and is written
// again with mconv's exporter; LiteRT's dequantized values are compared with the interpreter's.
// MCONV_LAYER_MODEL=path.tflite, MCONV_LAYER_PRESET=torch|keras|unit|pm1|u8 (default torch),
// MCONV_LAYER_ROUNDING=litert|single|double.
TEST(Int8RefVsLiteRt, DISABLED_PerNodeInt8Export) {
  MCONV_REQUIRE_LITERT();
  const char* path = std::getenv("MCONV_LAYER_MODEL");
  if (!path) GTEST_SKIP() << "set MCONV_LAYER_MODEL";
  const char* rounding_env = std::getenv("MCONV_LAYER_ROUNDING");
  const std::string rounding_name_env = rounding_env ? rounding_env : "litert";
  const auto rounding = rounding_name_env == "double"   ? mconv::runtime::IntegerRounding::kDouble
                        : rounding_name_env == "single" ? mconv::runtime::IntegerRounding::kSingle
                                                        : mconv::runtime::IntegerRounding::kLiteRt;
  const char* preset_env = std::getenv("MCONV_LAYER_PRESET");
  auto preset = mconv::preset_from_name(preset_env ? preset_env : "torch");
  ASSERT_TRUE(preset.ok()) << preset.status().message();
  const QuantModel m{path, preset.value(), "litert", rounding};
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(m, &l));
  const Tensor image = load_images(m.preset, 1);
  const std::string work = mconv::test::make_temp_dir("int8_nodes");
  ASSERT_TRUE(mconv::write_npy(work + "/image.npy", image).ok());
  std::vector<std::pair<std::string, Tensor>> captured;
  ASSERT_TRUE(l.interp->run_capturing({image}, &captured).ok());
  const mconv::ir::Graph& g = l.model.graph;
  std::vector<mconv::test::LiteRtJob> jobs;
  std::vector<std::pair<std::string, Tensor>> probes;  // value name, interpreter codes
  for (const auto& [name, t] : captured) {
    const mconv::ir::Value* v = g.find_value(name);
    if (!v || !v->quant || (t.dtype() != DType::kI8 && t.dtype() != DType::kU8)) continue;
    mconv::ir::Graph probe = g.clone();
    mconv::ir::Value* target = probe.find_value(name);
    mconv::ir::Value* scale = probe.add_constant(
        name + "/probe_scale", Tensor::FromVector<float>(DType::kF32, {}, {v->quant->scale[0]}));
    mconv::ir::Value* zp = probe.add_constant(
        name + "/probe_zp",
        Tensor::FromVector<int64_t>(DType::kI64, {}, {v->quant->zero_point[0]}).cast(t.dtype()));
    mconv::ir::Value* real =
        probe.add_value(name + "/probe", DType::kF32, target->shape, target->has_shape);
    probe.add_node(mconv::ir::OpType::kDequantizeLinear, name + "/probe_dq", {target, scale, zp},
                   {real});
    probe.outputs = {real};
    probe.remove_dead();
    mconv::tflite::TfliteExportOptions options;
    options.prepare_graph = false;
    const std::string file = work + "/probe" + std::to_string(jobs.size()) + ".tflite";
    const mconv::Status st = mconv::tflite::export_tflite_file(probe, file, options);
    if (!st.ok()) {
      std::printf("%s: export failed: %s\n", name.c_str(), st.message().c_str());
      continue;
    }
    jobs.push_back({file, {work + "/image.npy"}, work + "/probe" + std::to_string(jobs.size())});
    probes.emplace_back(name, t);
  }
  ASSERT_NO_FATAL_FAILURE(run_litert(jobs, work, m.engine));
  for (size_t k = 0; k < jobs.size(); ++k) {
    auto want = mconv::read_npy(jobs[k].out_prefix + ".0.npy");
    ASSERT_TRUE(want.ok());
    const mconv::ir::Value* v = g.find_value(probes[k].first);
    const Diff d = lsb_diff(dequantize_codes(probes[k].second, *v->quant), want.value().to_f32(),
                            v->quant->scale[0]);
    std::printf("%-16s %-50s max %4.3g differ %6lld / %lld\n",
                std::string(mconv::ir::op_name(v->producer->op)).c_str(),
                probes[k].first.substr(0, 50).c_str(), d.max_lsb, static_cast<long long>(d.differ),
                static_cast<long long>(d.total));
  }
}

}  // namespace
