// The decisions of the QDQ rewrite, made before the graph is touched: which nodes run quantized,
// which activations get a QuantizeLinear/DequantizeLinear pair and with which params. Separate from
// the rewrite (quantize_qdq.cc) so the choices can be inspected and tested on their own.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"
#include "quant/qdq_rules.h"
#include "quant/quantize_qdq.h"

namespace mconv::quant {

struct QdqPlan {
  std::unordered_set<const ir::Node*> quantized_nodes;  // nodes whose operands are quantized
  std::vector<ir::Value*> activations;                  // values to wrap in Q/DQ, graph order
  // Params of every planned activation, and of tied constant operands (Concat of a constant).
  std::unordered_map<const ir::Value*, ir::QuantParams> params;
  // Pre-activation outputs fused with the Relu/Clip reading them (no Q/DQ in between).
  std::unordered_set<const ir::Value*> fused;
};

// Inputs of `node` that carry activation data under its role (e.g. input 0 of Reshape, both
// operands of Add, the activation and non-constant weights of MatMul).
std::vector<int> data_input_indices(const ir::Node& node, QuantRole role);

// Names of the graph's head: the nodes computed from the graph inputs alone through its first
// `convs` Conv/Gemm/MatMul nodes (input scaling, layout Transpose, the stem convolution and its
// activation, ...), in graph order.
std::vector<std::string> head_node_names(const ir::Graph& graph, int convs);

// Plans the rewrite of `graph` (which must be topologically sorted and free of Q/DQ nodes).
Expected<QdqPlan> plan_qdq(const ir::Graph& graph, const CalibrationResult& calibration,
                           const QuantizeOptions& options);

}  // namespace mconv::quant
