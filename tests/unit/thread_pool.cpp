// The worker pool behind bertpp's parallel loops: every chunk runs exactly
// once, the caller takes part, nested loops run inline, concurrent loops
// share the workers, and a task's exception reaches the caller after all
// chunks are done.
#include <bertpp/detail/thread_pool.hpp>
#include <bertpp/runtime.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__unix__)
#include <sys/resource.h>
#endif

using bertpp::detail::ThreadPool;

TEST_CASE("every chunk runs exactly once, on participants 0..threads-1") {
  bertpp::set_num_threads(2);
  ThreadPool& pool = ThreadPool::instance();
  for (int round = 0; round < 200; ++round) {
    const int chunks = 1 + round % 17;
    std::vector<std::atomic<int>> runs(static_cast<std::size_t>(chunks));
    std::atomic<int> bad_participant{0};
    pool.run(chunks, 2, [&](int chunk, int participant) {
      runs[static_cast<std::size_t>(chunk)].fetch_add(1);
      if (participant < 0 || participant >= 2) bad_participant.fetch_add(1);
    });
    for (const auto& count : runs) REQUIRE(count.load() == 1);
    REQUIRE(bad_participant.load() == 0);
  }
}

TEST_CASE("the work is shared with a worker thread when there is enough of it") {
  bertpp::set_num_threads(2);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  for (int attempt = 0; attempt < 50 && seen.size() < 2; ++attempt)
    ThreadPool::instance().run(64, 2, [&](int, int) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
    });
  CHECK(seen.size() == 2);
  CHECK(seen.count(std::this_thread::get_id()) == 1);  // the caller took part
}

TEST_CASE("a loop inside a task runs inline instead of deadlocking") {
  bertpp::set_num_threads(2);
  // Catch2's assertions are not thread-safe: record on the workers, check here.
  std::atomic<int> inner{0}, not_in_task{0}, threaded_inner{0}, nested_on_worker{0};
  ThreadPool::instance().run(4, 2, [&](int, int) {
    if (!ThreadPool::in_task()) not_in_task.fetch_add(1);
    if (bertpp::detail::threads_for(1e12) != 1) threaded_inner.fetch_add(1);
    ThreadPool::instance().run(3, 2, [&](int, int participant) {
      if (participant != 0) nested_on_worker.fetch_add(1);
      inner.fetch_add(1);
    });
  });
  CHECK(inner.load() == 12);
  CHECK(not_in_task.load() == 0);
  CHECK(threaded_inner.load() == 0);
  CHECK(nested_on_worker.load() == 0);
  CHECK_FALSE(ThreadPool::in_task());
}

TEST_CASE("a task's exception is rethrown to the caller once every chunk has run") {
  bertpp::set_num_threads(2);
  std::atomic<int> finished{0};
  CHECK_THROWS_WITH(ThreadPool::instance().run(32, 2,
                                               [&](int chunk, int) {
                                                 if (chunk == 5) throw std::runtime_error("chunk 5 failed");
                                                 finished.fetch_add(1);
                                               }),
                    "chunk 5 failed");
  CHECK(finished.load() == 31);
  // The pool is usable afterwards.
  std::atomic<int> after{0};
  ThreadPool::instance().run(8, 2, [&](int, int) { after.fetch_add(1); });
  CHECK(after.load() == 8);
}

TEST_CASE("loops from several caller threads at once all complete") {
  bertpp::set_num_threads(2);
  std::vector<std::thread> callers;
  std::atomic<long> total{0};
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      for (int round = 0; round < 100; ++round)
        ThreadPool::instance().run(10, 2, [&](int chunk, int) { total.fetch_add(chunk + 1); });
    });
  for (std::thread& caller : callers) caller.join();
  CHECK(total.load() == 4L * 100 * 55);
}

namespace {
// Runs a loop whose every chunk waits (up to 5 s) until a second thread has
// joined it: true when one did. A loop left to its caller alone says false.
bool loop_gets_a_second_thread(int chunks) {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<bool> joined{false};
  ThreadPool::instance().run(chunks, 2, [&](int, int) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
      if (seen.size() >= 2) joined = true;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!joined && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  return joined;
}
}  // namespace

TEST_CASE("two loops running at once each get a worker (fair share, not inline)") {
  bertpp::set_num_threads(3);  // the caller and two workers
  std::atomic<int> served{0};
  std::thread other([&] { served.fetch_add(loop_gets_a_second_thread(4) ? 1 : 0); });
  served.fetch_add(loop_gets_a_second_thread(4) ? 1 : 0);
  other.join();
  CHECK(served.load() == 2);
  bertpp::set_num_threads(2);
}

#if defined(__unix__)
TEST_CASE("idle workers watch for the next loop only briefly, then sleep") {
  // The pool's workers may spin for kSpinTime (100 us) after a loop; over a
  // 300 ms pause they must not keep a core busy.
  bertpp::set_num_threads(4);
  std::atomic<int> workers_joined{0};
  for (int attempt = 0; attempt < 50 && workers_joined.load() == 0; ++attempt)
    ThreadPool::instance().run(64, 4, [&](int, int participant) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (participant > 0) workers_joined.fetch_add(1);
    });
  REQUIRE(workers_joined.load() > 0);
  const auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the watch
  const double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(cpu_seconds() - before < 0.05);
  bertpp::set_num_threads(2);
}
#endif
