// Imported TFLite graphs run by mconv's reference interpreter against LiteRT running the ORIGINAL
// file: the real Keras dynamic-range MobileNetV3 on real photos (hybrid kernels quantize
// activations on the fly, so top-1 and a loose tolerance), and small single-op models built here
// (tight tolerance) covering padding, depthwise multipliers, fully-connected reshapes, pooling,
// slicing, fused activations, FP16 weights and quantize/dequantize.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/half.h"
#include "core/npy.h"
#include "data/dataset.h"
#include "litert_runner.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "tflite/tflite_importer.h"
#include "tflite_import_test_models.h"

namespace {

using mconv::DType;
using mconv::Tensor;
using mconv::test::LiteRtModelRun;
using mconv::test::run_litert_models;
using mconv::test::TfliteModelBuilder;
namespace tfl = ::tflite;

// Imports `bytes` and runs the interpreter on `inputs`; output 0.
mconv::Expected<Tensor> run_imported(const std::vector<uint8_t>& bytes,
                                     const std::vector<Tensor>& inputs, mconv::ir::Model* keep) {
  mconv::tflite::TfliteImportOptions options;
  options.source_name = "builder.tflite";
  MCONV_ASSIGN_OR_RETURN(*keep, mconv::tflite::import_tflite_bytes(bytes, options));
  MCONV_ASSIGN_OR_RETURN(auto interpreter, mconv::runtime::Interpreter::Create(keep->graph));
  MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> outs, interpreter->run(inputs));
  return outs.at(0);
}

Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kF32, std::move(shape));
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

int64_t argmax(const float* p, int64_t n) {
  return std::max_element(p, p + n) - p;
}

// ------------------------------------------------------------------ the real dynamic-range model

TEST(TfliteImportLiteRt, KerasDynamicRangeMatchesLiteRtOnRealPhotos) {
  MCONV_REQUIRE_LITERT();
  const std::string model_path =
      mconv::test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(model_path);
  auto images = mconv::list_image_folder(mconv::test::shared_images_dir());
  ASSERT_TRUE(images.ok()) << images.status().message();
  // Eight photos spread over the 500 (every 60th).
  std::vector<mconv::LabeledImage> picked;
  for (size_t i = 0; i < images->size() && picked.size() < 8; i += 60)
    picked.push_back((*images)[i]);
  auto batch = mconv::load_image_batch(
      picked, mconv::make_preprocess(mconv::PreprocessPreset::kKeras, mconv::ImageLayout::kNHWC));
  ASSERT_TRUE(batch.ok()) << batch.status().message();

  auto model = mconv::tflite::import_tflite_file(model_path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto interpreter = mconv::runtime::Interpreter::Create(model->graph);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
  // The imported graph keeps the dynamic batch: the whole batch runs at once.
  auto ours = (*interpreter)->run({*batch});
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  ASSERT_EQ((*ours)[0].shape(), (std::vector<int64_t>{8, 1000}));

  auto theirs = run_litert_models({{model_path, {*batch}}});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  ASSERT_EQ((*theirs)[0].shape(), (std::vector<int64_t>{8, 1000}));

  int top1_agree = 0, ours_correct = 0, theirs_correct = 0;
  float max_diff = 0.0f, max_tv = 0.0f;
  for (int i = 0; i < 8; ++i) {
    const float* a = (*ours)[0].data<float>() + i * 1000;
    const float* b = (*theirs)[0].data<float>() + i * 1000;
    top1_agree += argmax(a, 1000) == argmax(b, 1000);
    ours_correct += argmax(a, 1000) == picked[i].label;
    theirs_correct += argmax(b, 1000) == picked[i].label;
    float tv = 0.0f;  // total variation distance of the two class distributions
    for (int c = 0; c < 1000; ++c) {
      max_diff = std::max(max_diff, std::fabs(a[c] - b[c]));
      tv += 0.5f * std::fabs(a[c] - b[c]);
    }
    std::printf(
        "  image %d (label %d): ours top-1 %lld p=%.3f, LiteRT top-1 %lld p=%.3f, TV %.3f\n", i,
        picked[i].label, static_cast<long long>(argmax(a, 1000)), a[argmax(a, 1000)],
        static_cast<long long>(argmax(b, 1000)), b[argmax(b, 1000)], tv);
    max_tv = std::max(max_tv, tv);
  }
  std::printf(
      "keras dynamic-range: top-1 agreement %d/8, correct ours %d/8 LiteRT %d/8, "
      "max |dp| %.4f, max TV %.4f\n",
      top1_agree, ours_correct, theirs_correct, max_diff, max_tv);
  // Hybrid kernels quantize activations on the fly, so this is a loose comparison: at most one
  // top-1 flip on 8 photos, accuracy no worse than LiteRT's minus one, and class distributions
  // that overlap for the most part (total variation < 0.5).
  EXPECT_GE(top1_agree, 7);
  EXPECT_GE(ours_correct, theirs_correct - 1);
  EXPECT_LT(max_tv, 0.5f);
}

// ------------------------------------------------------------------ single-op builder models

auto conv_options(tfl::Padding padding, int stride_h, int stride_w, tfl::ActivationFunctionType act,
                  int dil_h = 1, int dil_w = 1) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(
        tfl::BuiltinOptions_Conv2DOptions,
        tfl::CreateConv2DOptions(fbb, padding, stride_w, stride_h, act, dil_w, dil_h).Union());
  };
}

