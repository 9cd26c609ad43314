#include "passes/rewrite_for_nchw.h"

#include "passes/rewrite_layout.h"

namespace mconv::passes {

Expected<PassResult> rewrite_for_nchw(ir::Graph& graph, const NchwOptions& options) {
  LayoutOptions layout;
  layout.target = ir::Layout::kNCHW;
  layout.inputs_in_target = options.nchw_input;
  layout.outputs_in_target = options.nchw_outputs;
  return rewrite_layout(graph, layout);
}

Expected<PassResult> rewrite_for_nchw(ir::Graph& graph) {
  return rewrite_for_nchw(graph, NchwOptions{});
}

}  // namespace mconv::passes
