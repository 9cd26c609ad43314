// TFLite flatbuffer -> OpGraph: subgraph 0's operators as the TFLite runtime hands them to a
// delegate (builtin code, version, options, tensor types/shapes/constness), read directly from
// the file after the flatbuffers verifier, with every index bounds-checked.
#include <algorithm>
#include <cstring>

#include "delegates/read_model_ops.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace mconv::delegates {
namespace {

namespace fb = ::tflite;

ElemType elem_type(fb::TensorType type) {
  switch (type) {
    case fb::TensorType_FLOAT32:
      return ElemType::kF32;
    case fb::TensorType_FLOAT16:
      return ElemType::kF16;
    case fb::TensorType_INT8:
      return ElemType::kI8;
    case fb::TensorType_UINT8:
      return ElemType::kU8;
    case fb::TensorType_INT16:
      return ElemType::kI16;
    case fb::TensorType_INT32:
      return ElemType::kI32;
    case fb::TensorType_INT64:
      return ElemType::kI64;
    case fb::TensorType_BOOL:
      return ElemType::kBool;
    default:
      return ElemType::kOther;
  }
}

std::string builtin_name(int32_t code, const fb::OperatorCode& oc) {
  if (code == fb::BuiltinOperator_CUSTOM) {
    std::string custom = oc.custom_code() ? oc.custom_code()->str().substr(0, 60) : "";
    for (char& c : custom)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return "CUSTOM:" + custom;
  }
  const char* name = (code >= fb::BuiltinOperator_MIN && code <= fb::BuiltinOperator_MAX)
                         ? fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code))
                         : "";
  return name && *name ? std::string(name) : "BUILTIN_" + std::to_string(code);
}

// Small constant data that rules look at (axes, paddings, shapes, clip bounds).
void read_constant(const fb::Buffer& buffer, TensorInfo& t) {
  if (!buffer.data() || buffer.data()->size() == 0) return;
  const uint8_t* p = buffer.data()->data();
  const size_t bytes = buffer.data()->size();
  if (t.type == ElemType::kI32 && bytes <= 64 * 4) {
    for (size_t i = 0; i + 4 <= bytes; i += 4) {
      int32_t v;
      std::memcpy(&v, p + i, 4);
      t.ints.push_back(v);
    }
  } else if (t.type == ElemType::kI64 && bytes <= 64 * 8) {
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
      int64_t v;
      std::memcpy(&v, p + i, 8);
      t.ints.push_back(v);
    }
  } else if (t.type == ElemType::kF32 && bytes <= 16 * 4) {
    for (size_t i = 0; i + 4 <= bytes; i += 4) {
      float v;
      std::memcpy(&v, p + i, 4);
      t.floats.push_back(v);
    }
  }
}

void read_options(const fb::Operator& op, OpNode& node) {
  auto act = [&](fb::ActivationFunctionType a) { node.ints["fused_activation"] = a; };
  if (auto* o = op.builtin_options_as_Conv2DOptions()) {
    act(o->fused_activation_function());
    node.ints["stride_h"] = o->stride_h();
    node.ints["stride_w"] = o->stride_w();
    node.ints["dilation_h"] = o->dilation_h_factor();
    node.ints["dilation_w"] = o->dilation_w_factor();
  } else if (auto* o = op.builtin_options_as_DepthwiseConv2DOptions()) {
    act(o->fused_activation_function());
    node.ints["stride_h"] = o->stride_h();
    node.ints["stride_w"] = o->stride_w();
    node.ints["dilation_h"] = o->dilation_h_factor();
    node.ints["dilation_w"] = o->dilation_w_factor();
    node.ints["depth_multiplier"] = o->depth_multiplier();
  } else if (auto* o = op.builtin_options_as_Pool2DOptions()) {
    act(o->fused_activation_function());
    node.ints["filter_h"] = o->filter_height();
    node.ints["filter_w"] = o->filter_width();
    node.ints["stride_h"] = o->stride_h();
    node.ints["stride_w"] = o->stride_w();
  } else if (auto* o = op.builtin_options_as_FullyConnectedOptions()) {
    act(o->fused_activation_function());
    node.ints["weights_format"] = o->weights_format();
    node.ints["keep_num_dims"] = o->keep_num_dims();
  } else if (auto* o = op.builtin_options_as_SoftmaxOptions()) {
    node.floats["beta"] = o->beta();
  } else if (auto* o = op.builtin_options_as_ConcatenationOptions()) {
    act(o->fused_activation_function());
    node.ints["axis"] = o->axis();
  } else if (auto* o = op.builtin_options_as_AddOptions()) {
    act(o->fused_activation_function());
  } else if (auto* o = op.builtin_options_as_MulOptions()) {
    act(o->fused_activation_function());
  } else if (auto* o = op.builtin_options_as_SubOptions()) {
    act(o->fused_activation_function());
  } else if (auto* o = op.builtin_options_as_DivOptions()) {
    act(o->fused_activation_function());
  } else if (auto* o = op.builtin_options_as_ReducerOptions()) {
    node.ints["keep_dims"] = o->keep_dims();
  } else if (auto* o = op.builtin_options_as_GatherOptions()) {
    node.ints["axis"] = o->axis();
  } else if (auto* o = op.builtin_options_as_MirrorPadOptions()) {
    node.ints["mode"] = o->mode();
  } else if (auto* o = op.builtin_options_as_StridedSliceOptions()) {
    node.ints["begin_mask"] = o->begin_mask();
    node.ints["end_mask"] = o->end_mask();
    node.ints["ellipsis_mask"] = o->ellipsis_mask();
    node.ints["new_axis_mask"] = o->new_axis_mask();
    node.ints["shrink_axis_mask"] = o->shrink_axis_mask();
  } else if (auto* o = op.builtin_options_as_ResizeBilinearOptions()) {
    node.ints["align_corners"] = o->align_corners();
    node.ints["half_pixel_centers"] = o->half_pixel_centers();
  } else if (auto* o = op.builtin_options_as_LeakyReluOptions()) {
    node.floats["alpha"] = o->alpha();
  }
}

