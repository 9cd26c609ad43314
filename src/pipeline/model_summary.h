// What `mconv inspect` reports about a model, computed from the IR once and rendered as text or
// JSON.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "pipeline/model_files.h"

namespace mconv::pipeline {

struct IoSummary {
  std::string name;                 // graph input/output name
  DType dtype = DType::kUndefined;  // element type
  bool has_shape = false;           // false when the file gave no shape
  ir::Shape shape;                  // dims, unknown ones possibly with a symbol
  std::string layout;               // "NCHW"/"NHWC" when a layout-sensitive op decides it, else ""
  std::string quant;                // "scale=0.0078 zero_point=128" for quantized tensors, else ""
};

struct ModelSummary {
  std::string file;                // file name as given
  uint64_t file_bytes = 0;         // size on disk
  std::string format;              // "ONNX", "TFLite"
  std::string producer;            // producer recorded in the file ("" when none)
  int64_t opset = 0;               // ONNX opset, 0 when not ONNX
  std::string graph_name;          // graph name from the file
  std::vector<IoSummary> inputs;   // graph inputs in order
  std::vector<IoSummary> outputs;  // graph outputs in order
  int64_t node_count = 0;          // operators in the graph
  std::vector<std::pair<std::string, int64_t>> op_counts;  // op -> count, most used first
  int64_t parameter_count = 0;                             // elements of constants used by nodes
  int64_t parameter_bytes = 0;                             // their bytes as stored in the IR
  std::map<std::string, int64_t> parameters_by_dtype;      // dtype name -> element count
  int64_t quantized_values = 0;  // values carrying quantization parameters
  ir::ModelMetadata metadata;    // labels, preprocessing, ... as the file says
  std::string metadata_error;    // why the file's metadata could not be read ("" = fine)
};

ModelSummary summarize_model(const ModelFile& file, const ir::Model& model);
std::string summary_text(const ModelSummary& summary);
std::string summary_json(const ModelSummary& summary);

}  // namespace mconv::pipeline
