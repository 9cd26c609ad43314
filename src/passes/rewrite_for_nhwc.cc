#include "passes/rewrite_for_nhwc.h"

#include "passes/rewrite_layout.h"

namespace mconv::passes {

Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph, const NhwcOptions& options) {
  LayoutOptions layout;
  layout.target = ir::Layout::kNHWC;
  layout.inputs_in_target = !options.keep_nchw_input;
  layout.outputs_in_target = !options.keep_nchw_outputs;
  return rewrite_layout(graph, layout);
}

Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph) {
  return rewrite_for_nhwc(graph, NhwcOptions{});
}

}  // namespace mconv::passes
