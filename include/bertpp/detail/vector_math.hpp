// Vectorised exp, GELU (erf and tanh forms) and the attention softmax row for
// the AVX2 and AVX-512 paths (function-level target attributes, chosen by
// the caller from cpu_level()). Accuracy, measured against double-precision
// references in tests/unit/nn_vector_math.cpp:
//  - exp: range reduction x = n ln2 + r (|r| <= ln2 / 2, ln2 split in two
//    parts), degree-6 polynomial: relative error < 2e-7 (a few ulp) on
//    [-87, 88]; inputs below -87.3 give ~0 (never denormals).
//  - erf (GELU): Abramowitz & Stegun 7.1.26 with the exp above: absolute
//    error < 3e-7, so GELU's absolute error is < 1.5e-7 |x|.
//  - tanh (GELU tanh form): 1 - 2 / (exp(2|u|) + 1) with its sign: absolute
//    error < 3e-7.
// All far inside the 1e-4 of the golden parity tests.
#pragma once

#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/lane_mask.hpp"
#include "bertpp/nn/activations.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>

#if BERTPP_X86_KERNELS
#include <immintrin.h>
#endif

namespace bertpp {
namespace detail {

#if BERTPP_X86_KERNELS

#define BERTPP_VM_AVX2 __attribute__((target("avx2,fma")))
#define BERTPP_VM_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))

// GCC 12's AVX-512 intrinsics start from an undefined value (bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Constants shared by both widths.
struct ExpConstants {
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kLn2Hi = 0.693359375f;
  static constexpr float kLn2Lo = -2.12194440e-4f;
  static constexpr float kMin = -87.3365447f;  // exp(kMin) = smallest normal float
  static constexpr float kMax = 88.7228391f;
  // 1/6!, 1/5!, ..., 1/2 (Cephes' expf minimax coefficients)
  static constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                         kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
};

BERTPP_VM_AVX512 inline __m512 exp512(__m512 x) {
  using C = ExpConstants;
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(C::kMin)), _mm512_set1_ps(C::kMax));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(C::kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(C::kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(C::kLn2Lo), r);
  __m512 p = _mm512_set1_ps(C::kP0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C::kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C::kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C::kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C::kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C::kP5));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

BERTPP_VM_AVX2 inline __m256 exp256(__m256 x) {
  using C = ExpConstants;
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(C::kMin)), _mm256_set1_ps(C::kMax));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(C::kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(C::kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(C::kLn2Lo), r);
  __m256 p = _mm256_set1_ps(C::kP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C::kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C::kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C::kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C::kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(C::kP5));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n: n in [-126, 128] after the clamp; 2^128 only for x = kMax (p < 1 there).
  const __m256i n_int = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(n_int, 1);  // 2^n = 2^(n/2) 2^(n - n/2): no overflow
  const __m256 two_half = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  const __m256 two_rest = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(n_int, half), _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, two_half), two_rest);
}

// Abramowitz & Stegun 7.1.26: erf(x) = 1 - t (a1 + t (a2 + ...)) e^{-x^2},
// t = 1 / (1 + p |x|), sign restored.
struct ErfConstants {
  static constexpr float kP = 0.3275911f, kA1 = 0.254829592f, kA2 = -0.284496736f,
                         kA3 = 1.421413741f, kA4 = -1.453152027f, kA5 = 1.061405429f;
};

BERTPP_VM_AVX512 inline __m512 erf512(__m512 x) {
  using C = ErfConstants;
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_set1_ps(C::kP), ax, _mm512_set1_ps(1.0f)));
  __m512 y = _mm512_set1_ps(C::kA5);
  y = _mm512_fmadd_ps(y, t, _mm512_set1_ps(C::kA4));
  y = _mm512_fmadd_ps(y, t, _mm512_set1_ps(C::kA3));
  y = _mm512_fmadd_ps(y, t, _mm512_set1_ps(C::kA2));
  y = _mm512_fmadd_ps(y, t, _mm512_set1_ps(C::kA1));
  y = _mm512_mul_ps(y, t);
  const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax)));
  const __m512 magnitude = _mm512_fnmadd_ps(y, e, _mm512_set1_ps(1.0f));
  // copy x's sign bit onto the (non-negative) magnitude
  return _mm512_or_ps(magnitude, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
}

