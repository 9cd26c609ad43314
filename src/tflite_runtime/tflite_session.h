// Native TensorFlow Lite 2.9 in-process, through its C API (the API an iOS app links as
// TensorFlowLiteC): load a .tflite from a file or bytes, read its I/O signature, run it with the
// XNNPACK delegate. libtensorflowlite_c.so comes from scripts/setup.sh (npm tfjs-tflite-node).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"

namespace mconv::tflite_runtime {

// "2.9.0": the version of the TensorFlow Lite library actually loaded.
std::string tflite_version();

struct TfLiteOptions {
  int threads = 1;           // interpreter threads and XNNPACK's thread pool
  bool xnnpack = true;       // apply the XNNPACK delegate
  bool xnnpack_int8 = true;  // let XNNPACK run int8 and uint8 operators (opt-in in 2.9)
};

class TfLiteSession {
 public:
  // Errors are one line naming the file (`source_name` for bytes; "<tflite>" when empty). The
  // flatbuffer is checked by mconv's verifier first, so a hostile file never reaches TFLite's
  // parser unchecked.
  static Expected<std::unique_ptr<TfLiteSession>> Load(const std::string& path,
                                                       const TfLiteOptions& options = {});
  static Expected<std::unique_ptr<TfLiteSession>> LoadBytes(std::vector<uint8_t> bytes,
                                                            const TfLiteOptions& options = {},
                                                            const std::string& source_name = "");
  virtual ~TfLiteSession() = default;

  // Inputs/outputs of the main subgraph: shape from shape_signature (-1 = dynamic), per-tensor
  // quantization (scale/zero point) for quantized tensors.
  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;
  // "XNNPACK delegate (int8 on), 2 threads" or "built-in kernels (...why...)".
  virtual const std::string& execution() const = 0;

  // One tensor per input, in order. Each must fit its spec (dtype, rank, known dims); a shape
  // other than the current one resizes the input (dynamic batch) and re-plans the graph.
  // Outputs keep the model's dtypes.
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;

  // Like run(), but an input may also hold N stacked samples [N, ...] for a model input fixed
  // at [1, ...]: the samples run one at a time and every output comes back stacked [N, ...].
  // A float32 tensor for an int8/uint8 input is quantized with the input's scale and zero point.
  virtual Expected<std::vector<Tensor>> run_batch(const std::vector<Tensor>& inputs) = 0;
};

}  // namespace mconv::tflite_runtime
