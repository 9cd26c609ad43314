// Helpers for the TFLite importer tests (tests/tflite/*import*_test.cc): small TFLite models built
// in memory with the flatbuffers builder API of mconv's generated schema (single-op models to
// check op semantics against LiteRT, deliberately broken ones: bad indices, short buffers,
// cycles), and LiteRT runs with a choice of engine.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/npy.h"
#include "core/tensor.h"
#include "litert_runner.h"
#include "support/test_support.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace mconv::test {

// One model run for run_litert_models: the model and one tensor per input (float32 values for
// quantized inputs: the runner quantizes them with the input's scale and zero point).
struct LiteRtModelRun {
  std::string model;           // .tflite path
  std::vector<Tensor> inputs;  // stacked samples [N, ...] or exactly the input's shape
};

// Runs every model in one Node process on `engine` ("litert", "tfjs" or "auto"); returns output 0
// of each run in the output's own dtype (uint8 stays uint8), or an error with the runner's log.
inline Expected<std::vector<Tensor>> run_litert_models(const std::vector<LiteRtModelRun>& runs,
                                                       const std::string& engine = "litert") {
  const std::string dir = make_temp_dir("tflite_import_litert");
  std::ofstream list(dir + "/jobs.tsv");
  for (size_t j = 0; j < runs.size(); ++j) {
    list << runs[j].model << '\t' << dir << "/out" << j;
    for (size_t k = 0; k < runs[j].inputs.size(); ++k) {
      const std::string path = dir + "/in" + std::to_string(j) + "_" + std::to_string(k) + ".npy";
      MCONV_RETURN_IF_ERROR(write_npy(path, runs[j].inputs[k]));
      list << '\t' << path;
    }
    list << '\n';
  }
  list.close();
  const CommandResult run = run_command(
      "MCONV_LITERT_HOME='" + litert_home() + "' node --experimental-wasm-relaxed-simd '" +
      litert_source_dir() + "/tools/litert/mconv_litert.mjs' batch '" + dir +
      "/jobs.tsv' --engine " + engine);
  if (run.exit_code != 0)
    return Status::Error("LiteRT runner failed (exit " + std::to_string(run.exit_code) +
                         "): " + run.output);
  std::vector<Tensor> outs;
  for (size_t j = 0; j < runs.size(); ++j) {
    auto out = read_npy(dir + "/out" + std::to_string(j) + ".0.npy");
    if (!out.ok()) return out.status();
    outs.push_back(std::move(out).value());
  }
  return outs;
}

namespace tfl = ::tflite;

class TfliteModelBuilder {
 public:
  struct Quant {
    std::vector<float> scale;         // one per tensor or per channel
    std::vector<int64_t> zero_point;  // same count
    int axis = 0;                     // quantized_dimension
  };
  // Builds an operator's options table in the model's builder: (union type, offset).
  using OptionsFn = std::function<std::pair<tfl::BuiltinOptions, flatbuffers::Offset<void>>(
      flatbuffers::FlatBufferBuilder&)>;