BERTPP_VM_AVX2 inline __m256 erf256(__m256 x) {
  using C = ErfConstants;
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(C::kP), ax, _mm256_set1_ps(1.0f)));
  __m256 y = _mm256_set1_ps(C::kA5);
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(C::kA4));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(C::kA3));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(C::kA2));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(C::kA1));
  y = _mm256_mul_ps(y, t);
  const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(ax, ax)));
  return _mm256_or_ps(_mm256_fnmadd_ps(y, e, _mm256_set1_ps(1.0f)), sign);
}

// tanh(u) = sign(u) (1 - 2 / (exp(2|u|) + 1)).
BERTPP_VM_AVX512 inline __m512 tanh512(__m512 u) {
  const __m512 e = exp512(_mm512_add_ps(_mm512_abs_ps(u), _mm512_abs_ps(u)));
  const __m512 magnitude = _mm512_sub_ps(
      _mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  return _mm512_or_ps(magnitude, _mm512_and_ps(u, _mm512_set1_ps(-0.0f)));
}

BERTPP_VM_AVX2 inline __m256 tanh256(__m256 u) {
  const __m256 sign = _mm256_and_ps(u, _mm256_set1_ps(-0.0f));
  const __m256 au = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), u);
  const __m256 e = exp256(_mm256_add_ps(au, au));
  const __m256 magnitude = _mm256_sub_ps(
      _mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  return _mm256_or_ps(magnitude, sign);
}

constexpr float kSqrtHalf = 0.70710678118654752f;   // 1 / sqrt(2)
constexpr float kSqrtTwoOverPi = 0.7978845608028654f;  // sqrt(2 / pi)

// GELU in place on `count` floats: erf form (tanh_form false) or HF's
// gelu_new tanh approximation.
BERTPP_VM_AVX512 inline void gelu_avx512(float* x, Eigen::Index count, bool tanh_form) {
  for (Eigen::Index i = 0; i < count; i += 16) {
    const __mmask16 mask = lanes16(count - i);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    __m512 phi2;  // 1 + erf(v / sqrt 2), or 1 + tanh(...)
    if (tanh_form) {
      const __m512 cube = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
      const __m512 u = _mm512_mul_ps(_mm512_set1_ps(kSqrtTwoOverPi),
                                     _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), cube, v));
      phi2 = _mm512_add_ps(_mm512_set1_ps(1.0f), tanh512(u));
    } else {
      phi2 = _mm512_add_ps(_mm512_set1_ps(1.0f), erf512(_mm512_mul_ps(v, _mm512_set1_ps(kSqrtHalf))));
    }
    _mm512_mask_storeu_ps(x + i, mask, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), phi2));
  }
}

BERTPP_VM_AVX2 inline void gelu_avx2(float* x, Eigen::Index count, bool tanh_form) {
  Eigen::Index i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 phi2;
    if (tanh_form) {
      const __m256 cube = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
      const __m256 u = _mm256_mul_ps(_mm256_set1_ps(kSqrtTwoOverPi),
                                     _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), cube, v));
      phi2 = _mm256_add_ps(_mm256_set1_ps(1.0f), tanh256(u));
    } else {
      phi2 = _mm256_add_ps(_mm256_set1_ps(1.0f), erf256(_mm256_mul_ps(v, _mm256_set1_ps(kSqrtHalf))));
    }
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), phi2));
  }
  for (; i < count; ++i) {
    const float v = x[i];
    x[i] = tanh_form ? 0.5f * v * (1.0f + std::tanh(kSqrtTwoOverPi * (v + 0.044715f * v * v * v)))
                     : 0.5f * v * (1.0f + std::erf(v * kSqrtHalf));
  }
}

// One attention row: s <- softmax(s * scale + bias) where `keep` (0 or 1 per
// key) zeroes masked keys exactly; bias/keep null for an unmasked row.
BERTPP_VM_AVX512 inline void softmax_row_avx512(float* s, Eigen::Index n, float scale,
                                                const float* bias, const float* keep) {
  const __m512 vscale = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, s + i), vscale);
    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias + i));
    _mm512_mask_storeu_ps(s + i, mask, v);
    vmax = _mm512_mask_max_ps(vmax, mask, vmax, v);
  }
  const __m512 row_max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, s + i), row_max));
    if (keep) e = _mm512_mul_ps(e, _mm512_maskz_loadu_ps(mask, keep + i));
    e = _mm512_maskz_mov_ps(mask, e);
    vsum = _mm512_add_ps(vsum, e);
    _mm512_mask_storeu_ps(s + i, mask, e);
  }
  const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    _mm512_mask_storeu_ps(s + i, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, s + i), inverse));
  }
}

