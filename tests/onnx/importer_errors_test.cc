// Bad input: every malformed, hostile or unsupported file gives a one-line error that names the
// file (and the node and op when one is at fault); nothing crashes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "core/file_io.h"
#include "onnx_test_util.h"
#include "support/test_support.h"

namespace mconv::onnx::test {
namespace {

void expect_one_line_error(const Expected<ir::Model>& m, const std::string& must_contain) {
  ASSERT_FALSE(m.ok()) << "import unexpectedly succeeded";
  const std::string msg = m.status().message();
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find(must_contain), std::string::npos) << "message: " << msg;
}

// Writes `bytes` as <tempdir>/<name> and returns the path.
std::string write_temp(const std::string& dir, const std::string& name,
                       const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  EXPECT_TRUE(write_file_atomic(path, bytes).ok());
  return path;
}

std::vector<uint8_t> tiny_model() {
  ModelBuilder b(13);
  b.input("x", {int64_t{1}, int64_t{2}, int64_t{4}, int64_t{4}});
  b.weight("w", {2, 2, 3, 3}, 1);
  attr(b.node("Conv", {"x", "w"}, {"c"}, "conv"), "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c"}, {"y"}, "relu");
  b.output("y");
  return b.bytes();
}

TEST(ImporterErrors, EmptyFile) {
  const std::string dir = mconv::test::make_temp_dir("onnx_bad_empty");
  const std::string path = write_temp(dir, "empty.onnx", {});
  expect_one_line_error(import_onnx_file(path), path + ": file is empty");
}

TEST(ImporterErrors, MissingFile) {
  expect_one_line_error(import_onnx_file("/nonexistent/model.onnx"), "/nonexistent/model.onnx");
}

TEST(ImporterErrors, TruncatedModels) {
  const std::string dir = mconv::test::make_temp_dir("onnx_bad_truncated");
  std::vector<uint8_t> bytes = tiny_model();
  // Every prefix of the tiny model either fails with a message naming the file or (for the rare
  // prefix that is itself a complete, valid model) imports; none may crash.
  int failures = 0;
  for (size_t len = 1; len < bytes.size(); ++len) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + len);
    auto m = import_onnx_bytes(prefix, dir, {false, false, "cut.onnx"});
    if (!m.ok()) {
      ++failures;
      EXPECT_EQ(m.status().message().rfind("cut.onnx: ", 0), 0u) << m.status().message();
      EXPECT_EQ(m.status().message().find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(failures, static_cast<int>(bytes.size()) * 9 / 10);

  // A real model cut in half, through a file.
  const std::string real = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op13.onnx";
  MCONV_REQUIRE_SHARED_FILE(real);
  auto full = read_file_bytes(real);
  ASSERT_TRUE(full.ok());
  std::vector<uint8_t> half(full->begin(), full->begin() + full->size() / 2);
  const std::string path = write_temp(dir, "half.onnx", half);
  expect_one_line_error(import_onnx_file(path), path + ": ");
}

TEST(ImporterErrors, RandomBytes) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> bytes(1 + rng() % 4096);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    auto m = import_onnx_bytes(bytes, "", {true, true, "random.onnx"});
    ASSERT_FALSE(m.ok()) << "trial " << trial;
    EXPECT_EQ(m.status().message().rfind("random.onnx: ", 0), 0u) << m.status().message();
    EXPECT_EQ(m.status().message().find('\n'), std::string::npos);
  }
}

TEST(ImporterErrors, TextFileIsNotAnOnnxModel) {
  const std::string dir = mconv::test::make_temp_dir("onnx_bad_text");
  const std::string text =
      "# mconv notes\nThis is a plain text file, not a protobuf.\nir_version: 8\n";
  const std::string path = write_temp(dir, "notes.onnx", {text.begin(), text.end()});
  expect_one_line_error(import_onnx_file(path), path + ": not an ONNX model");
}

