// Batched decode + preprocess into one tensor, optionally on several threads. Each worker takes
// the next unclaimed index and writes only that item's slice of the output, so no locking is
// needed beyond the shared counter.
#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "data/dataset.h"

namespace mconv {

Expected<Tensor> load_image_batch(const std::vector<std::string>& paths,
                                  const Preprocess& preprocess, int threads) {
  if (preprocess.dtype != DType::kF32 && preprocess.dtype != DType::kU8) {
    return Status::Error("preprocessing output must be f32 or u8");
  }
  MCONV_RETURN_IF_ERROR(
      check_image_dimensions(preprocess.crop_width, preprocess.crop_height, "preprocessing crop"));
  const int64_t n = static_cast<int64_t>(paths.size());
  const std::vector<int64_t> shape = preprocess_batch_shape(preprocess, n);
  const int64_t elements = shape_element_count(shape);
  // A batch is held in memory at once: refuse absurd requests with a message, not bad_alloc.
  constexpr int64_t kMaxBatchBytes = int64_t{8} << 30;
  if (elements < 0 ||
      elements > kMaxBatchBytes / static_cast<int64_t>(dtype_size(preprocess.dtype))) {
    return Status::Error("image batch " + shape_to_string(shape) + " is over the 8 GiB limit");
  }
  Tensor batch(preprocess.dtype, shape);
  if (n == 0) return batch;

  std::vector<Status> results(paths.size());
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next.fetch_add(1); i < paths.size(); i = next.fetch_add(1)) {
      try {
        auto image = load_image(paths[i]);
        results[i] = image.ok()
                         ? write_preprocessed(*image, preprocess, static_cast<int64_t>(i), &batch)
                               .with_context(paths[i])
                         : image.status();
      } catch (const std::exception& e) {  // e.g. bad_alloc in a resize: never escape a thread
        results[i] = Status::Error(paths[i] + ": " + e.what());
      }
    }
  };
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<int64_t>(threads, n));
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& thread : pool) thread.join();
  }
  for (const Status& status : results) MCONV_RETURN_IF_ERROR(status);
  return batch;
}

Expected<Tensor> load_image_batch(const std::vector<LabeledImage>& images,
                                  const Preprocess& preprocess, int threads) {
  std::vector<std::string> paths;
  paths.reserve(images.size());
  for (const LabeledImage& image : images) paths.push_back(image.path);
  return load_image_batch(paths, preprocess, threads);
}

}  // namespace mconv
