// The building blocks of the delegate rule tables: a rule returns nullopt when the delegate takes
// the node, or the reason it does not (naming the op, dtype, attribute or shape at fault).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "delegates/op_graph.h"

namespace mconv::delegates {

using Reason = std::optional<std::string>;
using CheckFn = Reason (*)(const OpGraph&, const OpNode&);

// One row of a delegate's table: the op it takes and the conditions under which it does.
struct OpRule {
  std::string_view op;  // TFLite builtin name or ONNX op type
  CheckFn check;        // extra conditions; nullptr = taken whenever the common checks pass
};

// Tables are sorted by op name with no duplicates, so lookups are binary searches and a row
// cannot be added twice; every table is checked with static_assert(rules_sorted(kRules)).
template <size_t N>
constexpr bool rules_sorted(const OpRule (&rules)[N]) {
  for (size_t i = 1; i < N; ++i)
    if (!(rules[i - 1].op < rules[i].op)) return false;
  return true;
}

inline const OpRule* find_rule(std::span<const OpRule> rules, std::string_view op) {
  auto it = std::lower_bound(rules.begin(), rules.end(), op,
                             [](const OpRule& r, std::string_view o) { return r.op < o; });
  return it != rules.end() && it->op == op ? &*it : nullptr;
}

std::string dims_string(const TensorInfo& t);  // "[1,?,224,3]" or "[unknown rank]"
std::string type_list(std::initializer_list<ElemType> types);

// Input `slot` exists and has one of `types`.
Reason input_type_in(const OpGraph& g, const OpNode& n, size_t slot,
                     std::initializer_list<ElemType> types);
// Input `slot` is float32, or int8/uint8 carrying quantization parameters.
Reason input_float_or_quant(const OpGraph& g, const OpNode& n, size_t slot);
// Input `slot` is a constant (weights, axes, shapes...). `what` names it in the reason.
Reason input_constant(const OpGraph& g, const OpNode& n, size_t slot, std::string_view what);
// Input `slot` has rank `rank` (unknown rank fails).
Reason input_rank(const OpGraph& g, const OpNode& n, size_t slot, std::initializer_list<int> ranks);
// TFLite fused activation among `allowed` (codes as in op_graph.h).
Reason fused_activation_in(const OpNode& n, std::initializer_list<int64_t> allowed);
std::string_view activation_name(int64_t code);
// First reason among several checks.
inline Reason first_of(std::initializer_list<Reason> reasons) {
  for (const Reason& r : reasons)
    if (r) return r;
  return std::nullopt;
}
// Non-constant inputs of a node (graph inputs or computed values).
int runtime_input_count(const OpGraph& g, const OpNode& n);

}  // namespace mconv::delegates
