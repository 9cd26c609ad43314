// One description of a model input or output, shared by every runtime adapter (ONNX Runtime,
// native TFLite, LiteRT, the reference interpreter), the CLI and the report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace mconv {

struct TensorSpec {
  std::string name;                 // graph input/output name
  DType dtype = DType::kUndefined;  // element type (kUndefined for types mconv lacks)
  std::vector<int64_t> shape;       // -1 for dynamic dims; empty with has_shape=false when unknown
  bool has_shape = true;            // false when even the rank is unknown
  std::vector<std::string> dim_names;  // symbolic names of dynamic dims ("" when none), or empty
  std::vector<float> scale;            // quantization scales (empty when not quantized)
  std::vector<int64_t> zero_point;     // quantization zero points (same count as scale)
  std::string layout;                  // "NCHW"/"NHWC" for rank-4 image tensors, else ""

  bool quantized() const { return !scale.empty(); }
};

// "f32[batch,3,224,224]": dynamic dims by their symbolic name, or "?" when unnamed; "f32[?]" when
// even the rank is unknown.
std::string spec_type_string(const TensorSpec& spec);

// Where the channels of a rank-4 image shape are: "NCHW" (3 at dim 1, not at dim 3), "NHWC" (3 at
// dim 3), or "" for anything else.
std::string image_layout(const std::vector<int64_t>& shape);

// True when `shape` fits `spec`: same rank and every known dim equal (dynamic dims take any size).
bool shape_fits(const TensorSpec& spec, const std::vector<int64_t>& shape);

}  // namespace mconv
