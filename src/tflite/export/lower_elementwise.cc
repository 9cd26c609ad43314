// Activations and broadcasting arithmetic. Relu/Clip become RELU/RELU6/RELU_N1_TO_1/RELU_0_TO_1
// (or MAXIMUM/MINIMUM) unless their producer fused them already; HardSigmoid becomes
// ADD(+RELU6 fused) and MUL, the two ops XNNPACK runs fastest; x * HardSigmoid(x) with the
// hard-swish constants becomes one HARD_SWISH.
#include <cmath>
#include <limits>

#include "tflite/export/lower_context.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

namespace {

// A single-input, single-output builtin without options.
Status unary(const ir::Node& node, LowerContext& ctx, tfl::BuiltinOperator op) {
  const ir::Value* x = node.inputs[0];
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(
      op, OpUse{.input = x->dtype, .output = node.outputs[0]->dtype, .max_input_rank = rank_of(x)},
      {in_t}, {out_t});
  return Status::Ok();
}

bool near(float a, float b) {
  return std::fabs(a - b) <= 1e-6f * std::max(1.0f, std::fabs(b));
}

bool is_hard_swish_sigmoid(const ir::Node& hsig) {
  return near(hsig.attrs.get_float("alpha", 0.2f), 1.0f / 6.0f) &&
         near(hsig.attrs.get_float("beta", 0.5f), 0.5f);
}

// The Mul of x * HardSigmoid(x) when `hsig` is the HardSigmoid of that pattern and only the Mul
// reads it.
const ir::Node* hard_swish_mul(const LowerContext& ctx, const ir::Node& hsig) {
  const ir::Value* s = hsig.outputs[0];
  if (!is_hard_swish_sigmoid(hsig) || s->consumers.size() != 1 || ctx.is_graph_output(s))
    return nullptr;
  const ir::Node* mul = s->consumers[0];
  if (mul->op != ir::OpType::kMul || mul->inputs.size() != 2) return nullptr;
  const ir::Value* x = hsig.inputs[0];
  const bool pattern =
      (mul->inputs[0] == x && mul->inputs[1] == s) || (mul->inputs[1] == x && mul->inputs[0] == s);
  if (!pattern || !x->has_shape || !mul->outputs[0]->has_shape ||
      x->shape != mul->outputs[0]->shape)
    return nullptr;
  return mul;
}

bool same_shape(const ir::Value* a, const ir::Value* b) {
  return a->has_shape && b->has_shape && a->shape == b->shape;
}

}  // namespace

Status lower_relu(const ir::Node& node, LowerContext& ctx) {
  return unary(node, ctx, tfl::BuiltinOperator_RELU);
}

Status lower_clip(const ir::Node& node, LowerContext& ctx) {
  auto bounds = clip_bounds(node);
  if (!bounds) return LowerContext::error(node, "Clip bounds must be constants");
  const auto [lo, hi] = *bounds;
  if (lo == 0.0f && hi == 6.0f) return unary(node, ctx, tfl::BuiltinOperator_RELU6);
  if (lo == -1.0f && hi == 1.0f) return unary(node, ctx, tfl::BuiltinOperator_RELU_N1_TO_1);
  if (lo == 0.0f && hi == 1.0f) return unary(node, ctx, tfl::BuiltinOperator_RELU_0_TO_1);
  if (lo == 0.0f && std::isinf(hi)) return unary(node, ctx, tfl::BuiltinOperator_RELU);
  // General bounds: MAXIMUM with lo, then MINIMUM with hi (skipping infinite ones).
  const bool has_lo = !std::isinf(lo), has_hi = !std::isinf(hi);
  if (!has_lo && !has_hi) return LowerContext::error(node, "Clip without bounds");
  if (is_quantized(node.inputs[0]))
    return LowerContext::error(node, "quantized Clip with bounds other than RELU/RELU6 forms");
  const ir::Value* x = node.inputs[0];
  MCONV_ASSIGN_OR_RETURN(int cur, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  const OpUse use{.input = x->dtype, .max_input_rank = rank_of(x), .broadcast = true};
  if (has_lo) {
    MCONV_ASSIGN_OR_RETURN(int lo_t, ctx.const_f32(node.name + "_min", {lo}, {1}));
    int dst = out_t;
    if (has_hi) {
      MCONV_ASSIGN_OR_RETURN(dst, ctx.new_tensor(node.name + "_lo", x->dtype, x->shape));
    }
    ctx.add_op(tfl::BuiltinOperator_MAXIMUM, use, {cur, lo_t}, {dst});
    cur = dst;
  }
  if (has_hi) {
    MCONV_ASSIGN_OR_RETURN(int hi_t, ctx.const_f32(node.name + "_max", {hi}, {1}));
    ctx.add_op(tfl::BuiltinOperator_MINIMUM, use, {cur, hi_t}, {out_t});
  }
  return Status::Ok();
}

Status lower_leaky_relu(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_LEAKY_RELU, OpUse{.input = x->dtype}, {in_t}, {out_t},
             tfl::BuiltinOptions_LeakyReluOptions,
             tfl::CreateLeakyReluOptions(ctx.fbb(), node.attrs.get_float("alpha", 0.01f)).Union());
  return Status::Ok();
}

