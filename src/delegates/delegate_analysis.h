// Delegate compatibility of a model file: for each delegate / execution provider that runs the
// file's format (TFLite: XNNPACK, GPU, Core ML; ONNX: ORT CPU integer kernels, CoreML EP
// NeuralNetwork and MLProgram, NNAPI EP), which nodes it takes, why it leaves the others, the
// partitions (connected groups of taken nodes) and a verdict in the spirit of ONNX Runtime's
// check_onnx_model_mobile_usability. Rules: rules_*.cc, each citing the delegate's source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/status.h"
#include "delegates/op_graph.h"

namespace mconv::delegates {

struct NotTaken {
  std::string node;    // node name
  std::string op;      // op as written in the file
  std::string reason;  // why the delegate leaves it (op, dtype, attribute or shape)
};

struct DelegateCoverage {
  std::string key;                   // "xnnpack", "ort-coreml-mlprogram", ...
  std::string name;                  // "XNNPACK", "CoreML EP (MLProgram)", ...
  std::string source;                // where the rules come from
  int nodes = 0;                     // nodes counted (ORT CPU: compute nodes, Q/DQ excluded)
  int taken = 0;                     // of those, taken by the delegate
  std::vector<int> partition_sizes;  // nodes per partition, in graph order
  std::vector<NotTaken> not_taken;
  std::string verdict;       // "good", "maybe", "poor", "none", or "float" (ORT CPU, float model)
  std::string verdict_text;  // one sentence
  double share() const { return nodes ? static_cast<double>(taken) / nodes : 0.0; }
};

struct DelegateReport {
  std::string format;  // "tflite" / "onnx"
  std::vector<DelegateCoverage> delegates;
  const DelegateCoverage* find(const std::string& key) const;
};

// Every delegate of the graph's format.
DelegateReport analyze_delegates(const OpGraph& graph);
// Reads the file's ops (TFLite by its 'TFL3' identifier, else ONNX) and analyzes them.
Expected<DelegateReport> analyze_model_bytes(const std::vector<uint8_t>& bytes,
                                             const std::string& source);

// A table per delegate with the nodes not taken, for `mconv inspect --delegates`.
std::string delegate_report_text(const DelegateReport& report);
// The same facts as JSON: one object {format, delegates: [...]} written into `json`.
void write_delegate_json(JsonWriter& json, const DelegateReport& report);
std::string delegate_report_json(const DelegateReport& report);

}  // namespace mconv::delegates
