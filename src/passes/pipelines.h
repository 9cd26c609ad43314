// Ready-made pass sequences used by the importers and the CLI.
#pragma once

#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

struct SimplifyOptions {
  bool infer_shapes = true;    // run shape inference (folding Shape needs it)
  bool fold_constants = true;  // run constant folding and cleanup (identity removal, dead code)
};

// After import:
//   topological sort, shape inference,
//   then rounds of {constant folding, shape inference, identity/dropout removal, reshape
//   simplification, dead code elimination} while they find work (4 rounds at most),
//   shape inference again, ir::verify.
// Each pass run is appended to `log` when not null (format_pass_log in pipeline.h prints it).
Status simplify_after_import(ir::Graph& graph, const SimplifyOptions& options,
                             std::vector<PassReport>* log = nullptr);
Status simplify_after_import(ir::Graph& graph);

}  // namespace mconv::passes
