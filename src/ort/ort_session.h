// ONNX Runtime adapter: load a model from a file or bytes, report its I/O signature, run it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"

namespace mconv::ort {

// Version of the ONNX Runtime library actually loaded ("1.30.0").
std::string onnxruntime_version();

struct OrtOptions {
  int threads = 1;                   // intra-op threads
  bool enable_optimizations = true;  // ORT graph optimizations (ORT_ENABLE_ALL when true)
};

class OrtSession {
 public:
  // Errors are one line and do not repeat `path` (callers add it with Status::with_context).
  static Expected<std::unique_ptr<OrtSession>> Load(const std::string& path,
                                                    const OrtOptions& options = {});
  static Expected<std::unique_ptr<OrtSession>> LoadBytes(const std::vector<uint8_t>& bytes,
                                                         const OrtOptions& options = {});
  virtual ~OrtSession() = default;

  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;
  // One tensor per input, in order; returns all outputs in order. Each input must match its
  // signature's dtype and rank, and every known dim; dynamic dims (-1) accept any size.
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
};

}  // namespace mconv::ort
