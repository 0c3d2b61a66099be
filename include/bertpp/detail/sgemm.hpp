// The float32 GEMM behind Linear and attention: C = A B (+ bias), A row-major
// [rows, depth] (activations), B [depth, N] in one of three layouts:
//  - Panels: weights packed once at load (PackedWeights): columns in panels
//    of 16, each panel's depth x 16 block contiguous (what one zmm, or two
//    ymm, load per k), zero-padded to a whole panel;
//  - KN: a row-major [depth, N] matrix (attention's V);
//  - NK: a row-major [N, depth] matrix, i.e. B transposed (an unpacked
//    [out, in] weight, attention's K).
// Blocks the kernel cannot stream directly (NK, ragged KN edges) are packed
// into a small per-thread buffer as they are needed.
//
// Micro-kernels for AVX2+FMA (6 rows x 16 columns, 12 ymm accumulators) and
// AVX-512 (6 x 64, 24 zmm accumulators) are compiled with function-level
// target attributes, so no -march flag is needed, and chosen per call from
// cpu_level() (CPUID once per process, capped by set_cpu_features). A plain
// C++ kernel covers other CPUs. Loops are blocked Goto-style (see sgemm()),
// block sizes from the CPU's L1 and L2 sizes.
//
// Results differ from Eigen's only in summation order (a few ulp of the sum
// of |a_k b_k|); every path sums k in increasing order within a block.
#pragma once

#include "bertpp/detail/aligned.hpp"
#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/lane_mask.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <cstring>

#if BERTPP_X86_KERNELS
#include <immintrin.h>
#endif

namespace bertpp {
namespace detail {

constexpr Eigen::Index kSgemmPanel = 16;  // columns per packed panel

// The right operand: where element (k, n) lives.
struct GemmB {
  enum class Layout { Panels, KN, NK };
  Layout layout = Layout::Panels;
  const float* data = nullptr;
  Eigen::Index ld = 0;  // KN: stride between k rows; NK: between n rows; Panels: unused
};

struct GemmArgs {
  const float* a = nullptr;  // [rows, depth], row stride lda
  Eigen::Index lda = 0, rows = 0, depth = 0;
  GemmB b;
  const float* bias = nullptr;  // [N] added to every row, or null
  float* c = nullptr;           // [rows, N], row stride ldc
  Eigen::Index ldc = 0;
};

inline void pack_panels(InstructionSet level, const float* src, Eigen::Index ld, Eigen::Index n,
                        Eigen::Index depth, float* dst);

// Weights [out, in] (PyTorch layout) packed for the kernels: panel p holds
// output features 16p..16p+15 as packed[p][k][j] = W(16p + j, k), features
// past `out` zero. Bias copied and zero-padded alike.
struct PackedWeights {
  Eigen::Index in = 0, out = 0, panels = 0;
  AlignedVector<float> data, bias;

  static PackedWeights pack(const float* weight, const float* bias_values, Eigen::Index out,
                            Eigen::Index in) {
    PackedWeights p;
    p.in = in;
    p.out = out;
    p.panels = (out + kSgemmPanel - 1) / kSgemmPanel;
    p.data.resize(static_cast<std::size_t>(p.panels * kSgemmPanel * in));
    p.bias.assign(static_cast<std::size_t>(p.panels * kSgemmPanel), 0.0f);
    pack_panels(cpu_level(), weight, in, out, in, p.data.data());
    if (bias_values) std::copy(bias_values, bias_values + out, p.bias.begin());
    return p;
  }

  float weight(Eigen::Index n, Eigen::Index k) const {
    return data[static_cast<std::size_t>((n / kSgemmPanel) * in * kSgemmPanel + k * kSgemmPanel +
                                         n % kSgemmPanel)];
  }

  // The [out, in] matrix back (to quantise a packed layer).
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> unpack() const {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w(out, in);
    for (Eigen::Index n = 0; n < out; ++n)
      for (Eigen::Index k = 0; k < in; ++k) w(n, k) = weight(n, k);
    return w;
  }

  // The bias without its padding.
  Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>> bias_vector() const {
    return {bias.data(), out};
  }

