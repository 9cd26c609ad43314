#include "tflite/export/tflite_writer.h"

#include <limits>

namespace mconv::tflite {

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

Expected<tfl::TensorType> tflite_type(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return tfl::TensorType_FLOAT32;
    case DType::kF16:
      return tfl::TensorType_FLOAT16;
    case DType::kBF16:
      return tfl::TensorType_BFLOAT16;
    case DType::kI8:
      return tfl::TensorType_INT8;
    case DType::kU8:
      return tfl::TensorType_UINT8;
    case DType::kI16:
      return tfl::TensorType_INT16;
    case DType::kI32:
      return tfl::TensorType_INT32;
    case DType::kI64:
      return tfl::TensorType_INT64;
    case DType::kBool:
      return tfl::TensorType_BOOL;
    case DType::kUndefined:
      break;
  }
  return Status::Error("dtype " + std::string(dtype_name(dtype)) + " has no TFLite tensor type");
}

Expected<int> TfliteWriter::add_tensor(const std::string& name, DType dtype, const ir::Shape& shape,
                                       const ir::QuantParams* quant) {
  MCONV_ASSIGN_OR_RETURN(tfl::TensorType type, tflite_type(dtype));
  TensorRecord t;
  t.name = name;
  t.type = type;
  if (quant && !quant->scale.empty()) {
    if (quant->zero_point.size() != quant->scale.size())
      return Status::Error("tensor '" + name + "': scale and zero point counts differ");
    t.quant = *quant;
  }
  bool any_unknown = false;
  for (const ir::Dim& d : shape) {
    if (d.known() && d.size > std::numeric_limits<int32_t>::max())
      return Status::Error("tensor '" + name + "': dim " + std::to_string(d.size) +
                           " exceeds TFLite's int32 shapes");
    t.shape.push_back(d.known() ? static_cast<int32_t>(d.size) : 1);
    any_unknown = any_unknown || !d.known();
  }
  if (any_unknown)
    for (const ir::Dim& d : shape)
      t.signature.push_back(d.known() ? static_cast<int32_t>(d.size) : -1);
  tensors_.push_back(std::move(t));
  return static_cast<int>(tensors_.size() - 1);
}

Expected<int> TfliteWriter::add_constant(const std::string& name, const Tensor& data,
                                         const ir::QuantParams* quant) {
  MCONV_ASSIGN_OR_RETURN(int index,
                         add_tensor(name, data.dtype(), ir::make_shape(data.shape()), quant));
  buffers_.push_back(data.bytes());
  tensors_[index].buffer = static_cast<uint32_t>(buffers_.size() - 1);
  return index;
}

void TfliteWriter::add_operator(tfl::BuiltinOperator op, int version, std::vector<int> inputs,
                                std::vector<int> outputs, tfl::BuiltinOptions options_type,
                                fb::Offset<void> options) {
  uint32_t code;
  auto it = opcode_index_.find(static_cast<int>(op));
  if (it == opcode_index_.end()) {
    code = static_cast<uint32_t>(opcodes_.size());
    opcodes_.push_back({op, version});
    opcode_index_[static_cast<int>(op)] = code;
  } else {
    code = it->second;
    opcodes_[code].version = std::max(opcodes_[code].version, version);
  }
  OperatorRecord rec;
  rec.opcode_index = code;
  rec.inputs.assign(inputs.begin(), inputs.end());
  rec.outputs.assign(outputs.begin(), outputs.end());
  rec.options_type = options_type;
  rec.options = options;
  operators_.push_back(std::move(rec));
}

void TfliteWriter::add_metadata(const std::string& name, std::vector<uint8_t> data) {
  buffers_.push_back(std::move(data));
  metadata_.emplace_back(name, static_cast<uint32_t>(buffers_.size() - 1));
}

