#include "pipeline/metadata.h"

#include <cmath>

#include "core/file_io.h"
#include "data/imagenet_labels.h"

namespace mconv::pipeline {
namespace {

constexpr PreprocessPreset kPresets[] = {PreprocessPreset::kTorch, PreprocessPreset::kKeras,
                                         PreprocessPreset::kUnit, PreprocessPreset::kPm1,
                                         PreprocessPreset::kU8};

bool close(float a, float b) {
  return std::fabs(a - b) <= 1e-4f * std::max(1.0f, std::fabs(b));
}

// Class count of the graph's first output (its last dim), 0 when unknown.
int64_t class_count(const ir::Graph& graph) {
  if (graph.outputs.empty() || graph.outputs[0]->shape.empty()) return 0;
  const ir::Dim& d = graph.outputs[0]->shape.back();
  return d.known() ? d.size : 0;
}

Expected<std::vector<std::string>> read_labels_file(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  std::vector<std::string> labels;
  std::string line;
  for (uint8_t c : bytes) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      labels.push_back(std::move(line));
      line.clear();
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  if (!line.empty()) labels.push_back(std::move(line));
  if (labels.empty()) return Status::Error(path + ": no labels in the file");
  return labels;
}

}  // namespace

std::optional<ir::ImageNormalization> normalization_for_preset(PreprocessPreset preset) {
  if (preset == PreprocessPreset::kU8) return std::nullopt;
  // input = (pixel / divisor - mean) / std = (pixel - divisor * mean) / (divisor * std)
  const Preprocess p = make_preprocess(preset, ImageLayout::kNHWC);
  ir::ImageNormalization n;
  for (int c = 0; c < 3; ++c) {
    n.mean[c] = p.divisor * p.mean[c];
    n.std[c] = p.divisor * p.std[c];
  }
  return n;
}

std::optional<PreprocessPreset> preset_for_normalization(
    const std::optional<ir::ImageNormalization>& normalization) {
  for (PreprocessPreset preset : kPresets) {
    const auto n = normalization_for_preset(preset);
    if (!n || !normalization) {
      if (!n && !normalization) return preset;
      continue;
    }
    bool same = true;
    for (int c = 0; c < 3; ++c)
      same = same && close(normalization->mean[c], n->mean[c]) &&
             close(normalization->std[c], n->std[c]);
    if (same) return preset;
  }
  return std::nullopt;
}

std::string preset_from_metadata(const ir::ModelMetadata& metadata) {
  if (!metadata.image) return "";
  if (!metadata.image->preset.empty() && preset_from_name(metadata.image->preset).ok())
    return metadata.image->preset;
  const auto preset = preset_for_normalization(metadata.image->normalization);
  return preset ? std::string(preset_name(*preset)) : "";
}

std::optional<Preprocess> preprocess_from_metadata(const ir::ModelMetadata& metadata,
                                                   ImageLayout layout, int height, int width) {
  if (!metadata.image) return std::nullopt;
  const std::string name = preset_from_metadata(metadata);
  if (!name.empty()) return make_preprocess(*preset_from_name(name), layout, height, width);
  // Not a preset: the exact values, with the keras geometry (resize + centre crop).
  Preprocess p = make_preprocess(PreprocessPreset::kKeras, layout, height, width);
  for (int c = 0; c < 3; ++c) {
    p.mean[c] = metadata.image->normalization->mean[c];
    p.std[c] = metadata.image->normalization->std[c];
  }
  return p;
}

Expected<std::optional<ir::ModelMetadata>> metadata_for_graph(const ir::ModelMetadata& source,
                                                              const MetadataChoice& choice,
                                                              const ir::Graph& graph) {
  if (!choice.write) return std::optional<ir::ModelMetadata>();
  ir::ModelMetadata m = source;
  m.min_parser_version.clear();  // recomputed by the writer
  auto pick = [](std::string& field, const std::string& value) {
    if (!value.empty()) field = value;
  };
  pick(m.description, choice.description);
  pick(m.version, choice.version);
  pick(m.author, choice.author);
  pick(m.license, choice.license);
  if (m.name.empty()) m.name = choice.name.empty() ? graph.name : choice.name;
  if (m.author.empty()) m.author = "mconv";
  if (m.description.empty()) m.description = "Image classifier converted by mconv.";
  if (m.version.empty()) m.version = "1";

  // The image input as the converted graph has it.
  if (graph.inputs.size() == 1) {
    const std::vector<int64_t> shape = ir::static_dims(graph.inputs[0]->shape);
    auto spec = image_input_spec_from_shape(shape);
    if (spec.ok()) {
      ir::ImageInputMetadata image = m.image.value_or(ir::ImageInputMetadata{});
      image.width = spec->width;
      image.height = spec->height;
      image.channels_last = spec->layout == ImageLayout::kNHWC;
      if (!choice.preset.empty()) {
        MCONV_ASSIGN_OR_RETURN(PreprocessPreset preset, preset_from_name(choice.preset));
        image.normalization = normalization_for_preset(preset);
        image.preset = std::string(preset_name(preset));
      }
      // Integer inputs take raw pixels whatever the float preprocessing was.
      if (graph.inputs[0]->dtype != DType::kF32 && graph.inputs[0]->dtype != DType::kF16) {
        image.normalization.reset();
        image.preset = graph.inputs[0]->dtype == DType::kU8 ? "u8" : "";
      }
      m.image = image;
    }
  }

  const int64_t classes = class_count(graph);
  if (choice.labels == "imagenet") {
    MCONV_ASSIGN_OR_RETURN(m.labels, imagenet_labels(classes));
  } else if (!choice.labels.empty()) {
    MCONV_ASSIGN_OR_RETURN(m.labels, read_labels_file(choice.labels));
  }
  if (!m.labels.empty() && classes > 0 && static_cast<int64_t>(m.labels.size()) != classes)
    return Status::Error("--labels: " + std::to_string(m.labels.size()) + " labels for " +
                         std::to_string(classes) + " classes (output '" + graph.outputs[0]->name +
                         "')");
  return std::optional<ir::ModelMetadata>(std::move(m));
}

}  // namespace mconv::pipeline
