// The CPU's fp32 FMA peak, to read bertpp's GFLOP/s against (not a test):
// 12 independent FMA chains per thread (enough to fill two FMA ports of
// latency 4), AVX2 and AVX-512, on 1 thread and on N threads; where the CPU
// has AMX, also the int8 tile peak (four independent tdpbusd chains, the
// int8 kernel's 2 x 2 tiles, operands already in tiles).
//
//   bertpp-bench-fma_peak [threads]      (default: every core)
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/int8_gemm.hpp"

namespace {

constexpr long kIterations = 100'000'000;

#define BERTPP_FMA12(fma)                                                                       \
  a0 = fma(a0, b, c); a1 = fma(a1, b, c); a2 = fma(a2, b, c); a3 = fma(a3, b, c);               \
  a4 = fma(a4, b, c); a5 = fma(a5, b, c); a6 = fma(a6, b, c); a7 = fma(a7, b, c);               \
  a8 = fma(a8, b, c); a9 = fma(a9, b, c); a10 = fma(a10, b, c); a11 = fma(a11, b, c)

__attribute__((target("avx2,fma"))) float chains_avx2() {
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3),
         a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7),
         a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
  for (long i = 0; i < kIterations; ++i) { BERTPP_FMA12(_mm256_fmadd_ps); }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                 _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)),
                                               _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11))));
  return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f"))) float chains_avx512() {
  const __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  __m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2), a3 = _mm512_set1_ps(3),
         a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5), a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7),
         a8 = _mm512_set1_ps(8), a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11);
  for (long i = 0; i < kIterations; ++i) { BERTPP_FMA12(_mm512_fmadd_ps); }
  const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                 _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)),
                                               _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11))));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);  // (not _mm512_reduce_add_ps: GCC 12 warns inside it)
  return lanes[0] + lanes[15];
}

#if BERTPP_INT8_AMX
constexpr long kAmxIterations = kIterations / 20;

// Each iteration: 4 tdpbusd of 16 x 16 x 64 = 16,384 multiply-adds.
__attribute__((target("avx512f,amx-tile,amx-int8"))) float chains_amx() {
  alignas(64) static const std::uint8_t operands[1024] = {1};
  bertpp::detail::amx_configure();
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, operands, 64);
  _tile_loadd(5, operands, 64);
  _tile_loadd(6, operands, 64);
  _tile_loadd(7, operands, 64);
  for (long i = 0; i < kAmxIterations; ++i) {
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  alignas(64) std::int32_t sums[16][16];
  _tile_stored(0, sums, 64);
  bertpp::detail::amx_memory_barrier();  // the store is an asm GCC does not see writing `sums`
  _tile_release();
  return static_cast<float>(sums[0][0]);
}
#endif

// Best of 3 runs, G(FL)OP/s over `threads` threads (2 per multiply-add),
// `lanes` multiply-adds per instruction of `chains`' 12 per iteration.
double peak(float (*chains)(), double lanes, int threads, long iterations = kIterations,
            int per_iteration = 12) {
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    std::vector<float> sink(static_cast<std::size_t>(threads));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sink[static_cast<std::size_t>(t)] = chains(); });
    for (std::thread& t : pool) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double gflops =
        threads * static_cast<double>(iterations) * per_iteration * lanes * 2 / seconds / 1e9;
    if (gflops > best) best = gflops;
    if (sink[0] == 12345.f) std::printf(" ");  // keep the result alive
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int threads = argc > 1 ? std::atoi(argv[1]) : (cores > 0 ? cores : 1);
  const bertpp::detail::CpuInfo cpu = bertpp::detail::detect_cpu();
  for (int n : {1, threads}) {
    if (cpu.avx2_fma) std::printf("%d thread(s), AVX2 FMA:    %6.0f GFLOP/s\n", n, peak(chains_avx2, 8, n));
    if (cpu.avx512) std::printf("%d thread(s), AVX-512 FMA: %6.0f GFLOP/s\n", n, peak(chains_avx512, 16, n));
#if BERTPP_INT8_AMX
    if (bertpp::detail::amx_permitted())
      std::printf("%d thread(s), AMX int8:    %6.0f GOP/s\n", n,
                  peak(chains_amx, 16 * 16 * 64, n, kAmxIterations, 4));
#endif
  }
}
