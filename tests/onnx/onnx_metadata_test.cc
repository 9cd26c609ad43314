// ONNX metadata_props written by mconv: ONNX's Image.* keys and mconv's documented keys
// (docs/metadata.md), read back into the same ir::ModelMetadata; other tools' keys are kept.
#include "onnx/onnx_metadata.h"

#include <gtest/gtest.h>

#include <map>

#include "onnx/onnx_pb.h"

namespace mconv::onnx {
namespace {

std::map<std::string, std::string> props_of(const ::onnx::ModelProto& model) {
  std::map<std::string, std::string> props;
  for (const auto& p : model.metadata_props()) props[p.key()] = p.value();
  return props;
}

ir::ModelMetadata torch_classifier() {
  ir::ModelMetadata m;
  m.name = "mobilenet_v3_small";
  m.author = "mconv";
  m.version = "3";
  m.license = "Apache-2.0";
  ir::ImageInputMetadata image;
  image.width = 224;
  image.height = 192;
  image.channels_last = false;
  image.preset = "torch";
  image.normalization =
      ir::ImageNormalization{{123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}};
  m.image = image;
  m.labels = {"background", "tench, Tinca tinca", "goldfish, Carassius auratus"};
  return m;
}

TEST(OnnxMetadata, WritesOnnxImageKeysAndPreprocessing) {
  ::onnx::ModelProto model;
  auto* other = model.add_metadata_props();
  other->set_key("converted_by");
  other->set_value("someone");
  write_metadata_props(torch_classifier(), model);
  const auto props = props_of(model);
  EXPECT_EQ(props.at("converted_by"), "someone");
  EXPECT_EQ(props.at("Image.BitmapPixelFormat"), "Rgb8");
  EXPECT_EQ(props.at("Image.ColorSpaceGamma"), "SRGB");
  // ImageNet mean/std is none of ONNX's nominal ranges: not claimed.
  EXPECT_EQ(props.count("Image.NominalPixelRange"), 0u);
  EXPECT_EQ(props.at("mconv.preprocess.preset"), "torch");
  EXPECT_EQ(props.at("mconv.preprocess.mean"), "123.675003,116.279999,103.529999");
  EXPECT_EQ(props.at("mconv.preprocess.layout"), "NCHW");
  EXPECT_EQ(props.at("mconv.preprocess.size"), "224x192");
  EXPECT_EQ(props.at("mconv.labels"),
            "background\ntench, Tinca tinca\ngoldfish, Carassius auratus\n");
  EXPECT_EQ(props.at("mconv.license"), "Apache-2.0");

  // Written twice: the keys are replaced, not repeated.
  write_metadata_props(torch_classifier(), model);
  EXPECT_EQ(model.metadata_props_size(), static_cast<int>(props.size()));
}

TEST(OnnxMetadata, ReadsBackWhatItWrote) {
  ::onnx::ModelProto model;
  const ir::ModelMetadata in = torch_classifier();
  write_metadata_props(in, model);
  const ir::ModelMetadata out = read_metadata_props(model);
  EXPECT_EQ(out.name, in.name);
  EXPECT_EQ(out.version, in.version);
  EXPECT_EQ(out.author, in.author);
  EXPECT_EQ(out.license, in.license);
  EXPECT_EQ(out.labels, in.labels);
  ASSERT_TRUE(out.image && out.image->normalization);
  EXPECT_EQ(out.image->preset, "torch");
  EXPECT_FALSE(out.image->channels_last);
  EXPECT_EQ(out.image->width, 224);
  EXPECT_EQ(out.image->height, 192);
  EXPECT_EQ(out.image->normalization->mean, in.image->normalization->mean);
  EXPECT_EQ(out.image->normalization->std, in.image->normalization->std);
}

TEST(OnnxMetadata, NominalRangesMapToNormalizations) {
  struct Case {
    float mean, std;
    const char* range;
  };
  for (const Case& c : {Case{0, 1, "NominalRange_0_255"}, Case{0, 255, "Normalized_0_1"},
                        Case{127.5f, 127.5f, "Normalized_1_1"}}) {
    ir::ModelMetadata m;
    m.image = ir::ImageInputMetadata{};
    m.image->normalization =
        ir::ImageNormalization{{c.mean, c.mean, c.mean}, {c.std, c.std, c.std}};
    ::onnx::ModelProto model;
    write_metadata_props(m, model);
    EXPECT_EQ(props_of(model).at("Image.NominalPixelRange"), c.range);
    // A file that only has ONNX's key (another tool's) still gives the normalization.
    ::onnx::ModelProto bare;
    auto* p = bare.add_metadata_props();
    p->set_key("Image.NominalPixelRange");
    p->set_value(c.range);
    const ir::ModelMetadata back = read_metadata_props(bare);
    ASSERT_TRUE(back.image && back.image->normalization) << c.range;
    EXPECT_EQ(back.image->normalization->mean[0], c.mean);
    EXPECT_EQ(back.image->normalization->std[2], c.std);
  }
}

TEST(OnnxMetadata, NoKeysNoMetadata) {
  ::onnx::ModelProto model;
  EXPECT_TRUE(read_metadata_props(model).empty());
}

}  // namespace
}  // namespace mconv::onnx
