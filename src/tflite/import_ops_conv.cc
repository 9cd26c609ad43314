// TFLite convolution-like operators -> IR: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, pools,
// BATCH_MATMUL. Activations stay NHWC (Node::layout kNHWC), filters become OIHW.
#include "tflite/import_context.h"

namespace mconv::tflite {
namespace {

bool is_int_weight(DType t) {
  return t == DType::kI8 || t == DType::kU8;
}

// A float activation with an int8/uint8 constant weight is a dynamic-range ("hybrid") op: the
// weight is dequantized to f32 on import.
bool is_hybrid(ImportContext& ctx, const ir::Value& x, int weight_input) {
  const int w = ctx.input_tensor(weight_input);
  if (w < 0 || !dtype_is_float(x.dtype)) return false;
  DType wt;
  return dtype_from_tflite(ctx.tensor(w).type(), &wt) && is_int_weight(wt) &&
         ctx.tensor_has_data(w);
}

// Input NHWC dims; error unless the value is rank 4.
Status nhwc_dims(ImportContext& ctx, const ir::Value& x, std::vector<int64_t>* dims) {
  if (!x.has_shape || x.shape.size() != 4)
    return ctx.op_error("input '" + x.name + "' has shape " + ir::shape_string(x.shape) +
                        ", expected rank 4 (NHWC)");
  *dims = ir::static_dims(x.shape);
  return Status::Ok();
}

// kernel_shape/strides/dilations/pads for a 2-D window over NHWC input `in`.
Status set_window_attrs(ImportContext& ctx, ir::Node* node, const std::vector<int64_t>& in,
                        fb::Padding padding, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                        int64_t dh, int64_t dw, bool with_dilations) {
  int64_t top, bottom, left, right;
  Status s = resolve_padding(padding, in[1], kh, sh, dh, &top, &bottom);
  if (s.ok()) s = resolve_padding(padding, in[2], kw, sw, dw, &left, &right);
  if (!s.ok()) return ctx.op_error(s.message());
  node->attrs.set("kernel_shape", std::vector<int64_t>{kh, kw});
  node->attrs.set("strides", std::vector<int64_t>{sh, sw});
  node->attrs.set("pads", std::vector<int64_t>{top, left, bottom, right});
  if (with_dilations) node->attrs.set("dilations", std::vector<int64_t>{dh, dw});
  node->layout = ir::Layout::kNHWC;
  return Status::Ok();
}

Status convert_pool(ImportContext& ctx, ir::OpType op) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  const fb::Pool2DOptions* o = ctx.op().builtin_options_as_Pool2DOptions();
  if (!o) return ctx.op_error("missing Pool2DOptions");
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  std::vector<int64_t> in;
  MCONV_RETURN_IF_ERROR(nhwc_dims(ctx, *x, &in));
  MCONV_ASSIGN_OR_RETURN(ir::Node * node,
                         ctx.add_with_activation(op, {x}, o->fused_activation_function()));
  MCONV_RETURN_IF_ERROR(set_window_attrs(ctx, node, in, o->padding(), o->filter_height(),
                                         o->filter_width(), o->stride_h(), o->stride_w(), 1, 1,
                                         false));
  node->attrs.set("ceil_mode", int64_t{0});
  // TFLite averages only over the input elements inside the window (padding excluded).
  if (op == ir::OpType::kAveragePool) node->attrs.set("count_include_pad", int64_t{0});
  return Status::Ok();
}

// Input 1 of FULLY_CONNECTED and BATCH_MATMUL: a weight when it is a constant (dequantized when
// the op is hybrid), else the computed value it is.
Expected<ir::Value*> second_operand(ImportContext& ctx, const ir::Value& first) {
  if (ctx.tensor_has_data(ctx.input_tensor(1)))
    return ctx.weight_input(1, WeightLayout::kAsIs, is_hybrid(ctx, first, 1));
  return ctx.input(1);
}

// What CONV_2D and DEPTHWISE_CONV_2D read: the NHWC input, the filter (converted from the
// op's layout to OIHW) and the optional bias.
struct ConvOperands {
  ir::Value* x = nullptr;
  std::vector<int64_t> in;  // NHWC dims of x
  ir::Value* w = nullptr;
  ir::Value* bias = nullptr;
};

Expected<ConvOperands> conv_operands(ImportContext& ctx, WeightLayout filter_layout) {
  ConvOperands c;
  MCONV_ASSIGN_OR_RETURN(c.x, ctx.input(0));
  MCONV_RETURN_IF_ERROR(nhwc_dims(ctx, *c.x, &c.in));
  MCONV_ASSIGN_OR_RETURN(c.w, ctx.weight_input(1, filter_layout, is_hybrid(ctx, *c.x, 1)));
  MCONV_ASSIGN_OR_RETURN(c.bias, ctx.optional_input(2));
  return c;
}

// Both become one Conv node: only the filter layout and how `group` follows from it differ.
template <typename Options>
Status add_conv(ImportContext& ctx, const ConvOperands& c, const Options& o, int64_t group) {
  const std::vector<int64_t>& oihw = c.w->constant->shape();
  std::vector<ir::Value*> inputs{c.x, c.w};
  if (c.bias) inputs.push_back(c.bias);
  MCONV_ASSIGN_OR_RETURN(
      ir::Node * node,
      ctx.add_with_activation(ir::OpType::kConv, std::move(inputs), o.fused_activation_function()));
  MCONV_RETURN_IF_ERROR(set_window_attrs(ctx, node, c.in, o.padding(), oihw[2], oihw[3],
                                         o.stride_h(), o.stride_w(), o.dilation_h_factor(),
                                         o.dilation_w_factor(), true));
  node->attrs.set("group", group);
  return Status::Ok();
}

}  // namespace