// HardSigmoid(x) = clip(a*x + b, 0, 1) = relu6(6a*x + 6b) / 6: [MUL 6a], ADD 6b with RELU6 fused,
// MUL 1/6. With the usual a = 1/6 the first MUL disappears.
Status lower_hard_sigmoid(const ir::Node& node, LowerContext& ctx) {
  if (hard_swish_mul(ctx, node)) {  // the Mul lowers the pair as HARD_SWISH
    ctx.skip(&node);
    return Status::Ok();
  }
  const float a = node.attrs.get_float("alpha", 0.2f);
  const float b = node.attrs.get_float("beta", 0.5f);
  if (!(a > 0.0f)) return LowerContext::error(node, "HardSigmoid with alpha <= 0");
  if (is_quantized(node.inputs[0]))
    return LowerContext::error(node, "quantized HardSigmoid outside x * HardSigmoid(x)");
  const ir::Value* x = node.inputs[0];
  const OpUse use{.input = x->dtype, .max_input_rank = rank_of(x), .broadcast = true};
  MCONV_ASSIGN_OR_RETURN(int cur, ctx.tensor(x));
  if (!near(6.0f * a, 1.0f)) {
    MCONV_ASSIGN_OR_RETURN(int scale_t, ctx.const_f32(node.name + "_scale", {6.0f * a}, {1}));
    MCONV_ASSIGN_OR_RETURN(int scaled, ctx.new_tensor(node.name + "_scaled", x->dtype, x->shape));
    ctx.add_op(tfl::BuiltinOperator_MUL, use, {cur, scale_t}, {scaled},
               tfl::BuiltinOptions_MulOptions, tfl::CreateMulOptions(ctx.fbb()).Union());
    cur = scaled;
  }
  MCONV_ASSIGN_OR_RETURN(int shift_t, ctx.const_f32(node.name + "_shift", {6.0f * b}, {1}));
  MCONV_ASSIGN_OR_RETURN(int clipped, ctx.new_tensor(node.name + "_relu6", x->dtype, x->shape));
  ctx.add_op(tfl::BuiltinOperator_ADD, use, {cur, shift_t}, {clipped},
             tfl::BuiltinOptions_AddOptions,
             tfl::CreateAddOptions(ctx.fbb(), tfl::ActivationFunctionType_RELU6).Union());
  MCONV_ASSIGN_OR_RETURN(int sixth_t, ctx.const_f32(node.name + "_sixth", {1.0f / 6.0f}, {1}));
  const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  ctx.add_op(tfl::BuiltinOperator_MUL, use, {clipped, sixth_t}, {out_t},
             tfl::BuiltinOptions_MulOptions, tfl::CreateMulOptions(ctx.fbb(), fused.act).Union());
  return Status::Ok();
}

Status lower_hard_swish(const ir::Node& node, LowerContext& ctx) {
  return unary(node, ctx, tfl::BuiltinOperator_HARD_SWISH);
}
Status lower_sigmoid(const ir::Node& node, LowerContext& ctx) {
  return unary(node, ctx, tfl::BuiltinOperator_LOGISTIC);
}
Status lower_tanh(const ir::Node& node, LowerContext& ctx) {
  return unary(node, ctx, tfl::BuiltinOperator_TANH);
}
Status lower_sqrt(const ir::Node& node, LowerContext& ctx) {
  return unary(node, ctx, tfl::BuiltinOperator_SQRT);
}

