// One shape function per IR op: Status infer_<Op>(ShapeContext&). They are grouped by kind in the
// files of this folder (elementwise, conv/pool, linear algebra, reshaping, indexing, shape
// arithmetic, quantization); passes/shape_inference.cc builds the OpType-indexed table from this
// list, so an op added to MCONV_IR_OPS without a shape function does not compile.
#pragma once

#include "ir/op_type.h"
#include "passes/shapes/shape_context.h"

namespace mconv::passes::shapes {

using ShapeFn = Status (*)(ShapeContext&);

#define MCONV_DECLARE_SHAPE_FN(name, ...) Status infer_##name(ShapeContext& ctx);
MCONV_IR_OPS(MCONV_DECLARE_SHAPE_FN)
#undef MCONV_DECLARE_SHAPE_FN

}  // namespace mconv::passes::shapes
