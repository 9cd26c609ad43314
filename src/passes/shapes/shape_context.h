// What a per-op shape function sees: the node, its inputs' dtypes/shapes, the contents of small
// integer inputs (constants, or values derived from Shape arithmetic), and where to put the
// inferred outputs. The driver (passes/shape_inference.cc) owns merging results into the graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::passes::shapes {

// Hostile-input guards: no value may have more dims, and no known-contents vector more elements.
inline constexpr int kMaxRank = 64;
inline constexpr int64_t kMaxKnownElements = 4096;

// One element of a small integer tensor whose contents inference tracks (Shape -> Gather -> ...).
struct KnownInt {
  bool known = false;  // `value` is meaningful
  int64_t value = 0;   // the element when known
  std::string symbol;  // when unknown: name of the symbolic dim it equals ("batch"), may be empty
};
using KnownInts = std::vector<KnownInt>;
// Contents of rank-0/1 integer values, by value; filled lazily for constants.
using KnownValueMap = std::unordered_map<const ir::Value*, KnownInts>;

// What inference concluded about one output.
struct OutputInfo {
  DType dtype = DType::kUndefined;  // element type, kUndefined when not inferred
  bool has_shape = false;           // `shape` is meaningful (rank known)
  ir::Shape shape;                  // inferred dims
  std::optional<KnownInts> known;   // contents, for small integer outputs when derivable
};

class ShapeContext {
 public:
  ShapeContext(const ir::Node& node, KnownValueMap& known);

  const ir::Node& node() const { return node_; }
  const ir::Attributes& attrs() const { return node_.attrs; }

  int input_count() const { return static_cast<int>(node_.inputs.size()); }
  // Input i, or nullptr when omitted or beyond the node's inputs.
  const ir::Value* input(int i) const;
  bool has_input(int i) const { return input(i) != nullptr; }
  // True when input i exists and its rank is known.
  bool has_shape(int i) const;
  // Shape of input i; only valid when has_shape(i).
  const ir::Shape& shape(int i) const { return input(i)->shape; }
  int rank(int i) const { return static_cast<int>(shape(i).size()); }
  DType dtype(int i) const { return has_input(i) ? input(i)->dtype : DType::kUndefined; }

  // Contents of input i (a constant, or tracked from Shape arithmetic), or null when unknown.
  const KnownInts* known(int i);
  // Contents of input i when every element is a known integer; nullopt when not (yet) known.
  // Error when input i is a constant of non-integer type (`what` names it in the message).
  Expected<std::optional<std::vector<int64_t>>> ints(int i, const char* what);

  int output_count() const { return static_cast<int>(node_.outputs.size()); }
  // Records the inference for output i (out-of-range indices are ignored).
  void set_output(int i, DType dtype, ir::Shape shape);
  void set_output_rank_unknown(int i, DType dtype);
  void set_output_known(int i, KnownInts values);
  std::vector<OutputInfo>& results() { return results_; }

  // "node 'conv1' (Conv): <what>" as an error Status.
  Status error(const std::string& what) const;
  // Maps axis in [-rank, rank) to [0, rank); error naming `what` otherwise.
  Expected<int> axis(int64_t value, int rank, const char* what) const;

 private:
  const ir::Node& node_;             // node being inferred
  KnownValueMap& known_;             // shared contents map of the whole pass
  std::vector<OutputInfo> results_;  // one per node output
};

// ---- Dim arithmetic shared by shape functions (never overflows: errors or unknown instead) ----

inline ir::Dim known_dim(int64_t size) {
  return ir::Dim{size, ""};
}
inline ir::Dim unknown_dim() {
  return ir::Dim{-1, ""};
}
// n unknown dims.
ir::Shape unknown_shape(int rank);

// a*b / a+b with overflow detection; false on overflow.
bool checked_mul(int64_t a, int64_t b, int64_t* out);
bool checked_add(int64_t a, int64_t b, int64_t* out);

// Product of dims [begin, end): known when all known (error on overflow), the dim itself when a
// single dim, 0 when any known dim is 0, unknown otherwise.
Expected<ir::Dim> dim_product(const ShapeContext& ctx, const ir::Shape& shape, size_t begin,
                              size_t end);
// Multidirectional (numpy) broadcast of two shapes; error naming both when they do not broadcast.
Expected<ir::Shape> broadcast_shapes(const ShapeContext& ctx, const ir::Shape& a,
                                     const ir::Shape& b);
// Merges two dims that must be equal (Concat non-axis dims...); false when both known and differ.
bool merge_dims(const ir::Dim& a, const ir::Dim& b, ir::Dim* out);
// A dim from a tracked integer (known value, or symbolic/unknown dim).
ir::Dim dim_from_known(const KnownInt& k);
KnownInt known_from_dim(const ir::Dim& d);
std::string dims_string(const std::vector<int64_t>& dims);

}  // namespace mconv::passes::shapes
