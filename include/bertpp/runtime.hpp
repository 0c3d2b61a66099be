// Process-wide runtime settings: how many threads bertpp's GEMMs and loops use.
#pragma once

#include <Eigen/Core>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bertpp {

// Threads used by model forward passes (Eigen's GEMMs and bertpp's own
// parallel loops). 0 or negative: all cores. Without OpenMP this is a no-op.
inline void set_num_threads(int threads) {
#ifdef _OPENMP
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
#else
  (void)threads;
#endif
}

inline int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace bertpp
