// The int8 GEMM behind QuantizedLinear: u8 activations x s8 weights summed
// in int32, then scaled back to float. Five implementations of the same
// integer arithmetic, compiled with function-level target attributes (no
// -march flag needed) and picked at run time (int8_path(): CPUID, capped by
// set_cpu_features / BERTPP_ISA):
//  - AMX (tdpbusd on 16 x 64-byte tiles: 16,384 u8*s8 products per
//    instruction) for blocks of 16 rows when K fills whole tiles, with the
//    AVX-512 VNNI kernel for the rows and shapes left over;
//  - AVX-512 VNNI (vpdpbusd on zmm: 64 u8*s8 products per instruction);
//  - AVX-VNNI (vpdpbusd on ymm) and AVX2 (vpmaddubsw + vpmaddwd, arranged
//    so that nothing saturates, see int8_kernel_avx2);
//  - a portable C++ loop for every other CPU or compiler.
// All produce bit-identical results: the integer sums are exact and the
// float epilogue is the same sequence of IEEE operations.
//
// Packed weight layout (what one zmm load wants): output channels in panels
// of kInt8Panel = 16, K padded to a multiple of 4 with zero weights. Panel p is
// contiguous; within it group g (k = 4g..4g+3) holds 16 channels x 4 bytes:
//   w[(p * groups + g) * 64 + c * 4 + j] = q(16p + c, 4g + j).
// 16 consecutive groups of a panel are exactly an AMX B tile (16 rows of
// 64 bytes, row stride 64), so AMX reads the same packed weights.
// Activations are one u8 row per token, padded to 4 * groups bytes; the
// padding meets zero weights, so its value does not matter.
#pragma once

#include "bertpp/detail/aligned.hpp"
#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/lane_mask.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BERTPP_INT8_X86 1
#include <immintrin.h>
#else
#define BERTPP_INT8_X86 0
#endif

#if BERTPP_INT8_X86 && BERTPP_AMX_KERNELS  // see cpu_features.hpp
#define BERTPP_INT8_AMX 1
#else
#define BERTPP_INT8_AMX 0
#endif

namespace bertpp {
namespace detail {

constexpr Eigen::Index kInt8Panel = 16;  // output channels per zmm of int32
constexpr Eigen::Index kInt8Group = 4;   // k bytes summed by one vpdpbusd lane
// Largest K whose int32 sums of (a + 128) * q cannot overflow: 255 * 127 * K < 2^31.
constexpr Eigen::Index kInt8MaxDepth = 65536;

// Which implementation runs the integer product: Auto follows
// cpu_level() (see int8_path()); the others name one (tests compare them;
// one this CPU lacks runs the portable loop).
enum class Int8Kernel { Auto, Portable, Avx2, AvxVnni, Avx512Vnni, Amx };

// Everything one product needs; the kernels compute output panels
// [panel_begin, panel_end) for all rows.
struct Int8GemmArgs {
  const std::uint8_t* a = nullptr;  // [rows, 4 * groups] activations + 128
  const float* row_scales = nullptr;  // [rows] activation scale per row
  Eigen::Index rows = 0;
  const std::int8_t* w = nullptr;  // packed weights (layout above)
  Eigen::Index groups = 0;         // K / 4, rounded up
  const std::int32_t* offsets = nullptr;  // [panels * 16] 128 * sum_k q(n, k)
  const float* scales = nullptr;          // [panels * 16] weight scale per channel
  const float* bias = nullptr;            // [panels * 16]
  Eigen::Index out = 0;                   // real output channels
  float* y = nullptr;                     // [rows, out], row stride ldy
  Eigen::Index ldy = 0;
};

// Smallest max|x| quantised: below it the scale max|x| / 127 would be
// subnormal (and 127 / max|x| overflow); such rows count as all zero.
constexpr float kInt8MinRange = 127 * std::numeric_limits<float>::min();

// Rows the int8 codes cannot describe: (nearly) all zero (scale 1) or
// holding NaN or Inf (`max_abs` not finite: scale NaN, so the output row is
// NaN as a float product's would be). Their codes are all 0. False for an
// ordinary row.
inline bool special_row(float max_abs, Eigen::Index k, std::uint8_t* out, float& scale) {
  if (max_abs >= kInt8MinRange && max_abs <= std::numeric_limits<float>::max()) return false;
  std::fill_n(out, k, std::uint8_t{128});
  scale = max_abs < kInt8MinRange ? 1.0f : std::numeric_limits<float>::quiet_NaN();
  return true;
}

// One activation to its stored byte: round(x * inverse) clamped to
// [-127, 127], + 128. The scalar step of every quantiser (their vector
// loops compute the same).
inline std::uint8_t quantize_code(float x, float inverse) {
  const float q = std::min(127.0f, std::max(-127.0f, std::nearbyint(x * inverse)));
  return static_cast<std::uint8_t>(static_cast<int>(q) + 128);
}

// Quantises one row of `k` floats symmetrically to [-127, 127] stored + 128
// as u8; returns the scale s (x ~ s * (u8 - 128)), see special_row.
// Rounds half to even (the default FP environment), as the VNNI version.
inline float quantize_row_portable(const float* x, Eigen::Index k, std::uint8_t* out) {
  float max_abs = 0;
  bool nan = false;
  for (Eigen::Index i = 0; i < k; ++i) {
    max_abs = std::max(max_abs, std::abs(x[i]));
    nan |= std::isnan(x[i]);
  }
  float scale = 0;
  if (special_row(nan ? std::numeric_limits<float>::quiet_NaN() : max_abs, k, out, scale))
    return scale;
  const float inverse = 127.0f / max_abs;
  for (Eigen::Index i = 0; i < k; ++i) out[i] = quantize_code(x[i], inverse);
  return max_abs / 127.0f;
}

// y = s_r * scale_n * (acc - 128 * wsum_n) + b_n. Written as one fma so the
// VNNI epilogue (_mm512_fmadd_ps) rounds identically.
inline float int8_epilogue(std::int32_t acc, std::int32_t offset, float row_scale, float scale,
                           float bias) {
  return std::fma(static_cast<float>(acc - offset), row_scale * scale, bias);
}

inline void int8_gemm_portable(const Int8GemmArgs& g, Eigen::Index panel_begin,
                               Eigen::Index panel_end) {
  const Eigen::Index lda = g.groups * kInt8Group;
  for (Eigen::Index p = panel_begin; p < panel_end; ++p) {
    const std::int8_t* panel = g.w + p * g.groups * kInt8Panel * kInt8Group;
    const Eigen::Index first = p * kInt8Panel;
    const Eigen::Index width = std::min(kInt8Panel, g.out - first);
    for (Eigen::Index r = 0; r < g.rows; ++r) {
      const std::uint8_t* a = g.a + r * lda;
      std::int32_t acc[kInt8Panel] = {};
      for (Eigen::Index q = 0; q < g.groups; ++q) {
        const std::int8_t* block = panel + q * kInt8Panel * kInt8Group;
        const std::uint8_t* group = a + q * kInt8Group;
        for (Eigen::Index c = 0; c < kInt8Panel; ++c)
          for (Eigen::Index j = 0; j < kInt8Group; ++j)
            acc[c] += std::int32_t{group[j]} * std::int32_t{block[c * kInt8Group + j]};
      }
      float* y = g.y + r * g.ldy + first;
      for (Eigen::Index c = 0; c < width; ++c)
        y[c] = int8_epilogue(acc[c], g.offsets[first + c], g.row_scales[r], g.scales[first + c],
                             g.bias[first + c]);
    }
  }
}

#if BERTPP_INT8_X86

#define BERTPP_INT8_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni,avx512vl")))

// GCC 12's AVX-512 intrinsics start from `__m512i __Y = __Y;` (an undefined
// value), which -Wuninitialized flags once they are inlined into user code
// (GCC bug 105593, fixed in 12.3).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// 16 floats to int32 codes + 128 (cvtps rounds half to even, like nearbyint).
BERTPP_INT8_TARGET inline __m512i quantize16_vnni(__m512 x, __m512 inverse) {
  const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(x, inverse));
  const __m512i clamped =
      _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(-127)), _mm512_set1_epi32(127));
  return _mm512_add_epi32(clamped, _mm512_set1_epi32(128));
}

