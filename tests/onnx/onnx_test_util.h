// Helpers for the ONNX tests: building small ONNX models with libonnx's protobuf classes, running
// bytes in ONNX Runtime and graphs in the reference interpreter, and comparing tensors.
// Header-only because only *_test.cc files are compiled into mconv_onnx_tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "onnx/onnx_pb.h"
#include "ort/ort_session.h"
#include "runtime/interpreter.h"
#include "support/test_tensors.h"

namespace mconv::onnx::test {

// A dimension of a declared shape: a size, or a symbolic name for a dynamic dim.
using DimSpec = std::variant<int64_t, std::string>;

// Tensor with deterministic pseudo-random values uniform in [-scale, scale].
inline Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float scale = 1.0f) {
  Tensor t(DType::kF32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i) p[i] = dist(rng);
  return t;
}

inline Tensor i64_tensor(const std::vector<int64_t>& values) {
  Tensor t(DType::kI64, {static_cast<int64_t>(values.size())});
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

inline Tensor f32_scalar(float v) {
  return Tensor::FromVector<float>(DType::kF32, {}, {v});
}

// Builds a ModelProto node by node.
class ModelBuilder {
 public:
  explicit ModelBuilder(int opset, int64_t ir_version = 0) {
    model_.set_ir_version(ir_version ? ir_version : (opset <= 14 ? 7 : 8));
    model_.set_producer_name("mconv-test");
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("test_graph");
  }

  ::onnx::ModelProto& model() { return model_; }
  ::onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  static void set_type(::onnx::ValueInfoProto* info, const std::string& name, int32_t elem_type,
                       const std::vector<DimSpec>& dims, bool with_shape = true) {
    info->set_name(name);
    auto* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    if (!with_shape) return;
    auto* shape = t->mutable_shape();
    for (const DimSpec& d : dims) {
      auto* dim = shape->add_dim();
      if (std::holds_alternative<int64_t>(d))
        dim->set_dim_value(std::get<int64_t>(d));
      else
        dim->set_dim_param(std::get<std::string>(d));
    }
  }

  ModelBuilder& input(const std::string& name, const std::vector<DimSpec>& dims,
                      int32_t elem_type = ::onnx::TensorProto::FLOAT) {
    set_type(graph().add_input(), name, elem_type, dims);
    return *this;
  }
  // Output without a shape unless `dims` are given (ORT and the checker infer it).
  ModelBuilder& output(const std::string& name, const std::vector<DimSpec>& dims = {},
                       int32_t elem_type = ::onnx::TensorProto::FLOAT, bool with_shape = false) {
    set_type(graph().add_output(), name, elem_type, dims, with_shape || !dims.empty());
    return *this;
  }

  // Initializer stored as raw_data.
  ::onnx::TensorProto& initializer(const std::string& name, const Tensor& t) {
    ::onnx::TensorProto* p = graph().add_initializer();
    p->set_name(name);
    p->set_data_type(onnx_type(t.dtype()));
    for (int64_t d : t.shape()) p->add_dims(d);
    p->set_raw_data(t.raw(), t.byte_size());
    return *p;
  }
  ::onnx::TensorProto& weight(const std::string& name, std::vector<int64_t> shape, uint32_t seed,
                              float scale = 0.3f) {
    return initializer(name, random_tensor(std::move(shape), seed, scale));
  }
  ::onnx::TensorProto& ints(const std::string& name, const std::vector<int64_t>& values) {
    return initializer(name, i64_tensor(values));
  }

  ::onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "") {
    ::onnx::NodeProto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(graph().node_size()) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  std::vector<uint8_t> bytes() const {
    std::string s = model_.SerializeAsString();
    return std::vector<uint8_t>(s.begin(), s.end());
  }

  static int32_t onnx_type(DType t) {
    switch (t) {
      case DType::kF32:
        return ::onnx::TensorProto::FLOAT;
      case DType::kF16:
        return ::onnx::TensorProto::FLOAT16;
      case DType::kI8:
        return ::onnx::TensorProto::INT8;
      case DType::kU8:
        return ::onnx::TensorProto::UINT8;
      case DType::kI32:
        return ::onnx::TensorProto::INT32;
      case DType::kI64:
        return ::onnx::TensorProto::INT64;
      case DType::kBool:
        return ::onnx::TensorProto::BOOL;
      default:
        return ::onnx::TensorProto::UNDEFINED;
    }
  }

 private:
  ::onnx::ModelProto model_;
};

// Attribute setters (return the node for chaining).
inline ::onnx::NodeProto& attr(::onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(v);
  return n;
}
inline ::onnx::NodeProto& attr(::onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(v);
  return n;
}
inline ::onnx::NodeProto& attr(::onnx::NodeProto& n, const std::string& name, const char* v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::STRING);
  a->set_s(v);
  return n;
}
inline ::onnx::NodeProto& attr(::onnx::NodeProto& n, const std::string& name,
                               const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
  return n;
}

struct Diff {
  float max_abs = 0;       // largest |a - b|
  bool same_shape = true;  // shapes agree
};

inline Diff compare(const Tensor& a, const Tensor& b) {
  Diff d;
  if (a.shape() != b.shape()) {
    d.same_shape = false;
    d.max_abs = INFINITY;
    return d;
  }
  const std::vector<float> x = a.to_f32(), y = b.to_f32();
  for (size_t i = 0; i < x.size(); ++i) {
    const float e = std::fabs(x[i] - y[i]);
    if (!(e <= d.max_abs)) d.max_abs = std::isnan(e) ? INFINITY : e;
  }
  return d;
}

// Index of the largest value in each row of a [rows, cols] tensor.
inline std::vector<int64_t> argmax_rows(const Tensor& t) {
  const std::vector<float> v = t.to_f32();
  const int64_t rows = t.rank() == 2 ? t.dim(0) : 1;
  const int64_t cols = rows ? static_cast<int64_t>(v.size()) / rows : 0;
  std::vector<int64_t> out;
  for (int64_t r = 0; r < rows; ++r)
    out.push_back(std::max_element(v.begin() + r * cols, v.begin() + (r + 1) * cols) -
                  (v.begin() + r * cols));
  return out;
}

using mconv::test::batch_row;

// The graph exported at `opset` and accepted by onnx's checker; the error names the opset.
inline Expected<std::vector<uint8_t>> export_checked(const ir::Graph& graph, int opset) {
  OnnxExportOptions options;
  options.opset = opset;
  auto bytes = export_onnx(graph, options);
  Status check = bytes.ok() ? check_onnx_bytes(*bytes) : bytes.status();
  if (!check.ok()) return Status::Error("opset " + std::to_string(opset) + ": " + check.message());
  return bytes;
}

// Concatenates [1, ...] tensors along axis 0.
inline Tensor stack_rows(const std::vector<Tensor>& rows) {
  std::vector<int64_t> shape = rows.at(0).shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out(rows[0].dtype(), shape);
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(out.raw() + i * rows[i].byte_size(), rows[i].raw(), rows[i].byte_size());
  return out;
}

inline Expected<std::vector<Tensor>> run_ort(const std::vector<uint8_t>& bytes,
                                             const std::vector<Tensor>& inputs) {
  MCONV_ASSIGN_OR_RETURN(auto session, ort::OrtSession::LoadBytes(bytes));
  return session->run(inputs);
}

inline Expected<std::vector<Tensor>> run_interpreter(const ir::Graph& graph,
                                                     const std::vector<Tensor>& inputs) {
  MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(graph));
  return interpreter->run(inputs);
}

}  // namespace mconv::onnx::test
