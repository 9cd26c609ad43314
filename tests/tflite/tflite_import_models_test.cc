// The TFLite importer on the three real .tflite files in shared/data/models. Expectations are
// derived from the flatbuffer itself (read here with the generated API), so every check compares
// the IR against what the file says: op counts per kind, OIHW filters element by element (and
// the dequantized values of hybrid weights), quantization parameters on every tensor, padding
// that reproduces the file's output shapes, names and dynamic dims.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "core/file_io.h"
#include "ir/verifier.h"
#include "support/test_support.h"
#include "tflite/schema/mconv_tflite_generated.h"
#include "tflite/tflite_importer.h"

namespace {

using mconv::DType;
using mconv::Tensor;
using mconv::ir::OpType;
namespace fb = ::tflite;

const char kKeras[] = "keras_mobilenet_v3_small_int8_dynrange.tflite";
const char kQatUint8[] = "atu_v3-small_224_1.0_uint8.tflite";
const char kFullInt8[] = "atu_Mobilenet_v3_small_quant.tflite";

// A real model file, its raw flatbuffer and the imported IR.
struct Loaded {
  std::vector<uint8_t> bytes;           // the file
  const fb::Model* fb_model = nullptr;  // view into `bytes`
  mconv::ir::Model model;               // the import result
};

// Loads and imports; fails the test (fatal) on any error.
void load(const std::string& file, Loaded* out) {
  const std::string path = mconv::test::shared_models_dir() + "/" + file;
  MCONV_REQUIRE_SHARED_FILE(path);
  auto bytes = mconv::read_file_bytes(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  out->bytes = std::move(bytes).value();
  out->fb_model = fb::GetModel(out->bytes.data());
  mconv::tflite::TfliteImportOptions options;
  options.source_name = file;
  auto model = mconv::tflite::import_tflite_bytes(out->bytes, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  out->model = std::move(model).value();
}

int32_t op_code(const fb::Model& m, const fb::Operator& op) {
  const fb::OperatorCode* oc = m.operator_codes()->Get(op.opcode_index());
  return std::max<int32_t>(oc->builtin_code(), oc->deprecated_builtin_code());
}

std::map<OpType, int> ir_op_counts(const mconv::ir::Graph& g) {
  std::map<OpType, int> counts;
  for (const auto& n : g.nodes()) ++counts[n->op];
  return counts;
}

fb::ActivationFunctionType fused_activation(const fb::Operator& op) {
  if (auto* o = op.builtin_options_as_Conv2DOptions()) return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_DepthwiseConv2DOptions())
    return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_Pool2DOptions()) return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_AddOptions()) return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_MulOptions()) return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_SubOptions()) return o->fused_activation_function();
  if (auto* o = op.builtin_options_as_FullyConnectedOptions())
    return o->fused_activation_function();
  return fb::ActivationFunctionType_NONE;
}

// What the IR must contain for the file's operators: one main node per TFLite op (QUANTIZE and
// DEQUANTIZE map to Q/DQ nodes), plus one Relu/Clip per fused activation.
std::map<OpType, int> expected_op_counts(const fb::Model& m) {
  static const std::map<int32_t, OpType> kMain = {
      {fb::BuiltinOperator_CONV_2D, OpType::kConv},
      {fb::BuiltinOperator_DEPTHWISE_CONV_2D, OpType::kConv},
      {fb::BuiltinOperator_ADD, OpType::kAdd},
      {fb::BuiltinOperator_SUB, OpType::kSub},
      {fb::BuiltinOperator_MUL, OpType::kMul},
      {fb::BuiltinOperator_HARD_SWISH, OpType::kHardSwish},
      {fb::BuiltinOperator_MEAN, OpType::kReduceMean},
      {fb::BuiltinOperator_AVERAGE_POOL_2D, OpType::kAveragePool},
      {fb::BuiltinOperator_RESHAPE, OpType::kReshape},
      {fb::BuiltinOperator_SOFTMAX, OpType::kSoftmax},
      {fb::BuiltinOperator_QUANTIZE, OpType::kQuantizeLinear},
      {fb::BuiltinOperator_DEQUANTIZE, OpType::kDequantizeLinear},
  };
  std::map<OpType, int> counts;
  const fb::SubGraph* sg = m.subgraphs()->Get(0);
  for (const fb::Operator* op : *sg->operators()) {
    auto it = kMain.find(op_code(m, *op));
    EXPECT_NE(it, kMain.end()) << "test table misses op code " << op_code(m, *op);
    if (it != kMain.end()) ++counts[it->second];
    switch (fused_activation(*op)) {
      case fb::ActivationFunctionType_RELU:
        ++counts[OpType::kRelu];
        break;
      case fb::ActivationFunctionType_RELU6:
        ++counts[OpType::kClip];
        break;
      case fb::ActivationFunctionType_NONE:
        break;
      default:
        ADD_FAILURE() << "unexpected fused activation in the file";
        break;
    }
  }
  return counts;
}

