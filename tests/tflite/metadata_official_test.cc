// The TFLite model metadata mconv writes, read back through a reader that flatc generated from the
// OFFICIAL metadata schema (shared/reference/tflite/metadata_schema.fbs, compiled at build time),
// and the zip archive of associated files listed by Info-ZIP's unzip: what MediaPipe and the
// TFLite Support library will find in the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "support/test_support.h"
#include "tflite/metadata/tflite_metadata.h"
#include "tflite/schema/mconv_tflite_generated.h"

#if __has_include("tflite/official/metadata_schema_generated.h")
#include "tflite/official/metadata_schema_generated.h"
#define MCONV_HAVE_OFFICIAL_METADATA 1
#endif

namespace mconv {
namespace {

std::string keras_model() {
  return test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
}

std::vector<std::string> synset_names() {
  std::ifstream in(test::shared_dir() + "/data/labels/LOC_synset_mapping.txt");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line.substr(line.find(' ') + 1));
  return names;
}

std::string convert(const std::string& source, const std::string& out, const std::string& args) {
  const test::CommandResult r = test::run_command("'" + test::mconv_binary() + "' convert '" +
                                                  source + "' -o '" + out + "' " + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return out;
}

#ifdef MCONV_HAVE_OFFICIAL_METADATA
// The "TFLITE_METADATA" buffer of a model file.
std::vector<uint8_t> metadata_buffer(const std::vector<uint8_t>& file) {
  flatbuffers::Verifier verifier(file.data(), file.size());
  EXPECT_TRUE(::tflite::VerifyModelBuffer(verifier));
  const ::tflite::Model* model = ::tflite::GetModel(file.data());
  if (!model->metadata()) return {};
  for (const ::tflite::Metadata* m : *model->metadata())
    if (m->name() && m->name()->str() == "TFLITE_METADATA") {
      const auto* data = model->buffers()->Get(m->buffer())->data();
      return std::vector<uint8_t>(data->begin(), data->end());
    }
  return {};
}

struct Expectation {
  std::vector<float> mean, std;  // NormalizationOptions (empty: none written)
  size_t labels = 1000;
};

void check_file(const std::string& path, const Expectation& want) {
  SCOPED_TRACE(path);
  auto file = read_file_bytes(path);
  ASSERT_TRUE(file.ok());
  const std::vector<uint8_t> buffer = metadata_buffer(*file);
  ASSERT_FALSE(buffer.empty()) << "no TFLITE_METADATA buffer";
  ASSERT_TRUE(::tflite::ModelMetadataBufferHasIdentifier(buffer.data()));
  flatbuffers::Verifier verifier(buffer.data(), buffer.size());
  ASSERT_TRUE(::tflite::VerifyModelMetadataBuffer(verifier));
  const ::tflite::ModelMetadata* m = ::tflite::GetModelMetadata(buffer.data());
  ASSERT_TRUE(m->name() && m->version() && m->author() && m->description());
  EXPECT_FALSE(m->name()->str().empty());
  ASSERT_TRUE(m->min_parser_version());
  // Nothing mconv writes is newer than the first schema version (MediaPipe parses up to 1.5.0).
  EXPECT_EQ(m->min_parser_version()->str(), "1.0.0");
  auto version = tflite::min_metadata_parser_version(buffer.data(), buffer.size());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, "1.0.0");

  ASSERT_TRUE(m->subgraph_metadata() && m->subgraph_metadata()->size() == 1);
  const ::tflite::SubGraphMetadata* sg = m->subgraph_metadata()->Get(0);
  ASSERT_TRUE(sg->input_tensor_metadata() && sg->input_tensor_metadata()->size() == 1);
  const ::tflite::TensorMetadata* in = sg->input_tensor_metadata()->Get(0);
  ASSERT_TRUE(in->content());
  const ::tflite::ImageProperties* image = in->content()->content_properties_as_ImageProperties();
  ASSERT_TRUE(image);
  EXPECT_EQ(image->color_space(), ::tflite::ColorSpaceType_RGB);
  ASSERT_TRUE(image->default_size());
  EXPECT_EQ(image->default_size()->width(), 224u);
  EXPECT_EQ(image->default_size()->height(), 224u);
  const ::tflite::NormalizationOptions* norm = nullptr;
  if (in->process_units())
    for (const ::tflite::ProcessUnit* u : *in->process_units())
      if (u->options_as_NormalizationOptions()) norm = u->options_as_NormalizationOptions();
  if (want.mean.empty()) {
    EXPECT_EQ(norm, nullptr);
  } else {
    ASSERT_NE(norm, nullptr);
    ASSERT_EQ(norm->mean()->size(), want.mean.size());
    ASSERT_EQ(norm->std()->size(), want.std.size());
    for (size_t c = 0; c < want.mean.size(); ++c) {
      EXPECT_NEAR(norm->mean()->Get(c), want.mean[c], 1e-3);
      EXPECT_NEAR(norm->std()->Get(c), want.std[c], 1e-3);
    }
    // Stats: the input's range for pixels 0..255.
    ASSERT_TRUE(in->stats() && in->stats()->min() && in->stats()->max());
    EXPECT_NEAR(in->stats()->min()->Get(0), (0 - want.mean[0]) / want.std[0], 1e-4);
    EXPECT_NEAR(in->stats()->max()->Get(0), (255 - want.mean[0]) / want.std[0], 1e-4);
  }

  ASSERT_TRUE(sg->output_tensor_metadata() && sg->output_tensor_metadata()->size() == 1);
  const ::tflite::TensorMetadata* out = sg->output_tensor_metadata()->Get(0);
  ASSERT_TRUE(out->associated_files() && out->associated_files()->size() == 1);
  const ::tflite::AssociatedFile* labels = out->associated_files()->Get(0);
  EXPECT_EQ(labels->type(), ::tflite::AssociatedFileType_TENSOR_AXIS_LABELS);
  ASSERT_TRUE(labels->name());
  EXPECT_EQ(labels->name()->str(), "labels.txt");

  // The appended zip, listed by Info-ZIP, holds the labels file.
  const test::CommandResult listing = test::run_command("unzip -Z1 '" + path + "'");
  EXPECT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_EQ(listing.output, "labels.txt\n");
  const test::CommandResult text = test::run_command("unzip -p '" + path + "' labels.txt");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  std::vector<std::string> lines;
  std::istringstream stream(text.output);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), want.labels);
  const std::vector<std::string> names = synset_names();
  ASSERT_EQ(names.size(), 1000u);
  const size_t first = want.labels == 1001 ? 1 : 0;
  if (first) EXPECT_EQ(lines[0], "background");
  for (size_t k = 0; k < names.size(); ++k) ASSERT_EQ(lines[first + k], names[k]) << "class " << k;
}
#endif

