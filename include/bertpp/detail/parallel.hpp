// OpenMP helpers that compile away (without unknown-pragma warnings) when
// OpenMP is off, and the rule deciding when a piece of work is big enough to
// be split across threads.
//
// Why bertpp splits work itself instead of letting Eigen thread its GEMMs:
// Eigen's parallel GEMM synchronises its threads several times per product
// and goes parallel from ~50k multiply-adds, so small models, short inputs
// or a busy machine (threads descheduled while others spin-wait at the
// barriers) ran up to 25x slower with 2 threads than with 1. bertpp turns
// Eigen's threading off and opens one parallel region per layer operation,
// each thread computing an independent slice, only when each thread gets
// enough work (kMinFlopsPerThread) to repay waking it.
//
// OMP_WAIT_POLICY: with libgomp's default (unset) idle workers spin for a
// short while after each region, then sleep. PASSIVE makes them sleep at
// once: best when the process or the machine does other work between
// forward passes (tokenising, other programs). ACTIVE keeps them spinning:
// lowest latency only on an otherwise idle machine with cores to spare.
#pragma once

#include <Eigen/Core>

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#define BERTPP_PRAGMA(text) _Pragma(#text)
// A loop split over the default team when `condition` holds.
#define BERTPP_PARALLEL_FOR(condition) BERTPP_PRAGMA(omp parallel for schedule(static) if (condition))
// A parallel region (or loop) run by `threads` threads; 1 runs it inline.
#define BERTPP_PARALLEL(threads) BERTPP_PRAGMA(omp parallel num_threads(threads) if ((threads) > 1))
// A loop run by `threads` threads, iterations handed out one at a time
// (for iterations of unequal size).
#define BERTPP_PARALLEL_FOR_DYNAMIC(threads) \
  BERTPP_PRAGMA(omp parallel for schedule(dynamic) num_threads(threads) if ((threads) > 1))
#else
#define BERTPP_PARALLEL_FOR(condition)
#define BERTPP_PARALLEL(threads)
#define BERTPP_PARALLEL_FOR_DYNAMIC(threads)
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

inline int thread_count() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

// Work (in FLOPs) below which one more thread costs more than it saves:
// ~150 us of single-core AVX-512 compute: well above a futex wake-up, and
// enough that a worker descheduled on a busy machine costs little overall.
constexpr double kMinFlopsPerThread = 16e6;

// Threads to use for `flops` of work split into at most `max_parts` pieces:
// 1 when small, or when already inside a parallel region (no nesting).
inline int threads_for(double flops, double max_parts = 1e18) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
#endif
  const double wanted = std::min({flops / kMinFlopsPerThread, max_parts,
                                  static_cast<double>(max_threads())});
  return std::max(1, static_cast<int>(wanted));
}

// Eigen's own GEMM threading off, once per process (see above).
inline void disable_eigen_threads() {
  static const bool done = (Eigen::setNbThreads(1), true);
  (void)done;
}

// [begin, end) of part `index` of `count` over `size` items, boundaries
// rounded to multiples of `align` so each slice starts on a SIMD boundary.
inline void split_range(Eigen::Index size, int index, int count, Eigen::Index align,
                        Eigen::Index& begin, Eigen::Index& end) {
  auto boundary = [&](int i) {
    if (i >= count) return size;
    return std::min(size, size * i / count / align * align);
  };
  begin = boundary(index);
  end = boundary(index + 1);
}

}  // namespace detail
}  // namespace bertpp
