// mconv/verify.h over the pipeline's verify_model (the same check and verdict as `mconv verify`).
#include "api/api_types.h"
#include "mconv/verify.h"
#include "pipeline/verify.h"

namespace mconv::api {

Result<VerifyResult> verify(const std::string& model, const std::string& reference,
                            const VerifyOptions& options) {
  pipeline::VerifyOptions o;
  o.model = model;
  o.reference = reference;
  o.images_dir = options.images_dir;
  o.preset = options.preset;
  o.offset = options.offset;
  if (options.count > 0) o.count = options.count;
  o.runs = options.runs;
  o.threads = options.threads;
  if (options.precision) o.precision = to_pipeline(*options.precision);
  o.layers = options.layers;
  auto v = pipeline::verify_model(o);
  if (!v.ok()) return to_api(v.status());

  VerifyResult r;
  r.passed = v->passed;
  r.precision = to_api(v->precision);
  r.runtime = v->runtime;
  r.samples = v->comparison.samples;
  r.top1_agreement = v->comparison.top1_agreement;
  r.cosine_mean = v->comparison.cosine_mean;
  r.cosine_min = v->comparison.cosine_min;
  r.max_abs_diff = v->comparison.max_abs_diff;
  if (v->accuracy) r.top1_accuracy = v->accuracy->top1;
  if (v->reference_accuracy) r.reference_top1_accuracy = v->reference_accuracy->top1;
  r.latency_p50_ms = v->latency_p50_ms;
  r.reasons = v->misses;
  r.notes = v->notes;
  if (v->layers_run && v->layers.first_diverged)
    r.first_divergent_layer = v->layers.rows[*v->layers.first_diverged].reference_value;
  return r;
}

}  // namespace mconv::api
