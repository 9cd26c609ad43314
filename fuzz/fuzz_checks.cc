#include "fuzz_checks.h"

#include <cstdio>
#include <cstdlib>

#include "ir/verifier.h"
#include "passes/shape_inference.h"

namespace mconv::fuzz {

void fail(const char* what, const Status& status) {
  std::fprintf(stderr, "fuzz invariant broken: %s: %s\n", what, status.message().c_str());
  std::abort();
}

void check_one_line(const Status& status) {
  if (status.ok()) fail("an error status is OK", status);
  if (status.message().empty()) fail("an error has no message", status);
  if (status.message().find('\n') != std::string::npos) fail("an error spans lines", status);
}

void check_imported_graph(ir::Graph& graph) {
  if (Status s = ir::verify(graph); !s.ok()) fail("imported graph does not verify", s);
  auto shapes = passes::infer_shapes(graph);
  if (!shapes.ok()) {
    check_one_line(shapes.status());
    return;
  }
  graph.remove_dead();
  if (Status s = graph.topological_sort(); !s.ok()) fail("imported graph has a cycle", s);
  if (Status s = ir::verify(graph); !s.ok()) fail("graph does not verify after cleanup", s);
}

}  // namespace mconv::fuzz
