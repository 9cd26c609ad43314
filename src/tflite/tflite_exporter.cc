#include "tflite/tflite_exporter.h"

#include "core/file_io.h"
#include "passes/fold_batchnorm.h"
#include "passes/rewrite_for_nhwc.h"
#include "tflite/export/lower_context.h"
#include "tflite/export/tflite_writer.h"
#include "tflite/metadata/tflite_metadata.h"

namespace mconv::tflite {

namespace {

// BN folded and channels-last, on the caller's copy.
Status prepare(ir::Graph& graph, const TfliteExportOptions& options) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  MCONV_ASSIGN_OR_RETURN(passes::PassResult folded, passes::fold_batchnorm(graph));
  (void)folded;
  passes::NhwcOptions nhwc;
  nhwc.keep_nchw_input = options.keep_nchw_input;
  nhwc.keep_nchw_outputs = options.keep_nchw_outputs;
  MCONV_ASSIGN_OR_RETURN(passes::PassResult rewritten, passes::rewrite_for_nhwc(graph, nhwc));
  (void)rewritten;
  return Status::Ok();
}

// What the metadata says about the file's own input 0 and output 0.
MetadataTensors metadata_tensors(const ir::Graph& graph) {
  MetadataTensors t;
  if (!graph.inputs.empty()) {
    t.input_name = graph.inputs[0]->name;
    t.input_dtype = graph.inputs[0]->dtype;
    t.input_shape = ir::static_dims(graph.inputs[0]->shape);
  }
  if (!graph.outputs.empty()) {
    t.output_name = graph.outputs[0]->name;
    const ir::Shape& shape = graph.outputs[0]->shape;
    if (!shape.empty() && shape.back().known()) t.class_count = shape.back().size;
  }
  return t;
}

}  // namespace

Expected<std::vector<uint8_t>> export_tflite(const ir::Graph& source,
                                             const TfliteExportOptions& options) {
  ir::Graph graph = source.clone();
  if (options.prepare_graph) MCONV_RETURN_IF_ERROR(prepare(graph, options));
  MCONV_RETURN_IF_ERROR(graph.topological_sort());

  TfliteWriter writer;
  LowerContext ctx(graph, writer);
  std::vector<TfliteWriter::IoTensor> inputs, outputs;
  for (const ir::Value* in : graph.inputs) {  // inputs get the first tensor indices
    MCONV_ASSIGN_OR_RETURN(int t, ctx.tensor(in));
    inputs.push_back({in->name, t});
  }
  for (const auto& node : graph.nodes()) {
    if (ctx.skipped(node.get())) continue;
    MCONV_RETURN_IF_ERROR(lowering_for(node->op)(*node, ctx));
  }
  for (const ir::Value* out : graph.outputs) {
    MCONV_ASSIGN_OR_RETURN(int t, ctx.tensor(out));
    outputs.push_back({out->name, t});
  }
  if (writer.operator_count() == 0) return Status::Error("graph has no operators to export");
  if (!options.metadata || options.metadata->empty())
    return writer.finish(inputs, outputs, options.signature_key, options.description);

  MCONV_ASSIGN_OR_RETURN(TfliteMetadataPayload payload,
                         build_tflite_metadata(*options.metadata, metadata_tensors(graph)));
  writer.add_metadata(kMetadataBufferName, std::move(payload.model_metadata));
  std::vector<uint8_t> bytes =
      writer.finish(inputs, outputs, options.signature_key, options.description);
  if (payload.associated_files.empty()) return bytes;
  // Associated files travel as a zip archive appended to the flatbuffer.
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> zip,
                         write_stored_zip(payload.associated_files, bytes.size()));
  bytes.insert(bytes.end(), zip.begin(), zip.end());
  return bytes;
}

Status export_tflite_file(const ir::Graph& graph, const std::string& path,
                          const TfliteExportOptions& options) {
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, export_tflite(graph, options));
  return write_file_atomic(path, bytes).with_context(path);
}

}  // namespace mconv::tflite