  GemmB operand() const { return {GemmB::Layout::Panels, data.data(), 0}; }
};

// Computes rows x cols (cols <= the kernel's tile width) of C over a depth
// block of kb: starts from C (accumulate), else from `init` (bias) or zero.
// B's element (k, j) of the block is at b[k * bk + (j / 16) * bp + j % 16].
using SgemmMicroKernel = void (*)(const float* a, Eigen::Index lda, const float* b,
                                  Eigen::Index bk, Eigen::Index bp, Eigen::Index kb, float* c,
                                  Eigen::Index ldc, int cols, const float* init, bool accumulate);

// ---------------------------------------------------------------------------
// Portable kernel: up to 4 rows x 16 columns (compilers vectorise the inner
// loop with whatever the build targets).
template <int MR>
void sgemm_kernel_portable(const float* a, Eigen::Index lda, const float* b, Eigen::Index bk,
                           Eigen::Index, Eigen::Index kb, float* c, Eigen::Index ldc, int cols,
                           const float* init, bool accumulate) {
  float acc[MR][kSgemmPanel];
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < kSgemmPanel; ++j)
      acc[m][j] = j >= cols ? 0.0f : accumulate ? c[m * ldc + j] : init ? init[j] : 0.0f;
  for (Eigen::Index k = 0; k < kb; ++k) {
    const float* row = b + k * bk;
    for (int m = 0; m < MR; ++m) {
      const float x = a[m * lda + k];
      for (int j = 0; j < kSgemmPanel; ++j) acc[m][j] += x * row[j];
    }
  }
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < cols; ++j) c[m * ldc + j] = acc[m][j];
}

#if BERTPP_X86_KERNELS

#define BERTPP_AVX2_TARGET __attribute__((target("avx2,fma")))
#define BERTPP_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// ---------------------------------------------------------------------------
// AVX2 + FMA: MR (<= 6) rows x NV (<= 2) ymm of 8 columns.
BERTPP_AVX2_TARGET inline __m256i sgemm_mask_avx2(int valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

BERTPP_AVX2_TARGET inline __m256 sgemm_start_avx2(bool full, __m256i mask, bool accumulate,
                                                  const float* c, const float* init) {
  if (accumulate) return full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, mask);
  if (init) return full ? _mm256_loadu_ps(init) : _mm256_maskload_ps(init, mask);
  return _mm256_setzero_ps();
}

BERTPP_AVX2_TARGET inline void sgemm_store_avx2(bool full, __m256i mask, float* c, __m256 v) {
  if (full) _mm256_storeu_ps(c, v);
  else _mm256_maskstore_ps(c, mask, v);
}

#define BERTPP_SGEMM_AVX2_START(m)                                                          \
  if constexpr (MR > m) {                                                                  \
    c##m##0 = sgemm_start_avx2(full, mask0, accumulate, c + m * ldc, init);                \
    if constexpr (NV > 1)                                                                  \
      c##m##1 = sgemm_start_avx2(full, mask1, accumulate, c + m * ldc + 8, init ? init + 8 : nullptr); \
  }
#define BERTPP_SGEMM_AVX2_ROW(m)                                      \
  if constexpr (MR > m) {                                            \
    const __m256 av = _mm256_broadcast_ss(a + m * lda + k);          \
    c##m##0 = _mm256_fmadd_ps(av, b0, c##m##0);                      \
    if constexpr (NV > 1) c##m##1 = _mm256_fmadd_ps(av, b1, c##m##1); \
  }
