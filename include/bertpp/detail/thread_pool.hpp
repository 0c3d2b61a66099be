// The worker threads behind bertpp's parallel loops: a process-wide pool
// that helps the calling thread, never replaces it.
//
// Why not OpenMP's fork-join: a parallel region ends at a barrier that waits
// for every thread of the team. When the machine is busy, a worker that the
// scheduler has not run yet holds everyone up, and spinning workers steal
// the cores they are waiting for (2 threads ran 2.5x slower than 1 on a
// loaded 2-core machine). Here the caller takes part: work is cut into more
// chunks than threads, every participant claims the next chunk until none is
// left, and the caller waits only for chunks already being computed. A
// worker that wakes late finds nothing to do. Idle workers sleep.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bertpp {
namespace detail {

// A non-owning reference to a callable task(chunk, participant): no
// allocation per parallel loop (std::function would allocate for lambdas
// capturing more than two references).
class TaskRef {
 public:
  template <typename Fn>
  TaskRef(const Fn& fn)  // NOLINT: implicit, like std::function
      : object_(&fn), call_([](const void* object, int chunk, int participant) {
          (*static_cast<const Fn*>(object))(chunk, participant);
        }) {}

  void operator()(int chunk, int participant) const { call_(object_, chunk, participant); }

 private:
  const void* object_;
  void (*call_)(const void*, int, int);
};

class ThreadPool {
 public:
  // task(chunk, participant): participant 0 is the caller, workers are
  // 1..threads-1 (an index for per-thread scratch space).
  using Task = TaskRef;

  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads a parallel loop may use, the caller included.
  int size() const { return size_.load(std::memory_order_relaxed); }
  // 0 or negative: one thread per core.
  void set_size(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    size_.store(std::max(1, threads), std::memory_order_relaxed);
  }

  // True on a thread that is running a task (nested loops run inline).
  static bool in_task() { return in_task_flag(); }

  // Runs task(c, participant) for every c in [0, chunks) on the caller and
  // up to threads - 1 workers, and returns when all chunks are done. A
  // nested call, or one made while another thread's loop holds the pool,
  // runs inline on its caller. The first exception a task throws is
  // rethrown here once every chunk has finished.
  void run(int chunks, int threads, const Task& task) {
    threads = std::min({threads, chunks, size()});
    if (threads <= 1 || in_task() || !busy_.try_lock()) {
      run_inline(chunks, task);
      return;
    }
    std::lock_guard<std::mutex> hold(busy_, std::adopt_lock);
    auto job = std::make_shared<Job>(&task, chunks, threads);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      start_workers(threads - 1);
      job_ = job;
      ++generation_;
    }
    wake_.notify_all();
    work(*job, 0);
    job->wait();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.reset();
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  struct Job {
    Job(const Task* t, int n, int participants) : task(t), chunks(n), threads(participants) {}

    const Task* task;  // the caller's: read only for chunks claimed before `done` reaches `chunks`
    const int chunks, threads;
    std::atomic<int> next{0}, done{0};
    std::exception_ptr error;
    std::mutex mutex;  // guards `error` and the wait below
    std::condition_variable finished;

    void wait() {
      for (int spin = 0; spin < 2000; ++spin)  // most chunks end within microseconds
        if (done.load(std::memory_order_acquire) == chunks) return;
      std::unique_lock<std::mutex> lock(mutex);
      finished.wait(lock, [&] { return done.load(std::memory_order_acquire) == chunks; });
    }
  };

  ThreadPool() { set_size(0); }

  static bool& in_task_flag() {
    thread_local bool flag = false;
    return flag;
  }

  static void run_inline(int chunks, const Task& task) {
    for (int c = 0; c < chunks; ++c) task(c, 0);
  }

  // Claims chunks until none is left.
  static void work(Job& job, int participant) {
    bool& flag = in_task_flag();
    flag = true;
    for (int c; (c = job.next.fetch_add(1, std::memory_order_relaxed)) < job.chunks;) {
      try {
        (*job.task)(c, participant);
      } catch (...) {
        std::lock_guard<std::mutex> lock(job.mutex);
        if (!job.error) job.error = std::current_exception();
      }
      if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.chunks) {
        std::lock_guard<std::mutex> lock(job.mutex);  // no lost wake-up between check and wait
        job.finished.notify_all();
      }
    }
    flag = false;
  }

  // Called with mutex_ held.
  void start_workers(int wanted) {
    while (static_cast<int>(workers_.size()) < wanted) {
      const int participant = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, participant] { worker_loop(participant); });
    }
  }

  void worker_loop(int participant) {
    std::uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        job = job_;  // shared: a late worker may still touch its counters
      }
      if (job && participant < job->threads) work(*job, participant);
    }
  }

  std::atomic<int> size_{1};
  std::mutex busy_;  // held by the one loop that owns the workers
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::shared_ptr<Job> job_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace detail
}  // namespace bertpp
