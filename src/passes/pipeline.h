// Runs a list of passes in priority order (stable for equal priorities), recording what each did.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

// Runs `passes` sorted by priority. Each run appends a PassReport to `log` (when not null). Stops
// at the first failing pass and returns its error prefixed with the pass name.
Status run_pipeline(ir::Graph& graph, std::span<const PassEntry> passes,
                    std::vector<PassReport>* log = nullptr);

// "shape_inference: 12 changes" lines, one per report, for --verbose output.
std::string format_pass_log(const std::vector<PassReport>& log);

}  // namespace mconv::passes
