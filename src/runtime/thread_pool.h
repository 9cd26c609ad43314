// A minimal fork-join pool for intra-op parallelism: parallel_for splits a range into one
// contiguous chunk per thread, so the work each thread does depends only on the thread count
// (deterministic for a given `threads`).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/kernel.h"

namespace mconv::runtime {

class ThreadPool {
 public:
  // `threads` counts the calling thread: threads - 1 workers are started.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(begin, end) over `chunks` contiguous, non-empty pieces of [0, count), the calling
  // thread taking the first, and returns when all are done. chunks <= threads().
  void run_chunks(int64_t count, int chunks, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;                            // threads() - 1 helpers
  std::mutex mutex_;                                            // guards everything below
  std::condition_variable wake_;                                // signals a new job or shutdown
  std::condition_variable done_;                                // signals the last chunk finished
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;  // current job, null when idle
  int64_t job_count_ = 0;                                       // size of the current range
  int job_chunks_ = 0;                                          // chunks of the current job
  int pending_ = 0;                                             // worker chunks not finished yet
  uint64_t generation_ = 0;                                     // bumped for every job
  bool stopping_ = false;                                       // set by the destructor
};

// [begin, end) of chunk `index` when [0, count) is cut into `chunks` near-equal pieces.
inline std::pair<int64_t, int64_t> chunk_range(int64_t count, int chunks, int index) {
  const int64_t base = count / chunks, extra = count % chunks;
  const int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

// Runs fn over [0, count) on the context's pool, or inline without one. `min_per_chunk` keeps
// small ranges on one thread, where the fork-join overhead would dominate.
void parallel_for(const ExecContext& ctx, int64_t count, int64_t min_per_chunk,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace mconv::runtime
