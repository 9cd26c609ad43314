// TFLite elementwise operators -> IR: binary arithmetic (with fused activations), activations,
// SOFTMAX, QUANTIZE / DEQUANTIZE, CAST.
#include "tflite/import_context.h"

namespace mconv::tflite {
namespace {

Status convert_binary(ImportContext& ctx, ir::OpType op, fb::ActivationFunctionType activation) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * a, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * b, ctx.input(1));
  if (a->dtype != b->dtype)
    return ctx.op_error("input types differ (" + std::string(dtype_name(a->dtype)) + " '" +
                        a->name + "' vs " + std::string(dtype_name(b->dtype)) + " '" + b->name +
                        "')");
  return ctx.add_with_activation(op, {a, b}, activation).status();
}

Status convert_unary(ImportContext& ctx, ir::OpType op) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  return ctx.add_with_activation(op, {x}, fb::ActivationFunctionType_NONE).status();
}

Status convert_clip(ImportContext& ctx, float lo, float hi) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  ctx.add_clip(x, out, lo, hi);
  return Status::Ok();
}

// Scale and zero-point constants for QuantizeLinear / DequantizeLinear: scalars for per-tensor
// parameters, [C] vectors (plus attr axis) for per-axis ones. The zero point has the quantized
// value's type, as in ONNX.
struct QdqParams {
  ir::Value* scale = nullptr;       // f32 constant
  ir::Value* zero_point = nullptr;  // constant of the quantized dtype
  int axis = -1;                    // per-axis dimension, -1 = per tensor
};

Expected<QdqParams> qdq_params(ImportContext& ctx, const ir::Value& quantized) {
  if (!quantized.quant)
    return ctx.op_error("quantized tensor '" + quantized.name + "' has no quantization parameters");
  const ir::QuantParams& q = *quantized.quant;
  QdqParams p;
  p.axis = q.axis;
  const std::vector<int64_t> shape =
      q.per_axis() ? std::vector<int64_t>{static_cast<int64_t>(q.scale.size())}
                   : std::vector<int64_t>{};
  p.scale = ctx.add_constant(quantized.name, "scale",
                             Tensor::FromVector<float>(DType::kF32, shape, q.scale));
  Tensor zp = Tensor::FromVector<int64_t>(DType::kI64, shape, q.zero_point).cast(quantized.dtype);
  p.zero_point = ctx.add_constant(quantized.name, "zero_point", std::move(zp));
  return p;
}

ir::Node* add_qdq(ImportContext& ctx, ir::OpType op, ir::Value* x, const QdqParams& p,
                  ir::Value* out) {
  ir::Node* n = ctx.add_node(op, {x, p.scale, p.zero_point}, {out});
  if (p.axis >= 0) n->attrs.set("axis", static_cast<int64_t>(p.axis));
  return n;
}

}  // namespace

Status convert_add(ImportContext& ctx) {
  const fb::AddOptions* o = ctx.op().builtin_options_as_AddOptions();
  return convert_binary(ctx, ir::OpType::kAdd,
                        o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE);
}

Status convert_sub(ImportContext& ctx) {
  const fb::SubOptions* o = ctx.op().builtin_options_as_SubOptions();
  return convert_binary(ctx, ir::OpType::kSub,
                        o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE);
}

Status convert_mul(ImportContext& ctx) {
  const fb::MulOptions* o = ctx.op().builtin_options_as_MulOptions();
  return convert_binary(ctx, ir::OpType::kMul,
                        o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE);
}

Status convert_div(ImportContext& ctx) {
  const fb::DivOptions* o = ctx.op().builtin_options_as_DivOptions();
  return convert_binary(ctx, ir::OpType::kDiv,
                        o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE);
}

Status convert_pow(ImportContext& ctx) {
  return convert_binary(ctx, ir::OpType::kPow, fb::ActivationFunctionType_NONE);
}

