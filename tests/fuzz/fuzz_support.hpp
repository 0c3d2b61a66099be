// Shared helpers for bertpp's libFuzzer targets.
//
// A target feeds the fuzzer's bytes to one bertpp entry point. Any
// bertpp::Error is an accepted outcome (the input was bad and we said so);
// any other exception escapes and aborts, crashes and sanitizer reports are
// caught by libFuzzer itself. Invariant checks use BERTPP_FUZZ_CHECK, which
// aborts with a message, so a broken invariant is reported like a crash.
#pragma once

#include "bertpp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

#define BERTPP_FUZZ_CHECK(condition)                                                  \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace bertpp_fuzz {

// The loaders take file paths, so each input is written to one scratch file
// per process (in /dev/shm when available: no disk traffic), removed at exit.
// Each target uses one suffix, so one static path per process suffices.
inline const std::string& scratch_path(const char* suffix) {
  static const std::string path = [&] {
    const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/bertpp-fuzz-" + std::to_string(::getpid()) + suffix;
  }();
  static const bool cleanup = [] { return std::atexit([] { std::remove(path.c_str()); }) == 0; }();
  (void)cleanup;
  return path;
}

inline const std::string& write_scratch(const std::uint8_t* data, std::size_t size,
                                        const char* suffix) {
  const std::string& path = scratch_path(suffix);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) std::abort();
  if (size && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

// Runs fn; bertpp::Error means "rejected cleanly" and is swallowed.
template <typename Fn>
bool accepts(Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const bertpp::Error&) {
    return false;
  }
}

}  // namespace bertpp_fuzz
