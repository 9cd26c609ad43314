// What a delegate / execution provider is to the analysis: a table of the ops it takes (with
// their conditions), checks every node must pass first, and how it partitions. One spec per
// delegate, each defined in its own rules_*.cc file next to the sources it was written from.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "delegates/rule_checks.h"

namespace mconv::delegates {

struct DelegateSpec;

// The verdict on one node.
struct NodeJudgement {
  bool counted = true;  // false: not a node this delegate's share is measured on (ORT CPU: Q/DQ)
  bool taken = false;   // the delegate runs it
  std::string reason;   // why not, when !taken
};
using JudgeFn = std::vector<NodeJudgement> (*)(const OpGraph&, const DelegateSpec&);

struct DelegateSpec {
  std::string_view key;           // "xnnpack", "tflite-gpu", "ort-coreml-mlprogram", ...
  std::string_view name;          // "XNNPACK", "CoreML EP (MLProgram)", ...
  std::string_view format;        // "tflite" or "onnx"
  std::string_view source;        // where the rules come from (repository + file)
  std::span<const OpRule> rules;  // sorted by op (rules_sorted)
  CheckFn common = nullptr;       // checked on every node before its op row
  int min_partition_nodes = 1;    // smaller partitions stay on the CPU
  JudgeFn judge = nullptr;        // replaces the table walk (ORT CPU's QDQ grouping)
};

// The default judgement: common checks, then the op's row (absent row: "no kernel for OP").
std::vector<NodeJudgement> judge_by_table(const OpGraph& graph, const DelegateSpec& spec);

const DelegateSpec& xnnpack_spec();
const DelegateSpec& tflite_gpu_spec();
const DelegateSpec& tflite_coreml_spec();
const DelegateSpec& ort_cpu_spec();
const DelegateSpec& ort_coreml_neuralnetwork_spec();
const DelegateSpec& ort_coreml_mlprogram_spec();
const DelegateSpec& ort_nnapi_spec();

}  // namespace mconv::delegates