// A model description plus the inputs to feed it.
struct Case {
  std::string name;            // test label
  std::vector<uint8_t> bytes;  // the .tflite file
  std::vector<Tensor> inputs;  // float inputs
  float tolerance = 1e-5f;     // max |ours - LiteRT| relative to max |LiteRT|
};

Case conv_case() {
  // Even sizes with stride 2 and a 3x3 kernel: SAME padding is asymmetric (total 1, at the end).
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 8, 10, 3});
  const int w =
      b.constant<float>("w", tfl::TensorType_FLOAT32, {4, 3, 3, 3}, random_values(108, 1));
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {4}, random_values(4, 2));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4, 5, 4});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, w, bias}, {out},
       conv_options(tfl::Padding_SAME, 2, 2, tfl::ActivationFunctionType_RELU6), 1);
  b.inputs({in});
  b.outputs({out});
  return {"conv_same_stride2_relu6", b.finish(), {random_tensor({1, 8, 10, 3}, 3)}};
}

Case conv_valid_dilated_case() {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 8, 8, 2});
  const int w = b.constant<float>("w", tfl::TensorType_FLOAT32, {3, 3, 3, 2}, random_values(54, 4));
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {3}, random_values(3, 21));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4, 4, 3});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, w, bias}, {out},
       conv_options(tfl::Padding_VALID, 1, 1, tfl::ActivationFunctionType_NONE, 2, 2), 2);
  b.inputs({in});
  b.outputs({out});
  return {"conv_valid_dilated", b.finish(), {random_tensor({1, 8, 8, 2}, 5)}};
}

Case depthwise_case() {
  // depth_multiplier 2, SAME (asymmetric), stride 2, fused RELU.
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 8, 8, 3});
  const int w = b.constant<float>("w", tfl::TensorType_FLOAT32, {1, 3, 3, 6}, random_values(54, 6));
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {6}, random_values(6, 7));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4, 4, 6});
  b.op(
      tfl::BuiltinOperator_DEPTHWISE_CONV_2D, {in, w, bias}, {out},
      [](flatbuffers::FlatBufferBuilder& fbb) {
        return std::make_pair(tfl::BuiltinOptions_DepthwiseConv2DOptions,
                              tfl::CreateDepthwiseConv2DOptions(fbb, tfl::Padding_SAME, 2, 2, 2,
                                                                tfl::ActivationFunctionType_RELU)
                                  .Union());
      },
      1);
  b.inputs({in});
  b.outputs({out});
  return {"depthwise_multiplier2_same_stride2", b.finish(), {random_tensor({1, 8, 8, 3}, 8)}};
}

Case fully_connected_case(bool keep_num_dims) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {2, 3, 5});
  const int w = b.constant<float>("w", tfl::TensorType_FLOAT32, {4, 5}, random_values(20, 9));
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {4}, random_values(4, 10));
  const int out =
      b.tensor("out", tfl::TensorType_FLOAT32,
               keep_num_dims ? std::vector<int32_t>{2, 3, 4} : std::vector<int32_t>{6, 4});
  b.op(
      tfl::BuiltinOperator_FULLY_CONNECTED, {in, w, bias}, {out},
      [keep_num_dims](flatbuffers::FlatBufferBuilder& fbb) {
        return std::make_pair(tfl::BuiltinOptions_FullyConnectedOptions,
                              tfl::CreateFullyConnectedOptions(
                                  fbb, tfl::ActivationFunctionType_RELU,
                                  tfl::FullyConnectedOptionsWeightsFormat_DEFAULT, keep_num_dims)
                                  .Union());
      },
      keep_num_dims ? 5 : 1);
  b.inputs({in});
  b.outputs({out});
  return {keep_num_dims ? "fully_connected_keep_num_dims" : "fully_connected_flatten",
          b.finish(),
          {random_tensor({2, 3, 5}, 11)}};
}

