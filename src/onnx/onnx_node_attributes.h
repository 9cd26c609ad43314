// Typed, validated access to a NodeProto's attributes. A file may declare an attribute with the
// wrong type or twice; every read reports that as an error instead of guessing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace onnx {
class AttributeProto;
class NodeProto;
class TensorProto;
}  // namespace onnx

namespace mconv::onnx {

class NodeAttributes {
 public:
  explicit NodeAttributes(const ::onnx::NodeProto& node);

  // Error when the node lists an attribute twice (checked once, up front).
  const Status& status() const { return status_; }
  bool has(const std::string& name) const { return find(name) != nullptr; }
  std::vector<std::string> names() const;

  // Each read leaves `out` untouched when the attribute is absent (so callers pre-fill defaults)
  // and fails when it is present with another type.
  Status read(const std::string& name, int64_t* out) const;
  Status read(const std::string& name, float* out) const;
  Status read(const std::string& name, std::string* out) const;
  Status read(const std::string& name, std::vector<int64_t>* out) const;
  Status read(const std::string& name, std::vector<float>* out) const;
  Status read(const std::string& name, const ::onnx::TensorProto** out) const;

 private:
  const ::onnx::AttributeProto* find(const std::string& name) const;
  Status expect(const ::onnx::AttributeProto& attr, int type) const;

  const ::onnx::NodeProto& node_;  // the node whose attributes are read
  Status status_;                  // duplicate-attribute error, if any
};

}  // namespace mconv::onnx
