// OpenMP helpers that compile away (without unknown-pragma warnings) when
// OpenMP is off.
#pragma once

#ifdef _OPENMP
#include <omp.h>
#define BERTPP_PRAGMA(text) _Pragma(#text)
#define BERTPP_PARALLEL_FOR(condition) BERTPP_PRAGMA(omp parallel for schedule(static) if (condition))
#else
#define BERTPP_PARALLEL_FOR(condition)
#endif

namespace bertpp {
namespace detail {

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace detail
}  // namespace bertpp