BERTPP_VM_AVX2 inline float hsum256(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

BERTPP_VM_AVX2 inline float hmax256(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

BERTPP_VM_AVX2 inline void softmax_row_avx2(float* s, Eigen::Index n, float scale,
                                            const float* bias, const float* keep) {
  const __m256 vscale = _mm256_set1_ps(scale);
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  float tail_max = -std::numeric_limits<float>::infinity();
  Eigen::Index i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(s + i), vscale);
    if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
    _mm256_storeu_ps(s + i, v);
    vmax = _mm256_max_ps(vmax, v);
  }
  for (; i < n; ++i) {
    s[i] = s[i] * scale + (bias ? bias[i] : 0.0f);
    tail_max = std::max(tail_max, s[i]);
  }
  const float max = std::max(hmax256(vmax), tail_max);
  const __m256 row_max = _mm256_set1_ps(max);
  __m256 vsum = _mm256_setzero_ps();
  float tail_sum = 0;
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(s + i), row_max));
    if (keep) e = _mm256_mul_ps(e, _mm256_loadu_ps(keep + i));
    vsum = _mm256_add_ps(vsum, e);
    _mm256_storeu_ps(s + i, e);
  }
  for (; i < n; ++i) {
    s[i] = std::exp(s[i] - max) * (keep ? keep[i] : 1.0f);
    tail_sum += s[i];
  }
  const float inverse = 1.0f / (hsum256(vsum) + tail_sum);
  const __m256 vinverse = _mm256_set1_ps(inverse);
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(s + i, _mm256_mul_ps(_mm256_loadu_ps(s + i), vinverse));
  for (; i < n; ++i) s[i] *= inverse;
}

// LayerNorm of one row in place, after adding `residual` (may be null):
// x <- ((x + r) - mean) / sqrt(variance + eps) * gamma + beta, the variance
// from the centred values (two passes, as LayerNorm's portable path).
BERTPP_VM_AVX512 inline void layer_norm_row_avx512(float* x, const float* residual, const float* gamma,
                                                   const float* beta, Eigen::Index n, float eps) {
  __m512 sum = _mm512_setzero_ps();
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    if (residual) {
      v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, residual + i));
      _mm512_mask_storeu_ps(x + i, mask, v);
    }
    sum = _mm512_add_ps(sum, v);
  }
  const float inverse_size = 1.0f / static_cast<float>(n);
  const __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(sum) * inverse_size);
  __m512 squares = _mm512_setzero_ps();
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    const __m512 centred = _mm512_maskz_sub_ps(mask, _mm512_maskz_loadu_ps(mask, x + i), mean);
    squares = _mm512_fmadd_ps(centred, centred, squares);
  }
  const __m512 scale =
      _mm512_set1_ps(1.0f / std::sqrt(_mm512_reduce_add_ps(squares) * inverse_size + eps));
  for (Eigen::Index i = 0; i < n; i += 16) {
    const __mmask16 mask = lanes16(n - i);
    const __m512 centred = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), mean);
    _mm512_mask_storeu_ps(x + i, mask,
                          _mm512_fmadd_ps(_mm512_mul_ps(centred, scale), _mm512_maskz_loadu_ps(mask, gamma + i),
                                          _mm512_maskz_loadu_ps(mask, beta + i)));
  }
}

