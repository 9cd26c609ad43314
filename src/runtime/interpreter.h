// The reference interpreter: executes an ir::Graph on the CPU in FP32 (int tensors where the op
// works on shapes/indices). Readable kernels, one file per op under runtime/kernels/, with the
// heavy ones (Conv, Gemm, MatMul) on Eigen's GEMM.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "runtime/kernel.h"

namespace mconv::runtime {

struct InterpreterOptions {
  int threads = 1;       // intra-op threads for the heavy kernels (1 = deterministic, default)
  bool profile = false;  // time every node; read the totals with Interpreter::profile()
  // Requantization rounding of the integer kernels (quantized graphs only); see kernel.h.
  IntegerRounding integer_rounding = IntegerRounding::kLiteRt;
};

// Time spent in one node, summed over the runs since Create (profiling only).
struct NodeProfile {
  const ir::Node* node = nullptr;  // the node timed
  double total_ms = 0;             // wall time of its kernel, all runs together
  int64_t runs = 0;                // how many times it ran
};

class Interpreter {
 public:
  // Checks every node has a kernel and prepares them (e.g. packs weights). The graph must outlive
  // the interpreter and stay unchanged.
  static Expected<std::unique_ptr<Interpreter>> Create(const ir::Graph& graph,
                                                       const InterpreterOptions& options = {});
  virtual ~Interpreter() = default;

  // Runs with one tensor per graph input (in order); returns one tensor per graph output.
  // Inputs are checked against the graph inputs' dtype, rank and known dims (unknown dims, e.g.
  // a symbolic batch, take any size). Not reentrant: one run at a time per Interpreter (kernels
  // keep scratch buffers); use one Interpreter per thread for concurrent runs.
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
  // Same, but also appends every node output (copied, in execution order) to `values` by value
  // name, for per-layer comparison.
  virtual Expected<std::vector<Tensor>> run_capturing(
      const std::vector<Tensor>& inputs, std::vector<std::pair<std::string, Tensor>>* values) = 0;
  // Per-node times in execution order when created with options.profile, else empty.
  virtual std::vector<NodeProfile> profile() const = 0;
};

// Evaluates one node on concrete inputs (nullptr entries for omitted optional inputs) and returns
// its outputs. Used by constant folding so that op semantics live in one place. `rounding` only
// matters to the integer kernels of quantized nodes.
Expected<std::vector<Tensor>> evaluate_node(const ir::Node& node,
                                            const std::vector<const Tensor*>& inputs,
                                            IntegerRounding rounding = IntegerRounding::kLiteRt);

}  // namespace mconv::runtime
