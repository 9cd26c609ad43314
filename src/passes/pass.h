// Graph rewrites. Each pass is a plain named function over ir::Graph that reports its effect;
// run_pipeline runs a list of them in priority order and stops on the first error.
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

}  // namespace mconv::passes
