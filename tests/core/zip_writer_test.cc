// The zip writer's archives as Info-ZIP's unzip sees them (names, contents, CRCs checked by
// `unzip -t`), appended after other bytes the way model metadata is, and its refusals.
#include "core/zip_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/file_io.h"
#include "support/test_support.h"

namespace mconv {
namespace {

std::vector<uint8_t> bytes_of(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

TEST(ZipWriter, Crc32OfKnownText) {
  // The check value of the CRC-32 used by zip and PNG.
  EXPECT_EQ(zip_crc32(bytes_of("123456789")), 0xCBF43926u);
  EXPECT_EQ(zip_crc32({}), 0u);
}

TEST(ZipWriter, AppendedArchiveListsAndTestsCleanWithUnzip) {
  const std::vector<ZipMember> entries = {{"labels.txt", bytes_of("cat\ndog\n")},
                                          {"empty.txt", {}},
                                          {"dir/notes.txt", bytes_of("stored, not deflated")}};
  std::vector<uint8_t> file = bytes_of(std::string(1000, 'x'));  // a "model" before the archive
  auto zip = write_stored_zip(entries, file.size());
  ASSERT_TRUE(zip.ok()) << zip.status().message();
  file.insert(file.end(), zip->begin(), zip->end());
  const std::string path = test::make_temp_dir("zip_writer") + "/model.bin";
  ASSERT_TRUE(write_file_atomic(path, file).ok());

  const auto list = test::run_command("unzip -Z1 '" + path + "'");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.output, "labels.txt\nempty.txt\ndir/notes.txt\n");
  const auto check = test::run_command("unzip -tq '" + path + "'");
  EXPECT_EQ(check.exit_code, 0) << check.output;  // CRCs and offsets agree, no prefix warning
  const auto text = test::run_command("unzip -p '" + path + "' labels.txt");
  EXPECT_EQ(text.output, "cat\ndog\n");
  const auto method = test::run_command("unzip -Zv '" + path + "'");
  EXPECT_NE(method.output.find("compression method:                             none (stored)"),
            std::string::npos)
      << method.output;
}

TEST(ZipWriter, SameEntriesSameBytes) {
  const std::vector<ZipMember> entries = {{"a", bytes_of("1")}, {"b", bytes_of("22")}};
  EXPECT_EQ(*write_stored_zip(entries, 7), *write_stored_zip(entries, 7));
}

TEST(ZipWriter, RefusesBadNames) {
  EXPECT_FALSE(write_stored_zip({{"", bytes_of("x")}}).ok());
  auto dup = write_stored_zip({{"a", {}}, {"a", {}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate entry 'a'"), std::string::npos);
}

}  // namespace
}  // namespace mconv