BERTPP_INT8_TARGET inline float quantize_row_vnni(const float* x, Eigen::Index k,
                                                  std::uint8_t* out) {
  const Eigen::Index full = k / 16 * 16;
  const __mmask16 tail = lanes16(k - full);
  // |x| as integers: for non-negative floats the bit patterns order as the
  // values do, and every NaN is above infinity, so one integer max finds
  // the largest |x|, or a NaN if there is one.
  const __m512i magnitude = _mm512_set1_epi32(0x7FFFFFFF);
  __m512i max_bits = _mm512_setzero_si512();
  for (Eigen::Index i = 0; i < full; i += 16)
    max_bits = _mm512_max_epu32(max_bits, _mm512_and_si512(_mm512_loadu_si512(x + i), magnitude));
  max_bits = _mm512_max_epu32(max_bits, _mm512_and_si512(_mm512_maskz_loadu_epi32(tail, x + full), magnitude));
  const std::uint32_t bits = _mm512_reduce_max_epu32(max_bits);
  float max_value;
  std::memcpy(&max_value, &bits, sizeof max_value);
  float scale = 0;
  if (special_row(max_value, k, out, scale))
    return scale;
  const __m512 inverse = _mm512_set1_ps(127.0f / max_value);
  for (Eigen::Index i = 0; i < full; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm512_cvtepi32_epi8(quantize16_vnni(_mm512_loadu_ps(x + i), inverse)));
  if (tail)
    _mm512_mask_cvtepi32_storeu_epi8(
        out + full, tail, quantize16_vnni(_mm512_maskz_loadu_ps(tail, x + full), inverse));
  return max_value / 127.0f;
}

// Writes one row of up to 4 panels of accumulators as
// fma(float(acc - offset), s_r * scale, bias), exactly as int8_epilogue.
// The store mask of the output channels of the panel starting at channel
// `first` (the last panel may be partial).
inline __mmask16 int8_panel_mask(const Int8GemmArgs& g, Eigen::Index first) {
  return lanes16(g.out - first);
}

