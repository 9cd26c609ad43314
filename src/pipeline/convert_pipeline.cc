#include "pipeline/convert_pipeline.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "data/dataset.h"
#include "data/preprocess.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_pb.h"
#include "passes/fold_batchnorm.h"
#include "passes/graph_checks.h"
#include "passes/pipeline.h"
#include "passes/rewrite_for_fp16.h"
#include "passes/rewrite_for_nchw.h"
#include "passes/rewrite_for_nhwc.h"
#include "passes/shorten_names.h"
#include "pipeline/variant_runs.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"

namespace mconv::pipeline {
namespace {

// PassFn forms of the layout passes with non-default options (a PassFn takes only the graph).
Expected<passes::PassResult> nhwc_keeping_nchw_input(ir::Graph& graph) {
  passes::NhwcOptions options;
  options.keep_nchw_input = true;
  return passes::rewrite_for_nhwc(graph, options);
}
Expected<passes::PassResult> nchw_with_nchw_input(ir::Graph& graph) {
  passes::NchwOptions options;
  options.nchw_input = true;
  return passes::rewrite_for_nchw(graph, options);
}

// Float values that still carry the hybrid weights' QuantParams lose them: the values are
// already the dequantized reals, and an FP32 output must not look quantized.
int64_t drop_hybrid_weight_quant(ir::Graph& graph) {
  int64_t dropped = 0;
  for (const auto& v : graph.values())
    if (v->quant && (v->dtype == DType::kF32 || v->dtype == DType::kF16)) {
      v->quant.reset();
      ++dropped;
    }
  return dropped;
}

// The calibration set as model inputs: the images preprocessed for the graph's (single, image)
// input, whose layout and size come from its shape; seeded random inputs without a folder.
Expected<Tensor> make_calibration_batch(const ir::Graph& graph, const CalibrationImages& images) {
  if (images.dir.empty() && images.synthetic > 0 && graph.inputs.size() == 1)
    return synthetic_inputs(*graph.inputs[0], images.synthetic, 42);
  if (images.dir.empty()) return Status::Error("int8 needs calibration images (--calib DIR)");
  if (graph.inputs.size() != 1)
    return Status::Error(
        "int8 calibration from images needs a model with one input, this one has " +
        std::to_string(graph.inputs.size()));
  const ir::Value* input = graph.inputs[0];
  MCONV_ASSIGN_OR_RETURN(ImageInputSpec spec,
                         image_input_spec_from_shape(ir::static_dims(input->shape)));
  MCONV_ASSIGN_OR_RETURN(PreprocessPreset preset, preset_from_name(images.preset));
  const Preprocess preprocess = make_preprocess(preset, spec.layout, spec.height, spec.width);
  MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> all, list_image_folder(images.dir));
  if (images.offset >= all.size())
    return Status::Error("calibration folder " + images.dir + " has " + std::to_string(all.size()) +
                         " images, none from index " + std::to_string(images.offset));
  const size_t count = std::min(images.count, all.size() - images.offset);
  MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> some, select_images(all, images.offset, count));
  MCONV_ASSIGN_OR_RETURN(Tensor batch, load_image_batch(some, preprocess, images.threads));
  if (batch.dtype() != input->dtype)
    return Status::Error("preset '" + images.preset + "' gives " +
                         std::string(dtype_name(batch.dtype())) + " images but input '" +
                         input->name + "' is " + std::string(dtype_name(input->dtype)));
  return batch;
}

// The key of a calibration batch in a CalibrationShare: the input's size without its layout
// ("HxW" of an image input, else the whole shape), so NCHW and NHWC forms meet.
std::string share_key(const ir::Value& input) {
  const std::vector<int64_t> dims = ir::static_dims(input.shape);
  const std::string layout = image_layout_of(input);
  if (layout == "NCHW") return std::to_string(dims[2]) + "x" + std::to_string(dims[3]);
  if (layout == "NHWC") return std::to_string(dims[1]) + "x" + std::to_string(dims[2]);
  return shape_to_string(dims);
}

