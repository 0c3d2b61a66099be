// bertpp's parallel loops (on detail::ThreadPool) and the rule deciding when
// a piece of work is big enough to be split across threads.
//
// Why bertpp splits work itself instead of letting Eigen thread its GEMMs:
// Eigen's parallel GEMM synchronises its threads several times per product
// and goes parallel from ~50k multiply-adds, so small models, short inputs
// or a busy machine ran up to 25x slower with 2 threads than with 1. bertpp
// keeps Eigen single-threaded and splits each layer operation into
// independent chunks (slices of output features, rows, attention heads),
// only when each thread gets enough work (kMinFlopsPerThread) to repay
// waking it.
#pragma once

#include "bertpp/detail/thread_pool.hpp"

#ifdef _OPENMP
#include <Eigen/Core>  // Eigen::setNbThreads, below
#endif

#include <algorithm>
#include <cstddef>

namespace bertpp {
namespace detail {

// Threads parallel loops may use, the caller included (set_num_threads).
inline int max_threads() { return ThreadPool::instance().size(); }

// Work (in FLOPs) below which one more thread costs more than it saves:
// ~10 us of single-core AVX-512 compute. Idle workers watch for the next
// loop for 100 us (thread_pool.hpp), so joining one costs them about a
// microsecond, and the caller never waits for one that has not started (it
// takes the chunks itself). Was 16e6 while workers went to sleep after each
// loop: that kept MiniLM's attention and its smaller int8 products on one
// thread at 128 tokens (lowering it to 2e6: int8 1x128 +36-42 %, fp32 +9 %).
constexpr double kMinFlopsPerThread = 2e6;

// Threads to use for `flops` of work split into at most `max_parts` pieces:
// 1 when small, or when already inside a parallel loop (no nesting).
inline int threads_for(double flops, double max_parts = 1e18) {
  if (ThreadPool::in_task()) return 1;
  const double wanted = std::min({flops / kMinFlopsPerThread, max_parts,
                                  static_cast<double>(max_threads())});
  return std::max(1, static_cast<int>(wanted));
}

// Threads for an elementwise pass over `elements` floats (LayerNorm,
// quantising activations): memory-bound work costs ~30x a GEMM FLOP per
// element, so it is worth splitting from ~60k elements per thread.
inline int threads_for_elements(double elements, double max_parts = 1e18) {
  constexpr double kFlopsPerElement = 32;
  return threads_for(elements * kFlopsPerElement, max_parts);
}

// Chunks to cut work into for `threads` threads: several per thread, so a
// thread that starts late (busy machine) leaves its share to the others.
inline int chunks_for(int threads, std::ptrdiff_t max_chunks) {
  constexpr int kChunksPerThread = 4;
  if (threads <= 1) return 1;
  return static_cast<int>(std::max<std::ptrdiff_t>(
      1, std::min<std::ptrdiff_t>(max_chunks, std::ptrdiff_t{threads} * kChunksPerThread)));
}

// Runs fn(chunk, participant) for chunk in [0, chunks) on up to `threads`
// threads; `participant` in [0, max_threads()) indexes per-thread scratch.
template <typename Fn>
void parallel_chunks(int chunks, int threads, Fn&& fn) {
  ThreadPool::instance().run(chunks, threads, fn);
}

// Eigen threads its GEMMs only when the program is compiled with OpenMP.
// Then bertpp turns that off once per process (it splits the products
// itself, see above); it is a process-wide Eigen setting, so a host that
// wants OpenMP products of its own sets Eigen::setNbThreads again after
// bertpp's first forward pass (README, "Threads"). Without OpenMP bertpp
// leaves Eigen's settings alone.
inline void disable_eigen_threads() {
#ifdef _OPENMP
  static const bool done = (Eigen::setNbThreads(1), true);
  (void)done;
#endif
}

// [begin, end) of part `index` of `count` over `size` items, boundaries
// rounded to multiples of `align` so each slice starts on a SIMD boundary.
inline void split_range(std::ptrdiff_t size, int index, int count, std::ptrdiff_t align,
                        std::ptrdiff_t& begin, std::ptrdiff_t& end) {
  auto boundary = [&](int i) {
    if (i >= count) return size;
    return std::min(size, size * i / count / align * align);
  };
  begin = boundary(index);
  end = boundary(index + 1);
}

// fn(begin, end) over [0, size) cut into chunks for `threads` threads, with
// boundaries at multiples of `align`.
template <typename Fn>
void parallel_ranges(std::ptrdiff_t size, int threads, std::ptrdiff_t align, Fn&& fn) {
  const int chunks = chunks_for(threads, std::max<std::ptrdiff_t>(1, size / align));
  parallel_chunks(chunks, threads, [&](int chunk, int) {
    std::ptrdiff_t begin = 0, end = 0;
    split_range(size, chunk, chunks, align, begin, end);
    if (end > begin) fn(begin, end);
  });
}

// fn(begin, end) over [0, size) in one slice per thread, boundaries at
// multiples of `align`: for products split over output features, where
// every slice streams all of the other operand through its kernel, so more
// slices cost more than their balancing saves (bert-base fp32 1x128: 6-12 %
// fewer tokens/s with parallel_ranges' four per thread).
template <typename Fn>
void parallel_slices(std::ptrdiff_t size, int threads, std::ptrdiff_t align, Fn&& fn) {
  const int slices = static_cast<int>(
      std::max<std::ptrdiff_t>(1, std::min<std::ptrdiff_t>(threads, size / std::max<std::ptrdiff_t>(align, 1))));
  parallel_chunks(slices, slices, [&](int slice, int) {
    std::ptrdiff_t begin = 0, end = 0;
    split_range(size, slice, slices, align, begin, end);
    if (end > begin) fn(begin, end);
  });
}

}  // namespace detail
}  // namespace bertpp
