// Assembles a TFLite flatbuffer: tensors, constant buffers, operator codes (one per builtin, at
// the highest version any of its uses needs), operators in execution order, one subgraph and its
// signature. Options tables are built by the caller with builder() before add_operator().
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace mconv::tflite {

// TFLite element type of an IR dtype; error for types TFLite cannot hold.
Expected<::tflite::TensorType> tflite_type(DType dtype);

class TfliteWriter {
 public:
  flatbuffers::FlatBufferBuilder& builder() { return fbb_; }

  // A computed (non-constant) tensor. Unknown dims are written as 1 in `shape` and -1 in
  // `shape_signature`. `quant` (optional) becomes the tensor's QuantizationParameters.
  Expected<int> add_tensor(const std::string& name, DType dtype, const ir::Shape& shape,
                           const ir::QuantParams* quant = nullptr);
  // A constant tensor with its own buffer.
  Expected<int> add_constant(const std::string& name, const Tensor& data,
                             const ir::QuantParams* quant = nullptr);

  // An operator; `options` is an offset into builder() (or 0 for none).
  void add_operator(::tflite::BuiltinOperator op, int version, std::vector<int> inputs,
                    std::vector<int> outputs,
                    ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions_NONE,
                    flatbuffers::Offset<void> options = 0);

  // Signature entries: alias name -> tensor index, in order.
  struct IoTensor {
    std::string name;  // signature alias (the source's input/output name)
    int tensor;        // tensor index
  };
  // Builds the Model table and returns the finished file bytes.
  std::vector<uint8_t> finish(const std::vector<IoTensor>& inputs,
                              const std::vector<IoTensor>& outputs,
                              const std::string& signature_key, const std::string& description);

  int operator_count() const { return static_cast<int>(operators_.size()); }

  // A named metadata entry (Model.metadata) whose buffer holds `data` (e.g. "TFLITE_METADATA").
  void add_metadata(const std::string& name, std::vector<uint8_t> data);

 private:
  struct TensorRecord {
    std::string name;                      // tensor name
    ::tflite::TensorType type;             // element type
    std::vector<int32_t> shape;            // static shape (unknown dims as 1)
    std::vector<int32_t> signature;        // shape with -1 for unknown dims; empty when all known
    uint32_t buffer = 0;                   // 0 = no data
    std::optional<ir::QuantParams> quant;  // quantization of an integer tensor
  };
  struct OperatorRecord {
    uint32_t opcode_index;         // into opcodes_
    std::vector<int32_t> inputs;   // tensor indices, -1 = omitted
    std::vector<int32_t> outputs;  // tensor indices
    ::tflite::BuiltinOptions options_type;
    flatbuffers::Offset<void> options;
  };
  struct OpcodeRecord {
    ::tflite::BuiltinOperator op;  // builtin code
    int version;                   // highest version any use needs
  };

  flatbuffers::FlatBufferBuilder fbb_{1 << 20};
  std::vector<TensorRecord> tensors_;
  std::vector<std::vector<uint8_t>> buffers_ = {{}};  // buffer 0: the empty sentinel
  std::vector<OpcodeRecord> opcodes_;
  std::map<int, uint32_t> opcode_index_;  // builtin code -> index into opcodes_
  std::vector<OperatorRecord> operators_;
  std::vector<std::pair<std::string, uint32_t>> metadata_;  // name -> buffer index
};

}  // namespace mconv::tflite
