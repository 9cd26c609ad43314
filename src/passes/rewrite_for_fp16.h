// FP16 variants of a float32 graph, in the two forms runtimes want.
//
// kOnnx ("true" half precision, for ONNX Runtime / GPUs): every float32 constant becomes a float16
// constant and every float32 activation float16, so the math itself runs in half precision. Graph
// inputs/outputs become float16 too, unless keep_io_types, which keeps the float32 signature with
// one Cast after each input and one before each output. Cast nodes to float32 are retargeted to
// float16 and any Cast that then converts f16 to f16 disappears, so no redundant Cast pairs remain.
// Integer values (shape arithmetic on i64, indices) keep their types; a float32
// ConstantOfShape fill becomes float16 with its output.
//
// kTflite (weights-only, for TFLite's GPU/CoreML delegates): the graph keeps float32 I/O and
// float32 math; the weights and biases of Conv and Gemm (at least min_elements elements) are stored
// as float16 constants read through a Cast f16->f32, which the TFLite exporter writes as a float16
// buffer plus a DEQUANTIZE operator. Run it on the channels-last graph (after fold_batchnorm and
// rewrite_for_nhwc) so that it is the last rewrite before export.
//
// In both flavours constant values outside the float16 range (including infinities) are clamped
// to +-65504; each clamped constant adds one line to Fp16Result::warnings. Graphs carrying
// quantized tensors (QuantizeLinear/DequantizeLinear or QuantParams) are refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

enum class Fp16Flavour : uint8_t {
  kOnnx,    // f16 weights and activations (ONNX)
  kTflite,  // f16 weight storage + Cast to f32 before use (TFLite DEQUANTIZE form)
};

struct Fp16Options {
  Fp16Flavour flavour = Fp16Flavour::kOnnx;  // which of the two forms to produce
  bool keep_io_types = false;  // kOnnx: keep f32 graph inputs/outputs (one Cast at each end)
  int64_t min_elements = 1;    // kTflite: smaller Conv/Gemm weights stay float32
};

struct Fp16Result {
  int changes = 0;                    // constants converted + values retyped + nodes added/removed
  int64_t clamped_elements = 0;       // constant elements clamped into the f16 range
  std::vector<std::string> warnings;  // one line per constant that needed clamping
};

Expected<Fp16Result> rewrite_for_fp16(ir::Graph& graph, const Fp16Options& options);
// The PassFn form: ONNX flavour, default options (`changes` as above).
Expected<PassResult> rewrite_for_fp16(ir::Graph& graph);

}  // namespace mconv::passes
