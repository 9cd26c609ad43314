// TFLite flatbuffer (.tflite, schema version 3) -> IR. Every read is bounds-checked: the bytes go
// through the flatbuffers Verifier first, then every index (buffer, tensor, operator code) and
// every data size is checked before use, so a corrupt file gives a one-line error, never a crash.
//
// What the imported graph looks like:
//  - Activations stay NHWC; layout-sensitive nodes carry Node::layout = kNHWC. Conv weights are
//    converted to the IR's OIHW (CONV_2D: OHWI -> OIHW; DEPTHWISE_CONV_2D: 1HW(C*M) -> (C*M)1HW
//    with group = C). TFLite SAME/VALID padding is resolved to explicit pads from static shapes.
//  - Fused activations become separate Relu / Clip / Tanh nodes; the pre-activation value is named
//    "<tensor>/pre_act" and carries the output tensor's quantization.
//  - Every tensor keeps its TFLite name as the Value name (made unique if the file repeats one);
//    graph inputs/outputs keep the subgraph's order. Unknown dims of shape_signature become
//    unknown Dims (axis 0 gets the symbol "batch").
//  - Quantization: every integer tensor with scale/zero_point gets ir::QuantParams (per tensor, or
//    per axis with axis = quantized_dimension remapped to the IR layout of the value, e.g. 0 for
//    OIHW conv weights). Fully quantized models keep i8/u8 (and i32 bias) values; an op on
//    quantized values means the TFLite quantized op (real = scale * (q - zero_point) on every
//    operand). QUANTIZE / DEQUANTIZE become QuantizeLinear / DequantizeLinear (scale and zero point
//    as constant inputs, attr "axis" when per-axis).
//  - Clip bounds added for RELU6 / RELU_N1_TO_1 / fused activations are f32 REAL values, also when
//    the clipped value is quantized.
//  - FP16-weight and weight-only int8 models: DEQUANTIZE of a constant (f16, or int8/uint8 with
//    its quantization) is folded into a plain f32 constant (no QuantParams).
//  - Dynamic-range ("hybrid") models: int8 weights consumed directly by a float op are dequantized
//    to f32 constants on import. With `keep_hybrid_weight_quant` (default) that f32 constant keeps
//    the file's QuantParams: its values are exactly scale * (q - zero_point), so an exporter can
//    restore the int8 data bit-exactly (q = round(w / scale) + zero_point) and write a hybrid op
//    again. A float Value with `quant` set means exactly this and nothing else.
//  - ir::Model: source_format "tflite", producer = the file's description, metadata = its TFLite
//    model metadata and labels (tflite/metadata/), when valid; the subgraph name is
//    the graph name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/import_limits.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mconv::tflite {

struct TfliteImportOptions {
  bool use_shape_signature = true;       // unknown dims from shape_signature; false = file's shape
  bool keep_hybrid_weight_quant = true;  // dequantized hybrid weights keep their QuantParams
  bool verify_graph = true;              // run ir::verify on the result
  std::string source_name;               // name used in error messages ("model.tflite")
  std::optional<ImportLimits> limits;    // caps on hostile input; unset = import_limits_from_env()
};

// What a TFLite file says about itself beyond the graph, for a faithful re-export
// (TfliteExportOptions::description / signature_key) and for reports.
struct TfliteFileInfo {
  std::string description;                  // Model.description ("MLIR Converted.")
  std::string signature_key;                // key of subgraph 0's first SignatureDef, or ""
  std::vector<std::string> input_aliases;   // its input names, in subgraph input order ("" = none)
  std::vector<std::string> output_aliases;  // its output names, in subgraph output order
  int subgraph_count = 0;                   // subgraphs in the file (only subgraph 0 is imported)
  std::string min_runtime_version;          // "min_runtime_version" metadata ("1.14.0"), or ""
};

// Reads the file-level facts above (after the same verification as the import).
Expected<TfliteFileInfo> read_tflite_file_info(const std::vector<uint8_t>& bytes,
                                               const std::string& source_name = "");

// Imports subgraph 0 of a TFLite model held in memory.
Expected<ir::Model> import_tflite_bytes(const std::vector<uint8_t>& bytes,
                                        const TfliteImportOptions& options = {});
// Reads the file (size-capped) and imports it; errors are prefixed with the path.
Expected<ir::Model> import_tflite_file(const std::string& path,
                                       const TfliteImportOptions& options = {});

}  // namespace mconv::tflite