Status invalid(const std::string& source, const std::string& what) {
  return Status::Error(source + ": " + what);
}

}  // namespace

Expected<OpGraph> read_tflite_ops(const std::vector<uint8_t>& bytes, const std::string& source) {
  if (bytes.size() < 8 || !flatbuffers::BufferHasIdentifier(bytes.data(), fb::ModelIdentifier()))
    return invalid(source, "not a TFLite flatbuffer (no 'TFL3' identifier)");
  const size_t verify_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier verifier(bytes.data(), verify_size, 64, 10'000'000);
  if (!fb::VerifyModelBuffer(verifier))
    return invalid(source, "not a valid TFLite flatbuffer (the flatbuffers verifier rejected it)");
  const fb::Model& model = *fb::GetModel(bytes.data());
  if (!model.subgraphs() || model.subgraphs()->size() == 0)
    return invalid(source, "the model has no subgraph");
  const fb::SubGraph& sg = *model.subgraphs()->Get(0);
  const int buffer_count = model.buffers() ? static_cast<int>(model.buffers()->size()) : 0;
  const int code_count =
      model.operator_codes() ? static_cast<int>(model.operator_codes()->size()) : 0;

  OpGraph graph;
  graph.format = "tflite";
  const int tensor_count = sg.tensors() ? static_cast<int>(sg.tensors()->size()) : 0;
  graph.tensors.resize(tensor_count);
  for (int i = 0; i < tensor_count; ++i) {
    const fb::Tensor& ft = *sg.tensors()->Get(i);
    TensorInfo& t = graph.tensors[i];
    t.name = ft.name() ? ft.name()->str() : "tensor" + std::to_string(i);
    t.type = elem_type(ft.type());
    const auto* dims = ft.shape_signature() && ft.shape_signature()->size() > 0
                           ? ft.shape_signature()
                           : ft.shape();
    if (dims) {
      t.has_shape = true;
      for (int32_t d : *dims) t.dims.push_back(d);
    }
    const auto* q = ft.quantization();
    t.quantized = q && q->scale() && q->scale()->size() > 0;
    if (ft.buffer() > 0 && static_cast<int>(ft.buffer()) < buffer_count) {
      const fb::Buffer& b = *model.buffers()->Get(ft.buffer());
      t.is_constant = (b.data() && b.data()->size() > 0) || b.size() > 0;
      if (t.is_constant) read_constant(b, t);
    }
  }
  auto checked = [&](const flatbuffers::Vector<int32_t>* list, std::vector<int>& out,
                     bool allow_omitted) -> bool {
    if (!list) return true;
    for (int32_t v : *list) {
      if (v < (allow_omitted ? -1 : 0) || v >= tensor_count) return false;
      out.push_back(v);
    }
    return true;
  };
  if (!checked(sg.inputs(), graph.inputs, false) || !checked(sg.outputs(), graph.outputs, false))
    return invalid(source, "a subgraph input/output index is out of range");

  const int op_count = sg.operators() ? static_cast<int>(sg.operators()->size()) : 0;
  for (int i = 0; i < op_count; ++i) {
    const fb::Operator& op = *sg.operators()->Get(i);
    if (op.opcode_index() >= static_cast<uint32_t>(code_count))
      return invalid(source, "operator " + std::to_string(i) + " uses a missing operator code");
    const fb::OperatorCode& oc = *model.operator_codes()->Get(op.opcode_index());
    const int32_t code =
        std::max<int32_t>(static_cast<int32_t>(oc.builtin_code()), oc.deprecated_builtin_code());
    OpNode node;
    node.op = builtin_name(code, oc);
    node.version = oc.version();
    if (!checked(op.inputs(), node.inputs, true) || !checked(op.outputs(), node.outputs, false))
      return invalid(source, "operator " + std::to_string(i) + " (" + node.op +
                                 ") has a tensor index out of range");
    // Converter tensor names join every fused TF op with ';': the first one names the node.
    std::string out_name =
        node.outputs.empty() ? std::string() : graph.tensors[node.outputs[0]].name;
    out_name = out_name.substr(0, out_name.find(';'));
    if (out_name.size() > 60) out_name = out_name.substr(0, 57) + "...";
    node.name = "#" + std::to_string(i) + " " + out_name;
    read_options(op, node);
    // DEQUANTIZE of a constant (float16 or int8 weights) yields a "quasi-static" tensor: XNNPACK
    // (quasi_static_tensors in xnnpack_delegate.cc), the GPU delegate and the Core ML delegate's
    // FP16GraphPartitionHelper all treat it as the constant weights it stands for.
    if (node.op == "DEQUANTIZE" && !node.inputs.empty() && node.inputs[0] >= 0 &&
        graph.tensors[node.inputs[0]].is_constant && !node.outputs.empty())
      graph.tensors[node.outputs[0]].is_constant = true;
    graph.nodes.push_back(std::move(node));
  }
  return graph;
}

}  // namespace mconv::delegates
