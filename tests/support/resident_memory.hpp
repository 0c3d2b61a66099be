// Resident memory of this process now (not the peak, unlike getrusage),
// read from /proc after handing freed heap memory back to the system (glibc
// keeps it otherwise): what remains resident is still held by someone.
#pragma once

#include <cstdio>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bertpp_test {

// AddressSanitizer's allocator holds freed memory in quarantine: resident
// memory says nothing about who holds what there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kResidentMemoryMeasurable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kResidentMemoryMeasurable = false;
#else
constexpr bool kResidentMemoryMeasurable = true;
#endif
#else
constexpr bool kResidentMemoryMeasurable = true;
#endif

// For tests that measure resident memory: false (and a SKIPPED line, which
// ctest reports as skipped) where it cannot be measured.
inline bool resident_memory_measurable() {
  if (kResidentMemoryMeasurable) return true;
  std::printf("SKIPPED: resident memory is not measurable under AddressSanitizer\n");
  return false;
}

inline long resident_bytes() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * 4096L;
}

}  // namespace bertpp_test
