// Folds inference-mode BatchNormalization away. y = (x - mean) / sqrt(var + eps) * scale + bias
// is an affine map per channel, y = s * x + t. When x comes from a Conv with constant weights that
// nothing else reads, s scales the Conv's output channels and t joins its bias; otherwise the BN
// becomes Mul(x, s) + t with constants shaped to broadcast along the channel axis of the node's
// layout. BN nodes with non-constant parameters are left alone.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

// `changes` counts BatchNormalization nodes removed.
Expected<PassResult> fold_batchnorm(ir::Graph& graph);

}  // namespace mconv::passes