// int8_epilogue on 16 channels: fma(float(acc - offset), s_r * scale, bias).
// Every AVX-512 kernel's floats come from here.
BERTPP_INT8_TARGET inline __m512 int8_epilogue16(__m512i acc, __m512i offset, __m512 row_scale,
                                                 __m512 scale, __m512 bias) {
  const __m512 value = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, offset));
  return _mm512_fmadd_ps(value, _mm512_mul_ps(row_scale, scale), bias);
}

BERTPP_INT8_TARGET inline void int8_store_row(const Int8GemmArgs& g, Eigen::Index row,
                                              Eigen::Index panel, int panels,
                                              const __m512i (&acc)[4]) {
  const __m512 row_scale = _mm512_set1_ps(g.row_scales[row]);
  for (int n = 0; n < panels; ++n) {
    const Eigen::Index first = (panel + n) * kInt8Panel;
    _mm512_mask_storeu_ps(g.y + row * g.ldy + first, int8_panel_mask(g, first),
                          int8_epilogue16(acc[n], _mm512_loadu_si512(g.offsets + first), row_scale,
                                          _mm512_loadu_ps(g.scales + first),
                                          _mm512_loadu_ps(g.bias + first)));
  }
}

// The 16 x 4 weight bytes of panel n of the block at `w` (zero when
// n >= NR: unused, and never read).
template <int n, int NR>
BERTPP_INT8_TARGET inline __m512i int8_load_panel(const std::int8_t* w, Eigen::Index panel_bytes) {
  if constexpr (n < NR)
    return _mm512_load_si512(w + n * panel_bytes);
  else
    return _mm512_setzero_si512();
}

// One row of the micro-kernel: 4 activation bytes broadcast against the NR
// weight vectors. Named accumulators, not an array: GCC keeps a 24-zmm
// array on the stack, storing it on every iteration.
#define BERTPP_INT8_ROW(m)                                                   \
  if constexpr (MR > m) {                                                    \
    std::int32_t four;                                                       \
    __builtin_memcpy(&four, a + m * lda + q * kInt8Group, sizeof four);     \
    const __m512i av = _mm512_set1_epi32(four);                              \
    c##m##0 = _mm512_dpbusd_epi32(c##m##0, av, w0);                          \
    if constexpr (NR > 1) c##m##1 = _mm512_dpbusd_epi32(c##m##1, av, w1);    \
    if constexpr (NR > 2) c##m##2 = _mm512_dpbusd_epi32(c##m##2, av, w2);    \
    if constexpr (NR > 3) c##m##3 = _mm512_dpbusd_epi32(c##m##3, av, w3);    \
  }
