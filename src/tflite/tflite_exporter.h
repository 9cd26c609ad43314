// IR -> TFLite flatbuffer. The graph is first made TFLite-shaped on a copy
// (BatchNormalization folded, channels-last without inner TRANSPOSE ops: passes/fold_batchnorm.h,
// passes/rewrite_for_nhwc.h), then every node is lowered to TFLite builtin operators:
// Conv -> CONV_2D / DEPTHWISE_CONV_2D (grouped: CONV_2D v6), Gemm/MatMul -> FULLY_CONNECTED,
// Relu/Clip fused into their producer when possible, HardSigmoid -> ADD+RELU6, MUL,
// x*HardSigmoid(x) -> HARD_SWISH, GlobalAveragePool -> MEAN, and so on. Each OperatorCode carries
// the lowest op version that supports how the op is used; buffer 0 is the empty sentinel; the
// signature "serving_default" maps the source's input/output names to tensors. The same graph and
// options always give the same bytes.
//
// Quantized graphs: integer values carrying ir::QuantParams (as the TFLite importer leaves a fully
// quantized model) are written as they are, with their QuantizationParameters: integer filters keep
// their bytes (channel axis moved to the TFLite layout), QuantizeLinear/DequantizeLinear become
// QUANTIZE/DEQUANTIZE, and op versions follow the integer types. Float values with QuantParams
// (dequantized hybrid weights) are written as plain FP32. Lowerings that only exist in float
// (HardSigmoid decomposition, general Clip, average pooling over explicit pads) refuse quantized
// inputs with an error naming the node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "ir/model_metadata.h"

namespace mconv::tflite {

struct TfliteExportOptions {
  bool prepare_graph = true;       // fold BN + rewrite to NHWC on a copy before lowering
  bool keep_nchw_input = false;    // keep rank-4 inputs NCHW (one TRANSPOSE after each input)
  bool keep_nchw_outputs = false;  // give rank-4 outputs in NCHW order (default: NHWC)
  std::string signature_key = "serving_default";  // SignatureDef key
  std::string description = "mconv";              // Model.description
  // TFLite model metadata ("TFLITE_METADATA" buffer + labels zip appended to the file, see
  // tflite/metadata/tflite_metadata.h); unset or empty: none.
  std::optional<ir::ModelMetadata> metadata;
};

// Errors name the node and op that cannot be expressed ("node 'Conv_3' (Conv): ...").
Expected<std::vector<uint8_t>> export_tflite(const ir::Graph& graph,
                                             const TfliteExportOptions& options = {});
// Same, written atomically to `path` (a failed export leaves no file behind).
Status export_tflite_file(const ir::Graph& graph, const std::string& path,
                          const TfliteExportOptions& options = {});

}  // namespace mconv::tflite
