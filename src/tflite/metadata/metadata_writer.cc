// Building the ModelMetadata flatbuffer (see tflite_metadata.h) and its parser version.
#include <algorithm>
#include <cstdio>

#include "tflite/metadata/tflite_metadata.h"
#include "tflite/schema/mconv_tflite_metadata_generated.h"

namespace mconv::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace md = ::tflite_metadata;

// Semantic version as the metadata tools compare it: major, minor, patch.
struct Version {
  int major = 1, minor = 0, patch = 0;
  bool operator<(const Version& o) const {
    return std::tie(major, minor, patch) < std::tie(o.major, o.minor, o.patch);
  }
  std::string text() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
};

void raise(Version& v, Version needed) {
  if (v < needed) v = needed;
}

// Versions in which schema members after 1.0.0 appeared (the schema's history comments).
void visit(const md::AssociatedFile* f, Version& v) {
  if (!f) return;
  if (f->type() == md::AssociatedFileType_VOCABULARY) raise(v, {1, 0, 1});
  if (f->type() == md::AssociatedFileType_SCANN_INDEX_FILE) raise(v, {1, 4, 0});
  if (f->version()) raise(v, {1, 4, 1});
}
void visit(const md::ProcessUnit* p, Version& v) {
  if (!p) return;
  switch (p->options_type()) {
    case md::ProcessUnitOptions_BertTokenizerOptions:
    case md::ProcessUnitOptions_SentencePieceTokenizerOptions:
      raise(v, {1, 1, 0});
      break;
    case md::ProcessUnitOptions_RegexTokenizerOptions:
      raise(v, {1, 2, 1});
      break;
    default:
      break;
  }
}
template <typename T>
void visit_all(const fb::Vector<fb::Offset<T>>* list, Version& v) {
  if (!list) return;
  for (const T* item : *list) visit(item, v);
}
void visit(const md::TensorMetadata* t, Version& v) {
  if (!t) return;
  visit_all(t->associated_files(), v);
  visit_all(t->process_units(), v);
  if (t->content() &&
      t->content()->content_properties_type() == md::ContentProperties_AudioProperties)
    raise(v, {1, 3, 0});
}
void visit(const md::SubGraphMetadata* s, Version& v) {
  if (!s) return;
  visit_all(s->input_tensor_metadata(), v);
  visit_all(s->output_tensor_metadata(), v);
  visit_all(s->associated_files(), v);
  if (s->input_process_units()) raise(v, {1, 1, 0});
  visit_all(s->input_process_units(), v);
  if (s->output_process_units()) raise(v, {1, 1, 0});
  visit_all(s->output_process_units(), v);
  if (s->input_tensor_groups() || s->output_tensor_groups()) raise(v, {1, 2, 0});
  if (s->custom_metadata()) raise(v, {1, 5, 0});
}

// Float-exact text of the values for error messages.
std::string number(float v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", static_cast<double>(v));
  return text;
}

// One value when all channels agree (what the tools write for e.g. 127.5), else one per channel.
std::vector<float> channel_values(const std::array<float, 3>& v) {
  if (v[0] == v[1] && v[1] == v[2]) return {v[0]};
  return {v[0], v[1], v[2]};
}