Case pool_case(tfl::BuiltinOperator code) {
  // 3x3 stride 2 SAME on 6x6: asymmetric padding, partial border windows (AVERAGE excludes the
  // padding from the count).
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 6, 6, 2});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 3, 3, 2});
  b.op(code, {in}, {out}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_Pool2DOptions,
                          tfl::CreatePool2DOptions(fbb, tfl::Padding_SAME, 2, 2, 3, 3,
                                                   tfl::ActivationFunctionType_NONE)
                              .Union());
  });
  b.inputs({in});
  b.outputs({out});
  return {code == tfl::BuiltinOperator_MAX_POOL_2D ? "max_pool_same" : "average_pool_same",
          b.finish(),
          {random_tensor({1, 6, 6, 2}, 12)}};
}

// A chain of elementwise and data-movement ops on one input.
Case chain_case() {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 4, 6, 3});
  const int hs = b.tensor("hs", tfl::TensorType_FLOAT32, {1, 4, 6, 3});
  b.op(tfl::BuiltinOperator_HARD_SWISH, {in}, {hs});
  const int sig = b.tensor("sig", tfl::TensorType_FLOAT32, {1, 4, 6, 3});
  b.op(tfl::BuiltinOperator_LOGISTIC, {in}, {sig});
  const int th = b.tensor("th", tfl::TensorType_FLOAT32, {1, 4, 6, 3});
  b.op(tfl::BuiltinOperator_TANH, {in}, {th});
  // Concatenation along channels. (No fused activation: LiteRT's XNNPACK path ignores one on
  // CONCATENATION while the schema says it applies, and converters never emit it.)
  const int concat = b.tensor("concat", tfl::TensorType_FLOAT32, {1, 4, 6, 9});
  b.op(tfl::BuiltinOperator_CONCATENATION, {hs, sig, th}, {concat},
       [](flatbuffers::FlatBufferBuilder& fbb) {
         return std::make_pair(
             tfl::BuiltinOptions_ConcatenationOptions,
             tfl::CreateConcatenationOptions(fbb, 3, tfl::ActivationFunctionType_NONE).Union());
       });
  const int cat = b.tensor("cat", tfl::TensorType_FLOAT32, {1, 4, 6, 9});
  b.op(tfl::BuiltinOperator_RELU_N1_TO_1, {concat}, {cat});
  // Broadcast SUB/DIV/MUL with per-channel constants.
  const int c = b.constant<float>("c", tfl::TensorType_FLOAT32, {9}, random_values(9, 13));
  const int d = b.constant<float>("d", tfl::TensorType_FLOAT32, {9},
                                  {1.5f, 2.0f, -3.0f, 0.5f, 4.0f, 1.25f, -2.0f, 3.5f, 0.75f});
  const int sub = b.tensor("sub", tfl::TensorType_FLOAT32, {1, 4, 6, 9});
  b.op(tfl::BuiltinOperator_SUB, {cat, c}, {sub}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_SubOptions, tfl::CreateSubOptions(fbb).Union());
  });
  const int div = b.tensor("div", tfl::TensorType_FLOAT32, {1, 4, 6, 9});
  b.op(tfl::BuiltinOperator_DIV, {sub, d}, {div}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_DivOptions, tfl::CreateDivOptions(fbb).Union());
  });
  // PAD then strided slice with begin/end masks, a stride and a shrunk axis.
  const int pads =
      b.constant<int32_t>("pads", tfl::TensorType_INT32, {4, 2}, {0, 0, 1, 2, 0, 1, 0, 0});
  const int pad = b.tensor("pad", tfl::TensorType_FLOAT32, {1, 7, 7, 9});
  b.op(tfl::BuiltinOperator_PAD, {div, pads}, {pad});
  const int begin = b.constant<int32_t>("begin", tfl::TensorType_INT32, {4}, {0, 1, 0, 2});
  const int end = b.constant<int32_t>("end", tfl::TensorType_INT32, {4}, {1, 6, 0, 9});
  const int strides = b.constant<int32_t>("strides", tfl::TensorType_INT32, {4}, {1, 2, 1, 3});
  const int sl = b.tensor("slice", tfl::TensorType_FLOAT32, {3, 7, 3});
  b.op(tfl::BuiltinOperator_STRIDED_SLICE, {pad, begin, end, strides}, {sl},
       [](flatbuffers::FlatBufferBuilder& fbb) {
         // begin_mask/end_mask on axis 2 (whole axis), shrink axis 0.
         return std::make_pair(tfl::BuiltinOptions_StridedSliceOptions,
                               tfl::CreateStridedSliceOptions(fbb, 4, 4, 0, 0, 1).Union());
       });
  // TRANSPOSE, then MEAN over axis 1 without keep_dims, RESHAPE and SOFTMAX with beta.
  const int perm = b.constant<int32_t>("perm", tfl::TensorType_INT32, {3}, {2, 0, 1});
  const int tr = b.tensor("tr", tfl::TensorType_FLOAT32, {3, 3, 7});
  b.op(tfl::BuiltinOperator_TRANSPOSE, {sl, perm}, {tr});
  const int axes = b.constant<int32_t>("axes", tfl::TensorType_INT32, {1}, {1});
  const int mean = b.tensor("mean", tfl::TensorType_FLOAT32, {3, 7});
  b.op(tfl::BuiltinOperator_MEAN, {tr, axes}, {mean}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_ReducerOptions,
                          tfl::CreateReducerOptions(fbb, false).Union());
  });
  const int shape = b.constant<int32_t>("shape", tfl::TensorType_INT32, {2}, {1, -1});
  const int flat = b.tensor("flat", tfl::TensorType_FLOAT32, {1, 21});
  b.op(tfl::BuiltinOperator_RESHAPE, {mean, shape}, {flat});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 21});
  b.op(tfl::BuiltinOperator_SOFTMAX, {flat}, {out}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_SoftmaxOptions,
                          tfl::CreateSoftmaxOptions(fbb, 0.5f).Union());
  });
  b.inputs({in});
  b.outputs({out});
  return {"elementwise_and_data_movement_chain", b.finish(), {random_tensor({1, 4, 6, 3}, 14)}};
}