std::string tensor_name(const fb::Tensor& t) {
  return t.name() ? t.name()->str() : "";
}

// Raw data of a tensor's buffer as a Tensor (file layout).
Tensor raw_tensor(const fb::Model& m, const fb::Tensor& t) {
  const fb::Buffer* b = m.buffers()->Get(t.buffer());
  std::vector<int64_t> shape(t.shape()->begin(), t.shape()->end());
  DType dtype = t.type() == fb::TensorType_INT8    ? DType::kI8
                : t.type() == fb::TensorType_UINT8 ? DType::kU8
                : t.type() == fb::TensorType_INT32 ? DType::kI32
                                                   : DType::kF32;
  auto r =
      Tensor::FromBytes(dtype, shape, std::vector<uint8_t>(b->data()->begin(), b->data()->end()));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : Tensor();
}

// Checks every CONV_2D / DEPTHWISE_CONV_2D filter of the file against its IR constant: the IR
// holds OIHW, element [o,i,h,w] must equal the file's OHWI [o,h,w,i] (depthwise: 1HWO [0,h,w,o],
// i = 0), dequantized with the per-channel scale when the IR value is f32 but the file int8.
// Returns how many filters were dequantized.
int check_filters(const Loaded& l) {
  const fb::SubGraph* sg = l.fb_model->subgraphs()->Get(0);
  int dequantized = 0, checked = 0;
  for (const fb::Operator* op : *sg->operators()) {
    const int32_t code = op_code(*l.fb_model, *op);
    const bool depthwise = code == fb::BuiltinOperator_DEPTHWISE_CONV_2D;
    if (code != fb::BuiltinOperator_CONV_2D && !depthwise) continue;
    const fb::Tensor& ft = *sg->tensors()->Get(op->inputs()->Get(1));
    const mconv::ir::Value* v = l.model.graph.find_value(tensor_name(ft));
    EXPECT_NE(v, nullptr) << tensor_name(ft);
    if (!v) continue;
    EXPECT_TRUE(v->is_constant());
    EXPECT_FALSE(v->consumers.empty());
    EXPECT_EQ(v->consumers[0]->op, OpType::kConv);
    EXPECT_EQ(v->consumers[0]->layout, mconv::ir::Layout::kNHWC);
    const Tensor raw = raw_tensor(*l.fb_model, ft);
    const Tensor& w = *v->constant;
    EXPECT_EQ(w.rank(), 4) << v->name;
    if (w.rank() != 4) continue;
    const int64_t O = w.dim(0), I = w.dim(1), H = w.dim(2), W = w.dim(3);
    if (depthwise) {
      EXPECT_EQ(raw.shape(), (std::vector<int64_t>{1, H, W, O}));
      EXPECT_EQ(I, 1);
    } else {
      EXPECT_EQ(raw.shape(), (std::vector<int64_t>{O, H, W, I}));
    }
    const bool dq = w.dtype() == DType::kF32 && raw.dtype() != DType::kF32;
    if (!dq) EXPECT_EQ(w.dtype(), raw.dtype());
    std::vector<float> scale(O, 1.0f);
    std::vector<int64_t> zp(O, 0);
    if (dq) {
      ++dequantized;
      const fb::QuantizationParameters* q = ft.quantization();
      const int qdim = q->quantized_dimension();
      EXPECT_EQ(qdim, depthwise ? 3 : 0);
      for (int64_t o = 0; o < O; ++o) {
        const size_t c = q->scale()->size() == 1 ? 0 : o;
        scale[o] = q->scale()->Get(c);
        zp[o] = q->zero_point()->Get(c);
      }
    }
    const std::vector<float> rv = raw.to_f32();
    const std::vector<float> wv = w.to_f32();
    int64_t mismatches = 0;
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < I; ++i)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t x = 0; x < W; ++x) {
            const int64_t src = depthwise ? (h * W + x) * O + o : ((o * H + h) * W + x) * I + i;
            const float expect = dq ? scale[o] * (rv[src] - static_cast<float>(zp[o])) : rv[src];
            if (wv[((o * I + i) * H + h) * W + x] != expect) ++mismatches;
          }
    EXPECT_EQ(mismatches, 0) << v->name;
    ++checked;
  }
  EXPECT_GT(checked, 50);
  return dequantized;
}