#define BERTPP_INT8_STORE(m)                                                 \
  if constexpr (MR > m) {                                                    \
    const __m512i row_acc[4] = {c##m##0, c##m##1, c##m##2, c##m##3};         \
    int8_store_row(g, row + m, panel, NR, row_acc);                          \
  }

// MR (<= 6) rows x NR (<= 4) panels of the output over all of K: per group
// of 4 k, NR weight loads and MR broadcasts feed MR * NR vpdpbusd. 6 x 4
// uses 24 accumulators + 4 weights + 1 broadcast of the 32 zmm registers.
template <int MR, int NR>
BERTPP_INT8_TARGET void int8_micro_kernel(const Int8GemmArgs& g, Eigen::Index row,
                                          Eigen::Index panel) {
  const Eigen::Index lda = g.groups * kInt8Group;
  const Eigen::Index panel_bytes = g.groups * kInt8Panel * kInt8Group;
  const std::uint8_t* a = g.a + row * lda;
  const std::int8_t* w = g.w + panel * panel_bytes;
  const __m512i zero = _mm512_setzero_si512();
  __m512i c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero,
          c13 = zero, c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero,
          c32 = zero, c33 = zero, c40 = zero, c41 = zero, c42 = zero, c43 = zero, c50 = zero,
          c51 = zero, c52 = zero, c53 = zero;
  for (Eigen::Index q = 0; q < g.groups; ++q, w += kInt8Panel * kInt8Group) {
    const __m512i w0 = int8_load_panel<0, NR>(w, panel_bytes),
                  w1 = int8_load_panel<1, NR>(w, panel_bytes),
                  w2 = int8_load_panel<2, NR>(w, panel_bytes),
                  w3 = int8_load_panel<3, NR>(w, panel_bytes);
    BERTPP_INT8_ROW(0)
    BERTPP_INT8_ROW(1)
    BERTPP_INT8_ROW(2)
    BERTPP_INT8_ROW(3)
    BERTPP_INT8_ROW(4)
    BERTPP_INT8_ROW(5)
  }
  BERTPP_INT8_STORE(0)
  BERTPP_INT8_STORE(1)
  BERTPP_INT8_STORE(2)
  BERTPP_INT8_STORE(3)
  BERTPP_INT8_STORE(4)
  BERTPP_INT8_STORE(5)
}

#undef BERTPP_INT8_ROW
#undef BERTPP_INT8_STORE

constexpr int kInt8Rows = 6;    // MR
constexpr int kInt8Panels = 4;  // NR

using Int8MicroKernel = void (*)(const Int8GemmArgs&, Eigen::Index, Eigen::Index);

template <int MR>
constexpr Int8MicroKernel int8_kernel_for_panels(int panels) {
  return panels == 1   ? &int8_micro_kernel<MR, 1>
         : panels == 2 ? &int8_micro_kernel<MR, 2>
         : panels == 3 ? &int8_micro_kernel<MR, 3>
                       : &int8_micro_kernel<MR, 4>;
}

// The kernel for an edge block of `rows` (1..6) x `panels` (1..4).
inline Int8MicroKernel int8_kernel_for(int rows, int panels) {
  switch (rows) {
    case 1: return int8_kernel_for_panels<1>(panels);
    case 2: return int8_kernel_for_panels<2>(panels);
    case 3: return int8_kernel_for_panels<3>(panels);
    case 4: return int8_kernel_for_panels<4>(panels);
    case 5: return int8_kernel_for_panels<5>(panels);
    default: return int8_kernel_for_panels<6>(panels);
  }
}

// Column blocks of NR panels outermost: one block of packed weights
// (64 channels x K bytes) stays in L2 while every row block streams past it.
// Rows from `first_row` on (the AMX kernel leaves it its last rows).
inline void int8_gemm_vnni(const Int8GemmArgs& g, Eigen::Index panel_begin, Eigen::Index panel_end,
                           Eigen::Index first_row = 0) {
  for (Eigen::Index p = panel_begin; p < panel_end; p += kInt8Panels) {
    const int panels = static_cast<int>(std::min<Eigen::Index>(kInt8Panels, panel_end - p));
    const Int8MicroKernel full = int8_kernel_for(kInt8Rows, panels);
    Eigen::Index r = first_row;
    for (; r + kInt8Rows <= g.rows; r += kInt8Rows) full(g, r, p);
    if (r < g.rows) int8_kernel_for(static_cast<int>(g.rows - r), panels)(g, r, p);
  }
}


#if BERTPP_INT8_AMX
// ---------------------------------------------------------------------------
// AMX: blocks of 16 or 32 rows x 2 panels (32 channels) in four int32 C
// tiles; per 64 bytes of K, two A tiles (16 rows x 64 activation bytes) and
// two B tiles (16 groups x 16 channels x 4 bytes, straight from the packed
// weights) feed four tdpbusd. The sums are the same exact integers as the
// VNNI kernel's; they pass through a stack buffer to int8_amx_store (the
// VNNI epilogue's operations), so every float out is bit-identical. Needs groups % 16 == 0
// (whole A tiles; else the caller runs the VNNI kernel); rows past the last
// 16-row block run the VNNI micro-kernels.

#define BERTPP_INT8_AMX_TARGET \
  __attribute__((target("avx512f,avx512bw,avx512vnni,avx512vl,amx-tile,amx-int8")))

constexpr Eigen::Index kAmxRows = 16;    // rows of an A or C tile
constexpr Eigen::Index kAmxGroups = 16;  // k groups of 4 in one A tile row (64 bytes)

// The 64-byte tile configuration (palette 1) ldtilecfg reads.
struct alignas(64) AmxTileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {};
  std::uint8_t rows[16] = {};
};

// Tiles 0-3: C (row block i, panel j at 2i + j); 4, 5: A; 6, 7: B. All 16 x 64 bytes.
BERTPP_INT8_AMX_TARGET inline void amx_configure() {
  AmxTileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.bytes_per_row[t] = 64;
    config.rows[t] = 16;
  }
  // GCC's _tile_loadconfig tells the compiler it reads only the first 8
  // bytes: an empty asm reading the whole struct keeps the stores above
  // (else dead-store elimination may drop them and tile instructions fault).
  __asm__ volatile("" : : "m"(config));
  _tile_loadconfig(&config);
}

// GCC's tile loads and stores are asm statements that do not tell the
// compiler they touch memory: this barrier makes it write everything the
// tiles will read (the activation codes) before them, and reload what they
// wrote (the sums buffer) after them.
inline void amx_memory_barrier() { __asm__ volatile("" ::: "memory"); }

// int8_store_row for `count` rows of sums (row stride 32) and `panels`
// (1, 2) panels from `p`, the per-channel vectors loaded once.
BERTPP_INT8_AMX_TARGET inline void int8_amx_store(const Int8GemmArgs& g, Eigen::Index row,
                                                  Eigen::Index count, Eigen::Index p, int panels,
                                                  const std::int32_t (*sums)[2 * kInt8Panel]) {
  // Locals: stores through `y` could alias g's fields as far as the compiler knows.
  float* const y = g.y + row * g.ldy + p * kInt8Panel;
  const Eigen::Index ldy = g.ldy;
  const float* const row_scales = g.row_scales + row;
  __m512i offset[2];
  __m512 scale[2], bias[2];
  __mmask16 mask[2];
  for (int n = 0; n < 2; ++n) {
    const Eigen::Index first = (p + std::min(n, panels - 1)) * kInt8Panel;  // panel 2 of 1: unused
    mask[n] = int8_panel_mask(g, first);
    offset[n] = _mm512_loadu_si512(g.offsets + first);
    scale[n] = _mm512_loadu_ps(g.scales + first);
    bias[n] = _mm512_loadu_ps(g.bias + first);
  }
  for (Eigen::Index m = 0; m < count; ++m) {
    const __m512 row_scale = _mm512_set1_ps(row_scales[m]);
    for (int n = 0; n < panels; ++n)
      _mm512_mask_storeu_ps(y + m * ldy + n * kInt8Panel, mask[n],
                            int8_epilogue16(_mm512_load_si512(&sums[m][n * kInt8Panel]), offset[n],
                                            row_scale, scale[n], bias[n]));
  }
}

