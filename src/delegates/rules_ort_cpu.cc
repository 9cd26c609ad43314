// ONNX Runtime CPU EP on a QDQ model: which nodes become fused integer kernels. Source:
// microsoft/onnxruntime, onnxruntime/core/optimizer/qdq_transformer/selectors_actions/
// qdq_selector_action_transformer.cc (the selector registrations: Conv -> QLinearConv, MatMul ->
// QLinearMatMul / MatMulIntegerToFloat, Gemm -> QGemm, Add/Mul -> QLinearAdd/QLinearMul,
// AveragePool/GlobalAveragePool/LeakyRelu/Sigmoid/Softmax -> QLinear* unary kernels, Concat ->
// QLinearConcat, data-movement ops whose Q/DQ pair is dropped) and
// onnxruntime/core/optimizer/qdq_transformer/relu_quantizelinear.cc / clip_quantizelinear.cc
// (Relu/Clip feeding a QuantizeLinear fold into it). A node is a fused integer kernel when its
// op has a selector, its float inputs all come from DequantizeLinear and its outputs all go to
// QuantizeLinear; anything else (HardSwish, HardSigmoid, Div, ...) runs ORT's float kernel
// between a DequantizeLinear and a QuantizeLinear. Q/DQ nodes themselves are not counted.
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

// The fused kernel each selector produces (the reason text shows it).
struct QdqRow {
  std::string_view op;
  std::string_view kernel;
  bool float_output_ok;  // MatMul/Gemm may end in float (MatMulIntegerToFloat, QGemm f32 out)
};
constexpr QdqRow kQdq[] = {
    {"Add", "QLinearAdd", false},
    {"AveragePool", "QLinearAveragePool", false},
    {"Clip", "folded into QuantizeLinear", false},
    {"Concat", "QLinearConcat", false},
    {"Conv", "QLinearConv", false},
    {"Flatten", "Q/DQ dropped", false},
    {"Gather", "Q/DQ dropped", false},
    {"Gemm", "QGemm", true},
    {"GlobalAveragePool", "QLinearGlobalAveragePool", false},
    {"LeakyRelu", "QLinearLeakyRelu", false},
    {"MatMul", "QLinearMatMul", true},
    {"MaxPool", "Q/DQ dropped", false},
    {"Mul", "QLinearMul", false},
    {"Relu", "folded into QuantizeLinear", false},
    {"Reshape", "Q/DQ dropped", false},
    {"Resize", "Q/DQ dropped", false},
    {"Sigmoid", "QLinearSigmoid", false},
    {"Softmax", "QLinearSoftmax", false},
    {"Squeeze", "Q/DQ dropped", false},
    {"Transpose", "Q/DQ dropped", false},
    {"Unsqueeze", "Q/DQ dropped", false},
};
constexpr bool qdq_sorted() {
  for (size_t i = 1; i < std::size(kQdq); ++i)
    if (!(kQdq[i - 1].op < kQdq[i].op)) return false;
  return true;
}
static_assert(qdq_sorted(), "QDQ selector rows must be sorted by op with no duplicates");

// The op column as an OpRule table, so listings and tests treat every delegate alike.
constexpr OpRule kRules[] = {
#define ROW(op) {op, nullptr},
    ROW("Add") ROW("AveragePool") ROW("Clip") ROW("Concat") ROW("Conv") ROW("Flatten") ROW("Gather")
        ROW("Gemm") ROW("GlobalAveragePool") ROW("LeakyRelu") ROW("MatMul") ROW("MaxPool")
            ROW("Mul") ROW("Relu") ROW("Reshape") ROW("Resize") ROW("Sigmoid") ROW("Softmax")
                ROW("Squeeze") ROW("Transpose") ROW("Unsqueeze")
#undef ROW
};
static_assert(std::size(kRules) == std::size(kQdq), "one OpRule per QDQ selector row");

const QdqRow* find_row(std::string_view op) {
  for (const QdqRow& r : kQdq)
    if (r.op == op) return &r;
  return nullptr;
}

bool is_q(const OpNode& n) {
  return n.op == "QuantizeLinear";
}
bool is_dq(const OpNode& n) {
  return n.op == "DequantizeLinear";
}

std::vector<NodeJudgement> judge(const OpGraph& g, const DelegateSpec&) {
  const auto producer = g.producers();
  const auto consumers = g.consumers();
  std::vector<NodeJudgement> out(g.nodes.size());
  bool has_qdq = false;
  for (const OpNode& n : g.nodes) has_qdq |= is_q(n) || is_dq(n);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const OpNode& n = g.nodes[i];
    NodeJudgement& j = out[i];
    if (is_q(n) || is_dq(n)) {
      j.counted = false;
      j.taken = true;
      continue;
    }
    if (!has_qdq) {
      j.reason = "float model (no QuantizeLinear/DequantizeLinear): float kernel";
      continue;
    }
    const QdqRow* row = find_row(n.op);
    if (!row) {
      j.reason = "no QDQ selector for " + n.op + ": runs the float kernel between DQ and Q";
      continue;
    }
    // Inputs: every float input that is not a constant comes from a DequantizeLinear; weights
    // (Conv/MatMul/Gemm input 1) must be DQ of constants too.
    std::string why;
    for (size_t s = 0; s < n.inputs.size() && why.empty(); ++s) {
      const int t = n.inputs[s];
      if (t < 0) continue;
      const TensorInfo& info = g.tensors[t];
      if (info.is_constant && info.type != ElemType::kF32) continue;  // shapes, axes, int bias
      if (info.is_constant && (s >= 2 || n.op == "Clip")) continue;   // clip bounds, bias
      if (info.is_constant) {
        why = "input " + std::to_string(s) + " is a float constant, not DequantizeLinear";
        continue;
      }
      const int p = producer[t];
      if (p < 0 || !is_dq(g.nodes[p]))
        why = "input " + std::to_string(s) + " does not come from DequantizeLinear";
    }
    for (int t : n.outputs) {
      if (!why.empty()) break;
      const bool graph_output = std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
      if (graph_output && !row->float_output_ok) {
        why = "output is a float graph output";
        break;
      }
      for (int c : consumers[t])
        if (!is_q(g.nodes[c]) && !row->float_output_ok) {
          why = "output feeds " + g.nodes[c].op + ", not QuantizeLinear";
          break;
        }
    }
    if (why.empty()) {
      j.taken = true;
    } else {
      j.reason = why + ": float kernel";
    }
  }
  return out;
}

}  // namespace

const DelegateTable kOrtCpuTable{.rules = kRules, .judge = judge};

}  // namespace mconv::delegates
