#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mconv::test {

std::string shared_dir() {
  if (const char* env = std::getenv("MCONV_SHARED_DIR")) return env;
  return MCONV_SHARED_DIR;
}
std::string shared_models_dir() {
  return shared_dir() + "/data/models";
}
std::string shared_images_dir() {
  return shared_dir() + "/data/images";
}
std::string binary_dir() {
  return MCONV_BINARY_DIR;
}
std::string mconv_binary() {
  return binary_dir() + "/mconv";
}
std::string source_dir() {
  return MCONV_SOURCE_DIR;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string make_temp_dir(const std::string& tag) {
  static int counter = 0;
  auto dir = std::filesystem::path(binary_dir()) / "test_tmp" /
             (tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string link_shared_photos(const std::string& dir, size_t n, bool with_labels) {
  namespace fs = std::filesystem;
  std::vector<fs::path> photos;
  for (const auto& e : fs::directory_iterator(shared_images_dir())) {
    const std::string ext = e.path().extension().string();
    if (ext == ".jpg" || ext == ".JPEG" || ext == ".jpeg" || ext == ".png")
      photos.push_back(e.path());
  }
  std::sort(photos.begin(), photos.end());
  fs::create_directories(dir);
  for (size_t i = 0; i < n && i < photos.size(); ++i)
    fs::create_symlink(photos[i], dir + "/" + photos[i].filename().string());
  if (with_labels) fs::create_symlink(shared_images_dir() + "/labels.csv", dir + "/labels.csv");
  return dir;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace mconv::test
