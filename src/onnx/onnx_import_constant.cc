// Constant nodes become IR constants (no node): the value is known at import time.
#include "onnx/onnx_import_ops.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

Status import_constant(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(0, 0, 1, 1));
  const auto& attrs = n.proto().attribute();
  if (attrs.size() != 1)
    return n.error("needs exactly one value attribute, has " + std::to_string(attrs.size()));
  const std::string& name = attrs.Get(0).name();
  if (name == "value") {
    const ::onnx::TensorProto* proto = nullptr;
    MCONV_RETURN_IF_ERROR(n.attr("value", &proto));
    auto decoded = decode_tensor(*proto, n.context().base_dir, n.context().limits);
    if (!decoded.ok()) return n.error("attribute 'value': " + decoded.status().message());
    return n.define_constant_output(0, std::move(decoded).value());
  }
  if (name == "value_float") {
    float v = 0;
    MCONV_RETURN_IF_ERROR(n.attr(name, &v));
    return n.define_constant_output(0, Tensor::FromVector<float>(DType::kF32, {}, {v}));
  }
  if (name == "value_floats") {
    std::vector<float> v;
    MCONV_RETURN_IF_ERROR(n.attr(name, &v));
    return n.define_constant_output(0, vector_tensor(DType::kF32, v));
  }
  if (name == "value_int") {
    int64_t v = 0;
    MCONV_RETURN_IF_ERROR(n.attr(name, &v));
    return n.define_constant_output(0, Tensor::FromVector<int64_t>(DType::kI64, {}, {v}));
  }
  if (name == "value_ints") {
    std::vector<int64_t> v;
    MCONV_RETURN_IF_ERROR(n.attr(name, &v));
    return n.define_constant_output(0, vector_tensor(DType::kI64, v));
  }
  return n.error("value attribute '" + printable(name) +
                 "' is not supported (strings and sparse tensors)");
}

}  // namespace mconv::onnx