// Every Conv/AveragePool: ONNX output-size arithmetic with the resolved pads must give the
// spatial dims the file records for the output tensor.
void check_window_shapes(const mconv::ir::Graph& g) {
  int checked = 0;
  for (const auto& n : g.nodes()) {
    if (n->op != OpType::kConv && n->op != OpType::kAveragePool && n->op != OpType::kMaxPool)
      continue;
    EXPECT_EQ(n->layout, mconv::ir::Layout::kNHWC) << n->name;
    const auto k = n->attrs.get_ints("kernel_shape");
    const auto s = n->attrs.get_ints("strides");
    const auto p = n->attrs.get_ints("pads");
    const auto d = n->attrs.get_ints("dilations", {1, 1});
    ASSERT_EQ(k.size(), 2u);
    ASSERT_EQ(p.size(), 4u);
    const auto& in = n->inputs[0]->shape;
    const auto& out = n->outputs[0]->shape;
    for (int axis = 0; axis < 2; ++axis) {
      const int64_t effective = (k[axis] - 1) * d[axis] + 1;
      const int64_t size = (in[1 + axis].size + p[axis] + p[axis + 2] - effective) / s[axis] + 1;
      EXPECT_EQ(size, out[1 + axis].size) << n->name << " axis " << axis;
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

// Every integer tensor the file quantizes has the same QuantParams on the IR value of that name.
void check_quant_params(const Loaded& l, int* per_axis_count) {
  const fb::SubGraph* sg = l.fb_model->subgraphs()->Get(0);
  int checked = 0;
  *per_axis_count = 0;
  for (const fb::Tensor* t : *sg->tensors()) {
    const fb::QuantizationParameters* q = t->quantization();
    if (!q || !q->scale() || q->scale()->size() == 0 || t->type() == fb::TensorType_FLOAT32)
      continue;
    const mconv::ir::Value* v = l.model.graph.find_value(tensor_name(*t));
    ASSERT_NE(v, nullptr) << tensor_name(*t);
    ASSERT_TRUE(v->quant.has_value()) << v->name;
    ASSERT_EQ(v->quant->scale.size(), q->scale()->size()) << v->name;
    for (size_t c = 0; c < v->quant->scale.size(); ++c) {
      EXPECT_EQ(v->quant->scale[c], q->scale()->Get(c)) << v->name;
      EXPECT_EQ(v->quant->zero_point[c], q->zero_point()->Get(c)) << v->name;
    }
    if (q->scale()->size() > 1) {
      ++*per_axis_count;
      // OHWI / [out,in] axis 0 stays 0 in OIHW; 1HWO axis 3 becomes 0 as well.
      EXPECT_EQ(v->quant->axis, 0) << v->name;
    } else {
      EXPECT_EQ(v->quant->axis, -1) << v->name;
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(TfliteImportModels, KerasDynamicRangeBecomesFp32WithDequantizedWeights) {
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(kKeras, &l));
  const mconv::ir::Graph& g = l.model.graph;
  EXPECT_TRUE(mconv::ir::verify(g).ok());
  EXPECT_EQ(l.model.source_format, "tflite");
  EXPECT_EQ(l.model.producer, l.fb_model->description()->str());
  EXPECT_EQ(ir_op_counts(g), expected_op_counts(*l.fb_model));

  // I/O: names and dtypes as in the file, the dynamic batch of shape_signature as "batch".
  const fb::SubGraph* sg = l.fb_model->subgraphs()->Get(0);
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, tensor_name(*sg->tensors()->Get(sg->inputs()->Get(0))));
  EXPECT_EQ(g.outputs[0]->name, tensor_name(*sg->tensors()->Get(sg->outputs()->Get(0))));
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF32);
  ASSERT_EQ(g.inputs[0]->shape.size(), 4u);
  EXPECT_FALSE(g.inputs[0]->shape[0].known());
  EXPECT_EQ(g.inputs[0]->shape[0].symbol, "batch");
  EXPECT_EQ(mconv::ir::static_dims(g.inputs[0]->shape), (std::vector<int64_t>{-1, 224, 224, 3}));
  EXPECT_EQ(mconv::ir::static_dims(g.outputs[0]->shape), (std::vector<int64_t>{-1, 1000}));

  // The 47 int8 weight tensors of the file are f32 in the IR, keeping their per-channel params.
  int int8_weights_in_file = 0;
  for (const fb::Tensor* t : *sg->tensors())
    if (t->type() == fb::TensorType_INT8) ++int8_weights_in_file;
  EXPECT_EQ(int8_weights_in_file, 47);
  EXPECT_EQ(check_filters(l), int8_weights_in_file);
  int per_axis = 0;
  check_quant_params(l, &per_axis);
  EXPECT_EQ(per_axis, int8_weights_in_file);
  for (const auto& v : g.values()) {
    EXPECT_NE(v->dtype, DType::kI8) << v->name << " should have been dequantized";
    if (v->quant) EXPECT_TRUE(v->is_constant()) << v->name;
  }
  check_window_shapes(g);
}

TEST(TfliteImportModels, QatUint8KeepsQuantizedTensors) {
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(kQatUint8, &l));
  const mconv::ir::Graph& g = l.model.graph;
  EXPECT_TRUE(mconv::ir::verify(g).ok());
  // Old TOCO file: only deprecated_builtin_code is set.
  for (const fb::OperatorCode* oc : *l.fb_model->operator_codes())
    EXPECT_EQ(oc->builtin_code(), fb::BuiltinOperator_ADD);
  EXPECT_EQ(ir_op_counts(g), expected_op_counts(*l.fb_model));
  EXPECT_EQ(ir_op_counts(g)[OpType::kAveragePool], 11);

  ASSERT_EQ(g.inputs.size(), 1u);
  const mconv::ir::Value* in = g.inputs[0];
  EXPECT_EQ(in->dtype, DType::kU8);
  EXPECT_EQ(mconv::ir::static_dims(in->shape), (std::vector<int64_t>{1, 224, 224, 3}));
  ASSERT_TRUE(in->quant.has_value());
  EXPECT_EQ(in->quant->zero_point, (std::vector<int64_t>{128}));
  EXPECT_NEAR(in->quant->scale[0], 1.0 / 127.0, 1e-7);
  EXPECT_EQ(g.outputs[0]->dtype, DType::kU8);
  EXPECT_EQ(mconv::ir::static_dims(g.outputs[0]->shape), (std::vector<int64_t>{1, 1001}));

  // Every activation stays u8 with its quantization; biases are quantized i32.
  for (const auto& n : g.nodes()) {
    for (const mconv::ir::Value* out : n->outputs) {
      EXPECT_EQ(out->dtype, DType::kU8) << out->name;
      EXPECT_TRUE(out->quant.has_value()) << out->name;
    }
    if (n->op == OpType::kConv) {
      ASSERT_EQ(n->inputs.size(), 3u);
      EXPECT_EQ(n->inputs[1]->dtype, DType::kU8);
      EXPECT_EQ(n->inputs[2]->dtype, DType::kI32);
      EXPECT_TRUE(n->inputs[2]->quant.has_value());
    }
  }
  EXPECT_EQ(check_filters(l), 0);
  int per_axis = 0;
  check_quant_params(l, &per_axis);
  EXPECT_EQ(per_axis, 0);  // per-tensor uint8 everywhere
  check_window_shapes(g);
}

TEST(TfliteImportModels, FullInt8KeepsQuantizeAndDequantizeAtTheEdges) {
  Loaded l;
  ASSERT_NO_FATAL_FAILURE(load(kFullInt8, &l));
  const mconv::ir::Graph& g = l.model.graph;
  EXPECT_TRUE(mconv::ir::verify(g).ok());
  EXPECT_EQ(ir_op_counts(g), expected_op_counts(*l.fb_model));

  // float in -> QuantizeLinear -> int8 graph -> DequantizeLinear -> float out.
  const mconv::ir::Value* in = g.inputs[0];
  ASSERT_EQ(in->consumers.size(), 1u);
  const mconv::ir::Node* q = in->consumers[0];
  EXPECT_EQ(q->op, OpType::kQuantizeLinear);
  ASSERT_EQ(q->inputs.size(), 3u);
  EXPECT_EQ(q->outputs[0]->dtype, DType::kI8);
  ASSERT_TRUE(q->outputs[0]->quant.has_value());
  EXPECT_EQ(q->inputs[1]->constant->to_f32()[0], q->outputs[0]->quant->scale[0]);
  EXPECT_EQ(q->inputs[2]->constant->dtype(), DType::kI8);
  EXPECT_EQ(q->inputs[2]->constant->to_i64()[0], q->outputs[0]->quant->zero_point[0]);
  const mconv::ir::Node* dq = g.outputs[0]->producer;
  ASSERT_NE(dq, nullptr);
  EXPECT_EQ(dq->op, OpType::kDequantizeLinear);
  EXPECT_EQ(dq->inputs[0]->dtype, DType::kI8);
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF32);

  // Per-channel int8 filters (conv and depthwise) keep int8 data and axis-0 scales in OIHW.
  EXPECT_EQ(check_filters(l), 0);
  int per_axis = 0;
  check_quant_params(l, &per_axis);
  EXPECT_GE(per_axis, 54);  // every conv filter, plus per-channel biases
  check_window_shapes(g);
}

TEST(TfliteImportModels, StaticShapesWhenShapeSignatureIsIgnored) {
  const std::string path = mconv::test::shared_models_dir() + "/" + kKeras;
  MCONV_REQUIRE_SHARED_FILE(path);
  mconv::tflite::TfliteImportOptions options;
  options.use_shape_signature = false;
  options.keep_hybrid_weight_quant = false;
  auto model = mconv::tflite::import_tflite_file(path, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  for (const auto& v : model->graph.values()) {
    EXPECT_TRUE(mconv::ir::shape_is_static(v->shape)) << v->name;
    EXPECT_FALSE(v->quant.has_value()) << v->name;
  }
  EXPECT_EQ(mconv::ir::static_dims(model->graph.inputs[0]->shape),
            (std::vector<int64_t>{1, 224, 224, 3}));
}

TEST(TfliteImportModels, FileInfoKeepsSignatureAndDescription) {
  Loaded keras, qat;
  ASSERT_NO_FATAL_FAILURE(load(kKeras, &keras));
  ASSERT_NO_FATAL_FAILURE(load(kQatUint8, &qat));
  auto info = mconv::tflite::read_tflite_file_info(keras.bytes, kKeras);
  ASSERT_TRUE(info.ok()) << info.status().message();
  const fb::SignatureDef* sig = keras.fb_model->signature_defs()->Get(0);
  EXPECT_EQ(info->description, keras.fb_model->description()->str());
  EXPECT_EQ(info->signature_key, sig->signature_key()->str());
  EXPECT_EQ(info->signature_key, "serving_default");
  EXPECT_EQ(info->input_aliases, (std::vector<std::string>{sig->inputs()->Get(0)->name()->str()}));
  EXPECT_EQ(info->output_aliases,
            (std::vector<std::string>{sig->outputs()->Get(0)->name()->str()}));
  EXPECT_EQ(info->subgraph_count, 1);
  EXPECT_FALSE(info->min_runtime_version.empty());
  EXPECT_EQ(info->min_runtime_version.find('\0'), std::string::npos);

  auto old = mconv::tflite::read_tflite_file_info(qat.bytes, kQatUint8);
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(old->description, "TOCO Converted.");
  EXPECT_EQ(old->signature_key, "");  // TOCO files have no SignatureDefs
  EXPECT_TRUE(old->input_aliases.empty());

  std::vector<uint8_t> broken(keras.bytes.begin(), keras.bytes.begin() + 1000);
  EXPECT_FALSE(mconv::tflite::read_tflite_file_info(broken, "cut.tflite").ok());
}

TEST(TfliteImportModels, FileErrorsNameThePath) {
  auto missing = mconv::tflite::import_tflite_file("/nonexistent/dir/model.tflite");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/model.tflite"), std::string::npos)
      << missing.status().message();
}

}  // namespace
