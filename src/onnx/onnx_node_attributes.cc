#include "onnx/onnx_node_attributes.h"

#include <set>

#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

using ::onnx::AttributeProto;

NodeAttributes::NodeAttributes(const ::onnx::NodeProto& node) : node_(node) {
  std::set<std::string> seen;
  for (const AttributeProto& a : node.attribute()) {
    if (!seen.insert(a.name()).second) {
      status_ = Status::Error("attribute '" + printable(a.name()) + "' is given twice");
      return;
    }
  }
}

std::vector<std::string> NodeAttributes::names() const {
  std::vector<std::string> out;
  for (const AttributeProto& a : node_.attribute()) out.push_back(a.name());
  return out;
}

const AttributeProto* NodeAttributes::find(const std::string& name) const {
  for (const AttributeProto& a : node_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

Status NodeAttributes::expect(const AttributeProto& attr, int type) const {
  // Files older than IR version 2 may leave `type` unset; then trust the filled field.
  if (attr.type() == type || attr.type() == AttributeProto::UNDEFINED) return Status::Ok();
  const auto name = [](int t) {
    return AttributeProto::AttributeType_IsValid(t)
               ? AttributeProto::AttributeType_Name(static_cast<AttributeProto::AttributeType>(t))
               : "type " + std::to_string(t);
  };
  return Status::Error("attribute '" + printable(attr.name()) + "' has type " + name(attr.type()) +
                       ", expected " + name(type));
}

Status NodeAttributes::read(const std::string& name, int64_t* out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::INT));
  *out = a->i();
  return Status::Ok();
}

Status NodeAttributes::read(const std::string& name, float* out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::FLOAT));
  *out = a->f();
  return Status::Ok();
}

Status NodeAttributes::read(const std::string& name, std::string* out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::STRING));
  *out = a->s();
  return Status::Ok();
}

Status NodeAttributes::read(const std::string& name, std::vector<int64_t>* out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::INTS));
  out->assign(a->ints().begin(), a->ints().end());
  return Status::Ok();
}

Status NodeAttributes::read(const std::string& name, std::vector<float>* out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::FLOATS));
  out->assign(a->floats().begin(), a->floats().end());
  return Status::Ok();
}

Status NodeAttributes::read(const std::string& name, const ::onnx::TensorProto** out) const {
  const AttributeProto* a = find(name);
  if (!a) return Status::Ok();
  MCONV_RETURN_IF_ERROR(expect(*a, AttributeProto::TENSOR));
  if (!a->has_t()) return Status::Error("attribute '" + printable(name) + "' holds no tensor");
  *out = &a->t();
  return Status::Ok();
}

}  // namespace mconv::onnx