// A second chain: shape-changing and multi-output ops, fused activations on binary ops.
Case shape_ops_case() {
  TfliteModelBuilder b;
  auto options = [](tfl::BuiltinOptions type, auto make) {
    return [type, make](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(type, make(fbb).Union());
    };
  };
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {2, 6, 4});
  const int axis0 = b.constant<int32_t>("axis0", tfl::TensorType_INT32, {}, {0});
  const int expanded = b.tensor("expanded", tfl::TensorType_FLOAT32, {1, 2, 6, 4});
  b.op(tfl::BuiltinOperator_EXPAND_DIMS, {in, axis0}, {expanded});
  const int mpads =
      b.constant<int32_t>("mpads", tfl::TensorType_INT32, {4, 2}, {0, 0, 0, 0, 1, 1, 0, 0});
  const int mirrored = b.tensor("mirrored", tfl::TensorType_FLOAT32, {1, 2, 8, 4});
  b.op(tfl::BuiltinOperator_MIRROR_PAD, {expanded, mpads}, {mirrored},
       options(tfl::BuiltinOptions_MirrorPadOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateMirrorPadOptions(fbb, tfl::MirrorPadMode_REFLECT);
       }));
  const int squeezed = b.tensor("squeezed", tfl::TensorType_FLOAT32, {2, 8, 4});
  b.op(tfl::BuiltinOperator_SQUEEZE, {mirrored}, {squeezed},
       options(tfl::BuiltinOptions_SqueezeOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         std::vector<int32_t> dims{0};
         return tfl::CreateSqueezeOptionsDirect(fbb, &dims);
       }));
  const int axis1 = b.constant<int32_t>("axis1", tfl::TensorType_INT32, {}, {1});
  const int half_a = b.tensor("half_a", tfl::TensorType_FLOAT32, {2, 4, 4});
  const int half_b = b.tensor("half_b", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_SPLIT, {axis1, squeezed}, {half_a, half_b},
       options(tfl::BuiltinOptions_SplitOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateSplitOptions(fbb, 2);
       }));
  const int leaky = b.tensor("leaky", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_LEAKY_RELU, {half_a}, {leaky},
       options(tfl::BuiltinOptions_LeakyReluOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateLeakyReluOptions(fbb, 0.2f);
       }));
  const int six = b.tensor("six", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_RELU6, {half_b}, {six});
  const int sum = b.tensor("sum", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_ADD, {leaky, six}, {sum},
       options(tfl::BuiltinOptions_AddOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateAddOptions(fbb, tfl::ActivationFunctionType_RELU_N1_TO_1);
       }));
  const int sizes = b.constant<int32_t>("sizes", tfl::TensorType_INT32, {2}, {1, -1});
  const int axis2 = b.constant<int32_t>("axis2", tfl::TensorType_INT32, {}, {2});
  const int first = b.tensor("first", tfl::TensorType_FLOAT32, {2, 4, 1});
  const int rest = b.tensor("rest", tfl::TensorType_FLOAT32, {2, 4, 3});
  b.op(tfl::BuiltinOperator_SPLIT_V, {sum, sizes, axis2}, {first, rest},
       options(tfl::BuiltinOptions_SplitVOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateSplitVOptions(fbb, 2);
       }));
  const int pads = b.constant<int32_t>("pads", tfl::TensorType_INT32, {3, 2}, {0, 0, 0, 0, 0, 1});
  const int fill = b.constant<float>("fill", tfl::TensorType_FLOAT32, {}, {0.5f});
  const int padded = b.tensor("padded", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_PADV2, {rest, pads, fill}, {padded});
  const int prod = b.tensor("prod", tfl::TensorType_FLOAT32, {2, 4, 4});
  b.op(tfl::BuiltinOperator_MUL, {first, padded}, {prod},
       options(tfl::BuiltinOptions_MulOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateMulOptions(fbb, tfl::ActivationFunctionType_RELU);
       }));
  const int y = b.constant<float>("y", tfl::TensorType_FLOAT32, {2, 5, 4}, random_values(40, 25));
  const int mm = b.tensor("mm", tfl::TensorType_FLOAT32, {2, 4, 5});
  b.op(tfl::BuiltinOperator_BATCH_MATMUL, {prod, y}, {mm},
       options(tfl::BuiltinOptions_BatchMatMulOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateBatchMatMulOptions(fbb, false, true);
       }));
  const int begin = b.constant<int32_t>("begin", tfl::TensorType_INT32, {3}, {0, 1, 0});
  const int size = b.constant<int32_t>("size", tfl::TensorType_INT32, {3}, {-1, 2, 5});
  const int sliced = b.tensor("sliced", tfl::TensorType_FLOAT32, {2, 2, 5});
  b.op(tfl::BuiltinOperator_SLICE, {mm, begin, size}, {sliced});
  const int indices = b.constant<int32_t>("indices", tfl::TensorType_INT32, {3}, {4, 0, 2});
  const int gathered = b.tensor("gathered", tfl::TensorType_FLOAT32, {2, 2, 3});
  b.op(tfl::BuiltinOperator_GATHER, {sliced, indices}, {gathered},
       options(tfl::BuiltinOptions_GatherOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateGatherOptions(fbb, 2);
       }));
  const int shape = b.tensor("shape", tfl::TensorType_INT32, {3});
  b.op(tfl::BuiltinOperator_SHAPE, {gathered}, {shape},
       options(tfl::BuiltinOptions_ShapeOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateShapeOptions(fbb, tfl::TensorType_INT32);
       }));
  const int shape_f = b.tensor("shape_f", tfl::TensorType_FLOAT32, {3});
  b.op(tfl::BuiltinOperator_CAST, {shape}, {shape_f},
       options(tfl::BuiltinOptions_CastOptions, [](flatbuffers::FlatBufferBuilder& fbb) {
         return tfl::CreateCastOptions(fbb, tfl::TensorType_INT32, tfl::TensorType_FLOAT32);
       }));
  const int shifted = b.tensor("shifted", tfl::TensorType_FLOAT32, {2, 2, 3});
  b.op(tfl::BuiltinOperator_ADD, {gathered, shape_f}, {shifted},
       options(tfl::BuiltinOptions_AddOptions,
               [](flatbuffers::FlatBufferBuilder& fbb) { return tfl::CreateAddOptions(fbb); }));
  const int new_shape = b.constant<int32_t>("new_shape", tfl::TensorType_INT32, {2}, {1, 12});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 12});
  b.op(tfl::BuiltinOperator_RESHAPE, {shifted, new_shape}, {out});
  b.inputs({in});
  b.outputs({out});
  return {"shape_and_multi_output_chain", b.finish(), {random_tensor({2, 6, 4}, 26, -4.0f, 4.0f)}};
}