// The ModelMetadata flatbuffer with `min_parser_version` (empty: none).
std::vector<uint8_t> serialize(const ir::ModelMetadata& m, const MetadataTensors& t,
                               bool with_labels, const std::string& min_parser_version) {
  fb::FlatBufferBuilder b;
  auto str = [&](const std::string& s) { return s.empty() ? 0 : b.CreateString(s); };

  // Input: the image.
  const bool rank4_nhwc = t.input_shape.size() == 4 && t.input_shape[3] == 3;
  fb::Offset<md::TensorMetadata> input;
  {
    fb::Offset<md::Content> content;
    std::vector<fb::Offset<md::ProcessUnit>> units;
    fb::Offset<md::Stats> stats;
    if (m.image && rank4_nhwc) {
      const uint32_t h = static_cast<uint32_t>(std::max<int64_t>(t.input_shape[1], 0));
      const uint32_t w = static_cast<uint32_t>(std::max<int64_t>(t.input_shape[2], 0));
      auto size = md::CreateImageSize(b, w ? w : m.image->width, h ? h : m.image->height);
      auto props = md::CreateImageProperties(b, md::ColorSpaceType_RGB, size);
      content = md::CreateContent(b, md::ContentProperties_ImageProperties, props.Union());
      if (t.input_dtype == DType::kF32 && m.image->normalization) {
        const ir::ImageNormalization& n = *m.image->normalization;
        auto norm = md::CreateNormalizationOptions(b, b.CreateVector(channel_values(n.mean)),
                                                   b.CreateVector(channel_values(n.std)));
        units.push_back(
            md::CreateProcessUnit(b, md::ProcessUnitOptions_NormalizationOptions, norm.Union()));
        // The input's range for pixels 0..255, per channel.
        std::array<float, 3> lo{}, hi{};
        for (int c = 0; c < 3; ++c) {
          lo[c] = (0.0f - n.mean[c]) / n.std[c];
          hi[c] = (255.0f - n.mean[c]) / n.std[c];
        }
        auto maxv = b.CreateVector(channel_values(hi));
        auto minv = b.CreateVector(channel_values(lo));
        stats = md::CreateStats(b, maxv, minv);
      } else if (t.input_dtype == DType::kU8) {
        auto maxv = b.CreateVector(std::vector<float>{255.0f});
        auto minv = b.CreateVector(std::vector<float>{0.0f});
        stats = md::CreateStats(b, maxv, minv);
      }
    }
    auto name = b.CreateString("image");
    auto description = b.CreateString("Input image to be classified.");
    auto units_vec = units.empty() ? 0 : b.CreateVector(units);
    input = md::CreateTensorMetadata(b, name, description, 0, content, units_vec, stats);
  }

  // Output: the class scores and their labels.
  fb::Offset<md::TensorMetadata> output;
  {
    auto features = md::CreateFeatureProperties(b);
    auto content = md::CreateContent(b, md::ContentProperties_FeatureProperties, features.Union());
    fb::Offset<fb::Vector<fb::Offset<md::AssociatedFile>>> files;
    if (with_labels) {
      auto file = md::CreateAssociatedFile(
          b, b.CreateString(kLabelsFileName),
          b.CreateString("Labels for categories that the model can recognize."),
          md::AssociatedFileType_TENSOR_AXIS_LABELS);
      files = b.CreateVector(&file, 1);
    }
    auto name = b.CreateString("probability");
    auto description = b.CreateString(
        t.class_count > 0 ? "Scores of the " + std::to_string(t.class_count) + " classes."
                          : "Class scores.");
    output = md::CreateTensorMetadata(b, name, description, 0, content, 0, 0, files);
  }

  auto inputs = b.CreateVector(&input, 1);
  auto outputs = b.CreateVector(&output, 1);
  auto subgraph = md::CreateSubGraphMetadata(b, 0, 0, inputs, outputs);
  auto subgraphs = b.CreateVector(&subgraph, 1);
  auto name = str(m.name);
  auto description = str(m.description);
  auto version = str(m.version);
  auto author = str(m.author);
  auto license = str(m.license);
  auto parser = str(min_parser_version);
  md::ModelMetadataBuilder mm(b);
  if (!m.name.empty()) mm.add_name(name);
  if (!m.description.empty()) mm.add_description(description);
  if (!m.version.empty()) mm.add_version(version);
  mm.add_subgraph_metadata(subgraphs);
  if (!m.author.empty()) mm.add_author(author);
  if (!m.license.empty()) mm.add_license(license);
  if (!min_parser_version.empty()) mm.add_min_parser_version(parser);
  md::FinishModelMetadataBuffer(b, mm.Finish());
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

Expected<std::string> min_metadata_parser_version(const uint8_t* data, size_t size) {
  fb::Verifier verifier(data, size);
  if (!md::ModelMetadataBufferHasIdentifier(data) || !md::VerifyModelMetadataBuffer(verifier))
    return Status::Error("not a valid TFLite metadata flatbuffer (identifier M001)");
  const md::ModelMetadata* m = md::GetModelMetadata(data);
  Version v;
  if (m->subgraph_metadata())
    for (const md::SubGraphMetadata* s : *m->subgraph_metadata()) visit(s, v);
  visit_all(m->associated_files(), v);
  return v.text();
}

Expected<TfliteMetadataPayload> build_tflite_metadata(const ir::ModelMetadata& metadata,
                                                      const MetadataTensors& tensors) {
  if (metadata.image && metadata.image->normalization)
    for (float s : metadata.image->normalization->std)
      if (!(s != 0.0f)) return Status::Error("metadata: normalization std " + number(s));
  const bool with_labels = !metadata.labels.empty();
  if (with_labels && tensors.class_count > 0 &&
      static_cast<int64_t>(metadata.labels.size()) != tensors.class_count)
    return Status::Error("metadata: " + std::to_string(metadata.labels.size()) +
                         " labels for output '" + tensors.output_name + "' with " +
                         std::to_string(tensors.class_count) + " classes");
  TfliteMetadataPayload payload;
  // Built twice: the parser version is computed from the finished buffer, as the tools do.
  const std::vector<uint8_t> draft = serialize(metadata, tensors, with_labels, "");
  MCONV_ASSIGN_OR_RETURN(std::string version,
                         min_metadata_parser_version(draft.data(), draft.size()));
  payload.model_metadata = serialize(metadata, tensors, with_labels, version);
  if (with_labels) {
    ZipEntry labels{kLabelsFileName, {}};
    for (const std::string& name : metadata.labels) {
      labels.data.insert(labels.data.end(), name.begin(), name.end());
      labels.data.push_back('\n');
    }
    payload.associated_files.push_back(std::move(labels));
  }
  return payload;
}

}  // namespace mconv::tflite
