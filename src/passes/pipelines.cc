#include "passes/pipelines.h"

#include "passes/constant_folding.h"
#include "passes/dead_code.h"
#include "passes/graph_checks.h"
#include "passes/pipeline.h"
#include "passes/remove_identity.h"
#include "passes/shape_inference.h"
#include "passes/simplify_reshapes.h"

namespace mconv::passes {
namespace {

// Folding can expose more folding (a removed Identity between constants); bounded rounds.
constexpr int kMaxCleanupRounds = 4;

}  // namespace

Status simplify_after_import(ir::Graph& graph, const SimplifyOptions& options,
                             std::vector<PassReport>* log) {
  const PassEntry sort[] = {{"topological_sort", 0, &sort_topologically}};
  MCONV_RETURN_IF_ERROR(run_pipeline(graph, sort, log));
  if (options.infer_shapes) {
    const PassEntry shapes[] = {{"shape_inference", 0, &infer_shapes}};
    MCONV_RETURN_IF_ERROR(run_pipeline(graph, shapes, log));
  }
  if (options.fold_constants) {
    std::vector<PassEntry> cleanup = {
        {"constant_folding", 10, &fold_constants},
        {"remove_identity", 20, &remove_identity},
        {"simplify_reshapes", 25, &simplify_reshapes},
        {"dead_code", 30, &eliminate_dead_code},
    };
    // Folded values sharpen shapes (Reshape targets), which simplify_reshapes then uses.
    if (options.infer_shapes) cleanup.push_back({"shape_inference", 15, &infer_shapes});
    for (int round = 0; round < kMaxCleanupRounds; ++round) {
      std::vector<PassReport> round_log;
      MCONV_RETURN_IF_ERROR(run_pipeline(graph, cleanup, &round_log));
      int changes = 0;
      for (const PassReport& r : round_log) changes += r.changes;
      if (log) log->insert(log->end(), round_log.begin(), round_log.end());
      if (changes == 0) break;
    }
  }
  if (options.infer_shapes) {
    const PassEntry shapes_again[] = {{"shape_inference", 0, &infer_shapes}};
    MCONV_RETURN_IF_ERROR(run_pipeline(graph, shapes_again, log));
  }
  const PassEntry finish[] = {{"verify", 0, &verify_graph}};
  return run_pipeline(graph, finish, log);
}

Status simplify_after_import(ir::Graph& graph) {
  return simplify_after_import(graph, SimplifyOptions{});
}

}  // namespace mconv::passes
