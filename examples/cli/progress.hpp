// A progress line on stderr (count, rate, ETA when the total is known),
// shown only when stderr is a terminal and not silenced with --quiet.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace bertpp_cli {

class Progress {
 public:
  Progress(bool quiet, std::size_t total = 0)
      : enabled_(!quiet && isatty(STDERR_FILENO)), total_(total),
        start_(std::chrono::steady_clock::now()) {}
  ~Progress() {
    if (enabled_ && shown_) std::fputc('\n', stderr);
  }

  void advance(std::size_t items) {
    done_ += items;
    if (!enabled_) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? done_ / seconds : 0.0;
    if (total_ > 0 && rate > 0) {
      const double eta = (total_ - done_) / rate;
      std::fprintf(stderr, "\r%zu/%zu inputs  %.1f/s  ETA %.0fs   ", done_, total_, rate, eta);
    } else {
      std::fprintf(stderr, "\r%zu inputs  %.1f/s   ", done_, rate);
    }
    std::fflush(stderr);
    shown_ = true;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::size_t total_;
  std::size_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace bertpp_cli