#define BERTPP_SGEMM_AVX2_STORE(m)                                                  \
  if constexpr (MR > m) {                                                          \
    sgemm_store_avx2(full, mask0, c + m * ldc, c##m##0);                           \
    if constexpr (NV > 1) sgemm_store_avx2(full, mask1, c + m * ldc + 8, c##m##1); \
  }

template <int MR, int NV>
BERTPP_AVX2_TARGET void sgemm_kernel_avx2(const float* a, Eigen::Index lda, const float* b,
                                          Eigen::Index bk, Eigen::Index, Eigen::Index kb,
                                          float* c, Eigen::Index ldc, int cols,
                                          const float* init, bool accumulate) {
  const bool full = cols == NV * 8;
  const __m256i mask0 = sgemm_mask_avx2(cols), mask1 = sgemm_mask_avx2(cols - 8);
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  BERTPP_SGEMM_AVX2_START(0)
  BERTPP_SGEMM_AVX2_START(1)
  BERTPP_SGEMM_AVX2_START(2)
  BERTPP_SGEMM_AVX2_START(3)
  BERTPP_SGEMM_AVX2_START(4)
  BERTPP_SGEMM_AVX2_START(5)
#pragma GCC unroll 4
  for (Eigen::Index k = 0; k < kb; ++k) {
    const float* row = b + k * bk;
    const __m256 b0 = _mm256_loadu_ps(row);
    const __m256 b1 = NV > 1 ? _mm256_loadu_ps(row + 8) : b0;
    BERTPP_SGEMM_AVX2_ROW(0)
    BERTPP_SGEMM_AVX2_ROW(1)
    BERTPP_SGEMM_AVX2_ROW(2)
    BERTPP_SGEMM_AVX2_ROW(3)
    BERTPP_SGEMM_AVX2_ROW(4)
    BERTPP_SGEMM_AVX2_ROW(5)
  }
  BERTPP_SGEMM_AVX2_STORE(0)
  BERTPP_SGEMM_AVX2_STORE(1)
  BERTPP_SGEMM_AVX2_STORE(2)
  BERTPP_SGEMM_AVX2_STORE(3)
  BERTPP_SGEMM_AVX2_STORE(4)
  BERTPP_SGEMM_AVX2_STORE(5)
}

#undef BERTPP_SGEMM_AVX2_START
#undef BERTPP_SGEMM_AVX2_ROW
#undef BERTPP_SGEMM_AVX2_STORE

// One panel of pack_panels (see pack_panel_avx512) as two groups of 8 rows,
// 8 k at a time through an 8 x 8 in-register transpose.
BERTPP_AVX2_TARGET inline void pack_panel_avx2(const float* src, Eigen::Index ld, int valid,
                                               Eigen::Index depth, float* dst) {
  for (int g = 0; g < 2; ++g)
    for (Eigen::Index k0 = 0; k0 < depth; k0 += 8) {
      const int kb = static_cast<int>(std::min<Eigen::Index>(8, depth - k0));
      const __m256i k_mask = sgemm_mask_avx2(kb);
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = 8 * g + i < valid ? _mm256_maskload_ps(src + (8 * g + i) * ld + k0, k_mask)
                                 : _mm256_setzero_ps();
      // t: pairs of rows interleaved; u[4h + c] lane L: rows 4h..4h+3 at column c + 4L.
      __m256 t[8], u[8];
      for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
      }
      for (int h = 0; h < 2; ++h) {
        u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
      }
      float* out = dst + k0 * kSgemmPanel + 8 * g;
      for (int c = 0; c < 4; ++c) {
        if (c < kb) _mm256_storeu_ps(out + c * kSgemmPanel, _mm256_permute2f128_ps(u[c], u[4 + c], 0x20));
        if (c + 4 < kb)
          _mm256_storeu_ps(out + (c + 4) * kSgemmPanel, _mm256_permute2f128_ps(u[c], u[4 + c], 0x31));
      }
    }
}

// ---------------------------------------------------------------------------
// AVX-512: MR (<= 6) rows x NP (<= 4) panels of 16 columns. Named
// accumulators (GCC spills an array of 24 zmm to the stack).
BERTPP_AVX512_TARGET inline __m512 sgemm_start_avx512(__mmask16 mask, bool accumulate,
                                                      const float* c, const float* init) {
  if (accumulate) return _mm512_maskz_loadu_ps(mask, c);
  if (init) return _mm512_maskz_loadu_ps(mask, init);
  return _mm512_setzero_ps();
}

#define BERTPP_SGEMM_512_START(m)                                                                  \
  if constexpr (MR > m) {                                                                         \
    c##m##0 = sgemm_start_avx512(mask0, accumulate, c + m * ldc, init);                           \
    if constexpr (NP > 1)                                                                         \
      c##m##1 = sgemm_start_avx512(mask1, accumulate, c + m * ldc + 16, init ? init + 16 : nullptr); \
    if constexpr (NP > 2)                                                                         \
      c##m##2 = sgemm_start_avx512(mask2, accumulate, c + m * ldc + 32, init ? init + 32 : nullptr); \
    if constexpr (NP > 3)                                                                         \
      c##m##3 = sgemm_start_avx512(mask3, accumulate, c + m * ldc + 48, init ? init + 48 : nullptr); \
  }
#define BERTPP_SGEMM_512_ROW(m)                                        \
  if constexpr (MR > m) {                                             \
    const __m512 av = _mm512_set1_ps(a[m * lda + k]);                 \
    c##m##0 = _mm512_fmadd_ps(av, b0, c##m##0);                       \
    if constexpr (NP > 1) c##m##1 = _mm512_fmadd_ps(av, b1, c##m##1); \
    if constexpr (NP > 2) c##m##2 = _mm512_fmadd_ps(av, b2, c##m##2); \
    if constexpr (NP > 3) c##m##3 = _mm512_fmadd_ps(av, b3, c##m##3); \
  }
#define BERTPP_SGEMM_512_STORE(m)                                                 \
  if constexpr (MR > m) {                                                        \
    _mm512_mask_storeu_ps(c + m * ldc, mask0, c##m##0);                          \
    if constexpr (NP > 1) _mm512_mask_storeu_ps(c + m * ldc + 16, mask1, c##m##1); \
    if constexpr (NP > 2) _mm512_mask_storeu_ps(c + m * ldc + 32, mask2, c##m##2); \
    if constexpr (NP > 3) _mm512_mask_storeu_ps(c + m * ldc + 48, mask3, c##m##3); \
  }

template <int MR, int NP>
BERTPP_AVX512_TARGET void sgemm_kernel_avx512(const float* a, Eigen::Index lda, const float* b,
                                              Eigen::Index bk, Eigen::Index bp, Eigen::Index kb,
                                              float* c, Eigen::Index ldc, int cols,
                                              const float* init, bool accumulate) {
  const __mmask16 mask0 = lanes16(cols), mask1 = lanes16(cols - 16),
                  mask2 = lanes16(cols - 32), mask3 = lanes16(cols - 48);
  __m512 c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41,
      c42, c43, c50, c51, c52, c53;
  BERTPP_SGEMM_512_START(0)
  BERTPP_SGEMM_512_START(1)
  BERTPP_SGEMM_512_START(2)
  BERTPP_SGEMM_512_START(3)
  BERTPP_SGEMM_512_START(4)
  BERTPP_SGEMM_512_START(5)
#pragma GCC unroll 2
  for (Eigen::Index k = 0; k < kb; ++k) {
    const float* row = b + k * bk;
    const __m512 b0 = _mm512_loadu_ps(row);
    const __m512 b1 = NP > 1 ? _mm512_loadu_ps(row + bp) : b0;
    const __m512 b2 = NP > 2 ? _mm512_loadu_ps(row + 2 * bp) : b0;
    const __m512 b3 = NP > 3 ? _mm512_loadu_ps(row + 3 * bp) : b0;
    BERTPP_SGEMM_512_ROW(0)
    BERTPP_SGEMM_512_ROW(1)
    BERTPP_SGEMM_512_ROW(2)
    BERTPP_SGEMM_512_ROW(3)
    BERTPP_SGEMM_512_ROW(4)
    BERTPP_SGEMM_512_ROW(5)
  }
  BERTPP_SGEMM_512_STORE(0)
  BERTPP_SGEMM_512_STORE(1)
  BERTPP_SGEMM_512_STORE(2)
  BERTPP_SGEMM_512_STORE(3)
  BERTPP_SGEMM_512_STORE(4)
  BERTPP_SGEMM_512_STORE(5)
}

#undef BERTPP_SGEMM_512_START
#undef BERTPP_SGEMM_512_ROW
#undef BERTPP_SGEMM_512_STORE

// One panel of pack_panels: rows [0, valid) of src (row stride ld) become the
// panel's columns, 16 k at a time through a 16 x 16 in-register transpose
// (missing rows and k past depth read as zero; only k < depth is stored).
BERTPP_AVX512_TARGET inline void pack_panel_avx512(const float* src, Eigen::Index ld, int valid,
                                                   Eigen::Index depth, float* dst) {
  for (Eigen::Index k0 = 0; k0 < depth; k0 += 16) {
    const int kb = static_cast<int>(std::min<Eigen::Index>(16, depth - k0));
    const __mmask16 k_mask = lanes16(kb);
    __m512 r[16];
    for (int i = 0; i < 16; ++i)
      r[i] = i < valid ? _mm512_maskz_loadu_ps(k_mask, src + i * ld + k0) : _mm512_setzero_ps();
    // 32-bit, then 64-bit interleaves within 128-bit lanes: b[4g + j] lane L
    // holds rows 4g..4g+3 at column 4L + j.
    __m512 a[16], b[16];
    for (int i = 0; i < 8; ++i) {
      a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; ++g) {
      const __m512d lo0 = _mm512_castps_pd(a[4 * g]), hi0 = _mm512_castps_pd(a[4 * g + 1]);
      const __m512d lo1 = _mm512_castps_pd(a[4 * g + 2]), hi1 = _mm512_castps_pd(a[4 * g + 3]);
      b[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo0, lo1));
      b[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo0, lo1));
      b[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi0, hi1));
      b[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi0, hi1));
    }
    // Then 128-bit lanes: column 4L + j gathers lane L of b[j], b[4+j], b[8+j], b[12+j].
    float* out = dst + k0 * kSgemmPanel;
    for (int j = 0; j < 4; ++j) {
      const __m512 c0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x44);
      const __m512 c1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xEE);
      const __m512 d0 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x44);
      const __m512 d1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xEE);
      const __m512 column[4] = {_mm512_shuffle_f32x4(c0, d0, 0x88), _mm512_shuffle_f32x4(c0, d0, 0xDD),
                                _mm512_shuffle_f32x4(c1, d1, 0x88), _mm512_shuffle_f32x4(c1, d1, 0xDD)};
      for (int lane = 0; lane < 4; ++lane)
        if (4 * lane + j < kb) _mm512_storeu_ps(out + (4 * lane + j) * kSgemmPanel, column[lane]);
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // BERTPP_X86_KERNELS

