// mconv public API: checking a converted model against its source on real images. The model runs
// in its real runtime (ONNX Runtime for .onnx; LiteRT for .tflite when Node and the LiteRT
// packages are installed, else the file re-imported in mconv's reference interpreter — `runtime`
// says which), the source in the reference interpreter; the verdict applies the tolerance of the
// model's precision to top-1 agreement and mean cosine similarity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mconv/model.h"
#include "mconv/status.h"

namespace mconv::api {

struct VerifyOptions {
  std::string images_dir;              // JPEG/PNG folder; labels.csv in it gives accuracy
  size_t offset = 0;                   // first image used
  size_t count = 0;                    // images used (0 = all from offset)
  std::string preset;                  // preprocessing; "" = from the source's format
  std::optional<Precision> precision;  // tolerance to apply (none: from the model's weights)
  bool layers = false;                 // always run the per-layer comparison
  int runs = 10;                       // timed runs for the latency figure
  int threads = 2;                     // image decoding threads
};

struct VerifyResult {
  bool passed = false;                            // within the tolerance of `precision`
  Precision precision = Precision::kFp32;         // tolerance applied
  std::string runtime;                            // what ran the model
  int64_t samples = 0;                            // images compared
  double top1_agreement = 0;                      // share with the source's top-1 class (0..1)
  double cosine_mean = 0, cosine_min = 0;         // cosine similarity of the outputs
  double max_abs_diff = 0;                        // largest element difference
  std::optional<double> top1_accuracy;            // against labels.csv, when present
  std::optional<double> reference_top1_accuracy;  // the source against the same labels
  double latency_p50_ms = 0;                      // one sample in the model's runtime
  std::vector<std::string> reasons;               // why not passed
  std::vector<std::string> notes;                 // what was adapted to compare
  std::string first_divergent_layer;  // per-layer check: first value out of line ("" none)
};

// Compares `model` with `reference` (the file it was converted from) on the images.
Result<VerifyResult> verify(const std::string& model, const std::string& reference,
                            const VerifyOptions& options);

}  // namespace mconv::api
