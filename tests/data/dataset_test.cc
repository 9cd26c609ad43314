// Image folders, labels.csv and batched (multi-threaded) loading, on the shared ImageNet sample
// and on small synthetic folders.
#include "data/dataset.h"

#include <filesystem>

#include "data/image_test_util.h"
#include "support/test_support.h"

namespace mconv {
namespace {

void write_text(const std::string& path, const std::string& text) {
  test::write_bytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

TEST(LabelsCsv, SharedFileHas500SortedEvenLabels) {
  const std::string path = test::shared_images_dir() + "/labels.csv";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto labels = read_labels_csv(path);
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 500u);
  EXPECT_EQ(labels->at("n01440764_tench.JPEG"), 0);
  EXPECT_EQ(labels->at("n01484850_great_white_shark.JPEG"), 2);
  // std::map iterates in file-name order: labels must come out 0, 2, 4, ..., 998.
  int expected = 0;
  for (const auto& [name, label] : *labels) {
    ASSERT_EQ(label, expected) << name;
    expected += 2;
  }
}

TEST(ImageFolder, SharedFolderListsAllImagesWithLabels) {
  const std::string dir = test::shared_images_dir();
  MCONV_REQUIRE_SHARED_FILE(dir + "/labels.csv");
  auto images = list_image_folder(dir);
  ASSERT_TRUE(images.ok()) << images.status().message();
  ASSERT_EQ(images->size(), 500u);  // labels.csv itself is not an image
  for (size_t i = 0; i < images->size(); ++i) {
    ASSERT_EQ((*images)[i].label, static_cast<int>(2 * i)) << (*images)[i].path;
    if (i > 0) ASSERT_LT((*images)[i - 1].path, (*images)[i].path);
  }
  EXPECT_EQ((*images)[0].path, dir + "/n01440764_tench.JPEG");

  auto calibration = select_images(*images, 0, 100);
  auto evaluation = select_images(*images, 100, std::nullopt);
  ASSERT_TRUE(calibration.ok() && evaluation.ok());
  EXPECT_EQ(calibration->size(), 100u);
  EXPECT_EQ(evaluation->size(), 400u);
  EXPECT_EQ(image_labels(*evaluation).front(), 200);
  EXPECT_FALSE(select_images(*images, 450, 100).ok());
  EXPECT_FALSE(select_images(*images, 501, std::nullopt).ok());
  EXPECT_TRUE(select_images(*images, 500, std::nullopt).ok());
}

TEST(ImageFolder, SyntheticFolderFiltersSortsAndLabels) {
  const std::string dir = test::make_temp_dir("folder");
  for (const char* name : {"b.png", "a.JPEG", "c.jpg", "B2.jpeg", "notes.txt", "d.gif"}) {
    write_text(dir + "/" + name, "x");
  }
  std::filesystem::create_directory(dir + "/sub.jpg");  // a directory, not an image
  write_text(dir + "/labels.csv",
             "file,label\r\n\"a.JPEG\",7\r\nimages/b.png,extra,3\r\n\r\nmissing.jpg,9\r\n");
  auto images = list_image_folder(dir);
  ASSERT_TRUE(images.ok()) << images.status().message();
  std::vector<std::string> names;
  for (const auto& image : *images) {
    names.push_back(std::filesystem::path(image.path).filename().string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"B2.jpeg", "a.JPEG", "b.png", "c.jpg"}));
  EXPECT_EQ(image_labels(*images), (std::vector<int>{-1, 7, 3, -1}));
}

TEST(LabelsCsv, ErrorsNameFileAndLine) {
  const std::string dir = test::make_temp_dir("labels");
  write_text(dir + "/bad_label.csv", "filename,label\na.jpg,1\nb.jpg,one\n");
  auto bad = read_labels_csv(dir + "/bad_label.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            dir + "/bad_label.csv:3: label 'one' is not a non-negative integer");

  write_text(dir + "/dup.csv", "a.jpg,1\na.jpg,2\n");
  auto dup = read_labels_csv(dir + "/dup.csv");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), dir + "/dup.csv:2: 'a.jpg' is listed twice");

