// Invariants the fuzz targets check on whatever an importer accepts or rejects. A broken
// invariant aborts, which libFuzzer records as a crash with the input that caused it.
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::fuzz {

// Prints `what` and the status, then aborts.
[[noreturn]] void fail(const char* what, const Status& status);

// Errors are one line (the project's rule for every error a user sees) and not empty.
void check_one_line(const Status& status);

// An imported graph verifies, survives shape inference, dead-code removal and sorting, and still
// verifies afterwards. Errors from shape inference are allowed (one line); crashes are not.
void check_imported_graph(ir::Graph& graph);

}  // namespace mconv::fuzz
