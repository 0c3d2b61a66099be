// Resident memory of this process now (not the peak, unlike getrusage),
// read from /proc after handing freed heap memory back to the system (glibc
// keeps it otherwise): what remains resident is still held by someone.
#pragma once

#include <cstdio>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bertpp_test {

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
