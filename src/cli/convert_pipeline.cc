#include "cli/convert_pipeline.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <string>

#include "onnx/onnx_exporter.h"
#include "onnx/onnx_pb.h"
#include "passes/fold_batchnorm.h"
#include "passes/graph_checks.h"
#include "passes/pipeline.h"
#include "passes/rewrite_for_nchw.h"
#include "passes/rewrite_for_nhwc.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_exporter.h"

namespace mconv::cli {
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

}  // namespace

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

  std::vector<passes::PassEntry> pipeline = {{"topological_sort", 0, &passes::sort_topologically}};
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
    case ModelFormat::kUnknown:
      return Status::Error("no output format given (expected .onnx or .tflite)");
  }
  pipeline.push_back({"verify", 90, &passes::verify_graph});
  MCONV_RETURN_IF_ERROR(passes::run_pipeline(model.graph, pipeline, &out.passes));

  if (options.target == ModelFormat::kTflite) {
    tflite::TfliteExportOptions tflite_options;
    // The graph is already prepared; the exporter's own preparation then finds nothing to do,
    // and would apply the same input layout if it did.
    tflite_options.keep_nchw_input = options.keep_nchw_input;
    return tflite::export_tflite(model.graph, tflite_options);
  }
  onnx::OnnxExportOptions onnx_options;
  onnx_options.opset = options.opset;
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

}  // namespace mconv::cli
