// Process-wide runtime settings: how many threads bertpp's forward passes
// use, and which instruction set its kernels run.
#pragma once

#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/parallel.hpp"

#include <algorithm>

namespace bertpp {

// Threads used by forward passes and batch tokenizing, the calling thread
// included (work too small to repay a thread runs on the caller, see
// detail/parallel.hpp). 0 or negative: all cores (the default).
inline void set_num_threads(int threads) {
  detail::disable_eigen_threads();
  detail::ThreadPool::instance().set_size(threads);
}

inline int num_threads() { return detail::max_threads(); }

// The instruction set the kernels use now: the best this CPU has (read
// from CPUID once per process), capped by set_cpu_features or, at start-up,
// the environment variable BERTPP_ISA=portable|avx2|avx512|amx.
inline InstructionSet cpu_features() { return detail::cpu_level(); }

// The best instruction set this CPU (and OS) supports, ignoring the cap.
inline InstructionSet supported_cpu_features() { return detail::cpu_info().best(); }

// Caps the instruction set the kernels may use (a cap above what the CPU has
// means the CPU's best) and returns the one now in use. Tests use it to run
// every path on one machine; users to pin a path. Takes effect at the next
// call. Models loaded under Portable read their weights in place (Eigen);
// others pack them at load, and then run the portable kernel under a
// Portable cap set later.
inline InstructionSet set_cpu_features(InstructionSet cap) {
  detail::cpu_cap().store(static_cast<int>(cap), std::memory_order_relaxed);
  return cpu_features();
}

// The float32 kernels now in use: "avx512", "avx2" or "portable" (the amx
// level runs the AVX-512 float kernels).
inline const char* float32_kernel_name() {
  return instruction_set_name(std::min(cpu_features(), InstructionSet::Avx512));
}

// The int8 GEMM path now in use: "amx", "avx512-vnni", "avx-vnni", "avx2"
// or "portable".
inline const char* int8_kernel_name() { return detail::int8_path_name(detail::int8_path()); }

}  // namespace bertpp