Status lower_binary(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* a = node.inputs[0];
  const ir::Value* b = node.inputs[1];
  // x * HardSigmoid(x) -> HARD_SWISH(x).
  for (const ir::Value* operand : {a, b}) {
    const ir::Node* p = operand->producer;
    if (node.op == ir::OpType::kMul && p && p->op == ir::OpType::kHardSigmoid && ctx.skipped(p) &&
        hard_swish_mul(ctx, *p) == &node) {
      MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(p->inputs[0]));
      MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
      ctx.add_op(tfl::BuiltinOperator_HARD_SWISH, OpUse{.input = p->inputs[0]->dtype}, {in_t},
                 {out_t});
      return Status::Ok();
    }
  }
  tfl::BuiltinOperator op;
  switch (node.op) {
    case ir::OpType::kAdd:
      op = tfl::BuiltinOperator_ADD;
      break;
    case ir::OpType::kSub:
      op = tfl::BuiltinOperator_SUB;
      break;
    case ir::OpType::kMul:
      op = tfl::BuiltinOperator_MUL;
      break;
    case ir::OpType::kDiv:
      op = tfl::BuiltinOperator_DIV;
      break;
    case ir::OpType::kPow:
      op = tfl::BuiltinOperator_POW;
      break;
    default:
      return LowerContext::error(node, "not a binary op");
  }
  MCONV_ASSIGN_OR_RETURN(int a_t, ctx.tensor(a));
  MCONV_ASSIGN_OR_RETURN(int b_t, ctx.tensor(b));
  const bool fusable = op != tfl::BuiltinOperator_POW;
  const LowerContext::Fused fused =
      fusable ? ctx.fuse_activation(node.outputs[0])
              : LowerContext::Fused{tfl::ActivationFunctionType_NONE, node.outputs[0]};
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  const OpUse use{.input = a->dtype,
                  .weights = b->dtype,
                  .output = node.outputs[0]->dtype,
                  .max_input_rank = std::max(rank_of(a), rank_of(b)),
                  .broadcast = !same_shape(a, b)};
  flatbuffers::Offset<void> options;
  tfl::BuiltinOptions type = tfl::BuiltinOptions_NONE;
  switch (op) {
    case tfl::BuiltinOperator_ADD:
      type = tfl::BuiltinOptions_AddOptions;
      options = tfl::CreateAddOptions(ctx.fbb(), fused.act).Union();
      break;
    case tfl::BuiltinOperator_SUB:
      type = tfl::BuiltinOptions_SubOptions;
      options = tfl::CreateSubOptions(ctx.fbb(), fused.act).Union();
      break;
    case tfl::BuiltinOperator_MUL:
      type = tfl::BuiltinOptions_MulOptions;
      options = tfl::CreateMulOptions(ctx.fbb(), fused.act).Union();
      break;
    case tfl::BuiltinOperator_DIV:
      type = tfl::BuiltinOptions_DivOptions;
      options = tfl::CreateDivOptions(ctx.fbb(), fused.act).Union();
      break;
    default:
      type = tfl::BuiltinOptions_PowOptions;
      options = tfl::CreatePowOptions(ctx.fbb()).Union();
      break;
  }
  ctx.add_op(op, use, {a_t, b_t}, {out_t}, type, options);
  return Status::Ok();
}

// Readers that take a Cast(f16 constant) weight in and write it as f16 + DEQUANTIZE themselves
// (after transposing it to TFLite's layout).
bool reads_half_weight_itself(const ir::Node& reader, const ir::Value* weight) {
  for (size_t i = 0; i < reader.inputs.size(); ++i) {
    if (reader.inputs[i] != weight) continue;
    // Gemm takes the FULLY_CONNECTED path only with a constant (or f16) bias and no transA.
    const bool gemm_fc =
        reader.op == ir::OpType::kGemm && reader.attrs.get_int("transA", 0) == 0 &&
        (reader.inputs.size() < 3 || !reader.inputs[2] || weight_data(reader.inputs[2]));
    const bool ok = (reader.op == ir::OpType::kConv && (i == 1 || i == 2)) ||
                    (gemm_fc && (i == 1 || i == 2)) ||
                    (reader.op == ir::OpType::kMatMul && i == 1 && weight->has_shape &&
                     weight->shape.size() == 2);
    if (!ok) return false;
  }
  return true;
}

Status lower_cast(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* y = node.outputs[0];
  if (is_half_weight_cast(node)) {
    // FP16 weights: Conv/Gemm/MatMul readers write their own f16 buffer + DEQUANTIZE; any other
    // reader gets one DEQUANTIZE here (TFLite's form for f16 -> f32 of constants).
    bool all_handled = !ctx.is_graph_output(y);
    for (const ir::Node* reader : y->consumers)
      all_handled = all_handled && reads_half_weight_itself(*reader, y);
    if (all_handled) return Status::Ok();
    MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
    MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(y));
    ctx.add_op(tfl::BuiltinOperator_DEQUANTIZE, OpUse{.input = DType::kF16, .output = DType::kF32},
               {in_t}, {out_t}, tfl::BuiltinOptions_DequantizeOptions,
               tfl::CreateDequantizeOptions(ctx.fbb()).Union());
    return Status::Ok();
  }
  MCONV_ASSIGN_OR_RETURN(tfl::TensorType in_type, tflite_type(x->dtype));
  MCONV_ASSIGN_OR_RETURN(tfl::TensorType out_type, tflite_type(y->dtype));
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(y));
  ctx.add_op(tfl::BuiltinOperator_CAST, OpUse{.input = x->dtype, .output = y->dtype}, {in_t},
             {out_t}, tfl::BuiltinOptions_CastOptions,
             tfl::CreateCastOptions(ctx.fbb(), in_type, out_type).Union());
  return Status::Ok();
}

}  // namespace mconv::tflite
