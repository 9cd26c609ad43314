// TFLite model metadata (schema 1.5.0, identifier "M001"), as MediaPipe Tasks and the TFLite
// Support library read it: a ModelMetadata flatbuffer in the model buffer that Model.metadata
// names "TFLITE_METADATA", and associated files (the labels) in a zip archive of STORED entries
// appended to the model file, the way the metadata tools pack them.
//
// What mconv writes for an image model (one subgraph):
//   ModelMetadata  name, description, version, author, license, min_parser_version (computed
//                  from the fields present, as the tools do: "1.0.0" for what mconv writes)
//   input 0        "image": ImageProperties (RGB, default size = the input's H x W),
//                  NormalizationOptions (float inputs only: input = (pixel - mean) / std), Stats
//                  (the input's value range for 0..255 pixels)
//   output 0       "probability": FeatureProperties, the labels as associated file "labels.txt"
//                  of type TENSOR_AXIS_LABELS (one name per class, class 0 first)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/zip_writer.h"
#include "ir/model_metadata.h"

namespace mconv::tflite {

inline constexpr char kMetadataBufferName[] = "TFLITE_METADATA";
inline constexpr char kLabelsFileName[] = "labels.txt";
// The schema version mconv's metadata schema copy is (the newest a reader may be asked to know).
inline constexpr char kMetadataSchemaVersion[] = "1.5.0";

// The model tensors the metadata describes.
struct MetadataTensors {
  std::string input_name;            // subgraph input 0
  DType input_dtype = DType::kF32;   // its element type
  std::vector<int64_t> input_shape;  // its shape (unknown dims negative)
  std::string output_name;           // subgraph output 0
  int64_t class_count = 0;           // last dim of output 0 (0 = unknown)
};

// The metadata that goes into a file: the ModelMetadata flatbuffer and the files to append.
struct TfliteMetadataPayload {
  std::vector<uint8_t> model_metadata;     // ModelMetadata flatbuffer ("M001")
  std::vector<ZipEntry> associated_files;  // appended as a zip archive
};

// Builds the payload. Errors: labels whose count is not the class count (MediaPipe refuses such
// files), a normalization with a zero std.
Expected<TfliteMetadataPayload> build_tflite_metadata(const ir::ModelMetadata& metadata,
                                                      const MetadataTensors& tensors);

// The smallest metadata parser version that understands every field present in a ModelMetadata
// flatbuffer ("1.0.0" up to "1.5.0"), computed as the metadata tools compute it. Error when the
// buffer is not valid metadata.
Expected<std::string> min_metadata_parser_version(const uint8_t* data, size_t size);

// The zip archive appended to a model file (entries in central-directory order); empty when the
// file has none. Only STORED entries are accepted (what metadata readers take).
Expected<std::vector<ZipEntry>> read_appended_zip(const std::vector<uint8_t>& file);

// The metadata of a TFLite file read back, or nullopt when it has none. Error: a
// "TFLITE_METADATA" buffer that is not valid metadata, or a labels file named but missing.
Expected<std::optional<ir::ModelMetadata>> read_tflite_metadata(const std::vector<uint8_t>& file);

}  // namespace mconv::tflite
