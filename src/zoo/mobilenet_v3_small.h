// torchvision's MobileNetV3-Small, built into a graph (see zoo.h for the public entry point).
#pragma once

#include "ir/graph.h"
#include "zoo/seeded_random.h"

namespace mconv::zoo {

// Adds the whole network to an empty graph: input "input" f32[1,3,224,224] NCHW, output
// "logits" f32[1,1000]. Parameters are drawn from `random` in construction order; BatchNorm
// statistics are placeholders for the caller to calibrate or overwrite.
void build_mobilenet_v3_small(ir::Graph& graph, SeededRandom& random);

}  // namespace mconv::zoo
