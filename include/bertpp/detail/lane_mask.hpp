// The AVX-512 mask of a 16-lane step that has `valid` elements left: every
// kernel's ragged tail (GEMM columns and depth, int8 panels and rows,
// elementwise passes) takes its loads and stores through this one mask.
#pragma once

#include "bertpp/detail/cpu_features.hpp"

#include <cstddef>

#if BERTPP_X86_KERNELS
#include <immintrin.h>

namespace bertpp {
namespace detail {

// All 16 lanes from 16 up, none at 0 or below.
inline __mmask16 lanes16(std::ptrdiff_t valid) {
  return valid >= 16 ? __mmask16(0xFFFF)
                     : valid <= 0 ? __mmask16(0) : static_cast<__mmask16>((1u << valid) - 1u);
}

}  // namespace detail
}  // namespace bertpp
#endif  // BERTPP_X86_KERNELS
