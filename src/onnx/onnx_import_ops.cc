// The op table and the generic 1:1 converter.
#include "onnx/onnx_import_ops.h"

#include <algorithm>
#include <array>
#include <variant>

namespace mconv::onnx {
namespace {

using ir::OpType;

template <OpType op, int min_in, int max_in>
Status plain(NodeImporter& n) {
  return import_one_to_one(n, op, min_in, max_in);
}

Status import_leaky_relu(NodeImporter& n) {
  return import_one_to_one(n, OpType::kLeakyRelu, 1, 1, {{"alpha", 0.01f}});
}
Status import_hard_sigmoid(NodeImporter& n) {
  return import_one_to_one(n, OpType::kHardSigmoid, 1, 1, {{"alpha", 0.2f}, {"beta", 0.5f}});
}
Status import_flatten(NodeImporter& n) {
  return import_one_to_one(n, OpType::kFlatten, 1, 1, {{"axis", int64_t{1}}});
}
Status import_reshape(NodeImporter& n) {
  return import_one_to_one(n, OpType::kReshape, 2, 2, {{"allowzero", int64_t{0}}});
}
Status import_gemm(NodeImporter& n) {
  return import_one_to_one(
      n, OpType::kGemm, 2, 3,
      {{"alpha", 1.0f}, {"beta", 1.0f}, {"transA", int64_t{0}}, {"transB", int64_t{0}}});
}
Status import_gather(NodeImporter& n) {
  return import_one_to_one(n, OpType::kGather, 2, 2, {{"axis", int64_t{0}}});
}

// Sorted by name for binary search.
constexpr std::array kRules = {
    OpImportRule{"Add", 11, plain<OpType::kAdd, 2, 2>},
    OpImportRule{"AveragePool", 11, import_average_pool},
    OpImportRule{"BatchNormalization", 11, import_batch_norm},
    OpImportRule{"Cast", 11, import_cast},
    OpImportRule{"Clip", 11, import_clip},
    OpImportRule{"Concat", 11, import_concat},
    OpImportRule{"Constant", 11, import_constant},
    OpImportRule{"ConstantOfShape", 11, import_constant_of_shape},
    OpImportRule{"Conv", 11, import_conv},
    OpImportRule{"DequantizeLinear", 11, import_dequantize},
    OpImportRule{"Div", 11, plain<OpType::kDiv, 2, 2>},
    OpImportRule{"Dropout", 11, import_dropout},
    OpImportRule{"Flatten", 11, import_flatten},
    OpImportRule{"Gather", 11, import_gather},
    OpImportRule{"Gemm", 11, import_gemm},
    OpImportRule{"GlobalAveragePool", 11, plain<OpType::kGlobalAveragePool, 1, 1>},
    OpImportRule{"HardSigmoid", 11, import_hard_sigmoid},
    OpImportRule{"HardSwish", 14, plain<OpType::kHardSwish, 1, 1>},
    OpImportRule{"Identity", 11, plain<OpType::kIdentity, 1, 1>},
    OpImportRule{"LeakyRelu", 11, import_leaky_relu},
    OpImportRule{"MatMul", 11, plain<OpType::kMatMul, 2, 2>},
    OpImportRule{"MaxPool", 11, import_max_pool},
    OpImportRule{"Mul", 11, plain<OpType::kMul, 2, 2>},
    OpImportRule{"Pad", 11, import_pad},
    OpImportRule{"Pow", 11, plain<OpType::kPow, 2, 2>},
    OpImportRule{"QuantizeLinear", 11, import_quantize},
    OpImportRule{"ReduceMean", 11, import_reduce_mean},
    OpImportRule{"Relu", 11, plain<OpType::kRelu, 1, 1>},
    OpImportRule{"Reshape", 11, import_reshape},
    OpImportRule{"Shape", 11, import_shape},
    OpImportRule{"Sigmoid", 11, plain<OpType::kSigmoid, 1, 1>},
    OpImportRule{"Slice", 11, plain<OpType::kSlice, 3, 5>},
    OpImportRule{"Softmax", 11, import_softmax},
    OpImportRule{"Split", 11, import_split},
    OpImportRule{"Sqrt", 11, plain<OpType::kSqrt, 1, 1>},
    OpImportRule{"Squeeze", 11, import_squeeze},
    OpImportRule{"Sub", 11, plain<OpType::kSub, 2, 2>},
    OpImportRule{"Tanh", 11, plain<OpType::kTanh, 1, 1>},
    OpImportRule{"Transpose", 11, import_transpose},
    OpImportRule{"Unsqueeze", 11, import_unsqueeze},
};

constexpr bool rules_sorted() {
  for (size_t i = 1; i < kRules.size(); ++i)
    if (!(kRules[i - 1].onnx_op < kRules[i].onnx_op)) return false;
  return true;
}
static_assert(rules_sorted(), "kRules must stay sorted by op name");
// Every IR op has an ONNX counterpart that imports onto it (all IR ops are ONNX-named): the rule
// names are exactly the op table's names, plus Constant (which becomes an IR constant). Checked by
// name, not only by count, so a renamed or misspelt row fails to compile.
constexpr bool has_rule(std::string_view name) {
  return std::any_of(kRules.begin(), kRules.end(),
                     [&](const OpImportRule& r) { return r.onnx_op == name; });
}
constexpr bool rules_match_op_table() {
  for (const ir::OpInfo& row : ir::kOpTable)
    if (!has_rule(row.name)) return false;
  for (const OpImportRule& r : kRules) {
    const bool in_table = std::any_of(ir::kOpTable.begin(), ir::kOpTable.end(),
                                      [&](const ir::OpInfo& row) { return row.name == r.onnx_op; });
    if (!in_table && r.onnx_op != "Constant") return false;
  }
  return kRules.size() == ir::kOpTypeCount + 1;
}
static_assert(rules_match_op_table(),
              "one import rule per IR op, named as in the op table, plus Constant");

// Reads attribute `name` with the type of `fallback` into an IR attribute.
Status copy_attr(NodeImporter& n, const AttrDefault& spec, ir::Attributes* out) {
  ir::AttrValue value = spec.fallback;
  Status s = std::visit(
      [&](auto& v) -> Status {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float> ||
                      std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<float>>) {
          return n.attr(spec.name, &v);
        } else {
          return n.error("internal: unsupported attribute default type");
        }
      },
      value);
  MCONV_RETURN_IF_ERROR(s);
  out->set(spec.name, std::move(value));
  return Status::Ok();
}

}  // namespace

const OpImportRule* find_import_rule(std::string_view onnx_op) {
  auto it =
      std::lower_bound(kRules.begin(), kRules.end(), onnx_op,
                       [](const OpImportRule& r, std::string_view op) { return r.onnx_op < op; });
  return it != kRules.end() && it->onnx_op == onnx_op ? &*it : nullptr;
}

Status import_one_to_one(NodeImporter& n, ir::OpType op, int min_inputs, int max_inputs,
                         std::initializer_list<AttrDefault> attrs) {
  MCONV_RETURN_IF_ERROR(n.check_arity(min_inputs, max_inputs, 1, 1));
  ir::Attributes out;
  for (const AttrDefault& spec : attrs) MCONV_RETURN_IF_ERROR(copy_attr(n, spec, &out));
  std::vector<ir::Value*> inputs;
  for (int i = 0; i < n.input_count(); ++i) inputs.push_back(n.input(i));
  // Trailing omitted optional inputs carry no meaning; drop them so arity checks stay simple.
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  return n.emit(op, std::move(inputs), std::move(out)).status();
}

}  // namespace mconv::onnx
