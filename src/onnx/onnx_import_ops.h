// ONNX op converters: one function per ONNX op type (default domain, opsets 11-18), each turning
// a node into the canonical IR form documented in notes/common.md (opset-13 style inputs,
// resolved defaults, auto_pad made explicit, ...). The rule table maps op type names onto them.
#pragma once

#include <initializer_list>
#include <string_view>

#include "core/status.h"
#include "ir/attributes.h"
#include "ir/op_type.h"
#include "onnx/onnx_import_context.h"

namespace mconv::onnx {

using OpImporter = Status (*)(NodeImporter& node);

struct OpImportRule {
  std::string_view onnx_op;  // ONNX op type in the default domain
  int since_opset;           // first opset that defines the op in a form mconv reads
  OpImporter convert;        // the converter
};

// nullptr when mconv does not support the op type.
const OpImportRule* find_import_rule(std::string_view onnx_op);

// An attribute copied as is, with the ONNX default written when the file omits it (so IR
// consumers never need ONNX's defaults). The default's type is the attribute's expected type.
struct AttrDefault {
  const char* name;        // ONNX attribute name, also the IR name
  ir::AttrValue fallback;  // default value; its alternative selects the expected type
};
// Maps a node 1:1 onto `op` with the given input arity, one output, and the listed attributes.
Status import_one_to_one(NodeImporter& node, ir::OpType op, int min_inputs, int max_inputs,
                         std::initializer_list<AttrDefault> attrs = {});

// Converters with more to do than import_one_to_one, grouped by file.
// onnx_import_conv_pool.cc
Status import_conv(NodeImporter& node);
Status import_batch_norm(NodeImporter& node);
Status import_max_pool(NodeImporter& node);
Status import_average_pool(NodeImporter& node);
// onnx_import_activations.cc
Status import_clip(NodeImporter& node);
Status import_softmax(NodeImporter& node);
Status import_cast(NodeImporter& node);
Status import_dropout(NodeImporter& node);
Status import_quantize(NodeImporter& node);
Status import_dequantize(NodeImporter& node);
// onnx_import_shape_ops.cc
Status import_concat(NodeImporter& node);
Status import_transpose(NodeImporter& node);
Status import_split(NodeImporter& node);
Status import_squeeze(NodeImporter& node);
Status import_unsqueeze(NodeImporter& node);
Status import_shape(NodeImporter& node);
Status import_constant_of_shape(NodeImporter& node);
Status import_pad(NodeImporter& node);
Status import_reduce_mean(NodeImporter& node);
// onnx_import_constant.cc
Status import_constant(NodeImporter& node);

}  // namespace mconv::onnx