// A finished block whose sums wait in a stack buffer for the epilogue,
// which runs a few rows at a time between the next block's tdpbusd (the
// vector units then work while the tile unit does).
struct AmxPendingBlock {
  Eigen::Index row = 0, p = 0, rows = 0, done = 0;
  int panels = 0;
  const std::int32_t (*sums)[2 * kInt8Panel] = nullptr;
};

// Writes the pending block's rows [done, upto).
BERTPP_INT8_AMX_TARGET inline void int8_amx_drain(const Int8GemmArgs& g, AmxPendingBlock& pending,
                                                  Eigen::Index upto) {
  upto = std::min(upto, pending.rows);
  if (pending.done >= upto) return;
  int8_amx_store(g, pending.row + pending.done, upto - pending.done, pending.p, pending.panels,
                 pending.sums + pending.done);
  pending.done = upto;
}

// RowTiles (1 or 2) x 16 rows from `row`, panels p and p + 1 (when
// `two_panels`), all of K, into `sums`; finishes `pending` on the way and
// leaves this block pending in its place.
template <int RowTiles>
BERTPP_INT8_AMX_TARGET void int8_amx_block(const Int8GemmArgs& g, Eigen::Index row, Eigen::Index p,
                                           bool two_panels, std::int32_t (*sums)[2 * kInt8Panel],
                                           AmxPendingBlock& pending) {
  const Eigen::Index lda = g.groups * kInt8Group;
  const Eigen::Index panel_bytes = g.groups * kInt8Panel * kInt8Group;
  const std::uint8_t* a = g.a + row * lda;
  const std::int8_t* w = g.w + p * panel_bytes;
  const Eigen::Index steps = g.groups / kAmxGroups;
  const Eigen::Index rows_per_step = (pending.rows - pending.done + steps - 1) / steps;
  _tile_zero(0);
  _tile_zero(1);
  if constexpr (RowTiles == 2) {
    _tile_zero(2);
    _tile_zero(3);
  }
  for (Eigen::Index step = 0; step < steps; ++step) {
    // Named addresses, not expressions: GCC 11's tile macros paste the
    // argument after a (const void*) cast.
    const std::uint8_t* const a_upper = a + step * kAmxGroups * kInt8Group;
    const std::uint8_t* const a_lower = a_upper + kAmxRows * lda;
    const std::int8_t* const w_first = w + step * kAmxGroups * kInt8Panel * kInt8Group;
    const std::int8_t* const w_second = w_first + panel_bytes;
    _tile_loadd(4, a_upper, lda);
    _tile_loadd(6, w_first, 64);
    _tile_dpbusd(0, 4, 6);
    if (two_panels) {
      _tile_loadd(7, w_second, 64);
      _tile_dpbusd(1, 4, 7);
    }
    if constexpr (RowTiles == 2) {
      _tile_loadd(5, a_lower, lda);
      _tile_dpbusd(2, 5, 6);
      if (two_panels) _tile_dpbusd(3, 5, 7);
    }
    int8_amx_drain(g, pending, pending.done + rows_per_step);
  }
  int8_amx_drain(g, pending, pending.rows);
  constexpr Eigen::Index kStride = sizeof(sums[0]);
  std::int32_t* const upper_first = &sums[0][0];
  std::int32_t* const upper_second = &sums[0][kInt8Panel];
  std::int32_t* const lower_first = &sums[kAmxRows][0];
  std::int32_t* const lower_second = &sums[kAmxRows][kInt8Panel];
  _tile_stored(0, upper_first, kStride);
  _tile_stored(1, upper_second, kStride);
  if constexpr (RowTiles == 2) {
    _tile_stored(2, lower_first, kStride);
    _tile_stored(3, lower_second, kStride);
  }
  amx_memory_barrier();
  pending = {row, p, RowTiles * kAmxRows, 0, two_panels ? 2 : 1, sums};
}

BERTPP_INT8_AMX_TARGET inline void int8_gemm_amx(const Int8GemmArgs& g, Eigen::Index panel_begin,
                                                 Eigen::Index panel_end) {
  if (g.groups % kAmxGroups != 0 || g.rows < kAmxRows) return int8_gemm_vnni(g, panel_begin, panel_end);
  amx_memory_barrier();
  amx_configure();  // tile state is per thread: every call configures its own
  const Eigen::Index tiled_rows = g.rows / kAmxRows * kAmxRows;
  alignas(64) std::int32_t sums[2][2 * kAmxRows][2 * kInt8Panel];  // this block's and the pending one's
  int buffer = 0;
  AmxPendingBlock pending;
  // Column blocks whose packed weights fill a quarter of L2; within one, row
  // blocks outermost, so that the output is written a few rows at a time
  // (a column pair down all rows touches a page per row: TLB misses).
  const Eigen::Index panel_bytes = g.groups * kInt8Panel * kInt8Group;
  const Eigen::Index block_panels = std::max<Eigen::Index>(1, cpu_info().l2_bytes / 4 / panel_bytes / 2) * 2;
  for (Eigen::Index first = panel_begin; first < panel_end; first += block_panels) {
    const Eigen::Index last = std::min(panel_end, first + block_panels);
    for (Eigen::Index r = 0; r < tiled_rows; r += 2 * kAmxRows)
      for (Eigen::Index p = first; p < last; p += 2, buffer ^= 1) {
        if (r + 2 * kAmxRows <= tiled_rows)
          int8_amx_block<2>(g, r, p, p + 1 < last, sums[buffer], pending);
        else
          int8_amx_block<1>(g, r, p, p + 1 < last, sums[buffer], pending);
      }
  }
  int8_amx_drain(g, pending, pending.rows);
  _tile_release();
  int8_gemm_vnni(g, panel_begin, panel_end, tiled_rows);  // the rows past the last whole tile
}