TEST(MetadataOfficialSchema, KerasVariantsReadBackThroughTheOfficialReader) {
#ifndef MCONV_HAVE_OFFICIAL_METADATA
  if (test::in_ci()) FAIL() << "official metadata schema missing under CI";
  GTEST_SKIP() << "shared/reference/tflite/metadata_schema.fbs missing";
#else
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  const std::string dir = test::make_temp_dir("metadata_official");
  const std::string images = test::shared_images_dir();
  const Expectation keras{{0.0f}, {1.0f}};
  check_file(convert(keras_model(), dir + "/fp32.tflite", "--labels imagenet"), keras);
  check_file(convert(keras_model(), dir + "/fp16.tflite", "--precision fp16 --labels imagenet"),
             keras);
  check_file(convert(keras_model(), dir + "/int8.tflite",
                     "--precision int8 --labels imagenet --calib '" + images + "' --calib-count 8"),
             keras);
  // uint8 inputs take raw pixels: no normalization.
  check_file(convert(keras_model(), dir + "/int8_u8.tflite",
                     "--precision int8 --io uint8 --labels imagenet --calib '" + images +
                         "' --calib-count 8"),
             Expectation{{}, {}});
#endif
}

TEST(MetadataOfficialSchema, PresetsBecomeNormalizationOptions) {
#ifndef MCONV_HAVE_OFFICIAL_METADATA
  GTEST_SKIP() << "shared/reference/tflite/metadata_schema.fbs missing";
#else
  const std::string onnx = test::shared_models_dir() + "/mobilenet_v3_small_op13.onnx";
  MCONV_REQUIRE_SHARED_FILE(onnx);
  const std::string dir = test::make_temp_dir("metadata_presets");
  // ONNX sources default to torch: 255 x the ImageNet mean and std.
  check_file(convert(onnx, dir + "/torch.tflite", "--labels imagenet"),
             Expectation{{123.675f, 116.28f, 103.53f}, {58.395f, 57.12f, 57.375f}});
  check_file(convert(onnx, dir + "/pm1.tflite", "--labels imagenet --preset pm1"),
             Expectation{{127.5f}, {127.5f}});
  check_file(convert(onnx, dir + "/unit.tflite", "--labels imagenet --preset unit"),
             Expectation{{0.0f}, {255.0f}});
#endif
}

}  // namespace
}  // namespace mconv
