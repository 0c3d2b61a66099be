// Process-wide runtime settings: how many threads bertpp's forward passes use.
#pragma once

#include "bertpp/detail/parallel.hpp"

namespace bertpp {

// Threads used by model forward passes (bertpp's own parallel regions; work
// too small to repay a thread runs on the calling thread, see
// detail/parallel.hpp). 0 or negative: all cores. Without OpenMP a no-op.
inline void set_num_threads(int threads) {
  detail::disable_eigen_threads();
#ifdef _OPENMP
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

inline int num_threads() { return detail::max_threads(); }

}  // namespace bertpp