TEST(ImporterErrors, UnknownOpNamesNodeAndOpType) {
  ModelBuilder b(13);
  b.input("x", {int64_t{4}});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Foo", {"r"}, {"y"}, "X");
  b.output("y");
  const std::string dir = mconv::test::make_temp_dir("onnx_bad_op");
  const std::string path = write_temp(dir, "model.onnx", b.bytes());
  auto m = import_onnx_file(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            path + ": node 'X' has op type 'Foo' that mconv does not support");

  ModelBuilder d(13);
  d.input("x", {int64_t{4}});
  d.node("FusedConv", {"x"}, {"y"}, "fused").set_domain("com.microsoft");
  d.output("y");
  expect_one_line_error(import_onnx_bytes(d.bytes(), "", {true, true, "ms.onnx"}),
                        "ms.onnx: node 'fused' has op type 'FusedConv' in domain 'com.microsoft'");
}

TEST(ImporterErrors, UnsupportedOpsets) {
  for (int opset : {7, 10, 19, 21}) {
    ModelBuilder b(opset);
    b.input("x", {int64_t{4}});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y");
    expect_one_line_error(
        import_onnx_bytes(b.bytes(), "", {true, true, "old.onnx"}),
        "old.onnx: opset " + std::to_string(opset) + " of the default domain is not supported");
  }
  ModelBuilder none(13);
  none.model().clear_opset_import();
  none.input("x", {int64_t{4}});
  none.output("x");
  expect_one_line_error(import_onnx_bytes(none.bytes(), "", {true, true, "m.onnx"}),
                        "no opset for the default ONNX domain");
}

// External data must stay inside the model's directory.
class ExternalDataErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = mconv::test::make_temp_dir("onnx_bad_external");
    dir_ = root_ + "/model";
    std::filesystem::create_directories(dir_);
    const std::vector<uint8_t> data(24, 0);
    ASSERT_TRUE(write_file_atomic(root_ + "/outside.bin", data).ok());
    ASSERT_TRUE(write_file_atomic(dir_ + "/inside.bin", data).ok());
  }

  // Imports a model whose initializer "w" ([2,3] float, 24 bytes) lives at `location`.
  Expected<ir::Model> import_with(const std::string& location, const char* offset = nullptr,
                                  const char* length = nullptr) {
    ModelBuilder b(13);
    b.input("x", {int64_t{2}, int64_t{3}});
    ::onnx::TensorProto* t = b.graph().add_initializer();
    t->set_name("w");
    t->set_data_type(::onnx::TensorProto::FLOAT);
    t->add_dims(2);
    t->add_dims(3);
    t->set_data_location(::onnx::TensorProto::EXTERNAL);
    auto kv = [&](const char* k, const std::string& v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    kv("location", location);
    if (offset) kv("offset", offset);
    if (length) kv("length", length);
    b.node("Add", {"x", "w"}, {"y"}, "add");
    b.output("y");
    path_ = write_temp(dir_, "model.onnx", b.bytes());
    return import_onnx_file(path_);
  }

  std::string root_, dir_, path_;
};

TEST_F(ExternalDataErrors, DotDotOutsideTheDirectory) {
  auto m = import_with("../outside.bin");
  expect_one_line_error(m,
                        ": initializer 'w': external data location '../outside.bin' contains '..'");
  EXPECT_EQ(m.status().message().rfind(path_, 0), 0u);
  expect_one_line_error(import_with("sub/../../outside.bin"), "contains '..'");
}

TEST_F(ExternalDataErrors, AbsolutePath) {
  expect_one_line_error(import_with(root_ + "/outside.bin"), "is an absolute path");
}