  // An activation tensor (no data). `signature` becomes shape_signature when non-empty.
  int tensor(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape,
             std::optional<Quant> quant = std::nullopt, std::vector<int32_t> signature = {}) {
    tensors_.push_back({name, type, std::move(shape), std::move(signature), std::move(quant), -1});
    return static_cast<int>(tensors_.size()) - 1;
  }
  // A constant tensor holding `values` (raw little-endian copy of T).
  template <typename T>
  int constant(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape,
               const std::vector<T>& values, std::optional<Quant> quant = std::nullopt) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return raw_constant(name, type, std::move(shape), std::move(bytes), std::move(quant));
  }
  // A constant with arbitrary bytes (the size need not match the shape).
  int raw_constant(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape,
                   std::vector<uint8_t> bytes, std::optional<Quant> quant = std::nullopt) {
    buffers_.push_back({std::move(bytes), 0, 0});
    const int t = tensor(name, type, std::move(shape), std::move(quant));
    tensors_[t].buffer = static_cast<int>(buffers_.size());  // buffer 0 is the sentinel
    return t;
  }
  // A constant whose data lives outside the flatbuffer (large-model format): `bytes` is
  // appended after the flatbuffer, or offset/size are forced to the given values when set.
  int external_constant(const std::string& name, tfl::TensorType type, std::vector<int32_t> shape,
                        std::vector<uint8_t> bytes, uint64_t forced_offset = 0,
                        uint64_t forced_size = 0) {
    const int t = tensor(name, type, std::move(shape));
    external_.push_back({t, std::move(bytes), forced_offset, forced_size});
    buffers_.push_back({{}, 0, 0});
    tensors_[t].buffer = static_cast<int>(buffers_.size());
    external_buffer_index_.push_back(static_cast<int>(buffers_.size()));
    return t;
  }
  void set_tensor_buffer(int t, int buffer) { tensors_[t].buffer = buffer; }

  void op(tfl::BuiltinOperator code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          OptionsFn options = nullptr, int version = 1, std::string custom_code = "") {
    ops_.push_back({code, version, std::move(custom_code), std::move(inputs), std::move(outputs),
                    std::move(options), -1});
  }
  // Overrides the operator code index of the last operator (for out-of-range tests).
  void set_last_opcode_index(int index) { ops_.back().forced_opcode = index; }

  void inputs(std::vector<int32_t> v) { inputs_ = std::move(v); }
  void outputs(std::vector<int32_t> v) { outputs_ = std::move(v); }

  uint32_t schema_version = 3;   // Model.version to write
  bool identifier = true;        // stamp "TFL3"
  bool old_style_codes = false;  // only deprecated_builtin_code, like old TOCO files

  std::vector<uint8_t> finish() const {
    flatbuffers::FlatBufferBuilder fbb;
    // Operator codes, one per (code, version, custom name).
    std::vector<std::tuple<tfl::BuiltinOperator, int, std::string>> codes;
    std::vector<uint32_t> op_code_index;
    for (const auto& o : ops_) {
      auto key = std::make_tuple(o.code, o.version, o.custom);
      auto it = std::find(codes.begin(), codes.end(), key);
      if (it == codes.end()) {
        codes.push_back(key);
        it = codes.end() - 1;
      }
      op_code_index.push_back(o.forced_opcode >= 0 ? o.forced_opcode
                                                   : static_cast<uint32_t>(it - codes.begin()));
    }
    std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
    buffers.push_back(tfl::CreateBuffer(fbb));
    for (size_t b = 0; b < buffers_.size(); ++b) {
      const int index = static_cast<int>(b) + 1;
      auto ext = std::find(external_buffer_index_.begin(), external_buffer_index_.end(), index);
      if (ext != external_buffer_index_.end()) {
        buffers.push_back(tfl::CreateBuffer(fbb, 0, kOffsetPlaceholder, kOffsetPlaceholder));
      } else {
        buffers.push_back(tfl::CreateBufferDirect(fbb, &buffers_[b].data));
      }
    }
    std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
    for (const auto& t : tensors_) {
      flatbuffers::Offset<tfl::QuantizationParameters> q = 0;
      if (t.quant)
        q = tfl::CreateQuantizationParametersDirect(
            fbb, nullptr, nullptr, &t.quant->scale, &t.quant->zero_point,
            tfl::QuantizationDetails_NONE, 0, t.quant->axis);
      tensors.push_back(tfl::CreateTensorDirect(
          fbb, &t.shape, t.type, t.buffer < 0 ? 0 : static_cast<uint32_t>(t.buffer), t.name.c_str(),
          q, false, 0, t.signature.empty() ? nullptr : &t.signature));
    }
    std::vector<flatbuffers::Offset<tfl::Operator>> operators;
    for (size_t i = 0; i < ops_.size(); ++i) {
      const auto& o = ops_[i];
      std::pair<tfl::BuiltinOptions, flatbuffers::Offset<void>> options{tfl::BuiltinOptions_NONE,
                                                                        0};
      if (o.options) options = o.options(fbb);
      operators.push_back(tfl::CreateOperatorDirect(fbb, op_code_index[i], &o.inputs, &o.outputs,
                                                    options.first, options.second));
    }
    std::vector<flatbuffers::Offset<tfl::OperatorCode>> op_codes;
    for (const auto& [code, version, custom] : codes) {
      const int8_t deprecated = static_cast<int8_t>(std::min<int>(code, 127));
      op_codes.push_back(
          tfl::CreateOperatorCode(fbb, deprecated, custom.empty() ? 0 : fbb.CreateString(custom),
                                  version, old_style_codes ? tfl::BuiltinOperator_ADD : code));
    }
    std::vector<flatbuffers::Offset<tfl::SubGraph>> subgraphs{
        tfl::CreateSubGraphDirect(fbb, &tensors, &inputs_, &outputs_, &operators, "main")};
    auto model = tfl::CreateModelDirect(fbb, schema_version, &op_codes, &subgraphs,
                                        "mconv importer test", &buffers);
    if (identifier) {
      tfl::FinishModelBuffer(fbb, model);
    } else {
      fbb.Finish(model);
    }
    std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    patch_external(&bytes);
    return bytes;
  }

 private:
  static constexpr uint64_t kOffsetPlaceholder = 0x5a5a5a5a5a5a5a5aull;

  // Appends external data and rewrites the placeholder offset/size pairs in place (the pairs are
  // found by their placeholder value, in buffer order).
  void patch_external(std::vector<uint8_t>* bytes) const {
    for (const auto& e : external_) {
      while (bytes->size() % 16) bytes->push_back(0);
      const uint64_t offset = e.forced_offset ? e.forced_offset : bytes->size();
      const uint64_t size = e.forced_size ? e.forced_size : e.bytes.size();
      bytes->insert(bytes->end(), e.bytes.begin(), e.bytes.end());
      for (size_t i = 0; i + 16 <= bytes->size(); i += 4) {
        uint64_t a, b;
        std::memcpy(&a, bytes->data() + i, 8);
        std::memcpy(&b, bytes->data() + i + 8, 8);
        if (a == kOffsetPlaceholder && b == kOffsetPlaceholder) {
          std::memcpy(bytes->data() + i, &offset, 8);
          std::memcpy(bytes->data() + i + 8, &size, 8);
          break;
        }
      }
    }
  }

  struct TensorSpec {
    std::string name;
    tfl::TensorType type;
    std::vector<int32_t> shape;
    std::vector<int32_t> signature;
    std::optional<Quant> quant;
    int buffer;  // -1 = none (buffer 0)
  };
  struct BufferSpec {
    std::vector<uint8_t> data;
    uint64_t offset, size;
  };
  struct OpSpec {
    tfl::BuiltinOperator code;
    int version;
    std::string custom;
    std::vector<int32_t> inputs, outputs;
    OptionsFn options;
    int forced_opcode;
  };
  struct ExternalSpec {
    int tensor;
    std::vector<uint8_t> bytes;
    uint64_t forced_offset, forced_size;
  };
  std::vector<TensorSpec> tensors_;
  std::vector<BufferSpec> buffers_;
  std::vector<OpSpec> ops_;
  std::vector<ExternalSpec> external_;
  std::vector<int> external_buffer_index_;
  std::vector<int32_t> inputs_, outputs_;
};