std::vector<uint8_t> TfliteWriter::finish(const std::vector<IoTensor>& inputs,
                                          const std::vector<IoTensor>& outputs,
                                          const std::string& signature_key,
                                          const std::string& description) {
  // Buffers: data aligned to 16 bytes as the schema asks (force_align), so runtimes can use the
  // weights in place.
  std::vector<fb::Offset<tfl::Buffer>> buffers;
  for (const std::vector<uint8_t>& data : buffers_) {
    if (data.empty()) {
      buffers.push_back(tfl::BufferBuilder(fbb_).Finish());
      continue;
    }
    fbb_.ForceVectorAlignment(data.size(), sizeof(uint8_t), 16);
    auto vec = fbb_.CreateVector(data);
    tfl::BufferBuilder b(fbb_);
    b.add_data(vec);
    buffers.push_back(b.Finish());
  }

  std::vector<fb::Offset<tfl::Tensor>> tensors;
  for (const TensorRecord& t : tensors_) {
    auto shape = fbb_.CreateVector(t.shape);
    auto name = fbb_.CreateString(t.name);
    fb::Offset<fb::Vector<int32_t>> signature;
    if (!t.signature.empty()) signature = fbb_.CreateVector(t.signature);
    fb::Offset<tfl::QuantizationParameters> quant;
    if (t.quant) {
      auto scale = fbb_.CreateVector(t.quant->scale);
      auto zero_point = fbb_.CreateVector(t.quant->zero_point);
      tfl::QuantizationParametersBuilder q(fbb_);
      q.add_scale(scale);
      q.add_zero_point(zero_point);
      q.add_quantized_dimension(t.quant->per_axis() ? t.quant->axis : 0);
      quant = q.Finish();
    }
    tfl::TensorBuilder b(fbb_);
    b.add_shape(shape);
    b.add_type(t.type);
    b.add_buffer(t.buffer);
    b.add_name(name);
    if (t.quant) b.add_quantization(quant);
    if (!t.signature.empty()) b.add_shape_signature(signature);
    b.add_has_rank(true);
    tensors.push_back(b.Finish());
  }

  std::vector<fb::Offset<tfl::Operator>> operators;
  for (const OperatorRecord& op : operators_) {
    auto in = fbb_.CreateVector(op.inputs);
    auto out = fbb_.CreateVector(op.outputs);
    tfl::OperatorBuilder b(fbb_);
    b.add_opcode_index(op.opcode_index);
    b.add_inputs(in);
    b.add_outputs(out);
    if (op.options_type != tfl::BuiltinOptions_NONE) {
      b.add_builtin_options_type(op.options_type);
      b.add_builtin_options(op.options);
    }
    operators.push_back(b.Finish());
  }

  std::vector<int32_t> input_indices, output_indices;
  for (const IoTensor& io : inputs) input_indices.push_back(io.tensor);
  for (const IoTensor& io : outputs) output_indices.push_back(io.tensor);
  auto subgraph = tfl::CreateSubGraph(
      fbb_, fbb_.CreateVector(tensors), fbb_.CreateVector(input_indices),
      fbb_.CreateVector(output_indices), fbb_.CreateVector(operators), fbb_.CreateString("main"));

  std::vector<fb::Offset<tfl::OperatorCode>> codes;
  for (const OpcodeRecord& c : opcodes_) {
    // Codes past 126 do not fit the legacy byte field, which then holds the placeholder.
    const int8_t legacy =
        static_cast<int>(c.op) < tfl::BuiltinOperator_PLACEHOLDER_FOR_GREATER_OP_CODES
            ? static_cast<int8_t>(c.op)
            : static_cast<int8_t>(tfl::BuiltinOperator_PLACEHOLDER_FOR_GREATER_OP_CODES);
    codes.push_back(tfl::CreateOperatorCode(fbb_, legacy, 0, c.version, c.op));
  }

  auto tensor_maps = [&](const std::vector<IoTensor>& list) {
    std::vector<fb::Offset<tfl::TensorMap>> maps;
    for (const IoTensor& io : list)
      maps.push_back(
          tfl::CreateTensorMap(fbb_, fbb_.CreateString(io.name), static_cast<uint32_t>(io.tensor)));
    return fbb_.CreateVector(maps);
  };
  auto sig_inputs = tensor_maps(inputs);
  auto sig_outputs = tensor_maps(outputs);
  auto signature =
      tfl::CreateSignatureDef(fbb_, sig_inputs, sig_outputs, fbb_.CreateString(signature_key), 0);

  auto codes_vec = fbb_.CreateVector(codes);
  auto subgraphs_vec = fbb_.CreateVector(&subgraph, 1);
  auto description_str = fbb_.CreateString(description);
  auto buffers_vec = fbb_.CreateVector(buffers);
  auto signatures_vec = fbb_.CreateVector(&signature, 1);
  std::vector<fb::Offset<tfl::Metadata>> metadata;
  for (const auto& [name, buffer] : metadata_)
    metadata.push_back(tfl::CreateMetadata(fbb_, fbb_.CreateString(name), buffer));
  auto metadata_vec = metadata.empty() ? 0 : fbb_.CreateVector(metadata);
  tfl::ModelBuilder model(fbb_);
  model.add_version(3);
  model.add_operator_codes(codes_vec);
  model.add_subgraphs(subgraphs_vec);
  model.add_description(description_str);
  model.add_buffers(buffers_vec);
  model.add_signature_defs(signatures_vec);
  if (!metadata.empty()) model.add_metadata(metadata_vec);
  tfl::FinishModelBuffer(fbb_, model.Finish());
  return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
}

}  // namespace mconv::tflite
