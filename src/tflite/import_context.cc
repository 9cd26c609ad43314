// ImportContext: tensor -> Value mapping with checked buffer reads, weight relayout, and the
// node-building helpers shared by the TFLite op converters.
#include "tflite/import_context.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace mconv::tflite {
namespace {

// Permutes a tensor's axes: output axis i takes input axis perm[i]. Works on raw bytes so any
// element type (f32, i8, f16...) moves unchanged.
Tensor permute(const Tensor& in, const std::vector<int>& perm) {
  const int rank = in.rank();
  std::vector<int64_t> out_shape(rank);
  for (int i = 0; i < rank; ++i) out_shape[i] = in.dim(perm[i]);
  Tensor out(in.dtype(), out_shape);
  const size_t elem = dtype_size(in.dtype());
  std::vector<int64_t> in_strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * in.dim(i + 1);
  std::vector<int64_t> index(rank, 0);  // position in the output
  const int64_t n = out.element_count();
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t src = 0;
    for (int i = 0; i < rank; ++i) src += index[i] * in_strides[perm[i]];
    std::memcpy(out.raw() + flat * elem, in.raw() + src * elem, elem);
    for (int i = rank - 1; i >= 0; --i) {
      if (++index[i] < out_shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

// Per-tensor parameters have one scale; per-axis ones one per element of a valid axis.
bool quant_fits(const ir::QuantParams& q, const std::vector<int64_t>& dims) {
  if (q.scale.size() == 1) return true;
  return q.axis >= 0 && q.axis < static_cast<int>(dims.size()) &&
         dims[q.axis] == static_cast<int64_t>(q.scale.size());
}

// The file's tensor name with control characters replaced by '_' (as the ONNX importer does), so
// that names in the IR, in exported files and in one-line errors never carry line breaks.
std::string tensor_name(const fb::Tensor& t, int index) {
  if (!t.name() || t.name()->size() == 0) return "tensor_" + std::to_string(index);
  std::string name = t.name()->str();
  for (char& c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return name;
}

// A name quoted in an error, cut to a readable length.
std::string quoted_name(const std::string& name) {
  constexpr size_t kMaxChars = 120;
  return name.size() <= kMaxChars ? name : name.substr(0, kMaxChars) + "...";
}

}  // namespace

ImportContext::ImportContext(const std::vector<uint8_t>& file_bytes, const fb::Model& model,
                             const fb::SubGraph& subgraph, const TfliteImportOptions& options,
                             ir::Graph* graph)
    : bytes_(file_bytes),
      model_(model),
      subgraph_(subgraph),
      options_(options),
      graph_(graph),
      file_(options.source_name.empty() ? std::string("<tflite>") : options.source_name) {
  tensor_count_ = subgraph.tensors() ? static_cast<int>(subgraph.tensors()->size()) : 0;
  values_.assign(tensor_count_, nullptr);
  data_.assign(tensor_count_, nullptr);
  graph_input_.assign(tensor_count_, false);
  first_reader_.assign(tensor_count_, -1);
}

void ImportContext::begin_operator(int index, std::string op_name, const fb::Operator* op) {
  op_index_ = index;
  op_name_ = std::move(op_name);
  op_ = op;
}

Status ImportContext::op_error(const std::string& message) const {
  return Status::Error(file_ + ": operator " + std::to_string(op_index_) + " (" + op_name_ +
                       "): " + message);
}

Status ImportContext::error(const std::string& message) const {
  return Status::Error(file_ + ": " + message);
}

int ImportContext::input_count() const {
  return op_->inputs() ? op_->inputs()->size() : 0;
}
int ImportContext::output_count() const {
  return op_->outputs() ? op_->outputs()->size() : 0;
}

Status ImportContext::expect_arity(int min_inputs, int max_inputs, int outputs) const {
  const int nin = input_count();
  if (nin < min_inputs || nin > max_inputs) {
    const std::string expected =
        min_inputs == max_inputs ? std::to_string(min_inputs)
                                 : std::to_string(min_inputs) + ".." + std::to_string(max_inputs);
    return op_error("has " + std::to_string(nin) + " inputs, expected " + expected);
  }
  if (outputs >= 0 && output_count() != outputs)
    return op_error("has " + std::to_string(output_count()) + " outputs, expected " +
                    std::to_string(outputs));
  return Status::Ok();
}

int ImportContext::input_tensor(int k) const {
  if (k < 0 || k >= input_count()) return -1;
  return op_->inputs()->Get(k);
}

int ImportContext::output_tensor(int k) const {
  if (k < 0 || k >= output_count()) return -1;
  return op_->outputs()->Get(k);
}

const fb::Tensor& ImportContext::tensor(int tensor_index) const {
  return *subgraph_.tensors()->Get(tensor_index);
}

std::string ImportContext::tensor_label(int tensor_index) const {
  return "tensor '" + quoted_name(tensor_name(tensor(tensor_index), tensor_index)) + "' (index " +
         std::to_string(tensor_index) + ")";
}

bool ImportContext::tensor_has_data(int tensor_index) const {
  if (tensor_index < 0 || tensor_index >= tensor_count_ || graph_input_[tensor_index]) return false;
  if (data_[tensor_index]) return true;
  const uint32_t b = tensor(tensor_index).buffer();
  if (!model_.buffers() || b >= model_.buffers()->size()) return b != 0;  // reported on read
  const fb::Buffer* buffer = model_.buffers()->Get(b);
  return (buffer->data() && buffer->data()->size() > 0) || buffer->offset() > 1;
}

Expected<std::shared_ptr<const Tensor>> ImportContext::tensor_data(int tensor_index) {
  if (data_[tensor_index]) return data_[tensor_index];
  const fb::Tensor& t = tensor(tensor_index);
  const uint32_t b = t.buffer();
  const uint32_t buffer_count = model_.buffers() ? model_.buffers()->size() : 0;
  if (b >= buffer_count)
    return error(tensor_label(tensor_index) + " refers to buffer " + std::to_string(b) +
                 ", but the file has only " + std::to_string(buffer_count) + " buffers");
  const fb::Buffer* buffer = model_.buffers()->Get(b);
  const uint8_t* src = nullptr;
  uint64_t size = 0;
  if (buffer->data() && buffer->data()->size() > 0) {
    src = buffer->data()->data();
    size = buffer->data()->size();
  } else if (buffer->offset() > 1) {
    // Large-model format: the data lives after the flatbuffer, addressed from the file start.
    const uint64_t offset = buffer->offset();
    size = buffer->size();
    if (offset > bytes_.size() || size > bytes_.size() - offset)
      return error(tensor_label(tensor_index) + ": buffer " + std::to_string(b) +
                   " points at bytes [" + std::to_string(offset) + ", " +
                   std::to_string(offset + size) + ") beyond the end of the file (" +
                   std::to_string(bytes_.size()) + " bytes)");
    src = bytes_.data() + offset;
  } else {
    return std::shared_ptr<const Tensor>();  // no data: an activation
  }
  DType dtype;
  if (!dtype_from_tflite(t.type(), &dtype))
    return error(tensor_label(tensor_index) + " has element type " +
                 std::string(fb::EnumNameTensorType(t.type())) + ", which mconv does not support");
  std::vector<int64_t> shape;
  if (t.shape()) shape.assign(t.shape()->begin(), t.shape()->end());
  const int64_t count = shape_element_count(shape);
  if (count < 0)
    return error(tensor_label(tensor_index) + " has constant data but shape " +
                 shape_to_string(shape) + " is not static");
  const uint64_t needed = static_cast<uint64_t>(count) * dtype_size(dtype);
  if (count > 0 && needed / static_cast<uint64_t>(count) != dtype_size(dtype))
    return error(tensor_label(tensor_index) + " has an overflowing shape " +
                 shape_to_string(shape));
  if (size != needed)
    return error(tensor_label(tensor_index) + ": buffer " + std::to_string(b) + " holds " +
                 std::to_string(size) + " bytes but " + std::string(dtype_name(dtype)) +
                 shape_to_string(shape) + " needs " + std::to_string(needed));
  auto loaded = Tensor::FromBytes(dtype, shape, std::vector<uint8_t>(src, src + size));
  if (!loaded.ok()) return error(tensor_label(tensor_index) + ": " + loaded.status().message());
  data_[tensor_index] = std::make_shared<const Tensor>(std::move(loaded).value());
  return data_[tensor_index];
}

Expected<ir::Value*> ImportContext::create_value(int tensor_index) {
  const fb::Tensor& t = tensor(tensor_index);
  const std::string label = tensor_label(tensor_index);
  DType dtype;
  if (!dtype_from_tflite(t.type(), &dtype))
    return error(label + " has element type " + std::string(fb::EnumNameTensorType(t.type())) +
                 ", which mconv does not support");
  if (t.sparsity()) return error(label + " is sparse, which mconv does not support");
  if (t.is_variable()) return error(label + " is a variable tensor, which mconv does not support");
  if (t.quantization() && t.quantization()->details_type() != fb::QuantizationDetails_NONE)
    return error(label + " uses custom or block-wise quantization, which mconv does not support");

  std::vector<int64_t> dims;
  if (t.shape()) dims.assign(t.shape()->begin(), t.shape()->end());
  for (int64_t d : dims)
    if (d < 0) return error(label + " has a negative dim in shape " + shape_to_string(dims));
  // The importer always fills options().limits (tflite_importer.cc).
  if (auto count = check_tensor_shape(options_.limits.value_or(ImportLimits{}), label, dims.data(),
                                      dims.size());
      !count.ok())
    return error(count.status().message());
  ir::Shape shape = ir::make_shape(dims);
  const auto* signature = t.shape_signature();
  if (options_.use_shape_signature && signature && signature->size() == dims.size()) {
    for (size_t i = 0; i < dims.size(); ++i) {
      if (signature->Get(i) >= 0) continue;
      // TFLite has no dim names; a dynamic leading dim is the batch everywhere in practice.
      shape[i] = ir::Dim{-1, i == 0 ? "batch" : ""};
    }
  }

  if (std::string m = quant_count_mismatch(t); !m.empty()) return error(label + " has " + m);
  std::optional<ir::QuantParams> quant = quant_from_tflite(t);
  if (quant) {
    if (!quant_fits(*quant, dims))
      return error(label + " has " + std::to_string(quant->scale.size()) +
                   " per-axis scales along axis " + std::to_string(quant->axis) + " of shape " +
                   shape_to_string(dims));
    // Float tensors never carry QuantParams in the IR (see tflite_importer.h); TFLite files may
    // still list min/max or stale scales on them.
    if (dtype_is_float(dtype)) quant.reset();
  }

  ir::Value* v = graph_->add_value(tensor_name(t, tensor_index), dtype, shape, true);
  v->quant = quant;
  if (tensor_has_data(tensor_index)) {
    MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> data, tensor_data(tensor_index));
    v->constant = data;
  }
  values_[tensor_index] = v;
  return v;
}

Expected<ir::Value*> ImportContext::tensor_value(int tensor_index) {
  if (tensor_index < 0 || tensor_index >= tensor_count_)
    return error("tensor index " + std::to_string(tensor_index) + " is out of range (" +
                 std::to_string(tensor_count_) + " tensors)");
  if (values_[tensor_index]) return values_[tensor_index];
  return create_value(tensor_index);
}

Expected<ir::Value*> ImportContext::input(int k) {
  const int index = input_tensor(k);
  if (index < 0) return op_error("required input " + std::to_string(k) + " is missing");
  auto v = tensor_value(index);
  if (v.ok() && first_reader_[index] < 0) first_reader_[index] = op_index_;
  return v;
}

Expected<ir::Value*> ImportContext::optional_input(int k) {
  if (input_tensor(k) < 0) return static_cast<ir::Value*>(nullptr);
  return input(k);
}

Expected<std::shared_ptr<const Tensor>> ImportContext::constant_input(int k) {
  const int index = input_tensor(k);
  if (index < 0) return op_error("required input " + std::to_string(k) + " is missing");
  if (!tensor_has_data(index))
    return op_error("input " + std::to_string(k) + " (" + tensor_label(index) +
                    ") must be a constant");
  auto data = tensor_data(index);
  if (!data.ok()) return data.status();
  if (!*data)
    return op_error("input " + std::to_string(k) + " (" + tensor_label(index) +
                    ") must be a constant");
  return data;
}

Expected<ir::Value*> ImportContext::weight_input(int k, WeightLayout layout, bool dequantize) {
  const int index = input_tensor(k);
  if (index < 0) return op_error("required input " + std::to_string(k) + " is missing");
  const auto key = std::make_pair(index, static_cast<int>(layout) * 2 + (dequantize ? 1 : 0));
  if (auto it = weights_.find(key); it != weights_.end()) return it->second;
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> data, constant_input(k));
  const fb::Tensor& t = tensor(index);
  if (std::string m = quant_count_mismatch(t); !m.empty())
    return op_error(tensor_label(index) + " has " + m);
  std::optional<ir::QuantParams> quant = quant_from_tflite(t);
  if (dtype_is_float(data->dtype())) quant.reset();
  if (quant && !quant_fits(*quant, data->shape()))
    return op_error(tensor_label(index) + " has " + std::to_string(quant->scale.size()) +
                    " per-axis scales along axis " + std::to_string(quant->axis) + " of shape " +
                    shape_to_string(data->shape()));

  Tensor w = *data;
  if (dequantize) {
    if (!quant)
      return op_error("weight " + tensor_label(index) + " is " +
                      std::string(dtype_name(data->dtype())) +
                      " without quantization parameters, so it cannot be dequantized");
    auto real = dequantize_tensor(w, *quant);
    if (!real.ok()) return op_error(tensor_label(index) + ": " + real.status().message());
    w = std::move(real).value();
  }

  std::vector<int> perm;  // output axis i takes input axis perm[i]
  if (layout == WeightLayout::kConvOHWI) perm = {0, 3, 1, 2};
  if (layout == WeightLayout::kDepthwise1HWO) perm = {3, 0, 1, 2};
  if (!perm.empty()) {
    if (w.rank() != 4)
      return op_error("filter " + tensor_label(index) + " has shape " + shape_to_string(w.shape()) +
                      ", expected rank 4");
    if (layout == WeightLayout::kDepthwise1HWO && w.dim(0) != 1)
      return op_error("depthwise filter " + tensor_label(index) + " has shape " +
                      shape_to_string(w.shape()) + ", expected [1,H,W,C]");
    w = permute(w, perm);
    if (quant && quant->per_axis()) {
      const int old_axis = quant->axis;
      quant->axis = static_cast<int>(std::find(perm.begin(), perm.end(), old_axis) - perm.begin());
    }
  }
  if (dequantize && !options_.keep_hybrid_weight_quant) quant.reset();

  ir::Value* v = graph_->add_value(tensor_name(t, index), w.dtype(), ir::make_shape(w.shape()));
  v->constant = std::make_shared<const Tensor>(std::move(w));
  v->quant = quant;
  weights_[key] = v;
  return v;
}

Expected<ir::Value*> ImportContext::output(int k) {
  const int index = output_tensor(k);
  if (index < 0) return op_error("output " + std::to_string(k) + " is missing");
  MCONV_ASSIGN_OR_RETURN(ir::Value * v, tensor_value(index));
  if (v->is_constant())
    return op_error("writes " + tensor_label(index) + ", which holds constant data");
  if (graph_input_[index]) return op_error("writes graph input " + tensor_label(index));
  if (v->producer)
    return op_error("writes " + tensor_label(index) +
                    ", which an earlier operator already produces");
  return v;
}

ir::Value* ImportContext::derived_value(const ir::Value& like, const std::string& suffix) {
  return derived_value(like, suffix, like.dtype, like.shape, like.has_shape);
}

ir::Value* ImportContext::derived_value(const ir::Value& like, const std::string& suffix,
                                        DType dtype, const ir::Shape& shape, bool has_shape) {
  ir::Value* v = graph_->add_value(like.name + "/" + suffix, dtype, shape, has_shape);
  if (dtype == like.dtype) v->quant = like.quant;
  return v;
}

ir::Value* ImportContext::add_constant(const std::string& base, const std::string& suffix,
                                       Tensor data) {
  return graph_->add_constant(base + "/" + suffix, std::move(data));
}

ir::Node* ImportContext::add_node(ir::OpType op, std::vector<ir::Value*> inputs,
                                  std::vector<ir::Value*> outputs) {
  // Nodes are named after their first output: TFLite operators have no names of their own.
  const std::string name = outputs.empty() ? std::string() : outputs[0]->name;
  return graph_->add_node(op, name, std::move(inputs), std::move(outputs));
}

ir::Node* ImportContext::add_clip(ir::Value* x, ir::Value* out, float lo, float hi) {
  ir::Value* lo_v =
      add_constant(out->name, "clip_min", Tensor::FromVector<float>(DType::kF32, {}, {lo}));
  ir::Value* hi_v =
      add_constant(out->name, "clip_max", Tensor::FromVector<float>(DType::kF32, {}, {hi}));
  return add_node(ir::OpType::kClip, {x, lo_v, hi_v}, {out});
}

Expected<ir::Node*> ImportContext::add_with_activation(ir::OpType op,
                                                       std::vector<ir::Value*> inputs,
                                                       fb::ActivationFunctionType activation) {
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, output(0));
  if (activation == fb::ActivationFunctionType_NONE) return add_node(op, std::move(inputs), {out});
  if (activation == fb::ActivationFunctionType_SIGN_BIT ||
      activation > fb::ActivationFunctionType_MAX)
    return op_error("fused activation " + std::to_string(static_cast<int>(activation)) +
                    " is not supported");
  ir::Value* pre = derived_value(*out, "pre_act");
  ir::Node* main = add_node(op, std::move(inputs), {pre});
  switch (activation) {
    case fb::ActivationFunctionType_RELU:
      add_node(ir::OpType::kRelu, {pre}, {out});
      break;
    case fb::ActivationFunctionType_RELU6:
      add_clip(pre, out, 0.0f, 6.0f);
      break;
    case fb::ActivationFunctionType_RELU_N1_TO_1:
      add_clip(pre, out, -1.0f, 1.0f);
      break;
    case fb::ActivationFunctionType_TANH:
      add_node(ir::OpType::kTanh, {pre}, {out});
      break;
    default:
      break;
  }
  return main;
}

Status ImportContext::fold_output_to_constant(int k, Tensor data) {
  const int index = output_tensor(k);
  if (index < 0) return op_error("output " + std::to_string(k) + " is missing");
  MCONV_ASSIGN_OR_RETURN(ir::Value * v, output(k));
  v->dtype = data.dtype();
  v->shape = ir::make_shape(data.shape());
  v->has_shape = true;
  v->quant.reset();
  data_[index] = std::make_shared<const Tensor>(std::move(data));
  v->constant = data_[index];
  return Status::Ok();
}

Status ImportContext::check_all_produced() const {
  for (int i = 0; i < tensor_count_; ++i) {
    const ir::Value* v = values_[i];
    if (!v || v->producer || v->is_constant() || graph_input_[i]) continue;
    std::string reader = first_reader_[i] >= 0
                             ? "operator " + std::to_string(first_reader_[i]) + " reads "
                             : "the graph outputs ";
    return error(reader + tensor_label(i) + ", but no operator produces it and it has no data");
  }
  return Status::Ok();
}

}  // namespace mconv::tflite