// The calibration inputs; with a share, made by the first conversion that asks and reused (in
// this input's layout) by the others.
Expected<quant::CalibrationSource> calibration_source(const ir::Graph& graph,
                                                      const CalibrationImages& images,
                                                      CalibrationShare* share, int64_t* loaded,
                                                      bool* reused) {
  if (!share || graph.inputs.size() != 1) {
    MCONV_ASSIGN_OR_RETURN(Tensor batch, make_calibration_batch(graph, images));
    *loaded = batch.rank() > 0 ? batch.dim(0) : 0;
    return quant::calibration_source_from_batch(std::move(batch), 1);
  }
  const ir::Value& input = *graph.inputs[0];
  const std::string key = share_key(input), layout = image_layout_of(input);
  // Held while the first asker decodes: the others wait for its batch instead of decoding too.
  std::lock_guard<std::mutex> lock(share->mutex);
  Tensor batch;
  if (auto it = share->batches.find(key); it != share->batches.end()) {
    const std::string& stored = share->layouts[key];
    batch = stored == layout || stored.empty() || layout.empty()
                ? it->second
                : transpose_image_batch(it->second, layout == "NHWC");
    *reused = true;
  } else {
    MCONV_ASSIGN_OR_RETURN(batch, make_calibration_batch(graph, images));
    share->batches[key] = batch;
    share->layouts[key] = layout;
  }
  *loaded = batch.rank() > 0 ? batch.dim(0) : 0;
  return quant::calibration_source_from_batch(std::move(batch), 1);
}

// FP16 forms: true half precision for ONNX, f16 weight storage for TFLite.
Status to_fp16(ir::Graph& graph, const ConvertOptions& options, ConvertReport& out) {
  passes::Fp16Options fp16;
  fp16.flavour = options.target == ModelFormat::kTflite ? passes::Fp16Flavour::kTflite
                                                        : passes::Fp16Flavour::kOnnx;
  fp16.keep_io_types = options.keep_io_types;
  MCONV_ASSIGN_OR_RETURN(passes::Fp16Result result, passes::rewrite_for_fp16(graph, fp16));
  out.passes.push_back({"rewrite_for_fp16", result.changes});
  out.warnings.insert(out.warnings.end(), result.warnings.begin(), result.warnings.end());
  return passes::verify_graph(graph).status();
}

// Post-training int8: calibrate, quantize to QDQ, and for TFLite lower to full integer.
Status to_int8(ir::Graph& graph, const ConvertOptions& options, ConvertReport& out) {
  const auto start = std::chrono::steady_clock::now();
  CalibrationShare* share = options.calibration_share.get();
  bool inputs_reused = false;
  MCONV_ASSIGN_OR_RETURN(quant::CalibrationSource source,
                         calibration_source(graph, options.calibration, share,
                                            &out.calibration_images, &inputs_reused));
  quant::PtqOptions ptq = options.ptq;
  ptq.calibration.threads = std::max(1, options.calibration.threads);
  const int hits_before = share ? share->results.hits() : 0;
  if (share) ptq.calibration.cache = &share->results;
  // Integer outputs cannot end in a float Softmax.
  if (options.integer_io != quant::IntegerIo::kFloat) ptq.float_softmax_output = false;
  ptq.quantize.activation_type = options.target == ModelFormat::kTflite ? DType::kI8 : DType::kU8;
  ptq.quantize.per_channel_gemm_weights = options.target != ModelFormat::kTflite;
  // ONNX: the input scaling, the stem convolution and the first depthwise one stay in float
  // (ptq.h): they are where int8 loses most, and ONNX Runtime's uint8 stem conv ran 2.6x slower
  // than float. Measured on Keras MobileNetV3-Small (calibration 0..99, 400 images 100..499),
  // no channel groups: head of 0 / 1 / 2 convs, top-1 agreement 77.0% / 80.8% / 87.0%, top-1
  // 70.5% / 73.8% / 78.2%.
  // TFLite stays full integer by default (KerasSixVariants checks it; --integer-only is the
  // same there), though a float head measured better at equal speed (4 groups, native TFLite
  // 2.9): head of 0 / 2 convs, agreement 92.2% / 93.5%, cosine 0.9827 / 0.9892, p50 4.9-5.8 /
  // 4.0-4.5 ms; with 16 calibration images it moved ConvertCalibOnly's 24-image verdict to 83.3%.
  // Not on seeded random inputs (no images: the previous quantizer's form,
  // quant::synthetic_calibration_ptq_options).
  if (options.target == ModelFormat::kOnnx && !options.integer_only &&
      !options.calibration.dir.empty())
    ptq.float_head_convs = 2;
  // The split chains' Gathers are folded into the weights for ONNX only. Measured on Keras
  // MobileNetV3-Small (bench/int8_accuracy.sh; main's quantizer TFLite 92.0% / top-1 79.2% /
  // cosine 0.9841): TFLite folded 91.5% / 79.5% / 0.9820 against 92.2% / 80.2% / 0.9827 kept,
  // under main's agreement although 22% faster in native TFLite (4.3 -> 3.4 ms, no GATHER left);
  // ONNX folded 94.5% / 80.8% / 0.9895 (main 92.2% / 80.0% / 0.9826), and faster.
  if (options.target == ModelFormat::kTflite) ptq.fold_channel_order = false;
  if (options.integer_only) ptq.mixed.enabled = false;
  MCONV_ASSIGN_OR_RETURN(quant::PtqResult result,
                         quant::quantize_post_training(graph, source, ptq));
  // (Counted around this call: the share's int8 conversions run one after the other.)
  out.calibration_shared = share && share->results.hits() > hits_before;
  out.chains_split = result.chains_split;
  out.gates_folded = result.gates_folded;
  out.int8.mixed = result.mixed;
  out.int8.float_head_convs = ptq.float_head_convs;
  out.int8.kept_in_float = result.kept_in_float;
  out.int8.bias_corrected = result.bias_corrected;
  out.int8.range_images = result.range_inputs;
  out.int8.heldout_images = result.heldout_inputs;
  out.int8.heldout_int8 = result.heldout_int8;
  out.int8.heldout_final = result.heldout_final;
  out.int8.target_agreement = ptq.mixed.target_agreement;
  out.int8.target_met = result.target_met;
  out.int8.tried = result.mixed_tried;
  if (options.target == ModelFormat::kTflite) {
    quant::IntegerLoweringOptions lowering;
    lowering.io = options.integer_io;
    lowering.allow_float_islands = !result.kept_in_float.empty() || ptq.float_head_convs > 0;
    MCONV_ASSIGN_OR_RETURN(graph, quant::lower_to_integer(result.qdq, lowering));
  } else {
    graph = std::move(result.qdq);
  }
  out.passes.push_back({"quantize_int8", static_cast<int>(graph.nodes().size())});
  out.calibration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Status::Ok();
}

}  // namespace

