// Value provenance, kept by the IR: the one registry of the names passes give to a value that
// stands for another value's data (the same tensor moved to another layout, narrowed to f16,
// dequantized, ...), and the inverse that finds the value it came from.
//
// Names are the only carrier of provenance across files: a variant is verified after being
// written and re-read from its file (ONNX or TFLite), where nothing but the tensor name survives.
// So a pass that names such a value calls derived_name(base, Derivation::k...), never
// `name + "_..."`, and verify_layers matches a variant's tensors with the source's through
// origin_name(), which strips exactly the suffixes registered here. A pass that adds a new kind
// of derived value adds a row below; the static_asserts keep the table sound.
//
// A name that merely ends like a derivation but was not derived ("block_cast" in a source file)
// is stripped too: the suffix alone cannot tell. This is harmless for verification because
// verify_layers pairs exact names first and applies origin_name to both sides alike (the source's
// "block_cast" and the variant's "block_cast_nhwc" both become "block"), and a normalized pair
// must still have compatible shapes; it is a documented limit, not a guarantee of identity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace mconv::ir {

// X(name, suffix, why): one row per derivation; `why` says which pass adds it and what it holds.
// Rows marked "node:" name the node that produces a value, not a value: no mconv-written tensor
// carries them, origin_name strips them so that a tensor named after such a node still matches.
#define MCONV_IR_DERIVATIONS(X)                                                                  \
  X(Nhwc, "_nhwc", "passes::rewrite_layout: the value or weight stored in NHWC order")           \
  X(Nchw, "_nchw", "passes::rewrite_layout: the value or weight stored in NCHW order")           \
  X(Reordered, "_reordered", "passes::rewrite_layout: a value reshaped to its reader's order")   \
  X(Stored, "_stored", "passes::rewrite_layout: a graph output before its transpose back")       \
  X(Fp16, "_fp16", "passes::rewrite_for_fp16: the f16 copy of an f32 value or weight")           \
  X(Dequantized, "_dequantized", "passes::rewrite_for_fp16: an f16 weight widened to f32")       \
  X(Dq, "_dq", "quant::quantize_qdq: the float side of a QuantizeLinear/DequantizeLinear pair")  \
  X(Gate, "_gate", "quant::fold_gates: conv weights scaled by a folded HardSigmoid (not equal)") \
  X(Grouped, "_grouped",                                                                         \
    "quant::channel_split: channel groups joined, in group order (also fold_channel_order's "    \
    "values, weights and convs)")                                                                \
  X(Requantize, "_requantize", "node: quant::lower_to_integer's QuantizeLinear between params")  \
  X(Cast, "_cast", "node: passes::rewrite_for_fp16's Cast back to a value's own dtype")          \
  X(Transpose, "_transpose", "node: passes::rewrite_layout's Transpose to the stored order")

enum class Derivation : uint8_t {
#define MCONV_X(name, suffix, why) k##name,
  MCONV_IR_DERIVATIONS(MCONV_X)
#undef MCONV_X
};

// The suffixes, indexed by Derivation.
inline constexpr std::string_view kDerivationSuffixes[] = {
#define MCONV_X(name, suffix, why) std::string_view(suffix),
    MCONV_IR_DERIVATIONS(MCONV_X)
#undef MCONV_X
};

inline constexpr std::size_t kDerivationCount = std::size(kDerivationSuffixes);

namespace derived_names_detail {
// Every suffix starts with '_' and has a body, and none ends another: so stripping one never
// leaves a part of another behind, and the order of the rows does not change origin_name.
constexpr bool suffixes_are_sound() {
  for (std::string_view s : kDerivationSuffixes)
    if (s.size() < 2 || s[0] != '_') return false;
  for (std::size_t i = 0; i < kDerivationCount; ++i)
    for (std::size_t j = 0; j < kDerivationCount; ++j)
      if (i != j && kDerivationSuffixes[i].ends_with(kDerivationSuffixes[j])) return false;
  return true;
}
}  // namespace derived_names_detail
static_assert(derived_names_detail::suffixes_are_sound(),
              "a derivation suffix must start with '_' and must not end another one");

constexpr std::string_view derivation_suffix(Derivation d) {
  return kDerivationSuffixes[static_cast<std::size_t>(d)];
}

// The name of a value (or node) that stands for `base`'s data after derivation `d`.
std::string derived_name(std::string_view base, Derivation d);

// Whether `name` ends with derivation `d` (past a non-empty base).
bool is_derived(std::string_view name, Derivation d);

// `name` with every trailing registered derivation removed, repeatedly ("conv_fp16_nhwc" ->
// "conv"); a name that is only a suffix ("_nhwc") is left whole.
std::string origin_name(std::string_view name);

}  // namespace mconv::ir