  write_text(dir + "/nocomma.csv", "a.jpg 1\n");
  EXPECT_FALSE(read_labels_csv(dir + "/nocomma.csv").ok());
  write_text(dir + "/negative.csv", "a.jpg,0\nb.jpg,-3\n");
  EXPECT_FALSE(read_labels_csv(dir + "/negative.csv").ok());

  write_text(dir + "/noheader.csv", "a.jpg,5");  // no trailing newline, no header
  auto plain = read_labels_csv(dir + "/noheader.csv");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->at("a.jpg"), 5);
}

TEST(ImageBatch, ThreadedLoadEqualsSequentialAndSingleImages) {
  const std::string dir = test::shared_images_dir();
  MCONV_REQUIRE_SHARED_FILE(dir + "/labels.csv");
  auto all = list_image_folder(dir);
  ASSERT_TRUE(all.ok()) << all.status().message();
  // 6 images starting at index 40, a mix of sizes; include a greyscale one.
  auto some = select_images(*all, 40, 6);
  ASSERT_TRUE(some.ok());
  some->push_back({dir + "/n02815834_beaker.JPEG", -1});
  const Preprocess preprocess = make_preprocess(PreprocessPreset::kTorch, ImageLayout::kNCHW);

  auto sequential = load_image_batch(*some, preprocess, 1);
  auto threaded = load_image_batch(*some, preprocess, 3);
  ASSERT_TRUE(sequential.ok()) << sequential.status().message();
  ASSERT_TRUE(threaded.ok()) << threaded.status().message();
  ASSERT_EQ(sequential->shape(), (std::vector<int64_t>{7, 3, 224, 224}));
  EXPECT_EQ(sequential->bytes(), threaded->bytes());

  const size_t item_bytes = size_t(3) * 224 * 224 * sizeof(float);
  for (size_t i = 0; i < some->size(); ++i) {
    auto single = load_image_tensor((*some)[i].path, preprocess);
    ASSERT_TRUE(single.ok()) << single.status().message();
    ASSERT_EQ(0, std::memcmp(single->raw(), sequential->raw() + i * item_bytes, item_bytes))
        << (*some)[i].path;
  }
}

TEST(ImageBatch, FirstFailingImageInListOrderIsReported) {
  const std::string dir = test::make_temp_dir("batch_errors");
  test::PngSpec spec{.width = 8, .height = 8};
  spec.rows.assign(8, std::vector<uint8_t>(24, 128));
  ASSERT_TRUE(test::write_png_file(dir + "/ok.png", spec));
  write_text(dir + "/bad1.png", "not a png");
  write_text(dir + "/bad2.jpg", "\xff\xd8\xff garbage");
  const std::vector<std::string> paths = {dir + "/ok.png", dir + "/bad1.png", dir + "/ok.png",
                                          dir + "/bad2.jpg"};
  const Preprocess preprocess = make_preprocess(PreprocessPreset::kUnit, ImageLayout::kNHWC, 8);
  for (int threads : {1, 2, 4}) {
    auto batch = load_image_batch(paths, preprocess, threads);
    ASSERT_FALSE(batch.ok());
    EXPECT_EQ(batch.status().message().rfind(dir + "/bad1.png: ", 0), 0u)
        << batch.status().message();
  }
  auto good =
      load_image_batch(std::vector<std::string>{dir + "/ok.png", dir + "/ok.png"}, preprocess, 2);
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->shape(), (std::vector<int64_t>{2, 8, 8, 3}));
  for (float v : good->to_f32()) ASSERT_EQ(v, 128.0f / 255.0f);
  auto empty = load_image_batch(std::vector<std::string>{}, preprocess, 2);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->shape(), (std::vector<int64_t>{0, 8, 8, 3}));
}

}  // namespace
}  // namespace mconv