Status convert_conv_2d(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 3, 1));
  const fb::Conv2DOptions* o = ctx.op().builtin_options_as_Conv2DOptions();
  if (!o) return ctx.op_error("missing Conv2DOptions");
  MCONV_ASSIGN_OR_RETURN(ConvOperands c, conv_operands(ctx, WeightLayout::kConvOHWI));
  const std::vector<int64_t>& in = c.in;
  const std::vector<int64_t>& oihw = c.w->constant->shape();
  int64_t group = 1;
  if (in[3] >= 0) {
    if (oihw[1] <= 0 || in[3] < oihw[1] || in[3] % oihw[1] != 0 || oihw[0] % (in[3] / oihw[1]) != 0)
      return ctx.op_error("input has " + std::to_string(in[3]) + " channels but filter '" +
                          c.w->name + "' is " + shape_to_string(oihw) + " (OIHW)");
    group = in[3] / oihw[1];
  }
  return add_conv(ctx, c, *o, group);
}

Status convert_depthwise_conv_2d(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 3, 1));
  const fb::DepthwiseConv2DOptions* o = ctx.op().builtin_options_as_DepthwiseConv2DOptions();
  if (!o) return ctx.op_error("missing DepthwiseConv2DOptions");
  MCONV_ASSIGN_OR_RETURN(ConvOperands c, conv_operands(ctx, WeightLayout::kDepthwise1HWO));
  const int64_t channels = c.in[3];
  const std::vector<int64_t>& oihw = c.w->constant->shape();  // [C*M, 1, H, W]
  if (channels < 0) return ctx.op_error("depthwise convolution needs a static channel count");
  if (channels == 0 || oihw[0] % channels != 0)
    return ctx.op_error("input has " + std::to_string(channels) +
                        " channels but depthwise filter '" + c.w->name + "' has " +
                        std::to_string(oihw[0]) + " outputs");
  return add_conv(ctx, c, *o, channels);
}

