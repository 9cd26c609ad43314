// Makes seeded synthetic weights behave like a trained network's: BatchNorm statistics are
// measured on seeded random inputs (then randomly perturbed, with random gamma/beta), and each
// Linear layer's units are centred and scaled over those inputs, so activations neither vanish
// nor explode and the output depends on the input (different inputs, different classes).
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "zoo/seeded_random.h"

namespace mconv::zoo {

// Runs `samples` standard-normal inputs through `graph` once, node by node (the graph must be
// topologically sorted with one f32 input), rewriting every BatchNormalization's constants and
// every Gemm's weight rows and bias on the way.
Status calibrate_synthetic(ir::Graph& graph, SeededRandom& random, int samples);

}  // namespace mconv::zoo
