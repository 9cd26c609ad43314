// Gemm / MatMul with constant weights -> FULLY_CONNECTED (weights [out, in], bias always given so
// the op stays at version 1); computed right-hand sides -> BATCH_MATMUL.
#include "tflite/export/lower_context.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

namespace {

// Writes FULLY_CONNECTED(x, weights [n, k], bias [n]) into `out_value`, fusing a following
// activation when possible.
Status fully_connected(const ir::Node& node, LowerContext& ctx, const ir::Value* x,
                       const std::vector<float>& weights, int64_t n, int64_t k,
                       const std::vector<float>& bias, bool keep_num_dims, bool half_weights,
                       bool half_bias) {
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int w_t,
                         ctx.float_weight(node.name + "_weights", weights, {n, k}, half_weights));
  MCONV_ASSIGN_OR_RETURN(int b_t, ctx.float_weight(node.name + "_bias", bias, {n}, half_bias));
  const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  auto options = tfl::CreateFullyConnectedOptions(
      ctx.fbb(), fused.act, tfl::FullyConnectedOptionsWeightsFormat_DEFAULT, keep_num_dims);
  ctx.add_op(tfl::BuiltinOperator_FULLY_CONNECTED,
             OpUse{.input = x->dtype,
                   .weights = DType::kF32,
                   .output = node.outputs[0]->dtype,
                   .max_input_rank = rank_of(x),
                   .keep_num_dims = keep_num_dims},
             {in_t, w_t, b_t}, {out_t}, tfl::BuiltinOptions_FullyConnectedOptions, options.Union());
  return Status::Ok();
}

Status batch_matmul(const ir::Node& node, LowerContext& ctx, const ir::Value* a, const ir::Value* b,
                    bool adj_y, int out_t) {
  MCONV_ASSIGN_OR_RETURN(int a_t, ctx.tensor(a));
  MCONV_ASSIGN_OR_RETURN(int b_t, ctx.tensor(b));
  ctx.add_op(tfl::BuiltinOperator_BATCH_MATMUL,
             OpUse{.input = a->dtype,
                   .weights = b->dtype,
                   .max_input_rank = std::max(rank_of(a), rank_of(b))},
             {a_t, b_t}, {out_t}, tfl::BuiltinOptions_BatchMatMulOptions,
             tfl::CreateBatchMatMulOptions(ctx.fbb(), false, adj_y).Union());
  return Status::Ok();
}

}  // namespace

Status lower_gemm(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* a = node.inputs[0];
  const ir::Value* b = node.inputs[1];
  const ir::Value* c = node.inputs.size() > 2 ? node.inputs[2] : nullptr;
  if (node.attrs.get_int("transA", 0) != 0)
    return LowerContext::error(node, "transA=1 is not supported");
  if (rank_of(a) != 2 || rank_of(b) != 2)
    return LowerContext::error(node, "Gemm needs rank-2 operands");
  const bool trans_b = node.attrs.get_int("transB", 0) != 0;
  const float alpha = node.attrs.get_float("alpha", 1.0f);
  const float beta = node.attrs.get_float("beta", 1.0f);
  const int64_t k = a->shape[1].size;
  const int64_t n = node.outputs[0]->shape[1].size;
  if (k < 0 || n < 0) return LowerContext::error(node, "Gemm needs static inner dims");

  const std::optional<WeightData> bd = weight_data(b);
  const std::optional<WeightData> cd = c ? weight_data(c) : std::nullopt;
  const bool constant_bias = !c || (cd && cd->data->element_count() == n);
  if (b->is_constant() && is_quantized(b)) {
    // Integer weights [out, in] (as TFLite's importer leaves them) keep their bytes and scales.
    if (!trans_b || alpha != 1.0f || (c && (beta != 1.0f || !is_quantized(c) || !constant_bias)))
      return LowerContext::error(node, "quantized Gemm must be x * W^T + bias without scaling");
    MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(a));
    MCONV_ASSIGN_OR_RETURN(int w_t, ctx.tensor(b));
    int bias_t = -1;  // an omitted optional input
    if (c) {
      MCONV_ASSIGN_OR_RETURN(bias_t, ctx.tensor(c));
    }
    const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
    MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
    auto options = tfl::CreateFullyConnectedOptions(ctx.fbb(), fused.act);
    ctx.add_op(tfl::BuiltinOperator_FULLY_CONNECTED,
               OpUse{.input = a->dtype,
                     .weights = b->dtype,
                     .output = node.outputs[0]->dtype,
                     .max_input_rank = 2,
                     .per_channel = b->quant->per_axis()},
               {in_t, w_t, bias_t}, {out_t}, tfl::BuiltinOptions_FullyConnectedOptions,
               options.Union());
    return Status::Ok();
  }
  if (bd && constant_bias) {
    const std::vector<float> bf = bd->data->to_f32();
    std::vector<float> weights(n * k);
    for (int64_t o = 0; o < n; ++o)
      for (int64_t i = 0; i < k; ++i)
        weights[o * k + i] = alpha * (trans_b ? bf[o * k + i] : bf[i * n + o]);
    std::vector<float> bias(n, 0.0f);
    if (c) {
      bias = cd->data->to_f32();
      for (float& v : bias) v *= beta;
    }
    return fully_connected(node, ctx, a, weights, n, k, bias, false, bd->half_storage,
                           cd && cd->half_storage);
  }
  // Computed operands: BATCH_MATMUL, then the bias as a broadcasting ADD.
  if (alpha != 1.0f || (c && beta != 1.0f))
    return LowerContext::error(node, "alpha/beta with computed operands are not supported");
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  int product = out_t;
  if (c) {
    MCONV_ASSIGN_OR_RETURN(
        product, ctx.new_tensor(node.name + "_product", a->dtype, node.outputs[0]->shape));
  }
  MCONV_RETURN_IF_ERROR(batch_matmul(node, ctx, a, b, trans_b, product));
  if (c) {
    MCONV_ASSIGN_OR_RETURN(int c_t, ctx.tensor(c));
    ctx.add_op(tfl::BuiltinOperator_ADD,
               OpUse{.input = a->dtype, .max_input_rank = 2, .broadcast = true}, {product, c_t},
               {out_t}, tfl::BuiltinOptions_AddOptions, tfl::CreateAddOptions(ctx.fbb()).Union());
  }
  return Status::Ok();
}

Status lower_matmul(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* a = node.inputs[0];
  const ir::Value* b = node.inputs[1];
  if (is_quantized(b) && b->is_constant())
    return LowerContext::error(node, "quantized MatMul with constant weights is not supported");
  const std::optional<WeightData> bd = weight_data(b);
  if (bd && bd->data->rank() == 2 && rank_of(a) >= 2) {
    const int64_t k = bd->data->dim(0), n = bd->data->dim(1);
    const std::vector<float> bf = bd->data->to_f32();
    std::vector<float> weights(n * k);
    for (int64_t o = 0; o < n; ++o)
      for (int64_t i = 0; i < k; ++i) weights[o * k + i] = bf[i * n + o];
    return fully_connected(node, ctx, a, weights, n, k, std::vector<float>(n, 0.0f), rank_of(a) > 2,
                           bd->half_storage, false);
  }
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  return batch_matmul(node, ctx, a, b, false, out_t);
}

}  // namespace mconv::tflite
