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
// worker that wakes late finds nothing to do. A worker that finishes a loop
// watches for the next one for a moment (kSpinTime) before it sleeps: an
// encoder runs ~10 short loops per layer, and a wake-up from sleep costs
// tens of microseconds each time; the caller waits the same way for the
// last chunks. The watch is bounded, so a busy machine loses little.
//
// Contract for host applications: one pool per process, started lazily on
// the first threaded loop. Loops from several threads at once share its
// workers fairly; set_num_threads caps each loop's threads. A child
// process made by fork() starts with a fresh pool of its own.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define BERTPP_HAS_PTHREAD_ATFORK 1
#else
#define BERTPP_HAS_PTHREAD_ATFORK 0
#endif

namespace bertpp {
namespace detail {

// How long an idle participant watches for work before it sleeps.
constexpr std::chrono::microseconds kSpinTime{100};

inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Calls ready() until it returns true or kSpinTime has passed; returns its
// last answer. The clock is read only every 64 calls.
template <typename Ready>
bool spin_until(Ready&& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    spin_pause();
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

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
  // task(chunk, participant): participant 0 is the caller, workers that join
  // the loop are 1..threads-1 (an index for per-thread scratch space).
  using Task = TaskRef;

  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->stop = true;
    }
    state_->wake.notify_all();
    for (std::thread& worker : state_->workers) worker.join();
    delete state_;
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
  // up to threads - 1 workers, and returns when all chunks are done. Loops
  // from several threads at once share the workers fairly: an idle worker
  // joins the running loop that has the fewest participants. A nested call
  // runs inline on its caller. The first exception a task throws is
  // rethrown here once every chunk has finished.
  void run(int chunks, int threads, const Task& task) {
    threads = std::min({threads, chunks, size()});
    if (threads <= 1 || in_task()) {
      run_inline(chunks, task);
      return;
    }
    auto job = std::make_shared<Job>(&task, chunks, threads);
    State& state = *state_;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      start_workers(state, size() - 1);
      state.active.push_back(job);
      state.posted.fetch_add(1, std::memory_order_release);
    }
    state.wake.notify_all();
    work(*job, 0);
    job->wait();
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      state.active.erase(std::find(state.active.begin(), state.active.end(), job));
    }
    // Take the exception out of the job: a worker may still hold the job and
    // drop it last, and the exception must then not be freed on that thread
    // while this one reads it.
    if (std::exception_ptr error = std::exchange(job->error, nullptr)) std::rethrow_exception(error);
  }

  // Workers started so far (they sleep when idle).
  int workers() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return static_cast<int>(state_->workers.size());
  }

 private:
  struct Job {
    Job(const Task* t, int n, int participants) : task(t), chunks(n), threads(participants) {}

    const Task* task;  // the caller's: read only for chunks claimed before `done` reaches `chunks`
    const int chunks, threads;
    int joined = 1;  // participants so far, the caller included (guarded by State::mutex)
    std::atomic<int> next{0}, done{0};
    std::exception_ptr error;
    std::mutex mutex;  // guards `error` and the wait below
    std::condition_variable finished;

    bool open() const { return joined < threads && next.load(std::memory_order_relaxed) < chunks; }

    void wait() {
      if (spin_until([&] { return done.load(std::memory_order_acquire) == chunks; })) return;
      std::unique_lock<std::mutex> lock(mutex);
      finished.wait(lock, [&] { return done.load(std::memory_order_acquire) == chunks; });
    }
  };

  // Everything the workers share. After fork() the child has none of the
  // parent's workers and its mutexes may be held by threads that do not
  // exist there: the child abandons this state (leaks it, never touching
  // the dead threads) and starts from a new one.
  struct State {
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::vector<std::thread> workers;
    std::vector<std::shared_ptr<Job>> active;  // loops still taking workers
    std::atomic<std::uint64_t> posted{0};       // loops started so far (idle workers watch it)
    bool stop = false;
  };

  ThreadPool() : state_(new State) {
    set_size(0);
#if BERTPP_HAS_PTHREAD_ATFORK
    ::pthread_atfork(nullptr, nullptr, [] { instance().after_fork_in_child(); });
#endif
  }

  void after_fork_in_child() { state_ = new State; }  // the old one is deliberately leaked

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

  // Called with state.mutex held.
  void start_workers(State& state, int wanted) {
    while (static_cast<int>(state.workers.size()) < wanted)
      state.workers.emplace_back([&state] { worker_loop(state); });
  }

  // Called with state.mutex held: the open loop with the fewest participants.
  static std::shared_ptr<Job> pick(const State& state) {
    std::shared_ptr<Job> best;
    for (const auto& job : state.active)
      if (job->open() && (!best || job->joined < best->joined)) best = job;
    return best;
  }

  static void worker_loop(State& state) {
    std::uint64_t seen = 0;  // state.posted when this worker last looked for work
    for (bool watch = false;; watch = true) {
      std::shared_ptr<Job> job;  // shared: a late worker may still touch its counters
      int participant = 0;
      // After a loop, watch for the next one before sleeping.
      if (watch) spin_until([&] { return state.posted.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(state.mutex);
        state.wake.wait(lock, [&] { return state.stop || (job = pick(state)) != nullptr; });
        if (state.stop) return;
        participant = job->joined++;
        seen = state.posted.load(std::memory_order_relaxed);
      }
      work(*job, participant);
    }
  }

  std::atomic<int> size_{1};
  State* state_;
};

}  // namespace detail
}  // namespace bertpp
