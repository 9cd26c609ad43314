// ONNX Runtime adapter: load a model from a file or bytes, report its I/O signature, run it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace mconv::ort {

struct TensorSignature {
  std::string name;                    // graph input/output name
  DType dtype = DType::kUndefined;     // element type
  std::vector<int64_t> shape;          // -1 for dynamic dims
  std::vector<std::string> dim_names;  // symbolic names of dynamic dims ("" when none)
};

// "f32[batch,3,224,224]": dynamic dims by their symbolic name, or "?" when unnamed.
std::string signature_type_string(const TensorSignature& signature);
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

  virtual const std::vector<TensorSignature>& inputs() const = 0;
  virtual const std::vector<TensorSignature>& outputs() const = 0;
  // One tensor per input, in order; returns all outputs in order. Each input must match its
  // signature's dtype and rank, and every known dim; dynamic dims (-1) accept any size.
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
};

}  // namespace mconv::ort
