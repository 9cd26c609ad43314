// TFLite model metadata written by the exporter and read back by mconv's own reader, on a tiny
// graph: every field survives, and damaged files (a labels byte flipped, the zip cut off) give a
// one-line error from the reader while the model itself still imports.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/tensor.h"
#include "passes/shape_inference.h"
#include "tflite/metadata/tflite_metadata.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"

namespace mconv::tflite {
namespace {

// [1,8,8,3] image -> mean over H, W -> 3 "class" scores.
ir::Graph tiny_classifier() {
  ir::Graph g;
  ir::Value* x = g.add_value("image", DType::kF32, ir::make_shape({1, 8, 8, 3}));
  g.inputs.push_back(x);
  ir::Value* y = g.add_value("scores", DType::kUndefined, {}, false);
  ir::Attributes mean;
  mean.set("axes", std::vector<int64_t>{1, 2});
  mean.set("keepdims", int64_t{0});
  g.add_node(ir::OpType::kReduceMean, "mean", {x}, {y})->attrs = mean;
  g.outputs.push_back(y);
  EXPECT_TRUE(passes::infer_shapes(g).ok());
  return g;
}

ir::ModelMetadata pm1_metadata() {
  ir::ModelMetadata m;
  m.name = "tiny";
  m.description = "three classes";
  m.version = "2";
  m.author = "tests";
  m.license = "MIT";
  ir::ImageInputMetadata image;
  image.normalization = ir::ImageNormalization{{127.5f, 127.5f, 127.5f}, {127.5f, 127.5f, 127.5f}};
  m.image = image;
  m.labels = {"alpha", "beta", "gamma"};
  return m;
}

std::vector<uint8_t> export_with(const ir::ModelMetadata& m) {
  TfliteExportOptions options;
  options.prepare_graph = false;
  options.metadata = m;
  auto bytes = export_tflite(tiny_classifier(), options);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

TEST(TfliteMetadataReader, EveryFieldReadsBack) {
  const std::vector<uint8_t> file = export_with(pm1_metadata());
  auto read = read_tflite_metadata(file);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_TRUE(read->has_value());
  const ir::ModelMetadata& m = **read;
  EXPECT_EQ(m.name, "tiny");
  EXPECT_EQ(m.description, "three classes");
  EXPECT_EQ(m.version, "2");
  EXPECT_EQ(m.author, "tests");
  EXPECT_EQ(m.license, "MIT");
  EXPECT_EQ(m.min_parser_version, "1.0.0");
  EXPECT_EQ(m.labels, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  ASSERT_TRUE(m.image && m.image->normalization);
  EXPECT_EQ(m.image->width, 8);
  EXPECT_EQ(m.image->height, 8);
  EXPECT_EQ(m.image->normalization->mean[2], 127.5f);
  EXPECT_EQ(m.image->normalization->std[0], 127.5f);
  // The importer carries it on the model.
  auto model = import_tflite_bytes(file);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->metadata.labels, m.labels);
}

TEST(TfliteMetadataReader, NoMetadataIsNotAnError) {
  auto bytes = export_tflite(tiny_classifier(), TfliteExportOptions{.prepare_graph = false});
  ASSERT_TRUE(bytes.ok());
  auto read = read_tflite_metadata(*bytes);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->has_value());
}

TEST(TfliteMetadataReader, LabelCountMustBeTheClassCount) {
  ir::ModelMetadata m = pm1_metadata();
  m.labels.push_back("delta");
  TfliteExportOptions options;
  options.prepare_graph = false;
  options.metadata = m;
  auto bytes = export_tflite(tiny_classifier(), options);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("4 labels for output 'scores' with 3 classes"),
            std::string::npos)
      << bytes.status().message();
}

TEST(TfliteMetadataReader, DamagedLabelsAreReportedModelStillImports) {
  std::vector<uint8_t> file = export_with(pm1_metadata());
  // Flip a byte of "beta" inside the appended archive: the CRC check catches it.
  const std::string needle = "beta\n";
  auto it = std::search(file.rbegin(), file.rend(), needle.rbegin(), needle.rend());
  ASSERT_NE(it, file.rend());
  std::vector<uint8_t> flipped = file;
  flipped[file.size() - 1 - (it - file.rbegin())] ^= 0x20;
  auto read = read_tflite_metadata(flipped);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("CRC"), std::string::npos) << read.status().message();
  auto model = import_tflite_bytes(flipped);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_TRUE(model->metadata.empty());

  // The archive cut off: the labels file the metadata names is missing.
  std::vector<uint8_t> cut(file.begin(), file.end() - 10);
  read = read_tflite_metadata(cut);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("'labels.txt' is not in the zip archive"),
            std::string::npos)
      << read.status().message();
}

TEST(TfliteMetadataReader, ParserVersionFollowsTheFieldsPresent) {
  const std::vector<uint8_t> file = export_with(pm1_metadata());
  auto payload =
      build_tflite_metadata(pm1_metadata(), {"image", DType::kF32, {1, 8, 8, 3}, "scores", 3});
  ASSERT_TRUE(payload.ok());
  auto version =
      min_metadata_parser_version(payload->model_metadata.data(), payload->model_metadata.size());
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, "1.0.0");
  EXPECT_FALSE(min_metadata_parser_version(file.data(), file.size()).ok());  // not metadata
}

}  // namespace
}  // namespace mconv::tflite
