// Process-wide runtime settings: how many threads bertpp's forward passes use.
#pragma once

#include "bertpp/detail/parallel.hpp"

namespace bertpp {

// Threads used by forward passes and batch tokenizing, the calling thread
// included (work too small to repay a thread runs on the caller, see
// detail/parallel.hpp). 0 or negative: all cores (the default).
inline void set_num_threads(int threads) {
  detail::disable_eigen_threads();
  detail::ThreadPool::instance().set_size(threads);
}

inline int num_threads() { return detail::max_threads(); }

}  // namespace bertpp
