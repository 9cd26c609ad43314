// Sequential bias correction (the idea of NNCF's BiasCorrection, written for the QDQ graph):
// layer by layer on real calibration images, the output of every Conv/Gemm in the partially
// corrected quantized graph is compared with the same layer's output in FP32, and the per-channel
// mean of the difference is absorbed into the layer's bias. Because the sweep runs through the
// already-quantized graph in order, a layer also absorbs the mean shift that quantized
// activations upstream (clipping, rounding of skewed distributions) push into it, not only its
// own weight rounding (which the analytic correction of quantize_qdq.h models from input means).
//
// The int32 biases of the QDQ graph change in place (a float-island layer's float bias too); the
// graph form does not change, so the same graph lowers to TFLite and exports to ONNX as before.
// Cost: one FP32 and one QDQ forward pass over the images, no extra op at inference.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::quant {

struct BiasCorrectionReport {
  std::vector<std::string> corrected;  // node names whose bias changed, graph order
  double mean_abs_shift = 0;           // mean |correction| over corrected channels, in output units
};

// Per-channel output means of every Conv/Gemm with a bias in `fp32`, by node name, on `inputs`
// (one batch tensor per graph input, e.g. [N, H, W, C] calibration images).
using LayerMeans = std::map<std::string, std::vector<double>>;
Expected<LayerMeans> fp32_layer_means(const ir::Graph& fp32, const std::vector<Tensor>& inputs);

// Corrects the biases of `qdq` (quantized from the graph `reference` was measured on; node names
// are matched) on the same `inputs`. Layers whose output mean already matches to within half a
// bias step are left alone.
Expected<BiasCorrectionReport> correct_biases_sequentially(ir::Graph& qdq,
                                                           const std::vector<Tensor>& inputs,
                                                           const LayerMeans& reference);

}  // namespace mconv::quant
