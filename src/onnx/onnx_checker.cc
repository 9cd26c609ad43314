// check_onnx_bytes: the official ONNX checker with full checking, i.e. what Python's
// onnx.checker.check_model(model, full_check=True) does: structural checks, then strict shape
// and type inference.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>

#include <climits>
#include <exception>
#include <unordered_set>

#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"
#include "onnx/shape_inference/implementation.h"

namespace mconv::onnx {
namespace {

// libonnx 1.12 (Debian's) knows opsets up to 17. For newer opsets its checker would validate
// nodes against older schemas and reject valid files (e.g. ReduceMean-18's axes input), so such
// files only get these structural checks; ONNX Runtime, which knows opset 18, is their real test.
Status relaxed_check(const ::onnx::ModelProto& model) {
  if (model.ir_version() < 3) return Status::Error("missing IR version");
  const auto& g = model.graph();
  std::unordered_set<std::string> defined;
  for (const auto& i : g.input()) defined.insert(i.name());
  for (const auto& i : g.initializer()) defined.insert(i.name());
  for (const auto& n : g.node()) {
    if (n.op_type().empty()) return Status::Error("node '" + n.name() + "' has no op type");
    for (const std::string& in : n.input())
      if (!in.empty() && !defined.count(in))
        return Status::Error("node '" + n.name() + "' reads '" + in + "' before it is defined");
    for (const std::string& out : n.output())
      if (!out.empty() && !defined.insert(out).second)
        return Status::Error("value '" + out + "' is defined twice");
  }
  for (const auto& o : g.output())
    if (!defined.count(o.name()))
      return Status::Error("graph output '" + o.name() + "' is never defined");
  return Status::Ok();
}

int64_t default_opset(const ::onnx::ModelProto& model) {
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") return entry.version();
  return -1;
}

std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return printable(out.size() > 400 ? out.substr(0, 400) : out);
}

}  // namespace

Status check_onnx_bytes(const std::vector<uint8_t>& bytes) {
  if (bytes.empty() || bytes.size() > static_cast<size_t>(INT_MAX))
    return Status::Error("ONNX check: model is empty or over 2 GiB");
  ::onnx::ModelProto model;
  {
    google::protobuf::LogSilencer silence;
    google::protobuf::io::CodedInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return Status::Error("ONNX check: the bytes are not an ONNX protobuf");
  }
  const int64_t libonnx_max_opset = ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance()
                                        .Map()
                                        .at(::onnx::ONNX_DOMAIN)
                                        .second;
  try {
    if (default_opset(model) > libonnx_max_opset)
      return relaxed_check(model).with_context(
          "ONNX check (opset " + std::to_string(default_opset(model)) + ", structural only)");
    ::onnx::checker::check_model(model);
    // full_check: strict shape inference with type checks, on a copy (inference edits it).
    ::onnx::ModelProto inferred = model;
    ::onnx::shape_inference::InferShapes(inferred, ::onnx::OpSchemaRegistry::Instance(),
                                         ::onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    return Status::Error("ONNX check: " + one_line(e.what()));
  }
  return Status::Ok();
}

}  // namespace mconv::onnx