std::string int8_mode(const Int8Facts& facts) {
  if (facts.mixed) return "mixed";
  return facts.float_head_convs > 0 ? "int8 with float head" : "integer-only";
}

report::Int8Report int8_report(const Int8Facts& facts) {
  report::Int8Report r;
  r.mode = int8_mode(facts);
  for (const quant::KeptInFloat& k : facts.kept_in_float)
    r.kept_in_float.push_back({k.value, k.producer, k.noise_removed});
  r.bias_corrected = facts.bias_corrected;
  r.heldout_images = facts.heldout_images;
  if (facts.heldout_images > 0) {
    r.heldout_agreement = facts.heldout_final.agreement;
    r.heldout_agreement_int8 = facts.heldout_int8.agreement;
  }
  if (facts.mixed) r.target_agreement = facts.target_agreement;
  r.target_met = facts.target_met;
  return r;
}

std::string int8_summary(const Int8Facts& facts) {
  auto pct = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
    return std::string(buf);
  };
  std::string s = int8_mode(facts);
  if (facts.mixed) {
    s += ", " + std::to_string(facts.kept_in_float.size()) + " activation" +
         (facts.kept_in_float.size() == 1 ? "" : "s") + " kept in float";
    if (!facts.kept_in_float.empty()) {
      s += " (";
      for (size_t i = 0; i < facts.kept_in_float.size(); ++i) {
        const quant::KeptInFloat& k = facts.kept_in_float[i];
        char buf[48];
        std::snprintf(buf, sizeof buf, " %s, -%.2g noise", k.producer.c_str(), k.noise_removed);
        s += (i ? "; " : "") + k.value + buf;
      }
      s += ")";
    }
  }
  s += ", " + std::to_string(facts.bias_corrected.size()) + " layers bias-corrected";
  if (facts.heldout_images > 0) {
    s += ", top-1 agreement " + pct(facts.heldout_final.agreement) + " on " +
         std::to_string(facts.heldout_images) + " held-out calibration images";
    if (facts.mixed) {
      s += " (all-int8 " + pct(facts.heldout_int8.agreement) + ", target " +
           pct(facts.target_agreement) + (facts.target_met ? " met" : " NOT met") + "; tried";
      for (const auto& [k, e] : facts.tried) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "/%.1fdB", -10.0 * std::log10(std::max(e.noise, 1e-12)));
        s += " " + std::to_string(k) + ":" + pct(e.agreement) + buf;
      }
      s += ")";
    }
  } else {
    s += ", no held-out calibration images (fewer than 20 calibration inputs)";
  }
  return s;
}

Tensor synthetic_inputs(const ir::Value& input, int n, uint64_t seed) {
  std::vector<int64_t> shape = ir::static_dims(input.shape);
  for (int64_t& d : shape)
    if (d < 0) d = 1;
  if (!shape.empty()) shape[0] = n;
  Tensor t(DType::kF32, shape);
  std::mt19937_64 rng(seed);
  float* p = t.data<float>();
  const int64_t count = t.element_count();
  for (int64_t i = 0; i < count; i += 2) {
    // Box-Muller on the engine's raw bits (std::normal_distribution differs between libraries).
    const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    p[i] = static_cast<float>(r * std::cos(2 * M_PI * u2));
    if (i + 1 < count) p[i + 1] = static_cast<float>(r * std::sin(2 * M_PI * u2));
  }
  return t;
}

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp16:
      return "fp16";
    case Precision::kInt8:
      return "int8";
  }
  return "?";
}