#undef BERTPP_INT8_AMX_TARGET
#endif  // BERTPP_INT8_AMX

// ---------------------------------------------------------------------------
// 256-bit kernels: MR (<= 4) rows x one panel of 16 channels (two ymm of 8
// int32 sums), the same packed weights and the same integer sums, so the
// same floats out (the epilogue is int8_epilogue, one fma per output).
//  - AVX-VNNI: vpdpbusd on ymm, u8 activations (a + 128) x s8 weights, as
//    the AVX-512 kernel; the 128 * sum_k q offset is subtracted after.
//  - AVX2: vpmaddubsw multiplies u8 x s8 into int16 pair sums, which
//    saturate for (a + 128) x q (2 * 255 * 127 > 32767). Instead it
//    multiplies |q| (u8, <= 127) by a * sign(q) (s8, |.| <= 127, a = the
//    stored byte ^ 0x80): a pair sums to at most 2 * 127 * 127 = 32258, so
//    nothing saturates and vpmaddwd then sums exactly in int32. The result
//    is sum_k a q directly: no offset to subtract. Exact, not approximate.

#define BERTPP_INT8_AVX2_TARGET __attribute__((target("avx2,fma")))
#define BERTPP_INT8_AVXVNNI_TARGET __attribute__((target("avx2,fma,avxvnni")))

// 8 floats to int32 codes + 128, as quantize16_vnni.
BERTPP_INT8_AVX2_TARGET inline __m256i quantize8_avx2(__m256 inverse, const float* x) {
  const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inverse));
  const __m256i clamped =
      _mm256_min_epi32(_mm256_max_epi32(q, _mm256_set1_epi32(-127)), _mm256_set1_epi32(127));
  return _mm256_add_epi32(clamped, _mm256_set1_epi32(128));
}

// quantize_row_portable with AVX2: the same bytes (the maximum is exact in
// any order; cvtps rounds half to even like nearbyint). 32 floats per step:
// two saturating packs give the bytes in 4-lane groups, one permute orders
// them.
BERTPP_INT8_AVX2_TARGET inline float quantize_row_avx2(const float* x, Eigen::Index k,
                                                      std::uint8_t* out) {
  // The largest |x| (or a NaN) by an integer max of the magnitude bits, as
  // quantize_row_vnni.
  const __m256i magnitude = _mm256_set1_epi32(0x7FFFFFFF);
  __m256i max_bits = _mm256_setzero_si256();
  Eigen::Index i = 0;
  for (; i + 8 <= k; i += 8)
    max_bits = _mm256_max_epu32(
        max_bits, _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), magnitude));
  alignas(32) std::uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), max_bits);
  std::uint32_t bits = 0;
  for (std::uint32_t lane : lanes) bits = std::max(bits, lane);
  for (Eigen::Index t = i; t < k; ++t) {
    std::uint32_t value;
    std::memcpy(&value, x + t, sizeof value);
    bits = std::max(bits, value & 0x7FFFFFFFu);
  }
  float max_value;
  std::memcpy(&max_value, &bits, sizeof max_value);
  float scale = 0;
  if (special_row(max_value, k, out, scale)) return scale;
  const float inverse_value = 127.0f / max_value;
  const __m256 inverse = _mm256_set1_ps(inverse_value);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  Eigen::Index j = 0;
  for (; j + 32 <= k; j += 32) {
    const __m256i ab = _mm256_packs_epi32(quantize8_avx2(inverse, x + j), quantize8_avx2(inverse, x + j + 8));
    const __m256i cd = _mm256_packs_epi32(quantize8_avx2(inverse, x + j + 16), quantize8_avx2(inverse, x + j + 24));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j),
                        _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order));
  }
  for (; j < k; ++j) out[j] = quantize_code(x[j], inverse_value);
  return max_value / 127.0f;
}

