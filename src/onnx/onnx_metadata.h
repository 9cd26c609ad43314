// ir::ModelMetadata <-> ONNX ModelProto.metadata_props. Keys (documented in docs/metadata.md):
//   Image.BitmapPixelFormat   "Rgb8"                      ONNX's image metadata (MetadataProps.md)
//   Image.ColorSpaceGamma     "SRGB"
//   Image.NominalPixelRange   "NominalRange_0_255" (keras, u8), "Normalized_0_1" (unit),
//                             "Normalized_1_1" (pm1); absent when no such range describes the
//                             input (torch's ImageNet mean/std)
//   mconv.preprocess.preset   torch|keras|unit|pm1|u8, when the values are one of the presets
//   mconv.preprocess.mean     "m_r,m_g,m_b"  input = (pixel - mean) / std with pixels 0..255
//   mconv.preprocess.std      "s_r,s_g,s_b"
//   mconv.preprocess.layout   "NCHW" | "NHWC"
//   mconv.preprocess.size     "WIDTHxHEIGHT" of the input
//   mconv.labels              the class names, one per line, class 0 first
//   mconv.name, mconv.description, mconv.version, mconv.author, mconv.license
#pragma once

#include "ir/model_metadata.h"

namespace onnx {
class ModelProto;
}

namespace mconv::onnx {

// Replaces the keys above in `model` (other metadata_props are kept).
void write_metadata_props(const ir::ModelMetadata& metadata, ::onnx::ModelProto& model);
// Reads the keys above; unknown keys are ignored, malformed values skipped. Also derives the
// normalization from Image.NominalPixelRange alone (files written by other tools).
ir::ModelMetadata read_metadata_props(const ::onnx::ModelProto& model);

}  // namespace mconv::onnx
