// `mconv convert SRC -o DIR --calib FOLDER` without --val: the INT8 variant is verified on the
// folder's images NOT used for calibration (never on seeded noise), passes for a sound int8
// file, and the report states the real number of calibration images.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/cli_test_util.h"

namespace mconv::test {
namespace {

TEST(ConvertCalibOnly, VerifiesOnHeldOutImagesAndPasses) {
  const std::string src = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(src);
  const std::string photos = link_shared_photos(make_temp_dir("cli_calib_only") + "/photos", 40);
  const std::string out = make_temp_dir("cli_calib_only_out") + "/out";
  auto r = run_mconv("convert " + shell_quote(src) + " -o " + shell_quote(out) + " --calib " +
                     shell_quote(photos) +
                     " --calib-count 16 --formats tflite --precisions int8 --litert-sample 8");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string md = read_text_file(out + "/report.md");
  // 24 held-out photos (16..39), not seeded random inputs.
  EXPECT_NE(md.find("24 images from " + photos + " (images 16..39"), std::string::npos) << md;
  EXPECT_EQ(md.find("seeded standard-normal"), std::string::npos) << md;
  EXPECT_NE(md.find("first 16 images"), std::string::npos) << md;
  EXPECT_NE(md.find("| PASS |"), std::string::npos) << md;
}

TEST(ConvertCalibOnly, SmallFolderReportsItsRealCountAndVerifiesOnTheCalibrationImages) {
  const std::string src = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(src);
  const std::string photos = link_shared_photos(make_temp_dir("cli_calib_small") + "/photos", 12);
  const std::string out = make_temp_dir("cli_calib_small_out") + "/out";
  // --calib-count defaults to more images than the folder holds: all 12 calibrate, none is left,
  // so the 12 calibration images verify.
  auto r = run_mconv("convert " + shell_quote(src) + " -o " + shell_quote(out) + " --calib " +
                     shell_quote(photos) + " --formats tflite --precisions int8 --litert-sample 0");
  const std::string md = read_text_file(out + "/report.md");
  EXPECT_NE(md.find("first 12 images"), std::string::npos) << md << r.output;
  EXPECT_NE(md.find("12 images from " + photos + " (images 0..11"), std::string::npos) << md;
}

}  // namespace
}  // namespace mconv::test