Case fp16_weights_case() {
  // FP16-weight model: f16 filter -> DEQUANTIZE -> CONV_2D (folded to an f32 constant on import).
  std::vector<float> w = random_values(2 * 3 * 3 * 3, 15);
  std::vector<uint16_t> w16(w.size());
  for (size_t i = 0; i < w.size(); ++i) w16[i] = mconv::float_to_half(w[i]);
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 5, 5, 3});
  const int wh = b.constant<uint16_t>("w_f16", tfl::TensorType_FLOAT16, {2, 3, 3, 3}, w16);
  const int wf = b.tensor("w_f32", tfl::TensorType_FLOAT32, {2, 3, 3, 3});
  b.op(tfl::BuiltinOperator_DEQUANTIZE, {wh}, {wf}, nullptr, 3);
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {2}, random_values(2, 22));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 5, 5, 2});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, wf, bias}, {out},
       conv_options(tfl::Padding_SAME, 1, 1, tfl::ActivationFunctionType_NONE), 1);
  b.inputs({in});
  b.outputs({out});
  return {"fp16_weights_dequantize_folded", b.finish(), {random_tensor({1, 5, 5, 3}, 16)}};
}

Case weight_only_int8_case() {
  // Weight-only quantization: int8 filter -> DEQUANTIZE -> float CONV_2D (folded on import).
  std::vector<int8_t> q(3 * 1 * 1 * 4);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 3, 3, 4});
  const int wq =
      b.constant<int8_t>("w_int8", tfl::TensorType_INT8, {3, 1, 1, 4}, q,
                         TfliteModelBuilder::Quant{{0.01f, 0.02f, 0.03f}, {0, 3, -2}, 0});
  const int wf = b.tensor("w_f32", tfl::TensorType_FLOAT32, {3, 1, 1, 4});
  b.op(tfl::BuiltinOperator_DEQUANTIZE, {wq}, {wf}, nullptr, 4);
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {3}, random_values(3, 23));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 3, 3, 3});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, wf, bias}, {out},
       conv_options(tfl::Padding_VALID, 1, 1, tfl::ActivationFunctionType_NONE), 1);
  b.inputs({in});
  b.outputs({out});
  return {"weight_only_int8_dequantize_folded", b.finish(), {random_tensor({1, 3, 3, 4}, 24)}};
}

