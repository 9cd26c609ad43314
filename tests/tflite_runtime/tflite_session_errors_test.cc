// Native TFLite sessions on bad input: one-line errors naming the file, never a crash; and the
// signature read from the file (dtypes, shape_signature, quantization).
#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"
#include "tflite_runtime/tflite_session.h"

namespace {

using mconv::DType;
using mconv::tflite_runtime::TfLiteSession;

TEST(TfliteSession, VersionIs29) {
  EXPECT_EQ(mconv::tflite_runtime::tflite_version().rfind("2.9", 0), 0u);
}

TEST(TfliteSession, GarbageIsAOneLineErrorNamingTheFile) {
  const std::string dir = mconv::test::make_temp_dir("tflite_session_errors");
  const std::string path = dir + "/garbage.tflite";
  std::ofstream(path) << "this is not a flatbuffer at all, just some text to be refused";
  auto s = TfLiteSession::Load(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("garbage.tflite"), std::string::npos) << s.status().message();
  EXPECT_EQ(s.status().message().find('\n'), std::string::npos);
  auto missing = TfLiteSession::Load(dir + "/missing.tflite");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.tflite"), std::string::npos);
}

TEST(TfliteSession, SignatureOfTheTocoUint8File) {
  const std::string path = mconv::test::shared_models_dir() + "/atu_v3-small_224_1.0_uint8.tflite";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto s = TfLiteSession::Load(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ((*s)->inputs().size(), 1u);
  const mconv::TensorSpec& in = (*s)->inputs()[0];
  EXPECT_EQ(in.dtype, DType::kU8);
  EXPECT_EQ(in.shape, (std::vector<int64_t>{1, 224, 224, 3}));
  ASSERT_EQ(in.scale.size(), 1u);
  EXPECT_EQ(in.zero_point, (std::vector<int64_t>{128}));
  EXPECT_EQ(in.layout, "NHWC");
  EXPECT_EQ((*s)->outputs()[0].shape, (std::vector<int64_t>{1, 1001}));
  // A wrong input is refused with the model's signature in the message.
  auto bad = (*s)->run({mconv::Tensor(DType::kF32, {1, 224, 224, 3})});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("u8[1,224,224,3]"), std::string::npos)
      << bad.status().message();
}

TEST(TfliteSession, DynamicBatchResizesTheInput) {
  const std::string path =
      mconv::test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto s = TfLiteSession::Load(path, {.threads = 2});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->inputs()[0].shape, (std::vector<int64_t>{-1, 224, 224, 3}));
  for (int64_t n : {3, 1, 5}) {
    mconv::Tensor x(DType::kF32, {n, 224, 224, 3});
    for (int64_t i = 0; i < x.element_count(); ++i) x.data<float>()[i] = float(i % 255);
    auto out = (*s)->run({x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{n, 1000}));
  }
}

}  // namespace