Status convert_relu(ImportContext& ctx) {
  return convert_unary(ctx, ir::OpType::kRelu);
}
Status convert_relu6(ImportContext& ctx) {
  return convert_clip(ctx, 0.0f, 6.0f);
}
Status convert_relu_n1_to_1(ImportContext& ctx) {
  return convert_clip(ctx, -1.0f, 1.0f);
}
Status convert_relu_0_to_1(ImportContext& ctx) {
  return convert_clip(ctx, 0.0f, 1.0f);
}
Status convert_logistic(ImportContext& ctx) {
  return convert_unary(ctx, ir::OpType::kSigmoid);
}
Status convert_tanh(ImportContext& ctx) {
  return convert_unary(ctx, ir::OpType::kTanh);
}
Status convert_hard_swish(ImportContext& ctx) {
  return convert_unary(ctx, ir::OpType::kHardSwish);
}
Status convert_sqrt(ImportContext& ctx) {
  return convert_unary(ctx, ir::OpType::kSqrt);
}

Status convert_leaky_relu(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  const fb::LeakyReluOptions* o = ctx.op().builtin_options_as_LeakyReluOptions();
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kLeakyRelu, {x},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("alpha", o ? o->alpha() : 0.0f);
  return Status::Ok();
}

Status convert_softmax(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  const fb::SoftmaxOptions* o = ctx.op().builtin_options_as_SoftmaxOptions();
  const float beta = o ? o->beta() : 1.0f;
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  if (beta != 1.0f) {
    // softmax(beta * x): the IR Softmax has no beta, so scale the logits first.
    if (x->dtype != DType::kF32)
      return ctx.op_error("beta " + std::to_string(beta) + " on a " +
                          std::string(dtype_name(x->dtype)) + " input is not supported");
    ir::Value* b = ctx.add_constant(x->name, "softmax_beta",
                                    Tensor::FromVector<float>(DType::kF32, {}, {beta}));
    ir::Value* scaled = ctx.derived_value(*x, "softmax_scaled");
    ctx.add_node(ir::OpType::kMul, {x, b}, {scaled});
    x = scaled;
  }
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kSoftmax, {x},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("axis", int64_t{-1});  // TFLite normalizes over the last axis
  return Status::Ok();
}

Status convert_quantize(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  MCONV_ASSIGN_OR_RETURN(QdqParams out_params, qdq_params(ctx, *out));
  if (!dtype_is_float(x->dtype)) {
    // Requantization (int -> int with new parameters): through real values.
    MCONV_ASSIGN_OR_RETURN(QdqParams in_params, qdq_params(ctx, *x));
    ir::Value* real = ctx.derived_value(*x, "dequantized", DType::kF32, x->shape, x->has_shape);
    real->quant.reset();
    add_qdq(ctx, ir::OpType::kDequantizeLinear, x, in_params, real);
    x = real;
  }
  add_qdq(ctx, ir::OpType::kQuantizeLinear, x, out_params, out);
  return Status::Ok();
}

Status convert_dequantize(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  const int in_index = ctx.input_tensor(0);
  if (in_index >= 0 && ctx.tensor_has_data(in_index)) {
    // DEQUANTIZE of a constant (FP16-weight models, int8 weight-only models): folded into the f32
    // constant the float ops read, so filters stay constants the converters can relayout.
    MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> data, ctx.constant_input(0));
    if (dtype_is_float(data->dtype()))
      return ctx.fold_output_to_constant(0, data->cast(DType::kF32));
    const std::optional<ir::QuantParams> quant = quant_from_tflite(ctx.tensor(in_index));
    if (!quant)
      return ctx.op_error("constant " + ctx.tensor_label(in_index) +
                          " has no quantization parameters");
    auto real = dequantize_tensor(*data, *quant);
    if (!real.ok())
      return ctx.op_error(ctx.tensor_label(in_index) + ": " + real.status().message());
    return ctx.fold_output_to_constant(0, std::move(real).value());
  }
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  if (dtype_is_float(x->dtype)) {
    // f16 activation -> f32: a plain conversion.
    ir::Node* n = ctx.add_node(ir::OpType::kCast, {x}, {out});
    n->attrs.set("to", static_cast<int64_t>(out->dtype));
    return Status::Ok();
  }
  MCONV_ASSIGN_OR_RETURN(QdqParams params, qdq_params(ctx, *x));
  add_qdq(ctx, ir::OpType::kDequantizeLinear, x, params, out);
  return Status::Ok();
}

Status convert_cast(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kCast, {x},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("to", static_cast<int64_t>(n->outputs[0]->dtype));
  return Status::Ok();
}

}  // namespace mconv::tflite