// ---------------------------------------------------------------------------
// Kernel tables and blocking per level.

struct SgemmKernels {
  int mr = 4;               // rows per micro-tile
  Eigen::Index tile = 16;   // columns per micro-tile
  SgemmMicroKernel (*pick)(int rows, int cols) = nullptr;
};

inline SgemmMicroKernel sgemm_pick_portable(int rows, int) {
  switch (rows) {
    case 1: return &sgemm_kernel_portable<1>;
    case 2: return &sgemm_kernel_portable<2>;
    case 3: return &sgemm_kernel_portable<3>;
    default: return &sgemm_kernel_portable<4>;
  }
}

#if BERTPP_X86_KERNELS
template <int MR>
SgemmMicroKernel sgemm_pick_avx2_cols(int cols) {
  return cols > 8 ? &sgemm_kernel_avx2<MR, 2> : &sgemm_kernel_avx2<MR, 1>;
}
inline SgemmMicroKernel sgemm_pick_avx2(int rows, int cols) {
  switch (rows) {
    case 1: return sgemm_pick_avx2_cols<1>(cols);
    case 2: return sgemm_pick_avx2_cols<2>(cols);
    case 3: return sgemm_pick_avx2_cols<3>(cols);
    case 4: return sgemm_pick_avx2_cols<4>(cols);
    case 5: return sgemm_pick_avx2_cols<5>(cols);
    default: return sgemm_pick_avx2_cols<6>(cols);
  }
}
template <int MR>
SgemmMicroKernel sgemm_pick_avx512_cols(int cols) {
  return cols > 48   ? &sgemm_kernel_avx512<MR, 4>
         : cols > 32 ? &sgemm_kernel_avx512<MR, 3>
         : cols > 16 ? &sgemm_kernel_avx512<MR, 2>
                     : &sgemm_kernel_avx512<MR, 1>;
}
inline SgemmMicroKernel sgemm_pick_avx512(int rows, int cols) {
  switch (rows) {
    case 1: return sgemm_pick_avx512_cols<1>(cols);
    case 2: return sgemm_pick_avx512_cols<2>(cols);
    case 3: return sgemm_pick_avx512_cols<3>(cols);
    case 4: return sgemm_pick_avx512_cols<4>(cols);
    case 5: return sgemm_pick_avx512_cols<5>(cols);
    default: return sgemm_pick_avx512_cols<6>(cols);
  }
}
#endif

