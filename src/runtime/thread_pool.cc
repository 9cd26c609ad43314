#include "runtime/thread_pool.h"

#include <algorithm>

namespace mconv::runtime {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int64_t, int64_t)>* job;
    int64_t count;
    int chunks;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
      count = job_count_;
      chunks = job_chunks_;
    }
    if (index < chunks) {
      auto [begin, end] = chunk_range(count, chunks, index);
      (*job)(begin, end);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::run_chunks(int64_t count, int chunks,
                            const std::function<void(int64_t, int64_t)>& fn) {
  chunks = static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(chunks, count), 1, threads()));
  if (chunks == 1) {
    fn(0, count);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_count_ = count;
    job_chunks_ = chunks;
    pending_ = chunks - 1;
    ++generation_;
  }
  wake_.notify_all();
  auto [begin, end] = chunk_range(count, chunks, 0);
  fn(begin, end);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  job_ = nullptr;
}

void parallel_for(const ExecContext& ctx, int64_t count, int64_t min_per_chunk,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  int chunks = 1;
  if (ctx.pool) {
    int64_t by_size = count / std::max<int64_t>(min_per_chunk, 1);
    chunks = static_cast<int>(std::clamp<int64_t>(by_size, 1, ctx.pool->threads()));
  }
  if (chunks == 1) {
    fn(0, count);
    return;
  }
  ctx.pool->run_chunks(count, chunks, fn);
}

}  // namespace mconv::runtime