BERTPP_VM_AVX2 inline void layer_norm_row_avx2(float* x, const float* residual, const float* gamma,
                                               const float* beta, Eigen::Index n, float eps) {
  const Eigen::Index full = n / 8 * 8;
  __m256 sum = _mm256_setzero_ps();
  float tail_sum = 0;
  for (Eigen::Index i = 0; i < full; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    if (residual) {
      v = _mm256_add_ps(v, _mm256_loadu_ps(residual + i));
      _mm256_storeu_ps(x + i, v);
    }
    sum = _mm256_add_ps(sum, v);
  }
  for (Eigen::Index i = full; i < n; ++i) {
    if (residual) x[i] += residual[i];
    tail_sum += x[i];
  }
  const float inverse_size = 1.0f / static_cast<float>(n);
  const float mean_value = (hsum256(sum) + tail_sum) * inverse_size;
  const __m256 mean = _mm256_set1_ps(mean_value);
  __m256 squares = _mm256_setzero_ps();
  float tail_squares = 0;
  for (Eigen::Index i = 0; i < full; i += 8) {
    const __m256 centred = _mm256_sub_ps(_mm256_loadu_ps(x + i), mean);
    squares = _mm256_fmadd_ps(centred, centred, squares);
  }
  for (Eigen::Index i = full; i < n; ++i) tail_squares += (x[i] - mean_value) * (x[i] - mean_value);
  const float scale_value = 1.0f / std::sqrt((hsum256(squares) + tail_squares) * inverse_size + eps);
  const __m256 scale = _mm256_set1_ps(scale_value);
  for (Eigen::Index i = 0; i < full; i += 8) {
    const __m256 centred = _mm256_sub_ps(_mm256_loadu_ps(x + i), mean);
    _mm256_storeu_ps(x + i, _mm256_fmadd_ps(_mm256_mul_ps(centred, scale), _mm256_loadu_ps(gamma + i),
                                            _mm256_loadu_ps(beta + i)));
  }
  for (Eigen::Index i = full; i < n; ++i) x[i] = (x[i] - mean_value) * scale_value * gamma[i] + beta[i];
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#undef BERTPP_VM_AVX2
#undef BERTPP_VM_AVX512

#endif  // BERTPP_X86_KERNELS

// GELU over a [rows, cols] block (row stride ld) with `level`'s kernels;
// false when `level` has none (the caller then uses Eigen).
inline bool gelu_block(InstructionSet level, bool tanh_form, float* x, Eigen::Index ld,
                       Eigen::Index rows, Eigen::Index cols) {
#if BERTPP_X86_KERNELS
  if (level >= InstructionSet::Avx512) {
    for (Eigen::Index r = 0; r < rows; ++r) gelu_avx512(x + r * ld, cols, tanh_form);
    return true;
  }
  if (level == InstructionSet::Avx2) {
    for (Eigen::Index r = 0; r < rows; ++r) gelu_avx2(x + r * ld, cols, tanh_form);
    return true;
  }
#endif
  (void)level, (void)tanh_form, (void)x, (void)ld, (void)rows, (void)cols;
  return false;
}

// `activation` in place over a [rows, cols] row-major block (row stride ld):
// GELU through `level`'s vectorised kernels, everything else (and GELU on
// the portable level) through Eigen. What the fp32 and int8 Linear layers
// apply to each output tile.
inline void activate_block(InstructionSet level, Activation activation, float* x, Eigen::Index ld,
                           Eigen::Index rows, Eigen::Index cols) {
  if (activation == Activation::Linear || rows == 0 || cols == 0) return;
  const bool gelu = activation == Activation::Gelu || activation == Activation::GeluTanh;
  if (gelu && gelu_block(level, activation == Activation::GeluTanh, x, ld, rows, cols)) return;
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>
      block(x, rows, cols, Eigen::OuterStride<>(ld));
  apply_activation(activation, block);
}

// LayerNorm of one row (after adding `residual`, may be null) with `level`'s
// kernels; false when `level` has none.
inline bool layer_norm_row(InstructionSet level, float* x, const float* residual, const float* gamma,
                           const float* beta, Eigen::Index n, float eps) {
#if BERTPP_X86_KERNELS
  if (level >= InstructionSet::Avx512) {
    layer_norm_row_avx512(x, residual, gamma, beta, n, eps);
    return true;
  }
  if (level == InstructionSet::Avx2) {
    layer_norm_row_avx2(x, residual, gamma, beta, n, eps);
    return true;
  }
#endif
  (void)level, (void)x, (void)residual, (void)gamma, (void)beta, (void)n, (void)eps;
  return false;
}

// The attention softmax of one row with `level`'s kernels; false when
// `level` has none.
inline bool softmax_row(InstructionSet level, float* s, Eigen::Index n, float scale,
                        const float* bias, const float* keep) {
#if BERTPP_X86_KERNELS
  if (level >= InstructionSet::Avx512) {
    softmax_row_avx512(s, n, scale, bias, keep);
    return true;
  }
  if (level == InstructionSet::Avx2) {
    softmax_row_avx2(s, n, scale, bias, keep);
    return true;
  }
#endif
  (void)level, (void)s, (void)n, (void)scale, (void)bias, (void)keep;
  return false;
}

}  // namespace detail
}  // namespace bertpp
