// Reading TFLite model metadata and the zip archive of associated files back (tflite_metadata.h).
// Every offset read from the file is bounds-checked: hostile bytes give an error, never a crash.
#include <algorithm>
#include <cstring>

#include "tflite/metadata/tflite_metadata.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/schema/mconv_tflite_metadata_generated.h"

namespace mconv::tflite {
namespace {

namespace fb = ::flatbuffers;
namespace md = ::tflite_metadata;

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEndOfCentralSignature = 0x06054b50;
constexpr size_t kEndOfCentralSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t get32(const uint8_t* p) {
  return static_cast<uint32_t>(get16(p)) | (static_cast<uint32_t>(get16(p + 2)) << 16);
}

// Position of the end-of-central-directory record: the last signature whose comment length
// reaches exactly the end of the file.
std::optional<size_t> find_end_of_central(const std::vector<uint8_t>& file) {
  if (file.size() < kEndOfCentralSize) return std::nullopt;
  const size_t lowest =
      file.size() > kEndOfCentralSize + 0xffff ? file.size() - kEndOfCentralSize - 0xffff : 0;
  for (size_t pos = file.size() - kEndOfCentralSize + 1; pos-- > lowest;) {
    if (get32(&file[pos]) == kEndOfCentralSignature &&
        pos + kEndOfCentralSize + get16(&file[pos + 20]) == file.size())
      return pos;
  }
  return std::nullopt;
}

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

Expected<std::vector<ZipEntry>> read_appended_zip(const std::vector<uint8_t>& file) {
  std::vector<ZipEntry> entries;
  const std::optional<size_t> end = find_end_of_central(file);
  if (!end) return entries;
  const uint8_t* e = &file[*end];
  const uint16_t count = get16(e + 10);
  const uint32_t central_size = get32(e + 12);
  const uint32_t central_offset = get32(e + 16);
  if (get16(e + 4) != 0 || get16(e + 6) != 0 || get16(e + 8) != count)
    return Status::Error("appended zip: multi-disk archives are not supported");
  if (static_cast<uint64_t>(central_offset) + central_size > *end)
    return Status::Error("appended zip: central directory beyond its end record");
  // Offsets are relative to the file start (the tools' form) or to the archive start: the
  // difference between where the directory is and where it says it is tells which.
  const size_t central = *end - central_size;
  const size_t prefix = central - central_offset;
  size_t pos = central;
  for (uint16_t i = 0; i < count; ++i) {
    if (pos + kCentralHeaderSize > *end || get32(&file[pos]) != kCentralHeaderSignature)
      return Status::Error("appended zip: damaged central directory entry " + std::to_string(i));
    const uint8_t* h = &file[pos];
    const uint16_t method = get16(h + 10);
    const uint32_t compressed = get32(h + 20);
    const uint32_t size = get32(h + 24);
    const size_t name_len = get16(h + 28);
    const size_t extra_len = get16(h + 30);
    const size_t comment_len = get16(h + 32);
    const uint64_t local = static_cast<uint64_t>(prefix) + get32(h + 42);
    if (pos + kCentralHeaderSize + name_len + extra_len + comment_len > *end)
      return Status::Error("appended zip: central directory entry " + std::to_string(i) +
                           " runs past the directory");
    ZipEntry entry;
    entry.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), name_len);
    if (method != 0 || compressed != size)
      return Status::Error("appended zip: entry '" + entry.name +
                           "' is compressed (metadata readers take STORED entries only)");
    if (local + kLocalHeaderSize > central || get32(&file[local]) != kLocalHeaderSignature)
      return Status::Error("appended zip: entry '" + entry.name + "' has no local header");
    const uint64_t data =
        local + kLocalHeaderSize + get16(&file[local + 26]) + get16(&file[local + 28]);
    if (data + size > central)
      return Status::Error("appended zip: entry '" + entry.name + "' runs past the archive");
    entry.data.assign(file.begin() + static_cast<std::ptrdiff_t>(data),
                      file.begin() + static_cast<std::ptrdiff_t>(data + size));
    if (zip_crc32(entry.data) != get32(h + 16))
      return Status::Error("appended zip: entry '" + entry.name + "' fails its CRC check");
    entries.push_back(std::move(entry));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return entries;
}

Expected<std::optional<ir::ModelMetadata>> read_tflite_metadata(const std::vector<uint8_t>& file) {
  if (file.size() < 8) return Status::Error("too short for a TFLite model");
  fb::Verifier model_verifier(file.data(),
                              std::min<size_t>(file.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1));
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
    MCONV_ASSIGN_OR_RETURN(std::vector<ZipEntry> files, read_appended_zip(file));
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const ZipEntry& e) { return e.name == labels_file; });
    if (it == files.end())
      return Status::Error("metadata: labels file '" + labels_file +
                           "' is not in the zip archive appended to the model");
    out.labels = split_lines(it->data);
  }
  return std::optional<ir::ModelMetadata>(std::move(out));
}

}  // namespace mconv::tflite
