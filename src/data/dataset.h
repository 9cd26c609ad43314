// A folder of images as a labelled dataset, and batched loading into one tensor.
//
// Folder: every *.jpg / *.jpeg / *.png (any letter case) directly inside, sorted by file name
// (byte order, like Python's sorted()). Optional `labels.csv` beside them: one line per image,
// `filename,...,label` where the first column is the file name and the last the integer class;
// a header line is allowed. Images the CSV does not mention get label -1.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "data/preprocess.h"

namespace mconv {

struct LabeledImage {
  std::string path;  // full path of the image file
  int label = -1;    // class index from labels.csv, or -1 when unknown
};

// Parses a labels file into file name -> label. Errors name the file and line.
Expected<std::map<std::string, int>> read_labels_csv(const std::string& path);

// Lists the images of `dir`, attaching labels from `dir`/labels.csv when it exists.
Expected<std::vector<LabeledImage>> list_image_folder(const std::string& dir);

// Items [offset, offset + count) (count unset: to the end). Fails when the range does not fit, so
// a "first 100 for calibration, next 400 for evaluation" split cannot silently come up short.
Expected<std::vector<LabeledImage>> select_images(const std::vector<LabeledImage>& images,
                                                  size_t offset, std::optional<size_t> count);

// The labels of `images`, in order.
std::vector<int> image_labels(const std::vector<LabeledImage>& images);

// Decodes and preprocesses every image into one tensor [N,...] (see preprocess_batch_shape),
// on `threads` threads (0: one per hardware thread). The first failing image (in list order)
// gives the error.
Expected<Tensor> load_image_batch(const std::vector<LabeledImage>& images,
                                  const Preprocess& preprocess, int threads = 1);
// The same over paths.
Expected<Tensor> load_image_batch(const std::vector<std::string>& paths,
                                  const Preprocess& preprocess, int threads = 1);

}  // namespace mconv