inline SgemmKernels sgemm_kernels(InstructionSet level) {
#if BERTPP_X86_KERNELS
  if (level >= InstructionSet::Avx512) return {6, 64, &sgemm_pick_avx512};
  if (level == InstructionSet::Avx2) return {6, 16, &sgemm_pick_avx2};
#endif
  (void)level;
  return {4, 16, &sgemm_pick_portable};
}

// Packs rows [0, n) of src ([n, depth], row stride ld) as panels: panel q
// at dst + q * depth * 16 holds element (k, j) = src(16q + j, k) at
// k * 16 + j, columns past n zero. The layout of PackedWeights and of the
// kernels' B blocks; how a weight or attention's K is transposed for them.
inline void pack_panels(InstructionSet level, const float* src, Eigen::Index ld, Eigen::Index n,
                        Eigen::Index depth, float* dst) {
  for (Eigen::Index q = 0; q * kSgemmPanel < n; ++q) {
    const int valid = static_cast<int>(std::min(kSgemmPanel, n - q * kSgemmPanel));
    const float* rows = src + q * kSgemmPanel * ld;
    float* panel = dst + q * depth * kSgemmPanel;
#if BERTPP_X86_KERNELS
    if (level >= InstructionSet::Avx512) {
      pack_panel_avx512(rows, ld, valid, depth, panel);
      continue;
    }
    if (level == InstructionSet::Avx2) {
      pack_panel_avx2(rows, ld, valid, depth, panel);
      continue;
    }
#endif
    (void)level;
    for (Eigen::Index k = 0; k < depth; ++k)
      for (int j = 0; j < kSgemmPanel; ++j) panel[k * kSgemmPanel + j] = j < valid ? rows[j * ld + k] : 0.0f;
  }
}

