// Reading TFLite model metadata and the zip archive of associated files back (tflite_metadata.h).
// Every offset read from the file is bounds-checked: hostile bytes give an error, never a crash.
#include <algorithm>
#include <cstring>

#include "core/zip_reader.h"
#include "tflite/metadata/tflite_metadata.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/schema/mconv_tflite_metadata_generated.h"

namespace mconv::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace md = ::tflite_metadata;

std::string str(const fb::String* s) {
  return s ? s->str() : std::string();
}

// NormalizationOptions values: one for every channel or one per channel.
Expected<std::array<float, 3>> channels(const fb::Vector<float>* v, const char* what) {
  if (!v || (v->size() != 1 && v->size() != 3))
    return Status::Error(std::string("metadata: NormalizationOptions ") + what + " has " +
                         std::to_string(v ? v->size() : 0) + " values (expected 1 or 3)");
  if (v->size() == 1) return std::array<float, 3>{v->Get(0), v->Get(0), v->Get(0)};
  return std::array<float, 3>{v->Get(0), v->Get(1), v->Get(2)};
}

// The text of a labels file: one name per line, '\r' of CRLF files dropped, a last empty line
// (the final newline) not counted.
std::vector<std::string> split_lines(const std::vector<uint8_t>& data) {
  std::vector<std::string> lines;
  std::string line;
  for (uint8_t c : data) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      line.clear();
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

}  // namespace

Expected<std::vector<ZipMember>> read_appended_zip(const std::vector<uint8_t>& file) {
  std::vector<ZipMember> entries;
  if (!ends_like_zip(file)) return entries;
  auto prefixed = [](const Status& s) { return Status::Error("appended zip: " + s.message()); };
  Expected<ZipReader> zip = ZipReader::open(file);
  if (!zip.ok()) return prefixed(zip.status());
  for (const ZipEntry& e : zip->entries()) {
    if (Status crc = zip->check_crc(e); !crc.ok()) return prefixed(crc);
    const std::span<const uint8_t> bytes = zip->data(e);
    entries.push_back({e.name, std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  return entries;
}

Expected<std::optional<ir::ModelMetadata>> read_tflite_metadata(const std::vector<uint8_t>& file) {
  if (file.size() < 8) return Status::Error("too short for a TFLite model");
  // The importer's limits: large models hold more than the verifier's default 1M tables.
  fb::Verifier model_verifier(file.data(),
                              std::min<size_t>(file.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1),
                              /*max_depth=*/64, /*max_tables=*/10'000'000);
  if (!::tflite::VerifyModelBuffer(model_verifier))
    return Status::Error("not a valid TFLite flatbuffer");
  const ::tflite::Model* model = ::tflite::GetModel(file.data());
  if (!model->metadata() || !model->buffers()) return std::optional<ir::ModelMetadata>();
  const fb::Vector<uint8_t>* data = nullptr;
  for (const ::tflite::Metadata* m : *model->metadata()) {
    if (!m->name() || m->name()->str() != kMetadataBufferName) continue;
    if (m->buffer() >= model->buffers()->size())
      return Status::Error("metadata: TFLITE_METADATA names buffer " + std::to_string(m->buffer()) +
                           " of " + std::to_string(model->buffers()->size()));
    data = model->buffers()->Get(m->buffer())->data();
    if (!data || data->size() < 8)
      return Status::Error("metadata: TFLITE_METADATA buffer is empty");
    break;
  }
  if (!data) return std::optional<ir::ModelMetadata>();

  fb::Verifier verifier(data->data(), data->size());
  if (!md::ModelMetadataBufferHasIdentifier(data->data()))
    return Status::Error("metadata: identifier '" +
                         std::string(reinterpret_cast<const char*>(data->data()) + 4, 4) +
                         "' is not M001");
  if (!md::VerifyModelMetadataBuffer(verifier))
    return Status::Error("metadata: not a valid ModelMetadata flatbuffer");
  const md::ModelMetadata* mm = md::GetModelMetadata(data->data());
  ir::ModelMetadata out;
  out.name = str(mm->name());
  out.description = str(mm->description());
  out.version = str(mm->version());
  out.author = str(mm->author());
  out.license = str(mm->license());
  out.min_parser_version = str(mm->min_parser_version());
  const md::SubGraphMetadata* sg = mm->subgraph_metadata() && mm->subgraph_metadata()->size() > 0
                                       ? mm->subgraph_metadata()->Get(0)
                                       : nullptr;
  if (!sg) return std::optional<ir::ModelMetadata>(std::move(out));

  if (sg->input_tensor_metadata() && sg->input_tensor_metadata()->size() > 0) {
    const md::TensorMetadata* in = sg->input_tensor_metadata()->Get(0);
    const md::ImageProperties* props =
        in->content() ? in->content()->content_properties_as_ImageProperties() : nullptr;
    if (props) {
      ir::ImageInputMetadata image;
      if (props->default_size()) {
        image.width = static_cast<int>(std::min<uint32_t>(props->default_size()->width(), 1 << 20));
        image.height =
            static_cast<int>(std::min<uint32_t>(props->default_size()->height(), 1 << 20));
      }
      if (in->process_units())
        for (const md::ProcessUnit* unit : *in->process_units()) {
          const md::NormalizationOptions* n = unit->options_as_NormalizationOptions();
          if (!n) continue;
          ir::ImageNormalization norm;
          MCONV_ASSIGN_OR_RETURN(norm.mean, channels(n->mean(), "mean"));
          MCONV_ASSIGN_OR_RETURN(norm.std, channels(n->std(), "std"));
          image.normalization = norm;
        }
      out.image = image;
    }
  }

  std::string labels_file;
  if (sg->output_tensor_metadata() && sg->output_tensor_metadata()->size() > 0) {
    const md::TensorMetadata* o = sg->output_tensor_metadata()->Get(0);
    if (o->associated_files())
      for (const md::AssociatedFile* f : *o->associated_files())
        if (f->type() == md::AssociatedFileType_TENSOR_AXIS_LABELS && f->name() &&
            labels_file.empty())
          labels_file = f->name()->str();
  }
  if (!labels_file.empty()) {
    MCONV_ASSIGN_OR_RETURN(std::vector<ZipMember> files, read_appended_zip(file));
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const ZipMember& e) { return e.name == labels_file; });
    if (it == files.end())
      return Status::Error("metadata: labels file '" + labels_file +
                           "' is not in the zip archive appended to the model");
    out.labels = split_lines(it->data);
  }
  return std::optional<ir::ModelMetadata>(std::move(out));
}

}  // namespace mconv::tflite