Status convert_fully_connected(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 3, 1));
  const fb::FullyConnectedOptions* o = ctx.op().builtin_options_as_FullyConnectedOptions();
  const auto activation = o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE;
  const bool keep_num_dims = o && o->keep_num_dims();
  if (o && o->weights_format() != fb::FullyConnectedOptionsWeightsFormat_DEFAULT)
    return ctx.op_error("shuffled weights format is not supported");
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * w, second_operand(ctx, *x));
  MCONV_ASSIGN_OR_RETURN(ir::Value * bias, ctx.optional_input(2));
  if (!w->has_shape || w->shape.size() != 2 || !w->shape[1].known())
    return ctx.op_error("weights '" + w->name + "' have shape " + ir::shape_string(w->shape) +
                        ", expected [out, in]");
  const int64_t in_features = w->shape[1].size;
  const ir::Dim out_features = w->shape[0];
  if (!x->has_shape || x->shape.empty())
    return ctx.op_error("input '" + x->name + "' has no known rank");

  // Gemm wants a 2-D input: flatten [..., in] to [rows, in] first (TFLite does the same).
  ir::Value* rows = x;
  if (x->shape.size() != 2) {
    const int64_t total =
        ir::shape_is_static(x->shape) ? shape_element_count(ir::static_dims(x->shape)) : -1;
    const int64_t row_count = total >= 0 && in_features > 0 ? total / in_features : -1;
    ir::Value* shape = ctx.add_constant(
        x->name, "fc_rows_shape", Tensor::FromVector<int64_t>(DType::kI64, {2}, {-1, in_features}));
    rows = ctx.derived_value(*x, "fc_rows", x->dtype,
                             {ir::Dim{row_count, ""}, ir::Dim{in_features, ""}}, true);
    ctx.add_node(ir::OpType::kReshape, {x, shape}, {rows});
  }
  std::vector<ir::Value*> inputs{rows, w};
  if (bias) inputs.push_back(bias);
  ir::Node* gemm = nullptr;
  if (x->shape.size() == 2 || !keep_num_dims) {
    MCONV_ASSIGN_OR_RETURN(
        gemm, ctx.add_with_activation(ir::OpType::kGemm, std::move(inputs), activation));
  } else {
    // keep_num_dims: Gemm on rows, then back to [..., out].
    MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
    std::vector<int64_t> out_dims = ir::static_dims(out->shape);
    if (std::count(out_dims.begin(), out_dims.end(), -1) > 1)
      return ctx.op_error("output '" + out->name + "' has more than one unknown dim");
    ir::Value* flat =
        ctx.derived_value(*out, "fc_gemm", out->dtype, {rows->shape[0], out_features}, true);
    gemm = ctx.add_node(ir::OpType::kGemm, std::move(inputs), {flat});
    ir::Value* shape =
        ctx.add_constant(out->name, "fc_out_shape",
                         Tensor::FromVector<int64_t>(
                             DType::kI64, {static_cast<int64_t>(out_dims.size())}, out_dims));
    MCONV_RETURN_IF_ERROR(
        ctx.add_with_activation(ir::OpType::kReshape, {flat, shape}, activation).status());
  }
  gemm->attrs.set("transB", int64_t{1});
  return Status::Ok();
}

Status convert_average_pool_2d(ImportContext& ctx) {
  return convert_pool(ctx, ir::OpType::kAveragePool);
}

Status convert_max_pool_2d(ImportContext& ctx) {
  return convert_pool(ctx, ir::OpType::kMaxPool);
}

Status convert_batch_matmul(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  const fb::BatchMatMulOptions* o = ctx.op().builtin_options_as_BatchMatMulOptions();
  MCONV_ASSIGN_OR_RETURN(ir::Value * a, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * b, second_operand(ctx, *a));
  // adj_x / adj_y: transpose the last two axes first.
  auto adjoint = [&](ir::Value* v) -> Expected<ir::Value*> {
    if (!v->has_shape || v->shape.size() < 2)
      return ctx.op_error("adjoint of '" + v->name + "' needs a known rank >= 2");
    const int rank = static_cast<int>(v->shape.size());
    std::vector<int64_t> perm(rank);
    for (int i = 0; i < rank; ++i) perm[i] = i;
    std::swap(perm[rank - 1], perm[rank - 2]);
    ir::Shape shape = v->shape;
    std::swap(shape[rank - 1], shape[rank - 2]);
    ir::Value* t = ctx.derived_value(*v, "adjoint", v->dtype, shape, true);
    ir::Node* n = ctx.add_node(ir::OpType::kTranspose, {v}, {t});
    n->attrs.set("perm", perm);
    return t;
  };
  if (o && o->adj_x()) {
    MCONV_ASSIGN_OR_RETURN(a, adjoint(a));
  }
  if (o && o->adj_y()) {
    MCONV_ASSIGN_OR_RETURN(b, adjoint(b));
  }
  return ctx.add_with_activation(ir::OpType::kMatMul, {a, b}, fb::ActivationFunctionType_NONE)
      .status();
}

}  // namespace mconv::tflite
