// Element types beyond f32: a tiny Identity model per type, written as raw ONNX protobuf bytes
// here so the test needs nothing but the ORT adapter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ort/ort_session.h"

namespace mconv::ort {
namespace {

// Minimal protobuf encoding: enough for ModelProto/GraphProto/NodeProto/ValueInfoProto.
class Proto {
 public:
  Proto& varint(int field, uint64_t value) {
    tag(field, 0);
    put_varint(value);
    return *this;
  }
  Proto& bytes(int field, const std::string& data) {
    tag(field, 2);
    put_varint(data.size());
    out_ += data;
    return *this;
  }
  Proto& message(int field, const Proto& inner) { return bytes(field, inner.out_); }
  const std::string& str() const { return out_; }

 private:
  void tag(int field, int wire) { put_varint(static_cast<uint64_t>(field) << 3 | wire); }
  void put_varint(uint64_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      out_ += static_cast<char>(v ? byte | 0x80 : byte);
    } while (v);
  }
  std::string out_;
};

// ONNX TensorProto.DataType values.
constexpr int kOnnxFloat16 = 10, kOnnxInt8 = 3, kOnnxUint8 = 2, kOnnxInt64 = 7, kOnnxBool = 9,
              kOnnxDouble = 11;

// ValueInfoProto "name: elem_type[n, 3]" with a symbolic first dim "n".
Proto value_info(const std::string& name, int elem_type) {
  Proto shape;
  shape.message(1, Proto().bytes(2, "n"));  // Dimension.dim_param
  shape.message(1, Proto().varint(1, 3));   // Dimension.dim_value
  Proto tensor_type;
  tensor_type.varint(1, elem_type).message(2, shape);
  return Proto().bytes(1, name).message(2, Proto().message(1, tensor_type));
}

// A model with one Identity per element type: x<i> -> y<i>.
std::vector<uint8_t> identity_model(const std::vector<int>& elem_types) {
  Proto graph;
  for (size_t i = 0; i < elem_types.size(); ++i) {
    std::string x = "x" + std::to_string(i), y = "y" + std::to_string(i);
    graph.message(
        1, Proto().bytes(1, x).bytes(2, y).bytes(3, "id" + std::to_string(i)).bytes(4, "Identity"));
  }
  graph.bytes(2, "identities");
  for (size_t i = 0; i < elem_types.size(); ++i)
    graph.message(11, value_info("x" + std::to_string(i), elem_types[i]));
  for (size_t i = 0; i < elem_types.size(); ++i)
    graph.message(12, value_info("y" + std::to_string(i), elem_types[i]));
  Proto model;
  model.varint(1, 8).bytes(2, "mconv-test").message(7, graph);
  model.message(8, Proto().bytes(1, "").varint(2, 17));
  const std::string& s = model.str();
  return {s.begin(), s.end()};
}

TEST(OrtDtypes, SignaturesAndRunsForEveryIntegerAndHalfType) {
  const std::vector<int> onnx_types = {kOnnxFloat16, kOnnxInt8, kOnnxUint8, kOnnxInt64, kOnnxBool};
  const std::vector<DType> dtypes = {DType::kF16, DType::kI8, DType::kU8, DType::kI64,
                                     DType::kBool};
  auto session = OrtSession::LoadBytes(identity_model(onnx_types));
  ASSERT_TRUE(session.ok()) << session.status().message();
  const auto& ins = (*session)->inputs();
  ASSERT_EQ(ins.size(), dtypes.size());
  ASSERT_EQ((*session)->outputs().size(), dtypes.size());
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    EXPECT_EQ(ins[i].dtype, dtypes[i]) << i;
    EXPECT_EQ((*session)->outputs()[i].dtype, dtypes[i]) << i;
    EXPECT_EQ(ins[i].shape, (std::vector<int64_t>{-1, 3}));
    EXPECT_EQ(ins[i].dim_names[0], "n");
    // Two rows for the dynamic dim, with recognisable bytes (bool stays 0/1).
    Tensor t(dtypes[i], {2, 3});
    for (size_t b = 0; b < t.byte_size(); ++b)
      t.raw()[b] = dtypes[i] == DType::kBool ? b % 2 : static_cast<uint8_t>(b * 7 + i);
    inputs.push_back(std::move(t));
  }
  EXPECT_EQ(spec_type_string(ins[0]), "f16[n,3]");
  auto outs = (*session)->run(inputs);
  ASSERT_TRUE(outs.ok()) << outs.status().message();
  for (size_t i = 0; i < dtypes.size(); ++i) {
    EXPECT_EQ((*outs)[i].dtype(), dtypes[i]);
    EXPECT_EQ((*outs)[i].shape(), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ((*outs)[i].bytes(), inputs[i].bytes()) << "type #" << i;
  }

  // A known dim still has to match even when another dim is dynamic.
  inputs[2] = Tensor(DType::kU8, {2, 4});
  auto wrong = (*session)->run(inputs);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("input 'x2'"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("u8[n,3]"), std::string::npos);
}

TEST(OrtDtypes, UnsupportedElementTypeIsRejectedAtLoad) {
  auto session = OrtSession::LoadBytes(identity_model({kOnnxDouble}));
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("double"), std::string::npos)
      << session.status().message();
}

}  // namespace
}  // namespace mconv::ort
