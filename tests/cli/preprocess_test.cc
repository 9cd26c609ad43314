#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli_test_util.h"
#include "core/npy.h"

namespace mconv::test {
namespace {

// A folder with two real images and a labels.csv, copied from the shared set.
std::string small_image_folder(const std::string& name) {
  const std::string dir = make_temp_dir(name);
  std::vector<std::filesystem::path> images;
  for (const auto& e : std::filesystem::directory_iterator(shared_images_dir()))
    if (e.path().extension() == ".JPEG" || e.path().extension() == ".jpg")
      images.push_back(e.path());
  std::sort(images.begin(), images.end());
  EXPECT_GE(images.size(), 2u);
  std::string csv = "filename,label\n";
  for (size_t i = 0; i < 2 && i < images.size(); ++i) {
    std::filesystem::copy_file(images[i], dir + "/" + images[i].filename().string());
    csv += images[i].filename().string() + "," + std::to_string(i) + "\n";
  }
  std::ofstream(dir + "/labels.csv") << csv;
  return dir;
}

TEST(CliPreprocess, WritesBatchAndLabels) {
  MCONV_REQUIRE_SHARED_FILE(shared_images_dir() + "/labels.csv");
  const std::string dir = small_image_folder("cli_pre_ok");
  const std::string out = make_temp_dir("cli_pre_ok_out");
  auto r = run_mconv("preprocess " + shell_quote(dir) + " -o " + shell_quote(out + "/x.npy") +
                     " --labels-out " + shell_quote(out + "/y.npy") + " --layout nhwc");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto x = read_npy(out + "/x.npy");
  auto y = read_npy(out + "/y.npy");
  ASSERT_TRUE(x.ok() && y.ok()) << r.output;
  EXPECT_EQ(x->shape(), (std::vector<int64_t>{2, 224, 224, 3}));
  EXPECT_EQ(y->to_i64(), (std::vector<int64_t>{0, 1}));
}

TEST(CliPreprocess, NeverOverwritesItsInputsAndRefusesEmptyFolders) {
  MCONV_REQUIRE_SHARED_FILE(shared_images_dir() + "/labels.csv");
  const std::string dir = small_image_folder("cli_pre_refuse");
  std::vector<std::filesystem::path> before;
  for (const auto& e : std::filesystem::directory_iterator(dir)) before.push_back(e.path());
  std::sort(before.begin(), before.end());
  const std::string image =
      (before.front().extension() == ".csv" ? before.back() : before.front()).string();
  const auto image_size = std::filesystem::file_size(image);
  struct Case {
    std::string args;    // arguments after the folder
    int exit_code;       // 1 for refused files, 2 for usage errors
    std::string reason;  // part of the expected message
  };
  const std::vector<Case> cases = {
      {"-o " + shell_quote(image), 1, "is one of the input images"},
      {"-o " + shell_quote(dir + "/./labels.csv"), 1, "labels.csv"},
      {"-o " + shell_quote(dir + "/x.npy") + " --labels-out " + shell_quote(dir + "/labels.csv"), 1,
       "labels.csv"},
      {"-o " + shell_quote(dir + "/x.npy") + " --labels-out " + shell_quote(dir + "/sub/../x.npy"),
       2, "same file"},
  };
  for (const auto& c : cases) {
    auto r = run_mconv("preprocess " + shell_quote(dir) + " " + c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << ": " << r.output;
    auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), 1u) << r.output;
    EXPECT_NE(lines[0].find(c.reason), std::string::npos) << lines[0];
  }
  std::vector<std::filesystem::path> after;
  for (const auto& e : std::filesystem::directory_iterator(dir)) after.push_back(e.path());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, before) << "a refused run wrote into the image folder";
  EXPECT_EQ(std::filesystem::file_size(image), image_size);

  const std::string empty = make_temp_dir("cli_pre_empty");
  auto r = run_mconv("preprocess " + shell_quote(empty) + " -o " + shell_quote(empty + "/x.npy"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no JPEG or PNG images"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(empty + "/x.npy"));
}

}  // namespace
}  // namespace mconv::test
