// The Linear kernels alone, one thread (not a test): fp32 GEMM on each
// instruction-set level and int8 on each path this CPU has, over the Linear
// shapes of bert-base and MiniLM-L6 with 128 rows (one 128-token sequence).
// Weights stay in cache between repetitions, so this is the kernels'
// compute rate; read it against bertpp-bench-fma_peak's one-thread figure.
// int8 figures include quantising the activations (part of every call).
//
//   bertpp-bench-gemm_kernels [rows]      (default 128)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bertpp/detail/sgemm.hpp"
#include "bertpp/nn/quantized.hpp"
#include "bertpp/runtime.hpp"

namespace {

struct Shape {
  const char* what;
  Eigen::Index in, out;
};

// Best of 5 timings of `reps` calls, in seconds per call.
template <typename Fn>
double best_seconds(long reps, Fn&& fn) {
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < reps; ++i) fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / reps);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const Eigen::Index rows = argc > 1 ? std::atol(argv[1]) : 128;
  if (rows <= 0) {
    std::fprintf(stderr, "usage: bertpp-bench-gemm_kernels [rows]\n");
    return 2;
  }
  bertpp::set_num_threads(1);
  using bertpp::InstructionSet;
  using bertpp::detail::Int8Kernel;
  using bertpp::detail::Int8Path;
  const bertpp::detail::CpuInfo& cpu = bertpp::detail::cpu_info();

  struct Fp32Level { const char* name; InstructionSet level; bool available; };
  const Fp32Level fp32[] = {{"fp32 avx512", InstructionSet::Avx512, cpu.avx512 && cpu.avx2_fma},
                            {"fp32 avx2", InstructionSet::Avx2, cpu.avx2_fma}};
  struct Int8Level { const char* name; Int8Kernel kernel; };
  const Int8Level int8[] = {{"int8 amx", Int8Kernel::Amx},
                            {"int8 avx512-vnni", Int8Kernel::Avx512Vnni},
                            {"int8 avx-vnni", Int8Kernel::AvxVnni},
                            {"int8 avx2", Int8Kernel::Avx2}};
  const Shape shapes[] = {{"bert-base qkv", 768, 2304},      {"bert-base attn-out", 768, 768},
                          {"bert-base ffn-in", 768, 3072},   {"bert-base ffn-out", 3072, 768},
                          {"minilm qkv", 384, 1152},         {"minilm attn-out", 384, 384},
                          {"minilm ffn-in", 384, 1536},      {"minilm ffn-out", 1536, 384}};

  std::printf("one thread, %ld rows, G(FL)OP/s (2 per multiply-add), best of 5\n", static_cast<long>(rows));
  std::printf("%-20s %6s %6s", "shape", "in", "out");
  for (const auto& f : fp32) if (f.available) std::printf(" %17s", f.name);
  for (const auto& q : int8)
    if (bertpp::detail::int8_resolve(q.kernel) != Int8Path::Portable) std::printf(" %17s", q.name);
  std::printf("\n");

  for (const Shape& s : shapes) {
    const bertpp::Matrix w = bertpp::Matrix::Random(s.out, s.in), x = bertpp::Matrix::Random(rows, s.in),
                         bias = bertpp::Matrix::Random(1, s.out);
    bertpp::Matrix y(rows, s.out);
    const double ops = 2.0 * static_cast<double>(rows * s.in * s.out);
    const long reps = std::max(1L, static_cast<long>(2e9 / ops));
    std::printf("%-20s %6ld %6ld", s.what, static_cast<long>(s.in), static_cast<long>(s.out));

    const auto packed = bertpp::detail::PackedWeights::pack(w.data(), bias.data(), s.out, s.in);
    bertpp::detail::GemmArgs g;
    g.a = x.data();
    g.lda = x.outerStride();
    g.rows = rows;
    g.depth = s.in;
    g.b = packed.operand();
    g.bias = packed.bias.data();
    g.c = y.data();
    g.ldc = y.outerStride();
    for (const auto& f : fp32) {
      if (!f.available) continue;
      const double t = best_seconds(reps, [&] { bertpp::detail::sgemm(f.level, g, 0, s.out); });
      std::printf(" %17.1f", ops / t * 1e-9);
    }

    const auto layer = bertpp::QuantizedLinear::quantize(w, bias);
    for (const auto& q : int8) {
      if (bertpp::detail::int8_resolve(q.kernel) == Int8Path::Portable) continue;
      const double t = best_seconds(reps, [&] { layer.forward_using(q.kernel, x, y); });
      std::printf(" %17.1f", ops / t * 1e-9);
    }
    std::printf("\n");
  }
}
