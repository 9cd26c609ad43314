// ONNX external data may only come from a file inside the model's own directory: absolute paths,
// '..' components and symlinks (to files or directories) leading out are refused, and so are
// offset/length ranges past the end of the data file. Checked through `mconv convert`.
#include <unistd.h>

#include <filesystem>

#include "hardening_util.h"
#include "onnx/onnx_test_util.h"

namespace mconv::hardening {
namespace {

namespace fs = std::filesystem;
using onnx::test::ModelBuilder;

class ExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = test::make_temp_dir("hardening_external");
    model_dir_ = root_ + "/model";
    outside_ = root_ + "/outside";
    fs::create_directories(model_dir_);
    fs::create_directories(outside_);
    const Tensor secret = Tensor::FromVector<float>(DType::kF32, {4}, {1, 2, 3, 4});
    ASSERT_TRUE(write_file_atomic(outside_ + "/secret.bin", secret.bytes()).ok());
    ASSERT_TRUE(write_file_atomic(model_dir_ + "/weights.bin", secret.bytes()).ok());
  }

  // x[1,4] + b -> y with b[4] f32 read from `location` at offset/length ("" = not given).
  std::string model(const std::string& location, const std::string& offset = "",
                    const std::string& length = "") {
    ModelBuilder b(13);
    b.input("x", {int64_t{1}, int64_t{4}});
    ::onnx::TensorProto* t = b.graph().add_initializer();
    t->set_name("b");
    t->set_data_type(::onnx::TensorProto::FLOAT);
    t->add_dims(4);
    t->set_data_location(::onnx::TensorProto::EXTERNAL);
    auto entry = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      auto* e = t->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    entry("location", location);
    entry("offset", offset);
    entry("length", length);
    b.node("Add", {"x", "b"}, {"y"}, "add");
    b.output("y");
    return write_model(model_dir_, "model" + std::to_string(++count_) + ".onnx", b.bytes());
  }

  std::string root_, model_dir_, outside_;
  int count_ = 0;
};

TEST_F(ExternalData, FileInsideTheModelDirectoryLoads) {
  const ConvertRun run = run_convert(model("weights.bin"), "out.tflite");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(run.output_exists);
  // A symlink that stays inside the directory is fine too.
  fs::create_symlink("weights.bin", model_dir_ + "/alias.bin");
  const ConvertRun alias = run_convert(model("alias.bin"), "out.tflite");
  EXPECT_EQ(alias.exit_code, 0) << alias.output;
}

TEST_F(ExternalData, AbsolutePathIsRefused) {
  for (const std::string& location : {outside_ + "/secret.bin", std::string("/etc/passwd")}) {
    const std::string path = model(location);
    EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "is an absolute path");
  }
}

TEST_F(ExternalData, DotDotIsRefused) {
  for (const char* location : {"../outside/secret.bin", "sub/../../outside/secret.bin",
                               "..\\outside\\secret.bin", "./../outside/secret.bin"}) {
    const std::string path = model(location);
    EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "contains '..'");
  }
}

TEST_F(ExternalData, SymlinksLeadingOutAreRefused) {
  fs::create_symlink(outside_ + "/secret.bin", model_dir_ + "/link.bin");
  const std::string path = model("link.bin");
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "resolves outside the model's directory");
  // A symlinked directory leading out, and a link to /etc/passwd.
  fs::create_directory_symlink(outside_, model_dir_ + "/dir");
  const std::string path2 = model("dir/secret.bin");
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "resolves outside");
  fs::create_symlink("/etc/passwd", model_dir_ + "/passwd");
  const std::string path3 = model("passwd");
  EXPECT_REFUSED(run_convert(path3, "out.tflite"), path3, "resolves outside");
}

TEST_F(ExternalData, RangesPastTheEndAreRefused) {
  const std::string past_offset = model("weights.bin", "17");
  EXPECT_REFUSED(run_convert(past_offset, "out.tflite"), past_offset,
                 "offset 17 is past the end of 'weights.bin'");
  const std::string past_length = model("weights.bin", "8", "16");
  EXPECT_REFUSED(run_convert(past_length, "out.tflite"), past_length, "is past the end");
  const std::string huge = model("weights.bin", "18446744073709551615");
  EXPECT_REFUSED(run_convert(huge, "out.tflite"), huge, "offset");
  const std::string wrong = model("weights.bin", "0", "12");
  EXPECT_REFUSED(run_convert(wrong, "out.tflite"), wrong, "the tensor needs 16");
}

TEST_F(ExternalData, MissingOrSpecialFilesAreRefused) {
  const std::string missing = model("nothere.bin");
  EXPECT_REFUSED(run_convert(missing, "out.tflite"), missing, "not found");
  fs::create_directory(model_dir_ + "/adir");
  const std::string dir = model("adir");
  EXPECT_REFUSED(run_convert(dir, "out.tflite"), dir, "not a regular file");
}

}  // namespace
}  // namespace mconv::hardening