// One row's 16 int32 sums of a panel through the epilogue, 8 lanes at a
// time: fma(float(acc - offset), s_r * scale, bias), the operations of
// int8_epilogue in the same order, so every path writes the same floats.
// `subtract_offsets`: the sums include the 128 * sum_k q shift. The
// per-channel arrays are padded to whole panels (full-width loads).
BERTPP_INT8_AVX2_TARGET inline void int8_store_sums_ymm(const Int8GemmArgs& g, Eigen::Index row,
                                                       Eigen::Index panel, __m256i low,
                                                       __m256i high, bool subtract_offsets) {
  const Eigen::Index first = panel * kInt8Panel;
  const Eigen::Index width = std::min(kInt8Panel, g.out - first);
  const __m256 row_scale = _mm256_set1_ps(g.row_scales[row]);
  float* y = g.y + row * g.ldy + first;
  const __m256i sums[2] = {low, high};
  for (int half = 0; half < 2; ++half) {
    const Eigen::Index lane0 = half * 8, valid = std::min<Eigen::Index>(8, width - lane0);
    if (valid <= 0) break;
    __m256i acc = sums[half];
    if (subtract_offsets)
      acc = _mm256_sub_epi32(
          acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.offsets + first + lane0)));
    const __m256 combined = _mm256_mul_ps(row_scale, _mm256_loadu_ps(g.scales + first + lane0));
    const __m256 value = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc), combined,
                                         _mm256_loadu_ps(g.bias + first + lane0));
    if (valid == 8) {
      _mm256_storeu_ps(y + lane0, value);
    } else {
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(valid)),
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      _mm256_maskstore_ps(y + lane0, mask, value);
    }
  }
}

#define BERTPP_INT8_YMM_STORE(m) \
  if constexpr (MR > m) int8_store_sums_ymm(g, row + m, panel, c##m##0, c##m##1, kOffsets);

// AVX2: 4 rows (its pair-sum scheme needs more registers per row).
template <int MR>
BERTPP_INT8_AVX2_TARGET void int8_kernel_avx2(const Int8GemmArgs& g, Eigen::Index row,
                                              Eigen::Index panel) {
  constexpr bool kOffsets = false;
  const Eigen::Index lda = g.groups * kInt8Group;
  const std::uint8_t* a = g.a + row * lda;
  const std::int8_t* w = g.w + panel * g.groups * kInt8Panel * kInt8Group;
  const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8(static_cast<char>(0x80));
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00;
  for (Eigen::Index q = 0; q < g.groups; ++q, w += kInt8Panel * kInt8Group) {
    const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32));
    const __m256i abs0 = _mm256_sign_epi8(w0, w0), abs1 = _mm256_sign_epi8(w1, w1);
#define BERTPP_INT8_AVX2_ROW(m)                                                              \
    if constexpr (MR > m) {                                                                 \
      std::int32_t four;                                                                    \
      __builtin_memcpy(&four, a + m * lda + q * kInt8Group, sizeof four);                  \
      const __m256i av = _mm256_xor_si256(_mm256_set1_epi32(four), flip); /* a, signed */  \
      c##m##0 = _mm256_add_epi32(c##m##0, _mm256_madd_epi16(                                \
          _mm256_maddubs_epi16(abs0, _mm256_sign_epi8(av, w0)), ones));                     \
      c##m##1 = _mm256_add_epi32(c##m##1, _mm256_madd_epi16(                                \
          _mm256_maddubs_epi16(abs1, _mm256_sign_epi8(av, w1)), ones));                     \
    }
    BERTPP_INT8_AVX2_ROW(0)
    BERTPP_INT8_AVX2_ROW(1)
    BERTPP_INT8_AVX2_ROW(2)
    BERTPP_INT8_AVX2_ROW(3)
#undef BERTPP_INT8_AVX2_ROW
  }
  BERTPP_INT8_YMM_STORE(0)
  BERTPP_INT8_YMM_STORE(1)
  BERTPP_INT8_YMM_STORE(2)
  BERTPP_INT8_YMM_STORE(3)
}

// AVX-VNNI: 6 rows, 12 accumulators (+ 2 weights + 1 broadcast of the 16
// ymm registers), enough independent vpdpbusd to cover their latency.
template <int MR>
BERTPP_INT8_AVXVNNI_TARGET void int8_kernel_avx_vnni(const Int8GemmArgs& g, Eigen::Index row,
                                                     Eigen::Index panel) {
  constexpr bool kOffsets = true;
  const Eigen::Index lda = g.groups * kInt8Group;
  const std::uint8_t* a = g.a + row * lda;
  const std::int8_t* w = g.w + panel * g.groups * kInt8Panel * kInt8Group;
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
          c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (Eigen::Index q = 0; q < g.groups; ++q, w += kInt8Panel * kInt8Group) {
    const __m256i w0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i w1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32));
#define BERTPP_INT8_VNNI256_ROW(m)                                          \
    if constexpr (MR > m) {                                                \
      std::int32_t four;                                                   \
      __builtin_memcpy(&four, a + m * lda + q * kInt8Group, sizeof four); \
      const __m256i av = _mm256_set1_epi32(four);                          \
      c##m##0 = _mm256_dpbusd_avx_epi32(c##m##0, av, w0);                  \
      c##m##1 = _mm256_dpbusd_avx_epi32(c##m##1, av, w1);                  \
    }
    BERTPP_INT8_VNNI256_ROW(0)
    BERTPP_INT8_VNNI256_ROW(1)
    BERTPP_INT8_VNNI256_ROW(2)
    BERTPP_INT8_VNNI256_ROW(3)
    BERTPP_INT8_VNNI256_ROW(4)
    BERTPP_INT8_VNNI256_ROW(5)
