// What a delegate / execution provider is to the analysis: a table of the ops it takes (with
// their conditions), checks every node must pass first, and how it partitions. One table per
// delegate, each defined in its own rules_*.cc file next to the sources it was written from;
// the list of delegates with their names and sources is one registry (delegate_specs.cc).
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

// What one rules_*.cc file defines for its delegate: the ops it takes and how it judges nodes
// and partitions. Plain data, constant-initialized, so the registry can refer to it.
struct DelegateTable {
  std::span<const OpRule> rules;  // sorted by op (rules_sorted)
  CheckFn common = nullptr;       // checked on every node before its op row
  int min_partition_nodes = 1;    // smaller partitions stay on the CPU
  JudgeFn judge = nullptr;        // replaces the table walk (ORT CPU's QDQ grouping)
};

// A delegate as the report names it, with the table it is judged by.
struct DelegateSpec {
  std::string_view key;     // "xnnpack", "tflite-gpu", "ort-coreml-mlprogram", ...
  std::string_view name;    // "XNNPACK", "CoreML EP (MLProgram)", ...
  std::string_view format;  // "tflite" or "onnx"
  std::string_view source;  // where the rules come from (repository + file)
  const DelegateTable& table;
};

// The default judgement: common checks, then the op's row (absent row: "no kernel for OP").
std::vector<NodeJudgement> judge_by_table(const OpGraph& graph, const DelegateSpec& spec);

// Every delegate the analysis knows, in report order (delegate_specs.cc).
std::span<const DelegateSpec> all_delegate_specs();

// One table per rules_*.cc file.
extern const DelegateTable kXnnpackTable;
extern const DelegateTable kTfliteGpuTable;
extern const DelegateTable kTfliteCoremlTable;
extern const DelegateTable kOrtCpuTable;
extern const DelegateTable kOrtCoremlNeuralNetworkTable;
extern const DelegateTable kOrtCoremlMlProgramTable;
extern const DelegateTable kOrtNnapiTable;

}  // namespace mconv::delegates
