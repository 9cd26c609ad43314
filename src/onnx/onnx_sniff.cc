#include "onnx/onnx_sniff.h"

#include <string>

#include "core/number_format.h"

namespace mconv::onnx {
namespace {

// Reads a protobuf varint at `pos`; false when it runs past the end or over 10 bytes.
bool read_varint(const std::vector<uint8_t>& b, size_t* pos, uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= b.size()) return false;
    uint8_t byte = b[(*pos)++];
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = value;
      return true;
    }
  }
  return false;
}

// ModelProto fields whose wire type is fixed by onnx.proto (unknown fields are allowed).
struct KnownField {
  uint32_t number;   // field number in ModelProto
  uint32_t wire;     // 0 = varint, 2 = length-delimited
  const char* name;  // onnx.proto field name, for messages
};
constexpr KnownField kModelFields[] = {
    {1, 0, "ir_version"},     {2, 2, "producer_name"}, {3, 2, "producer_version"},
    {4, 2, "domain"},         {5, 0, "model_version"}, {6, 2, "doc_string"},
    {7, 2, "graph"},          {8, 2, "opset_import"},  {14, 2, "metadata_props"},
    {20, 2, "training_info"}, {25, 2, "functions"},
};

const KnownField* known_field(uint32_t number) {
  for (const auto& f : kModelFields)
    if (f.number == number) return &f;
  return nullptr;
}

std::string field_label(uint32_t number) {
  const KnownField* f = known_field(number);
  return f ? std::string(f->name) + " field" : "field " + std::to_string(number);
}

}  // namespace

Status check_model_structure(const std::vector<uint8_t>& bytes) {
  size_t pos = 0;
  bool has_graph = false;
  while (pos < bytes.size()) {
    size_t field_start = pos;
    uint64_t tag = 0;
    if (!read_varint(bytes, &pos, &tag))
      return Status::Error("bad protobuf tag at byte " + std::to_string(field_start));
    uint64_t number = tag >> 3;
    uint32_t wire = static_cast<uint32_t>(tag & 7);
    if (number == 0 || number > (1u << 29))
      return Status::Error("bad protobuf field number at byte " + std::to_string(field_start));
    const KnownField* known = known_field(static_cast<uint32_t>(number));
    if (known && known->wire != wire)
      return Status::Error(field_label(known->number) + " has wire type " + std::to_string(wire) +
                           " at byte " + std::to_string(field_start));
    uint64_t skip = 0;
    switch (wire) {
      case 0: {
        uint64_t ignored;
        if (!read_varint(bytes, &pos, &ignored))
          return Status::Error("file ends inside " + field_label(number));
        break;
      }
      case 1:
        skip = 8;
        break;
      case 5:
        skip = 4;
        break;
      case 2:
        if (!read_varint(bytes, &pos, &skip))
          return Status::Error("file ends inside the length of " + field_label(number));
        break;
      default:
        return Status::Error("bad protobuf wire type " + std::to_string(wire) + " at byte " +
                             std::to_string(field_start));
    }
    uint64_t remaining = bytes.size() - pos;
    if (skip > remaining)
      return Status::Error("truncated: " + field_label(number) + " needs " +
                           with_thousands(static_cast<int64_t>(skip)) + " bytes, " +
                           with_thousands(static_cast<int64_t>(remaining)) + " remain");
    pos += skip;
    if (number == 7) has_graph = true;
  }
  if (!has_graph) return Status::Error("no graph in the model");
  return Status::Ok();
}

}  // namespace mconv::onnx
