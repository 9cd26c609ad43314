// The fork-join pool: every index is visited exactly once, chunks depend only on the thread
// count, and the pool survives many back-to-back jobs.
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace mconv::runtime {
namespace {

TEST(ThreadPool, ChunkRangesTileTheRange) {
  for (int64_t count : {1, 2, 7, 100, 101}) {
    for (int chunks : {1, 2, 3, 8}) {
      int64_t next = 0;
      for (int i = 0; i < chunks; ++i) {
        auto [begin, end] = chunk_range(count, chunks, i);
        EXPECT_EQ(begin, next);
        EXPECT_GE(end, begin);
        EXPECT_LE(end - begin, count / chunks + 1);
        next = end;
      }
      EXPECT_EQ(next, count);
    }
  }
}

TEST(ThreadPool, ParallelForVisitsEachIndexOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    ExecContext ctx;
    ctx.pool = threads > 1 ? &pool : nullptr;
    for (int job = 0; job < 200; ++job) {  // many jobs: wake-ups must never be lost
      const int64_t count = 1 + job % 37;
      std::vector<std::atomic<int>> hits(count);
      parallel_for(ctx, count, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) hits[i]++;
      });
      for (int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads " << threads;
    }
  }
}

TEST(ThreadPool, WorkersReallyTakeChunks) {
  ThreadPool pool(2);
  ExecContext ctx;
  ctx.pool = &pool;
  std::thread::id ids[2];
  parallel_for(ctx, 2, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ids[i] = std::this_thread::get_id();
  });
  EXPECT_EQ(ids[0], std::this_thread::get_id());  // the caller takes the first chunk
  EXPECT_NE(ids[1], ids[0]);
}

TEST(ThreadPool, SmallRangesStayOnTheCallingThread) {
  ThreadPool pool(4);
  ExecContext ctx;
  ctx.pool = &pool;
  int calls = 0;  // not atomic on purpose: a second thread would be a data race ASan/TSan flag
  parallel_for(ctx, 10, 100, [&](int64_t begin, int64_t end) {
    ++calls;
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 10);
  });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace mconv::runtime