// The builtin options of an ADD without activation.
inline auto add_options() {
  return [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(fbb).Union());
  };
}

// Two ADDs each reading the other's output: a graph cycle (hostile: import must refuse it).
inline TfliteModelBuilder two_add_cycle_model() {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int t_b = b.tensor("t_b", tfl::TensorType_FLOAT32, {4});
  const int t_c = b.tensor("t_c", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, t_c}, {t_b}, add_options());
  b.op(tfl::BuiltinOperator_ADD, {t_b, in}, {t_c}, add_options());
  b.inputs({in});
  b.outputs({t_c});
  return b;
}

// One ADD reading its own output (hostile: a one-node cycle).
inline TfliteModelBuilder self_loop_add_model() {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int loop = b.tensor("loop", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, loop}, {loop}, add_options());
  b.inputs({in});
  b.outputs({loop});
  return b;
}

// x[4] -> one operator -> y[4] (`binary`: the operator reads x twice): the smallest graph around
// an operator, for codes, versions and custom operators the importer must name when it refuses.
inline TfliteModelBuilder one_op_model(tfl::BuiltinOperator code, bool binary,
                                       TfliteModelBuilder::OptionsFn options = nullptr,
                                       int version = 1, std::string custom_code = "") {
  TfliteModelBuilder b;
  const int x = b.tensor("x", tfl::TensorType_FLOAT32, {4});
  const int y = b.tensor("y", tfl::TensorType_FLOAT32, {4});
  b.op(code, binary ? std::vector<int32_t>{x, x} : std::vector<int32_t>{x}, {y}, std::move(options),
       version, std::move(custom_code));
  b.inputs({x});
  b.outputs({y});
  return b;
}

}  // namespace mconv::test
