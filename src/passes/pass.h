// Graph rewrites. Each pass is a plain named function over ir::Graph that reports its effect;
// run_pipeline (pipeline.h) runs a list of them in priority order and stops on the first error.
// One pass per file in this folder; pipelines.h holds the ready-made sequences.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::passes {

struct PassResult {
  int changes = 0;  // nodes rewritten/removed/added; 0 means the pass found nothing to do
};

using PassFn = Expected<PassResult> (*)(ir::Graph&);

struct PassEntry {
  const char* name;  // for reports and --verbose logs
  int priority;      // lower runs first
  PassFn fn;         // the rewrite
};

// What one pass did during a pipeline run, for --verbose logs.
struct PassReport {
  std::string name;  // PassEntry::name of the pass that ran
  int changes = 0;   // PassResult::changes it reported
};

}  // namespace mconv::passes