TEST_F(ExternalDataErrors, SymlinkResolvingOutside) {
  std::filesystem::create_symlink(root_ + "/outside.bin", dir_ + "/link.bin");
  expect_one_line_error(import_with("link.bin"), "resolves outside the model's directory");
  std::filesystem::create_directory_symlink(root_, dir_ + "/up");
  expect_one_line_error(import_with("up/outside.bin"), "resolves outside the model's directory");
  // A symlink that stays inside is fine.
  std::filesystem::create_symlink(dir_ + "/inside.bin", dir_ + "/inner_link.bin");
  auto ok = import_with("inner_link.bin");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

TEST_F(ExternalDataErrors, RangesPastTheEndOrMismatched) {
  EXPECT_TRUE(import_with("inside.bin").ok());
  expect_one_line_error(import_with("inside.bin", "25"), "offset 25 is past the end");
  expect_one_line_error(import_with("inside.bin", "8", "24"), "is past the end of 'inside.bin'");
  expect_one_line_error(import_with("inside.bin", "0", "20"),
                        "holds 20 bytes, the tensor needs 24");
  expect_one_line_error(import_with("inside.bin", "-1"), "offset '-1' is not a non-negative");
  expect_one_line_error(import_with("inside.bin", "0", "99999999999999999999"),
                        "is not a non-negative integer");
  expect_one_line_error(import_with("missing.bin"), "'missing.bin' not found");
  expect_one_line_error(import_with(""), "empty location");
  std::filesystem::create_directories(dir_ + "/adir");
  expect_one_line_error(import_with("adir"), "not a regular file");
}

TEST(ImporterErrors, MalformedGraphs) {
  struct Bad {
    const char* what;                         // case description
    std::function<void(ModelBuilder&)> edit;  // corrupts a valid model
    const char* expected;                     // substring of the error
  };
  const Bad cases[] = {
      {"undefined input", [](ModelBuilder& b) { b.node("Relu", {"nope"}, {"z"}, "bad"); },
       "node 'bad' (Relu): input 'nope' is not produced"},
      {"duplicate output", [](ModelBuilder& b) { b.node("Relu", {"x"}, {"y"}, "again"); },
       "produced by two nodes"},
      {"cycle",
       [](ModelBuilder& b) {
         b.node("Relu", {"c2"}, {"c1"}, "cyc1");
         b.node("Relu", {"c1"}, {"c2"}, "cyc2");
       },
       "cycle through node 'cyc1'"},
      {"output missing", [](ModelBuilder& b) { b.output("ghost"); },
       "graph output 'ghost' is not produced"},
      {"raw_data size",
       [](ModelBuilder& b) {
         auto& t = b.initializer("bad_w", random_tensor({2, 3}, 1));
         t.set_raw_data(t.raw_data().substr(0, 10));
       },
       "initializer 'bad_w': raw_data has 10 bytes"},
      {"typed count",
       [](ModelBuilder& b) {
         ::onnx::TensorProto* t = b.graph().add_initializer();
         t->set_name("short");
         t->set_data_type(::onnx::TensorProto::FLOAT);
         t->add_dims(1000000);
         t->add_float_data(1.0f);
       },
       "initializer 'short': float_data has 1 values"},
      {"element count overflow",
       [](ModelBuilder& b) {
         ::onnx::TensorProto* t = b.graph().add_initializer();
         t->set_name("huge");
         t->set_data_type(::onnx::TensorProto::FLOAT);
         for (int i = 0; i < 4; ++i) t->add_dims(int64_t{1} << 40);
       },
       "initializer 'huge': tensor has shape [1099511627776,1099511627776,1099511627776,"
       "1099511627776], over the limit"},
      {"huge shape without data",
       [](ModelBuilder& b) {
         ::onnx::TensorProto* t = b.graph().add_initializer();
         t->set_name("big");
         t->set_data_type(::onnx::TensorProto::FLOAT);
         t->add_dims(int64_t{1} << 40);
         t->set_raw_data("abcd");
       },
       "initializer 'big': tensor has shape [1099511627776], over the limit"},
      {"negative dim",
       [](ModelBuilder& b) {
         ::onnx::TensorProto* t = b.graph().add_initializer();
         t->set_name("neg");
         t->set_data_type(::onnx::TensorProto::FLOAT);
         t->add_dims(-3);
       },
       "initializer 'neg': tensor has a negative dimension -3"},
      {"string tensor",
       [](ModelBuilder& b) {
         ::onnx::TensorProto* t = b.graph().add_initializer();
         t->set_name("str");
         t->set_data_type(::onnx::TensorProto::STRING);
         t->add_string_data("hello");
       },
       "initializer 'str': element type STRING is not supported"},
      {"attribute type",
       [](ModelBuilder& b) { attr(b.node("Flatten", {"x"}, {"f"}, "flat"), "axis", 1.5f); },
       "node 'flat' (Flatten): attribute 'axis' has type FLOAT, expected INT"},
      {"duplicate attribute",
       [](ModelBuilder& b) {
         auto& n = b.node("Flatten", {"x"}, {"f"}, "flat2");
         attr(n, "axis", int64_t{1});
         attr(n, "axis", int64_t{2});
       },
       "node 'flat2' (Flatten): attribute 'axis' is given twice"},
      {"arity", [](ModelBuilder& b) { b.node("Add", {"x"}, {"a1"}, "add1"); },
       "node 'add1' (Add): has 1 inputs, expected 2"},
      {"conv 1d",
       [](ModelBuilder& b) {
         b.weight("w1d", {2, 2, 3}, 3);
         b.node("Conv", {"x", "w1d"}, {"c1d"}, "conv1d");
       },
       "node 'conv1d' (Conv): only 2-D windows are supported"},
      {"input of unsupported type",
       [](ModelBuilder& b) { b.input("d", {int64_t{2}}, ::onnx::TensorProto::DOUBLE); },
       "graph input 'd' has element type DOUBLE"},
      {"negative declared dim", [](ModelBuilder& b) { b.input("n", {int64_t{-2}}); },
       "graph input 'n' has negative dimension"},
      {"transpose perm",
       [](ModelBuilder& b) {
         attr(b.node("Transpose", {"x"}, {"t"}, "tr"), "perm", std::vector<int64_t>{0, 0, 1, 2});
       },
       "perm is not a permutation"},
      {"unnamed node", [](ModelBuilder& b) { b.node("Relu", {"missing"}, {"z"}).clear_name(); },
       "node #"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.what);
    ModelBuilder b(13);
    b.input("x", {int64_t{1}, int64_t{2}, int64_t{4}, int64_t{4}});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y");
    c.edit(b);
    expect_one_line_error(import_onnx_bytes(b.bytes(), "", {true, true, "bad.onnx"}),
                          std::string("bad.onnx: ") + "");
    expect_one_line_error(import_onnx_bytes(b.bytes(), "", {true, true, "bad.onnx"}), c.expected);
  }
}

TEST(ImporterErrors, HostileNamesStayOnOneLine) {
  ModelBuilder b(13);
  b.input("x", {int64_t{4}});
  b.node("Evil\nOp", {"x"}, {"y"}, "line1\nline2\r\x1b[31m");
  b.output("y");
  auto m = import_onnx_bytes(b.bytes(), "", {true, true, "evil.onnx"});
  expect_one_line_error(m, "evil.onnx: node 'line1?line2??[31m' has op type 'Evil?Op'");

  // Valid models with such names import, with control characters replaced in IR names.
  ModelBuilder ok(13);
  ok.input("in\nput", {int64_t{4}});
  ok.node("Relu", {"in\nput"}, {"out\tput"}, "re\nlu");
  ok.output("out\tput");
  auto imported = import_onnx_bytes(ok.bytes(), "");
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->graph.inputs[0]->name, "in_put");
  EXPECT_EQ(imported->graph.outputs[0]->name, "out_put");
  EXPECT_EQ(imported->graph.nodes()[0]->name, "re_lu");
}

}  // namespace
}  // namespace mconv::onnx::test
