#include "passes/pipeline.h"

#include <algorithm>

namespace mconv::passes {

Status run_pipeline(ir::Graph& graph, std::span<const PassEntry> passes,
                    std::vector<PassReport>* log) {
  std::vector<PassEntry> ordered(passes.begin(), passes.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const PassEntry& a, const PassEntry& b) { return a.priority < b.priority; });
  for (const PassEntry& pass : ordered) {
    Expected<PassResult> result = pass.fn(graph);
    if (!result.ok()) return result.status().with_context(pass.name);
    if (log) log->push_back(PassReport{pass.name, result->changes});
  }
  return Status::Ok();
}

std::string format_pass_log(const std::vector<PassReport>& log) {
  std::string text;
  for (const PassReport& report : log) {
    text += report.name + ": " + std::to_string(report.changes) +
            (report.changes == 1 ? " change\n" : " changes\n");
  }
  return text;
}

}  // namespace mconv::passes