struct SgemmBlocking {
  Eigen::Index kc = 256, nc = 512;
};

// Two regimes, from the CPU's cache sizes.
// Many rows: kc makes an mr x kc sliver of A (reused by every tile of a
// column block) a third of L1, nc makes a kc x nc block of B (reused by
// every row sliver) half of L2.
// Few rows (A, 768 deep, fits in half of L2, as for one 128-token
// sequence): nc is one tile, so each kc x tile panel of weights comes from
// memory once and every row sliver reuses it from cache, and kc is as deep
// as half of L2 holds of A (depth split evenly) so C is read back rarely.
// Measured on bert-base's shapes at 128 rows, one thread, weights not in
// cache: 5-20 % faster than the many-rows order; no better from 384 rows.
inline SgemmBlocking sgemm_blocking(Eigen::Index tile, int mr, Eigen::Index rows, Eigen::Index depth) {
  const CpuInfo& cpu = cpu_info();
  const Eigen::Index l2 = static_cast<Eigen::Index>(cpu.l2_bytes);
  SgemmBlocking b;
  if (rows * 768 * 4 <= l2 / 2) {
    const Eigen::Index deepest = std::max<Eigen::Index>(kSgemmPanel, l2 / 2 / (std::max<Eigen::Index>(rows, 1) * 4));
    const Eigen::Index blocks = std::max<Eigen::Index>(1, (depth + deepest - 1) / deepest);
    b.kc = std::max<Eigen::Index>(kSgemmPanel, ((depth + blocks - 1) / blocks + kSgemmPanel - 1) / kSgemmPanel * kSgemmPanel);
    b.nc = tile;
    return b;
  }
  b.kc = std::clamp<Eigen::Index>(static_cast<Eigen::Index>(cpu.l1d_bytes) / 3 / (mr * 4), 128, 512) / 16 * 16;
  b.nc = std::max<Eigen::Index>(tile, l2 / 2 / (b.kc * 4) / tile * tile);
  return b;
}

// Where the kernel reads B's block [k0, k0 + kb) x [n0, n0 + nb): in place
// when the layout allows, else packed into `scratch` (kb * round_up(nb, 16)
// floats) with zero columns past nb. Panel q of the block starts at
// result + q * bp; row k of a panel at + k * bk.
inline const float* sgemm_b_block(InstructionSet level, const GemmB& b, Eigen::Index depth, Eigen::Index k0,
                                  Eigen::Index kb, Eigen::Index n0, Eigen::Index nb,
                                  float* scratch, Eigen::Index& bk, Eigen::Index& bp) {
  if (b.layout == GemmB::Layout::Panels) {  // n0 is a multiple of 16
    bk = kSgemmPanel;
    bp = depth * kSgemmPanel;
    return b.data + (n0 / kSgemmPanel) * depth * kSgemmPanel + k0 * kSgemmPanel;
  }
  if (b.layout == GemmB::Layout::KN && nb % kSgemmPanel == 0) {
    bk = b.ld;
    bp = kSgemmPanel;
    return b.data + k0 * b.ld + n0;
  }
  const Eigen::Index panels = (nb + kSgemmPanel - 1) / kSgemmPanel;
  bk = kSgemmPanel;
  bp = kb * kSgemmPanel;
  if (b.layout == GemmB::Layout::NK) {
    pack_panels(level, b.data + n0 * b.ld + k0, b.ld, nb, kb, scratch);
    return scratch;
  }
  std::fill_n(scratch, panels * kb * kSgemmPanel, 0.0f);
  for (Eigen::Index j = 0; j < nb; ++j) {  // KN with a ragged edge
    float* out = scratch + (j / kSgemmPanel) * bp + j % kSgemmPanel;
    const float* column = b.data + k0 * b.ld + n0 + j;
    for (Eigen::Index k = 0; k < kb; ++k) out[k * kSgemmPanel] = column[k * b.ld];
  }
  return scratch;
}