Case quantize_roundtrip_case() {
  // float -> QUANTIZE (int8) -> DEQUANTIZE -> float: values snap to the int8 grid.
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 64});
  const int q =
      b.tensor("q", tfl::TensorType_INT8, {1, 64}, TfliteModelBuilder::Quant{{0.02f}, {-5}, 0});
  b.op(tfl::BuiltinOperator_QUANTIZE, {in}, {q});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 64});
  b.op(tfl::BuiltinOperator_DEQUANTIZE, {q}, {out});
  b.inputs({in});
  b.outputs({out});
  return {"quantize_dequantize", b.finish(), {random_tensor({1, 64}, 17, -3.0f, 3.0f)}};
}

Case hybrid_fc_case() {
  // Dynamic-range FULLY_CONNECTED: int8 per-channel weights, float activations. LiteRT quantizes
  // the input on the fly, mconv dequantizes the weights: close but not identical.
  std::vector<int8_t> q(8 * 16);
  std::mt19937 rng(18);
  for (int8_t& v : q) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  std::vector<float> scales(8);
  for (int i = 0; i < 8; ++i) scales[i] = 0.01f + 0.002f * i;
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 16});
  const int w =
      b.constant<int8_t>("w_int8", tfl::TensorType_INT8, {8, 16}, q,
                         TfliteModelBuilder::Quant{scales, std::vector<int64_t>(8, 0), 0});
  const int bias = b.constant<float>("bias", tfl::TensorType_FLOAT32, {8}, random_values(8, 19));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 8});
  b.op(
      tfl::BuiltinOperator_FULLY_CONNECTED, {in, w, bias}, {out},
      [](flatbuffers::FlatBufferBuilder& fbb) {
        return std::make_pair(tfl::BuiltinOptions_FullyConnectedOptions,
                              tfl::CreateFullyConnectedOptions(fbb).Union());
      },
      3);
  b.inputs({in});
  b.outputs({out});
  return {"hybrid_fully_connected", b.finish(), {random_tensor({1, 16}, 20)}, 0.02f};
}

