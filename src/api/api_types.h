// Translation between the public API's plain types (include/mconv/) and the pipeline's.
#pragma once

#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "mconv/model.h"
#include "mconv/status.h"
#include "pipeline/convert_pipeline.h"
#include "pipeline/model_files.h"

namespace mconv::api {

inline Status to_api(const ::mconv::Status& status) {
  return status.ok() ? Status::Ok() : Status::Error(status.message());
}
pipeline::Precision to_pipeline(Precision precision);
Precision to_api(pipeline::Precision precision);
Format to_api(pipeline::ModelFormat format);
// Name, dtype, static dims (-1 dynamic) and image layout of graph inputs or outputs.
std::vector<TensorSpec> tensor_specs(const std::vector<ir::Value*>& values);

}  // namespace mconv::api