// C[:, n_begin:n_end] = A B[:, n_begin:n_end] (+ bias) on one thread with the
// kernels of `level`; n_begin is a multiple of 16. Loops: depth blocks (kc),
// column blocks (nc, B's block stays in L2), row slivers (mr, A's sliver
// stays in L1), column tiles. When a sliver of rows is final,
// done(r0, r1, c0, c1) may post-process that part of C while it is in L1.
template <typename Done>
void sgemm(InstructionSet level, const GemmArgs& g, Eigen::Index n_begin, Eigen::Index n_end,
           Done&& done) {
  if (g.rows <= 0 || n_end <= n_begin) return;
  const SgemmKernels kernels = sgemm_kernels(level);
  const SgemmBlocking blocking = sgemm_blocking(kernels.tile, kernels.mr, g.rows, g.depth);
  const Eigen::Index kc = blocking.kc, nc = blocking.nc;
  thread_local AlignedVector<float> scratch_buffer;
  const std::size_t scratch_size =
      static_cast<std::size_t>(std::min(kc, std::max<Eigen::Index>(g.depth, 1)) *
                               ((std::min(nc, n_end - n_begin) + kSgemmPanel - 1) / kSgemmPanel) *
                               kSgemmPanel);
  if (scratch_buffer.size() < scratch_size) scratch_buffer.resize(scratch_size);
  float* const scratch = scratch_buffer.data();
  const SgemmMicroKernel full = kernels.pick(kernels.mr, static_cast<int>(kernels.tile));
  const Eigen::Index mr = kernels.mr;

  for (Eigen::Index k0 = 0; k0 < g.depth || k0 == 0; k0 += kc) {
    const Eigen::Index kb = std::min(kc, g.depth - k0);
    const bool accumulate = k0 > 0, last = k0 + kc >= g.depth;
    for (Eigen::Index c0 = n_begin; c0 < n_end; c0 += nc) {
      const Eigen::Index c1 = std::min(n_end, c0 + nc);
      Eigen::Index bk = kSgemmPanel, bp = 0;
      const float* block = kb > 0 ? sgemm_b_block(level, g.b, g.depth, k0, kb, c0, c1 - c0, scratch, bk, bp) : scratch;
      for (Eigen::Index r = 0; r < g.rows; r += mr) {
        const Eigen::Index rows = std::min(mr, g.rows - r);
        const float* a = g.a + r * g.lda + k0;
        float* c = g.c + r * g.ldc;
        for (Eigen::Index n0 = c0; n0 < c1; n0 += kernels.tile) {
          const int cols = static_cast<int>(std::min(kernels.tile, c1 - n0));
          const SgemmMicroKernel kernel =
              rows == mr && cols == kernels.tile ? full : kernels.pick(static_cast<int>(rows), cols);
          kernel(a, g.lda, block + (n0 - c0) / kSgemmPanel * bp, bk, bp, kb, c + n0, g.ldc, cols,
                 g.bias ? g.bias + n0 : nullptr, accumulate);
        }
        if (last) done(r, r + rows, c0, c1);
      }
    }
    if (last) break;
  }
}

inline void sgemm(InstructionSet level, const GemmArgs& g, Eigen::Index n_begin, Eigen::Index n_end) {
  sgemm(level, g, n_begin, n_end, [](Eigen::Index, Eigen::Index, Eigen::Index, Eigen::Index) {});
}

}  // namespace detail
}  // namespace bertpp
