// The float32 GEMM kernels (detail/sgemm.hpp) on every instruction-set level
// this CPU has, against a double-precision reference computed here with
// plain loops and against Eigen's product: packed weights, unpacked weights
// (blocks packed on the fly), row-major B, odd shapes, fused activations,
// strided blocks, and the dispatch cap (set_cpu_features, BERTPP_ISA).
#include <bertpp/detail/cpu_features.hpp>
#include <bertpp/detail/sgemm.hpp>
#include <bertpp/error.hpp>
#include <bertpp/nn/layers.hpp>
#include <bertpp/runtime.hpp>

#include "support/pattern_matrix.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

using bertpp::InstructionSet;
using bertpp::Matrix;
using bertpp_test::pattern;

namespace {

// Restores the process's cap when a test ends.
struct CapGuard {
  InstructionSet saved = bertpp::cpu_features();
  ~CapGuard() { bertpp::set_cpu_features(InstructionSet::Avx512); bertpp::set_cpu_features(saved); }
};

// Every level this CPU runs, portable first.
std::vector<InstructionSet> levels() {
  std::vector<InstructionSet> all = {InstructionSet::Portable};
  if (bertpp::supported_cpu_features() >= InstructionSet::Avx2) all.push_back(InstructionSet::Avx2);
  if (bertpp::supported_cpu_features() >= InstructionSet::Avx512) all.push_back(InstructionSet::Avx512);
  return all;
}

bertpp::Parameter parameter(const Matrix& m) { return {m.data(), m.rows(), m.cols()}; }

// |got - x W^T - b| <= 1e-5 * (sum_k |x_k W_k| + |b|) per element, the
// reference summed in double: a bound on the float rounding of any order.
void check_close(const Matrix& got, const Matrix& x, const Matrix& w, const Matrix& b,
                 const std::string& what) {
  REQUIRE(got.rows() == x.rows());
  REQUIRE(got.cols() == w.rows());
  int bad = 0;
  double worst = 0;
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (Eigen::Index n = 0; n < w.rows(); ++n) {
      double sum = b(0, n), magnitude = std::abs(double(b(0, n)));
      for (Eigen::Index k = 0; k < x.cols(); ++k) {
        sum += double(x(r, k)) * double(w(n, k));
        magnitude += std::abs(double(x(r, k)) * double(w(n, k)));
      }
      const double error = std::abs(double(got(r, n)) - sum) / std::max(magnitude, 1e-30);
      worst = std::max(worst, error);
      bad += !(error <= 1e-5);
    }
  INFO(what << ": worst relative error " << worst);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("packed and unpacked Linear match the reference on every level, odd shapes") {
  CapGuard guard;
  const Eigen::Index shapes[][3] = {{1, 1, 1},    {1, 7, 15},    {5, 16, 16},  {6, 17, 17},
                                    {7, 64, 63},  {13, 100, 65}, {2, 3, 130},  {19, 129, 200},
                                    {130, 768, 96}, {37, 1030, 48}};
  for (InstructionSet level : levels()) {
    bertpp::set_cpu_features(level);
    for (const auto& shape : shapes) {
      const Eigen::Index rows = shape[0], in = shape[1], out = shape[2];
      const Matrix x = pattern(rows, in, 1), w = pattern(out, in, 2), b = pattern(1, out, 3);
      bertpp::Linear linear{parameter(w), parameter(b)};
      const std::string what = std::string(bertpp::instruction_set_name(level)) + " " +
                               std::to_string(rows) + "x" + std::to_string(in) + "->" +
                               std::to_string(out);
      check_close(linear(x), x, w, b, what + " unpacked");
      bertpp::set_cpu_features(InstructionSet::Avx512);  // pack() skips under portable
      linear.pack();
      bertpp::set_cpu_features(level);
      REQUIRE(linear.is_packed());
      check_close(linear(x), x, w, b, what + " packed");
    }
  }
}

TEST_CASE("every level stays within 1e-5 relative of Eigen's product at BERT's shapes") {
  CapGuard guard;
  const Matrix x = pattern(70, 768, 4), w = pattern(3072, 768, 5), b = pattern(1, 3072, 6);
  Matrix eigen = x * w.transpose();
  eigen.rowwise() += b.row(0);
  bertpp::Linear linear{parameter(w), parameter(b)};
  linear.pack();
  for (InstructionSet level : levels()) {
    bertpp::set_cpu_features(level);
    const Matrix got = linear(x);
    const float scale = eigen.cwiseAbs().maxCoeff();
    INFO(bertpp::instruction_set_name(level) << ": max difference " << (got - eigen).cwiseAbs().maxCoeff()
                                             << " at scale " << scale);
    CHECK((got - eigen).cwiseAbs().maxCoeff() <= 1e-5f * scale);
  }
}

TEST_CASE("pack_panels: element (k, j) of panel q is src(16q + j, k), columns past n zero, on every level") {
  // Whole and partial 16 x 16 transpose blocks in both directions, rows with padding (ld > depth).
  for (InstructionSet level : levels())
    for (Eigen::Index n : {1, 15, 16, 17, 40})
      for (Eigen::Index depth : {1, 5, 16, 17, 64, 70}) {
        const Eigen::Index ld = depth + 3, panels = (n + 15) / 16;
        std::vector<float> src(static_cast<std::size_t>(n * ld));
        for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i) + 0.5f;
        std::vector<float> dst(static_cast<std::size_t>(panels * 16 * depth), -1.0f);
        bertpp::detail::pack_panels(level, src.data(), ld, n, depth, dst.data());
        int wrong = 0;
        for (Eigen::Index q = 0; q < panels; ++q)
          for (Eigen::Index k = 0; k < depth; ++k)
            for (Eigen::Index j = 0; j < 16; ++j) {
              const Eigen::Index row = q * 16 + j;
              const float expected = row < n ? src[static_cast<std::size_t>(row * ld + k)] : 0.0f;
              wrong += dst[static_cast<std::size_t>(q * depth * 16 + k * 16 + j)] != expected;
            }
        INFO("level " << static_cast<int>(level) << ", n " << n << ", depth " << depth);
        CHECK(wrong == 0);
      }
}

TEST_CASE("row-major B with ragged widths, no bias") {
  CapGuard guard;
  for (InstructionSet level : levels())
    for (Eigen::Index n : {1, 8, 16, 31, 64, 80}) {
      const Matrix a = pattern(11, 45, 7), bt = pattern(n, 45, 8);  // B = bt^T
      const Matrix kn = bt.transpose();
      Matrix c = Matrix::Constant(11, n, 99.0f);
      bertpp::detail::GemmArgs g;
      g.a = a.data();
      g.lda = a.cols();
      g.rows = a.rows();
      g.depth = a.cols();
      g.b = {bertpp::detail::GemmB::Layout::KN, kn.data(), kn.cols()};
      g.c = c.data();
      g.ldc = c.cols();
      bertpp::detail::sgemm(level, g, 0, n);
      check_close(c, a, bt, Matrix::Zero(1, n), std::string(bertpp::instruction_set_name(level)) +
                                                      " KN n=" + std::to_string(n));
    }
}

TEST_CASE("a fused activation matches applying it afterwards, strided blocks work") {
  CapGuard guard;
  const Matrix x = pattern(40, 96, 9), w = pattern(80, 96, 10), b = pattern(1, 80, 11);
  bertpp::Linear linear{parameter(w), parameter(b)};
  linear.pack();
  for (InstructionSet level : levels()) {
    bertpp::set_cpu_features(level);
    Matrix fused(40, 80), plain(40, 80);
    linear.forward(x, fused, bertpp::Activation::Gelu);
    linear.forward(x, plain);
    const Matrix pre = plain;
    bertpp::apply_activation(bertpp::Activation::Gelu, plain);  // Eigen's erf
    // the SIMD levels fuse a vectorised GELU: error < 1.5e-7 |x| (detail/vector_math.hpp)
    const float worst = ((fused - plain).array().abs() / (pre.array().abs() + 1.0f)).maxCoeff();
    INFO("worst " << worst);
    CHECK(worst < 3e-7f);

    Matrix wide = Matrix::Zero(40, 200);
    const Matrix big_x = pattern(50, 150, 12);
    linear.forward(big_x.block(5, 20, 40, 96), wide.block(0, 60, 40, 80));
    const Matrix expected = linear(Matrix(big_x.block(5, 20, 40, 96)));
    CHECK((wide.block(0, 60, 40, 80) - expected).cwiseAbs().maxCoeff() == 0.0f);
    CHECK(wide.leftCols(60).cwiseAbs().maxCoeff() == 0.0f);
    CHECK(wide.rightCols(60).cwiseAbs().maxCoeff() == 0.0f);
  }
}

TEST_CASE("shape mismatches throw ArgumentError on the kernel path") {
  CapGuard guard;
  const Matrix w = pattern(8, 5, 1), b = pattern(1, 8, 2);
  bertpp::Linear linear{parameter(w), parameter(b)};
  linear.pack();
  Matrix y(3, 8);
  CHECK_THROWS_AS(linear.forward(pattern(3, 6, 3), y), bertpp::ArgumentError);
  Matrix wrong(3, 7);
  CHECK_THROWS_AS(linear.forward(pattern(3, 5, 3), wrong), bertpp::ArgumentError);
}

TEST_CASE("packed QKV and packed-then-quantised layers keep their results") {
  CapGuard guard;
  const Matrix x = pattern(9, 32, 13);
  const Matrix wq = pattern(32, 32, 14), wk = pattern(32, 32, 15), wv = pattern(32, 32, 16);
  const Matrix bq = pattern(1, 32, 17), bk = pattern(1, 32, 18), bv = pattern(1, 32, 19);
  bertpp::QkvProjection fused = bertpp::QkvProjection::fuse(
      {parameter(wq), parameter(bq)}, {parameter(wk), parameter(bk)}, {parameter(wv), parameter(bv)});
  Matrix before(9, 96), after(9, 96), quantized(9, 96), reference(9, 96);
  fused.forward(x, before);
  bertpp::QkvProjection unpacked_int8 = fused;
  fused.pack();
  REQUIRE(fused.packed != nullptr);
  CHECK(fused.weight.size() == 0);
  fused.forward(x, after);
  CHECK((after - before).cwiseAbs().maxCoeff() <= 1e-5f * before.cwiseAbs().maxCoeff());
  fused.quantize();
  unpacked_int8.quantize();
  fused.forward(x, quantized);
  unpacked_int8.forward(x, reference);
  CHECK((quantized - reference).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("the cap: set_cpu_features returns the level in use, never above the CPU's") {
  CapGuard guard;
  const InstructionSet best = bertpp::supported_cpu_features();
  CHECK(bertpp::set_cpu_features(InstructionSet::Portable) == InstructionSet::Portable);
  CHECK(bertpp::cpu_features() == InstructionSet::Portable);
  CHECK(std::string(bertpp::int8_kernel_name()) == "portable");
  CHECK(bertpp::set_cpu_features(InstructionSet::Amx) == best);
  CHECK(bertpp::set_cpu_features(InstructionSet::Avx512) == std::min(best, InstructionSet::Avx512));
  CHECK(bertpp::set_cpu_features(InstructionSet::Avx2) == std::min(best, InstructionSet::Avx2));
  // The int8 path follows the cap: AMX only at the Amx level.
  if (best == InstructionSet::Amx) {
    bertpp::set_cpu_features(InstructionSet::Amx);  // (the OS may refuse the tile state)
    CHECK(std::string(bertpp::int8_kernel_name()) ==
          (bertpp::detail::amx_permitted() ? "amx" : "avx512-vnni"));
    CHECK(std::string(bertpp::float32_kernel_name()) == "avx512");
    bertpp::set_cpu_features(InstructionSet::Avx512);
    CHECK(std::string(bertpp::int8_kernel_name()) == "avx512-vnni");
  }
}

TEST_CASE("BERTPP_ISA values: portable, avx2, avx512, amx, anything else is a ConfigError naming it") {
  using bertpp::detail::parse_instruction_set;
  CHECK(parse_instruction_set("portable", "x") == InstructionSet::Portable);
  CHECK(parse_instruction_set("avx2", "x") == InstructionSet::Avx2);
  CHECK(parse_instruction_set("avx512", "x") == InstructionSet::Avx512);
  CHECK(parse_instruction_set("amx", "x") == InstructionSet::Amx);
  CHECK_THROWS_WITH(parse_instruction_set("AVX9", "environment variable BERTPP_ISA"),
                    Catch::Contains("BERTPP_ISA") && Catch::Contains("'AVX9'"));
}

TEST_CASE("cache sizes and blocking are sane, and both blocking regimes match the reference with several depth blocks") {
  const auto& cpu = bertpp::detail::cpu_info();
  CHECK(cpu.l1d_bytes >= 16 * 1024);
  CHECK(cpu.l2_bytes >= 128 * 1024);
  using bertpp::detail::sgemm_blocking;
  // Many rows: L1-sized depth blocks, column blocks of several tiles.
  const auto many = sgemm_blocking(64, 6, 4096, 768);
  CHECK(many.kc % 16 == 0);
  CHECK(many.kc >= 128);
  CHECK(many.kc <= 512);
  CHECK(many.nc % 64 == 0);
  // Few rows: one tile per column block; the depth split evenly into blocks
  // whose A fits in half of L2.
  const Eigen::Index few_rows = std::min<Eigen::Index>(40, cpu.l2_bytes / (768 * 4 * 2));
  const auto one = sgemm_blocking(64, 6, few_rows, 768);
  CHECK(one.nc == 64);
  CHECK(one.kc == 768);
  const Eigen::Index deep = cpu.l2_bytes / 2 / (few_rows * 4) * 2 + 100;
  const auto few = sgemm_blocking(64, 6, few_rows, deep);
  CHECK(few.nc == 64);
  CHECK(few.kc % 16 == 0);
  CHECK(few.kc * few_rows * 4 <= cpu.l2_bytes / 2 + 16 * few_rows * 4);
  CHECK((deep + few.kc - 1) / few.kc == 3);

  CapGuard guard;
  const Eigen::Index many_rows = cpu.l2_bytes / (768 * 4 * 2) + 7;
  for (const auto& shape : {std::array<Eigen::Index, 3>{few_rows, deep, 72}, std::array<Eigen::Index, 3>{many_rows, 1100, 72}}) {
    const Matrix x = pattern(shape[0], shape[1], 13), w = pattern(shape[2], shape[1], 14), b = pattern(1, shape[2], 15);
    bertpp::Linear linear{parameter(w), parameter(b)};
    linear.pack();
    for (InstructionSet level : levels()) {
      bertpp::set_cpu_features(level);
      check_close(linear(x), x, w, b, std::string(bertpp::instruction_set_name(level)) + " " +
                                          std::to_string(shape[0]) + "x" + std::to_string(shape[1]));
    }
  }
}
