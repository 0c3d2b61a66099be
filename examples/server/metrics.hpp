// The server's counters in Prometheus' text exposition format (GET /metrics):
// requests by route and status, latency histograms, batch sizes, queue depth.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bertpp_server {

// A cumulative histogram with fixed upper bounds (Prometheus' `le`).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

  void observe(double value) {
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      if (value <= bounds_[i]) ++counts_[i];
    ++count_;
    sum_ += value;
  }

  // Lines for `name`, with extra labels (`route="/embed",`) in front of `le`.
  void write(std::ostream& out, const std::string& name, const std::string& labels) const {
    for (std::size_t i = 0; i < bounds_.size(); ++i)
      out << name << "_bucket{" << labels << "le=\"" << bounds_[i] << "\"} " << counts_[i] << '\n';
    out << name << "_bucket{" << labels << "le=\"+Inf\"} " << count_ << '\n';
    const std::string plain = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
    out << name << "_sum" << plain << ' ' << sum_ << '\n';
    out << name << "_count" << plain << ' ' << count_ << '\n';
  }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  // One answered request (every status, the server's own refusals included).
  void record_request(const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{route, status}];
    latency_.try_emplace(route, latency_bounds()).first->second.observe(seconds);
  }

  // One model call: how many requests and inputs it merged.
  void record_batch(std::size_t requests, std::size_t inputs, std::size_t tokens) {
    std::lock_guard<std::mutex> lock(mutex_);
    batch_requests_.observe(static_cast<double>(requests));
    batch_inputs_.observe(static_cast<double>(inputs));
    batch_tokens_.observe(static_cast<double>(tokens));
  }

  std::atomic<std::int64_t> queue_depth{0};
  std::atomic<std::uint64_t> rejected_full{0};   // 429: the queue was full
  std::atomic<std::uint64_t> abandoned{0};       // dropped before compute: client gone / deadline
  std::atomic<std::uint64_t> timed_out{0};       // answered 504: the deadline passed

  std::string render() const {
    std::ostringstream out;
    std::lock_guard<std::mutex> lock(mutex_);
    out << "# HELP bertpp_requests_total HTTP requests answered, by route and status.\n"
        << "# TYPE bertpp_requests_total counter\n";
    for (const auto& entry : requests_)
      out << "bertpp_requests_total{route=\"" << entry.first.first << "\",status=\""
          << entry.first.second << "\"} " << entry.second << '\n';
    out << "# HELP bertpp_request_duration_seconds Time from routing to the answer, by route.\n"
        << "# TYPE bertpp_request_duration_seconds histogram\n";
    for (const auto& entry : latency_)
      entry.second.write(out, "bertpp_request_duration_seconds", "route=\"" + entry.first + "\",");
    out << "# HELP bertpp_batch_requests Requests merged into one model call.\n"
        << "# TYPE bertpp_batch_requests histogram\n";
    batch_requests_.write(out, "bertpp_batch_requests", "");
    out << "# HELP bertpp_batch_inputs Texts (or pairs) in one model call.\n"
        << "# TYPE bertpp_batch_inputs histogram\n";
    batch_inputs_.write(out, "bertpp_batch_inputs", "");
    out << "# HELP bertpp_batch_tokens Tokens in one model call.\n"
        << "# TYPE bertpp_batch_tokens histogram\n";
    batch_tokens_.write(out, "bertpp_batch_tokens", "");
    out << "# HELP bertpp_queue_depth Requests waiting for the model.\n"
        << "# TYPE bertpp_queue_depth gauge\n"
        << "bertpp_queue_depth " << queue_depth.load() << '\n'
        << "# HELP bertpp_rejected_total Requests refused with 429 because the queue was full.\n"
        << "# TYPE bertpp_rejected_total counter\n"
        << "bertpp_rejected_total " << rejected_full.load() << '\n'
        << "# HELP bertpp_abandoned_total Queued requests dropped before compute (client gone or deadline).\n"
        << "# TYPE bertpp_abandoned_total counter\n"
        << "bertpp_abandoned_total " << abandoned.load() << '\n'
        << "# HELP bertpp_timeouts_total Requests answered 504 because their deadline passed.\n"
        << "# TYPE bertpp_timeouts_total counter\n"
        << "bertpp_timeouts_total " << timed_out.load() << '\n';
    return out.str();
  }

 private:
  static std::vector<double> latency_bounds() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  }
  static std::vector<double> size_bounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  Histogram batch_requests_{size_bounds()};
  Histogram batch_inputs_{size_bounds()};
  Histogram batch_tokens_{{16, 64, 256, 1024, 4096, 16384, 65536}};
};

}  // namespace bertpp_server
