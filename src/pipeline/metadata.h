// The metadata mconv writes into converted files (TFLite model metadata, ONNX metadata_props):
// what the source file carried, overridden by the caller's choice (the command line's options in
// cli/metadata_options.h), completed from the converted
// graph (input size and layout, class count) and the preprocessing preset.
//
//   --labels FILE|imagenet   class names: one per line, or the built-in ImageNet names (1000, or
//                            1001 with "background" first, chosen by the model's class count)
//   --no-metadata            write none
//   --author, --license, --model-version, --description   the descriptive fields
//
// The preset decides the normalization written (input = (pixel - mean) / std, pixels 0..255):
// keras mean 0 std 1, pm1 127.5/127.5, unit 0/255, torch 255 x ImageNet mean/std, u8 none.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/preprocess.h"
#include "ir/graph.h"
#include "ir/model_metadata.h"

namespace mconv::pipeline {

// What the caller chose (the CLI: --labels, --no-metadata, --author, ...).
struct MetadataChoice {
  bool write = true;        // false with --no-metadata
  std::string labels;       // --labels: "imagenet", a file path, or "" (keep the source's)
  std::string name;         // model name when the source names none ("" = the graph's name)
  std::string description;  // --description
  std::string version;      // --model-version
  std::string author;       // --author
  std::string license;      // --license
  std::string preset;       // preprocessing preset name the input takes ("" = none known)
};

// Normalization of a preset in 0..255 pixel units; nullopt for u8 (raw pixels).
std::optional<ir::ImageNormalization> normalization_for_preset(PreprocessPreset preset);
// The preset whose normalization these values are (within float rounding), if any.
std::optional<PreprocessPreset> preset_for_normalization(
    const std::optional<ir::ImageNormalization>& normalization);
// The preprocessing a model's metadata asks for, for a height x width input of `layout`: a preset
// when it names or matches one, else the exact mean/std. nullopt when the metadata has no image.
std::optional<Preprocess> preprocess_from_metadata(const ir::ModelMetadata& metadata,
                                                   ImageLayout layout, int height, int width);
// The name of the preset a source's metadata implies ("" when none): for defaults of --preset.
std::string preset_from_metadata(const ir::ModelMetadata& metadata);

// The metadata to write for `graph` (already in its final form). nullopt with --no-metadata.
// Errors: unreadable labels file, label count not the class count.
Expected<std::optional<ir::ModelMetadata>> metadata_for_graph(const ir::ModelMetadata& source,
                                                              const MetadataChoice& choice,
                                                              const ir::Graph& graph);

}  // namespace mconv::pipeline
