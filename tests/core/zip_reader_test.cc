// The zip reader on archives appended after other bytes, as TFLite model metadata carries its
// associated files: offsets counted from the file's start (what mconv and the TFLite tools write)
// and from the archive's own start (what a plain `cat model archive.zip` gives) read the same.
#include "core/zip_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/zip_writer.h"

namespace mconv {
namespace {

std::vector<uint8_t> bytes_of(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::string text_of(std::span<const uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// 1000 bytes of "model" followed by an archive whose offsets start at `base_offset`.
std::vector<uint8_t> model_with_archive(uint64_t base_offset) {
  const std::vector<ZipMember> entries = {{"labels.txt", bytes_of("cat\ndog\n")},
                                          {"empty.txt", {}}};
  std::vector<uint8_t> file = bytes_of(std::string(1000, 'x'));
  auto zip = write_stored_zip(entries, base_offset);
  EXPECT_TRUE(zip.ok()) << zip.status().message();
  if (zip.ok()) file.insert(file.end(), zip->begin(), zip->end());
  return file;
}

TEST(ZipReader, ReadsAnArchiveAppendedWithEitherOffsetBase) {
  for (uint64_t base : {uint64_t{1000}, uint64_t{0}}) {
    const std::vector<uint8_t> file = model_with_archive(base);
    EXPECT_TRUE(ends_like_zip(file));
    EXPECT_FALSE(looks_like_zip(file));
    auto zip = ZipReader::open(file);
    ASSERT_TRUE(zip.ok()) << "base " << base << ": " << zip.status().message();
    ASSERT_EQ(zip->entries().size(), 2u);
    const ZipEntry* labels = zip->find("labels.txt");
    ASSERT_NE(labels, nullptr);
    EXPECT_EQ(text_of(zip->data(*labels)), "cat\ndog\n") << "base " << base;
    EXPECT_TRUE(zip->check_crc(*labels).ok());
    EXPECT_EQ(zip->data(*zip->find("empty.txt")).size(), 0u);
  }
}

TEST(ZipReader, NoEndRecordIsNoArchive) {
  const std::vector<uint8_t> file = model_with_archive(1000);
  const std::vector<uint8_t> cut(file.begin(), file.end() - 10);  // end record cut off
  EXPECT_FALSE(ends_like_zip(cut));
  auto zip = ZipReader::open(cut);
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("no end-of-central-directory record"), std::string::npos)
      << zip.status().message();
  EXPECT_FALSE(ends_like_zip(bytes_of(std::string(5000, 'x'))));
}

}  // namespace
}  // namespace mconv