TEST(TfliteImportBuilder, ConstantDequantizeFoldsIntoFloatFilters) {
  for (const Case& c : {fp16_weights_case(), weight_only_int8_case()}) {
    SCOPED_TRACE(c.name);
    auto model = mconv::tflite::import_tflite_bytes(c.bytes);
    ASSERT_TRUE(model.ok()) << model.status().message();
    const mconv::ir::Graph& g = model->graph;
    ASSERT_EQ(g.nodes().size(), 1u);  // just the Conv: no DequantizeLinear, no Cast
    const mconv::ir::Node& conv = *g.nodes()[0];
    EXPECT_EQ(conv.op, mconv::ir::OpType::kConv);
    const mconv::ir::Value* w = conv.inputs[1];
    ASSERT_TRUE(w->is_constant());
    EXPECT_EQ(w->dtype, DType::kF32);
    EXPECT_FALSE(w->quant.has_value());  // plain float weights, not a hybrid op
    // Nothing else is left behind: the f16/int8 source constants are gone.
    for (const auto& v : g.values())
      if (v->is_constant()) EXPECT_FALSE(v->consumers.empty()) << v->name;
  }
  // The int8 case dequantizes per output channel: w[o] = scale[o] * (q - zero_point[o]).
  auto model = mconv::tflite::import_tflite_bytes(weight_only_int8_case().bytes);
  ASSERT_TRUE(model.ok());
  const Tensor& w = *model->graph.nodes()[0]->inputs[1]->constant;
  ASSERT_EQ(w.shape(), (std::vector<int64_t>{3, 4, 1, 1}));
  const float scale[3] = {0.01f, 0.02f, 0.03f};
  const int zero[3] = {0, 3, -2};
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 4; ++i) {
      const int q = static_cast<int>((o * 4 + i) * 37 % 255) - 127;
      EXPECT_FLOAT_EQ(w.data<float>()[o * 4 + i], scale[o] * static_cast<float>(q - zero[o]));
    }
}

TEST(TfliteImportLiteRt, SingleOpModelsMatchLiteRt) {
  MCONV_REQUIRE_LITERT();
  std::vector<Case> cases = {conv_case(),
                             conv_valid_dilated_case(),
                             depthwise_case(),
                             fully_connected_case(true),
                             fully_connected_case(false),
                             pool_case(tfl::BuiltinOperator_AVERAGE_POOL_2D),
                             pool_case(tfl::BuiltinOperator_MAX_POOL_2D),
                             chain_case(),
                             shape_ops_case(),
                             fp16_weights_case(),
                             weight_only_int8_case(),
                             quantize_roundtrip_case(),
                             hybrid_fc_case()};
  const std::string dir = mconv::test::make_temp_dir("tflite_import_cases");
  std::vector<LiteRtModelRun> jobs;
  for (const Case& c : cases) {
    const std::string path = dir + "/" + c.name + ".tflite";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(c.bytes.data()), c.bytes.size());
    jobs.push_back({path, c.inputs});
  }
  auto theirs = run_litert_models(jobs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    mconv::ir::Model model;
    auto ours = run_imported(cases[i].bytes, cases[i].inputs, &model);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    const Tensor& ref = (*theirs)[i];
    ASSERT_EQ(ours->shape(), ref.shape());
    float scale = 0.0f, diff = 0.0f;
    const std::vector<float> a = ours->to_f32(), r = ref.to_f32();
    for (size_t k = 0; k < r.size(); ++k) {
      scale = std::max(scale, std::fabs(r[k]));
      diff = std::max(diff, std::fabs(a[k] - r[k]));
    }
    EXPECT_GT(scale, 0.0f) << "degenerate reference output";
    EXPECT_LE(diff, cases[i].tolerance * std::max(scale, 1.0f))
        << "max |ours - LiteRT| " << diff << " (max |LiteRT| " << scale << ")";
  }
}

}  // namespace