Expected<Precision> precision_from_name(std::string_view name) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kInt8})
    if (precision_name(p) == name) return p;
  return Status::Error("unknown precision '" + std::string(name) + "' (expected fp32, fp16, int8)");
}

ModelFormat format_for_output_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".onnx") return ModelFormat::kOnnx;
  if (ext == ".tflite") return ModelFormat::kTflite;
  return ModelFormat::kUnknown;
}

Expected<std::vector<uint8_t>> convert_model(ir::Model& model, const ConvertOptions& options,
                                             ConvertReport* report) {
  ConvertReport local;
  ConvertReport& out = report ? *report : local;
  out.dequantized_weights = drop_hybrid_weight_quant(model.graph);

  std::vector<passes::PassEntry> pipeline = {
      {"topological_sort", 0, &passes::sort_topologically},
      {"shorten_fused_names", 5, &passes::shorten_fused_names}};
  switch (options.target) {
    case ModelFormat::kTflite:
      pipeline.push_back({"fold_batchnorm", 10, &passes::fold_batchnorm});
      pipeline.push_back({"rewrite_for_nhwc", 20,
                          options.keep_nchw_input
                              ? &nhwc_keeping_nchw_input
                              : static_cast<passes::PassFn>(&passes::rewrite_for_nhwc)});
      break;
    case ModelFormat::kOnnx:
      pipeline.push_back({"rewrite_for_nchw", 20,
                          options.nchw_input
                              ? &nchw_with_nchw_input
                              : static_cast<passes::PassFn>(&passes::rewrite_for_nchw)});
      break;
    case ModelFormat::kTorch:  // never a target
    case ModelFormat::kUnknown:
      return Status::Error("no output format given (expected .onnx or .tflite)");
  }
  // --target forms apply to float files: the CoreML EP and the Core ML delegate take no integer
  // model, and splitting HardSwish into four quantized ops would cost int8 accuracy.
  if (options.precision != Precision::kInt8)
    for (const passes::PassEntry& entry : passes::delegate_form_passes(
             options.delegate_target, options.target == ModelFormat::kTflite))
      pipeline.push_back(entry);
  pipeline.push_back({"verify", 90, &passes::verify_graph});
  MCONV_RETURN_IF_ERROR(passes::run_pipeline(model.graph, pipeline, &out.passes));
  if (options.precision == Precision::kFp16)
    MCONV_RETURN_IF_ERROR(to_fp16(model.graph, options, out).with_context("fp16"));
  if (options.precision == Precision::kInt8)
    MCONV_RETURN_IF_ERROR(to_int8(model.graph, options, out).with_context("int8"));

  MCONV_ASSIGN_OR_RETURN(std::optional<ir::ModelMetadata> metadata,
                         metadata_for_graph(model.metadata, options.metadata, model.graph));
  if (options.target == ModelFormat::kTflite) {
    tflite::TfliteExportOptions tflite_options;
    tflite_options.metadata = metadata;
    // The graph is already prepared; the exporter's own preparation then finds nothing to do,
    // and would apply the same input layout if it did.
    tflite_options.keep_nchw_input = options.keep_nchw_input;
    return tflite::export_tflite(model.graph, tflite_options);
  }
  onnx::OnnxExportOptions onnx_options;
  onnx_options.opset = options.opset;
  onnx_options.metadata = metadata;
  return onnx::export_onnx(model.graph, onnx_options);
}

Expected<int64_t> count_operators(const std::vector<uint8_t>& bytes, ModelFormat format) {
  if (format == ModelFormat::kTflite) {
    flatbuffers::Verifier verifier(bytes.data(), bytes.size());
    if (!::tflite::VerifyModelBuffer(verifier)) return Status::Error("not a valid TFLite model");
    const ::tflite::Model* model = ::tflite::GetModel(bytes.data());
    if (!model->subgraphs() || model->subgraphs()->size() == 0) return int64_t{0};
    const auto* ops = model->subgraphs()->Get(0)->operators();
    return static_cast<int64_t>(ops ? ops->size() : 0);
  }
  if (format == ModelFormat::kOnnx) {
    ::onnx::ModelProto proto;
    if (bytes.size() > static_cast<size_t>(INT_MAX) ||
        !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return Status::Error("not a valid ONNX model");
    return static_cast<int64_t>(proto.graph().node_size());
  }
  return Status::Error("unknown model format");
}

}  // namespace mconv::pipeline
