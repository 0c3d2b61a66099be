// Dynamic batching. HTTP threads put jobs in a bounded queue and wait; one
// compute thread takes the oldest job and merges the queued jobs of the same
// kind behind it (up to a token budget, waiting at most `max_wait` for more)
// into one model call, then hands each job its own rows of the result.
#pragma once

#include "metrics.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bertpp_server {

using Clock = std::chrono::steady_clock;

struct Job;

// How the jobs of one kind run. `run` gets jobs of this kind only and fills
// each job's result; it may throw (then every job is retried alone, so one
// bad input fails only its own request).
struct JobKind {
  virtual ~JobKind() = default;
  virtual void run(const std::vector<Job*>& jobs) const = 0;
  virtual bool mergeable() const { return true; }
};

struct Job {
  virtual ~Job() = default;
  const JobKind* kind = nullptr;
  std::size_t inputs = 1;  // texts or pairs
  std::size_t tokens = 0;  // counted against the batch token budget
  Clock::time_point deadline = Clock::time_point::max();
  std::atomic<bool> abandoned{false};  // the client is gone or its deadline passed

  std::exception_ptr error;  // set instead of a result when the job failed

  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    cv_.notify_all();
  }
  // True once finished; false when `until` came first.
  bool wait_until(Clock::time_point until) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_until(lock, until, [&] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

struct BatchLimits {
  bool enabled = true;                   // false: one request per model call
  std::size_t max_batch_tokens = 16384;  // tokens in one merged call
  std::size_t max_batch_requests = 256;  // requests in one merged call
  std::chrono::microseconds max_wait{0}; // how long the first job may wait for company
  std::size_t max_queue = 256;           // queued jobs before 429
};

class Batcher {
 public:
  enum class Admission { Accepted, QueueFull, ShuttingDown };

  Batcher(BatchLimits limits, Metrics& metrics) : limits_(limits), metrics_(metrics) {
    worker_ = std::thread([this] { loop(); });
  }
  ~Batcher() { stop(); }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  Admission submit(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return Admission::ShuttingDown;
      if (queue_.size() >= limits_.max_queue) return Admission::QueueFull;
      queue_.push_back(job);
      metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
    }
    cv_.notify_one();
    return Admission::Accepted;
  }

  // Runs what is queued, then ends the compute thread.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  const BatchLimits& limits() const { return limits_; }

 private:
  // Takes the next batch off the queue: the oldest live job and the queued
  // jobs of its kind that fit the budget. Empty when stopping with no work.
  std::vector<std::shared_ptr<Job>> next_batch() {
    std::unique_lock<std::mutex> lock(mutex_);
    std::vector<std::shared_ptr<Job>> batch;
    std::size_t tokens = 0;
    Clock::time_point wait_end{};
    for (;;) {
      drop_abandoned();
      if (batch.empty()) {
        if (queue_.empty()) {
          if (stopping_) return batch;
          cv_.wait(lock);
          continue;
        }
        batch.push_back(queue_.front());
        queue_.pop_front();
        tokens = batch.back()->tokens;
        wait_end = Clock::now() + limits_.max_wait;
        if (!limits_.enabled || !batch.back()->kind->mergeable()) break;
      }
      // Merge queued jobs of the same kind, oldest first, while they fit.
      for (auto it = queue_.begin(); it != queue_.end() && !full(batch.size(), tokens);) {
        const std::shared_ptr<Job>& job = *it;
        if (job->kind == batch.front()->kind &&
            tokens + job->tokens <= limits_.max_batch_tokens) {
          tokens += job->tokens;
          batch.push_back(job);
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
      if (full(batch.size(), tokens) || stopping_ || Clock::now() >= wait_end) break;
      cv_.wait_until(lock, wait_end);
    }
    metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
    return batch;
  }

  bool full(std::size_t requests, std::size_t tokens) const {
    return requests >= limits_.max_batch_requests || tokens >= limits_.max_batch_tokens;
  }

  void drop_abandoned() {
    const auto before = queue_.size();
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                [](const std::shared_ptr<Job>& job) {
                                  return job->abandoned.load();
                                }),
                 queue_.end());
    metrics_.abandoned += before - queue_.size();
  }

  void loop() {
    for (;;) {
      std::vector<std::shared_ptr<Job>> batch = next_batch();
      if (batch.empty()) return;
      // A job abandoned while the batch formed costs nothing either.
      std::vector<Job*> live;
      for (const auto& job : batch) {
        if (job->abandoned) {
          ++metrics_.abandoned;
          job->finish();
        } else {
          live.push_back(job.get());
        }
      }
      if (live.empty()) continue;
      run(live);
      for (Job* job : live) job->finish();
    }
  }

  void run(const std::vector<Job*>& jobs) {
    std::size_t inputs = 0, tokens = 0;
    for (const Job* job : jobs) {
      inputs += job->inputs;
      tokens += job->tokens;
    }
    try {
      jobs.front()->kind->run(jobs);
      metrics_.record_batch(jobs.size(), inputs, tokens);
      return;
    } catch (...) {
      if (jobs.size() == 1) {
        jobs.front()->error = std::current_exception();
        return;
      }
    }
    for (Job* job : jobs) run({job});  // find the job that failed; the others still succeed
  }

  BatchLimits limits_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace bertpp_server
