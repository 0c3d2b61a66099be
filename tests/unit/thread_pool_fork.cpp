// A child made by fork() while the pool has workers gets a pool of its own:
// its threaded loops run with real workers and do not hang. (Kept apart from
// the ThreadSanitizer tests: TSan stops a child that starts threads.)
#include <bertpp/detail/thread_pool.hpp>
#include <bertpp/runtime.hpp>

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using bertpp::detail::ThreadPool;

namespace {
// Distinct threads that ran a loop whose chunks wait (up to 3 s) for a
// second thread to join.
int threads_in_waiting_loop() {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<bool> joined{false};
  ThreadPool::instance().run(8, 2, [&](int, int) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
      if (seen.size() >= 2) joined = true;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!joined && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  return static_cast<int>(seen.size());
}
}  // namespace

TEST_CASE("after fork the child runs threaded loops on workers of its own") {
  bertpp::set_num_threads(2);
  REQUIRE(threads_in_waiting_loop() == 2);  // the parent's workers exist
  REQUIRE(ThreadPool::instance().workers() == 1);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    alarm(20);  // a hang becomes a failure, not a stuck test
    // 0: the child started a worker of its own and both loops completed.
    const int before = ThreadPool::instance().workers();
    const int first = threads_in_waiting_loop();
    const int second = threads_in_waiting_loop();
    _exit(before == 0 && first == 2 && second == 2 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(threads_in_waiting_loop() == 2);  // the parent's pool is untouched
}