#undef BERTPP_INT8_VNNI256_ROW
  }
  BERTPP_INT8_YMM_STORE(0)
  BERTPP_INT8_YMM_STORE(1)
  BERTPP_INT8_YMM_STORE(2)
  BERTPP_INT8_YMM_STORE(3)
  BERTPP_INT8_YMM_STORE(4)
  BERTPP_INT8_YMM_STORE(5)
}

#undef BERTPP_INT8_YMM_STORE

// Panels outermost (one panel's weights, 16 x K bytes, stay in L1 while
// the rows stream past), MR rows at a time; Kernel<r> for r = 1..MR.
template <int MR, template <int> class Kernel>
void int8_gemm_ymm(const Int8GemmArgs& g, Eigen::Index panel_begin, Eigen::Index panel_end) {
  using Fn = void (*)(const Int8GemmArgs&, Eigen::Index, Eigen::Index);
  const Fn edge = [&]() -> Fn {
    switch (g.rows % MR) {
      case 1: return Kernel<1>::run;
      case 2: return Kernel<2>::run;
      case 3: return Kernel<3>::run;
      case 4: if constexpr (MR > 4) return Kernel<4>::run; else return nullptr;
      case 5: if constexpr (MR > 5) return Kernel<5>::run; else return nullptr;
      default: return nullptr;
    }
  }();
  const Eigen::Index full_rows = g.rows - g.rows % MR;
  for (Eigen::Index p = panel_begin; p < panel_end; ++p) {
    for (Eigen::Index r = 0; r < full_rows; r += MR) Kernel<MR>::run(g, r, p);
    if (edge) edge(g, full_rows, p);
  }
}

template <int MR> struct Int8Avx2Kernel { static constexpr auto run = &int8_kernel_avx2<MR>; };
template <int MR> struct Int8AvxVnniKernel { static constexpr auto run = &int8_kernel_avx_vnni<MR>; };

inline void int8_gemm_avx2(const Int8GemmArgs& g, Eigen::Index panel_begin, Eigen::Index panel_end) {
  int8_gemm_ymm<4, Int8Avx2Kernel>(g, panel_begin, panel_end);
}

inline void int8_gemm_avx_vnni(const Int8GemmArgs& g, Eigen::Index panel_begin,
                               Eigen::Index panel_end) {
  int8_gemm_ymm<6, Int8AvxVnniKernel>(g, panel_begin, panel_end);
}

#undef BERTPP_INT8_AVX2_TARGET
#undef BERTPP_INT8_AVXVNNI_TARGET

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#undef BERTPP_INT8_TARGET

#endif

// True when the AVX-512 VNNI or the AMX kernel runs on this CPU.
inline bool int8_vnni_available() {
  const Int8Path path = int8_path();
  return path == Int8Path::Avx512Vnni || path == Int8Path::Amx;
}

// The path a kernel request runs on this CPU.
inline Int8Path int8_resolve(Int8Kernel kernel) {
  const CpuInfo& cpu = cpu_info();
  switch (kernel) {
    case Int8Kernel::Auto: return int8_path();
    case Int8Kernel::Avx2: return cpu.avx2_fma ? Int8Path::Avx2 : Int8Path::Portable;
    case Int8Kernel::AvxVnni: return cpu.avx_vnni ? Int8Path::AvxVnni : Int8Path::Portable;
    case Int8Kernel::Avx512Vnni: return cpu.avx512_vnni ? Int8Path::Avx512Vnni : Int8Path::Portable;
    case Int8Kernel::Amx: return BERTPP_INT8_AMX && amx_permitted() ? Int8Path::Amx : Int8Path::Portable;
    case Int8Kernel::Portable: break;
  }
  return Int8Path::Portable;
}

// One row of activations to u8 with the chosen implementation (all give
// the same bytes).
inline float quantize_row(Int8Kernel kernel, const float* x, Eigen::Index k, std::uint8_t* out) {
#if BERTPP_INT8_X86
  switch (int8_resolve(kernel)) {
    case Int8Path::Amx:
    case Int8Path::Avx512Vnni: return quantize_row_vnni(x, k, out);
    case Int8Path::AvxVnni:
    case Int8Path::Avx2: return quantize_row_avx2(x, k, out);
    case Int8Path::Portable: break;
  }
#endif
  return quantize_row_portable(x, k, out);
}

inline void int8_gemm(Int8Kernel kernel, const Int8GemmArgs& g, Eigen::Index panel_begin,
                      Eigen::Index panel_end) {
#if BERTPP_INT8_X86
  switch (int8_resolve(kernel)) {
    case Int8Path::Amx:
#if BERTPP_INT8_AMX
      return int8_gemm_amx(g, panel_begin, panel_end);
#endif
    case Int8Path::Avx512Vnni: return int8_gemm_vnni(g, panel_begin, panel_end);
    case Int8Path::AvxVnni: return int8_gemm_avx_vnni(g, panel_begin, panel_end);
    case Int8Path::Avx2: return int8_gemm_avx2(g, panel_begin, panel_end);
    case Int8Path::Portable: break;
  }
#endif
  (void)kernel;
  int8_gemm_portable(g, panel_begin, panel_end);
}

}  // namespace detail
}  // namespace bertpp
