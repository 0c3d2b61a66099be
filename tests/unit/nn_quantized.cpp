// QuantizedLinear (int8 dynamic quantisation) against integer dot products
// computed here with plain loops from the same quantised values, against the
// float Linear, and its two kernels (AVX-512 VNNI, portable) against each
// other.
#include <bertpp/detail/int8_gemm.hpp>
#include <bertpp/detail/parallel.hpp>
#include <bertpp/detail/vector_math.hpp>
#include <bertpp/error.hpp>
#include <bertpp/nn/layers.hpp>
#include <bertpp/nn/quantized.hpp>
#include <bertpp/runtime.hpp>

#include "support/pattern_matrix.hpp"

#include "support/resident_memory.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using bertpp::Matrix;
using bertpp_test::pattern;
using bertpp::QuantizedLinear;
using bertpp::detail::Int8Kernel;

namespace {

struct QuantizedRows {
  std::vector<std::vector<int>> codes;  // a(r, k) in [-127, 127]
  std::vector<float> scales;            // x(r, k) ~ scales[r] * a(r, k)
};

// The activation codes the layer uses (its own quantiser), checked against
// the definition: s = max|x| / 127, a = round(x / s) (within float rounding).
QuantizedRows quantize_rows(const Matrix& x) {
  QuantizedRows q;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(x.cols()));
  int bad_codes = 0;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const float s = bertpp::detail::quantize_row(Int8Kernel::Auto, x.row(r).data(), x.cols(), bytes.data());
    double max_abs = 0;
    for (Eigen::Index k = 0; k < x.cols(); ++k) max_abs = std::max(max_abs, std::abs(double(x(r, k))));
    CHECK(s == Approx(max_abs > 0 ? max_abs / 127 : 1.0).epsilon(1e-6));
    std::vector<int> codes;
    for (Eigen::Index k = 0; k < x.cols(); ++k) {
      const int a = int(bytes[static_cast<std::size_t>(k)]) - 128;
      bad_codes += std::abs(a) > 127 || std::abs(a * double(s) - double(x(r, k))) > 0.5001 * s;
      codes.push_back(a);
    }
    q.codes.push_back(codes);
    q.scales.push_back(s);
  }
  CHECK(bad_codes == 0);
  return q;
}

// The quantised weights, checked against their definition like the codes.
void check_weights(const QuantizedLinear& layer, const Matrix& w) {
  int bad_codes = 0;
  for (Eigen::Index n = 0; n < w.rows(); ++n) {
    double max_abs = 0;
    for (Eigen::Index k = 0; k < w.cols(); ++k) max_abs = std::max(max_abs, std::abs(double(w(n, k))));
    const double scale = layer.weight_scale(n);
    CHECK(scale == Approx(max_abs > 0 ? max_abs / 127 : 1.0).epsilon(1e-6));
    for (Eigen::Index k = 0; k < w.cols(); ++k) {
      const int q = layer.weight_value(n, k);
      bad_codes += std::abs(q) > 127 || std::abs(q * scale - double(w(n, k))) > 0.5001 * scale;
    }
  }
  CHECK(bad_codes == 0);
}

// Worst |y - ref| / (|ref| + |b| + 1e-3) over all outputs, where ref is the
// exact int32 dot product of the codes, scaled in double.
double worst_against_integer_reference(const QuantizedLinear& layer, const Matrix& x,
                                       const Matrix& b, const Matrix& y) {
  const QuantizedRows rows = quantize_rows(x);
  double worst = 0;
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (Eigen::Index n = 0; n < layer.out_features(); ++n) {
      std::int64_t dot = 0;
      for (Eigen::Index k = 0; k < x.cols(); ++k)
        dot += std::int64_t{rows.codes[std::size_t(r)][std::size_t(k)]} * layer.weight_value(n, k);
      const double scaled = double(rows.scales[std::size_t(r)]) * layer.weight_scale(n) * double(dot);
      const double ref = scaled + double(b(0, n));
      worst = std::max(worst, std::abs(double(y(r, n)) - ref) / (std::abs(scaled) + std::abs(double(b(0, n))) + 1e-3));
    }
  return worst;
}

}  // namespace

TEST_CASE("int8 product equals the exact integer dot products, odd shapes") {
  bertpp::set_num_threads(1);
  INFO("VNNI kernel: " << bertpp::int8_kernel_available());
  for (Eigen::Index rows : {1, 3, 7, 130})
    for (Eigen::Index in : {1, 5, 768, 771})
      for (Eigen::Index out : {1, 15, 16, 17, 100, 768}) {
        if (rows * in * out > 20'000'000) continue;  // keep the double loop reference quick
        INFO("rows " << rows << " in " << in << " out " << out);
        Matrix w = pattern(out, in, 11 + unsigned(out)), x = pattern(rows, in, 7 + unsigned(in));
        const Matrix b = pattern(1, out, 5);
        if (out > 1) w.row(1).setZero();  // scale 1, all-zero codes
        if (rows > 2) x.row(2).setZero();
        const auto layer = QuantizedLinear::quantize(w, b);
        check_weights(layer, w);
        Matrix y(rows, out);
        layer.forward(x, y);
        CHECK(worst_against_integer_reference(layer, x, b, y) < 1e-6);
      }
}

TEST_CASE("the big shapes: 130 x 771 -> 768 against the integer reference") {
  bertpp::set_num_threads(1);
  const Matrix w = pattern(768, 771, 1), x = pattern(130, 771, 2), b = pattern(1, 768, 3);
  const auto layer = QuantizedLinear::quantize(w, b);
  Matrix y(130, 768);
  layer.forward(x, y);
  CHECK(worst_against_integer_reference(layer, x, b, y) < 1e-6);
}

TEST_CASE("every int8 kernel this CPU has agrees exactly with the portable one") {
  bertpp::set_num_threads(1);
  const Int8Kernel kernels[] = {Int8Kernel::Amx, Int8Kernel::Avx512Vnni, Int8Kernel::AvxVnni,
                                Int8Kernel::Avx2};
  // extreme codes too: rows of +-max give activation bytes 1 and 255, weights +-127
  Matrix extreme = Matrix::Constant(3, 771, 1.0f);
  extreme.row(1).setConstant(-1.0f);
  for (Eigen::Index k = 0; k < 771; k += 2) extreme(2, k) = -1.0f;
  for (Int8Kernel kernel : kernels) {
    if (bertpp::detail::int8_resolve(kernel) == bertpp::detail::Int8Path::Portable) {
      WARN("int8 kernel " << static_cast<int>(kernel) << " is not available on this CPU");
      continue;
    }
    // rows: every remainder of the 4- and 6-row tiles, and of AMX's blocks
    // of 16 and 32 (50 = 32 + 16 + 2); in: the quantisers' vector blocks and
    // scalar tails, and whole AMX tiles of K (64, 190 -> 192 bytes, 768)
    for (Eigen::Index rows : {1, 2, 3, 5, 7, 50, 130})
      for (Eigen::Index in : {5, 20, 64, 190, 768, 771})
        for (Eigen::Index out : {15, 17, 100}) {
          INFO("kernel " << static_cast<int>(kernel) << " rows " << rows << " in " << in << " out " << out);
          Matrix w = pattern(out, in, 21), x = 3 * pattern(rows, in, 22);
          const Matrix b = pattern(1, out, 23);
          if (in == 771 && rows >= 3) x.topRows(3) = extreme;
          if (in == 771) w.row(0).setConstant(-1.0f), w.row(1).setConstant(1.0f);
          const auto layer = QuantizedLinear::quantize(w, b);
          Matrix fast(rows, out), portable(rows, out);
          layer.forward_using(kernel, x, fast);
          layer.forward_using(Int8Kernel::Portable, x, portable);
          CHECK(fast == portable);
        }
    // Wide layers: the AMX kernel's column blocks (a quarter of L2 of
    // weights each), an odd panel at a block's end, rows not in 32s.
    for (Eigen::Index in : {768, 3072}) {
      const Eigen::Index rows = 50, out = 25 * 16 - 3;
      INFO("kernel " << static_cast<int>(kernel) << " rows " << rows << " in " << in << " out " << out);
      const Matrix w = pattern(out, in, 24), x = 3 * pattern(rows, in, 25), b = pattern(1, out, 26);
      const auto layer = QuantizedLinear::quantize(w, b);
      Matrix fast(rows, out), portable(rows, out);
      layer.forward_using(kernel, x, fast);
      layer.forward_using(Int8Kernel::Portable, x, portable);
      CHECK(fast == portable);
    }
  }
}

TEST_CASE("every int8 kernel computes exactly the panel range it is given, and nothing else") {
  // The kernels called directly, as the threads call them: odd ranges, a
  // range ending at the last (partial) panel, buffers of exactly their size.
  using bertpp::detail::Int8GemmArgs;
  const Eigen::Index out = 25 * 16 - 3, panels = 25;
  for (Eigen::Index groups : {16, 48, 768})
    for (Eigen::Index rows : {17, 50}) {
      const Eigen::Index lda = groups * 4;
      std::vector<std::uint8_t> a(std::size_t(rows * lda));
      std::vector<std::int8_t, bertpp::detail::AlignedAllocator<std::int8_t>> w(
          std::size_t(panels * groups * 64));
      std::vector<std::int32_t> offsets(std::size_t(panels * 16));
      std::vector<float> scales(static_cast<std::size_t>(panels * 16)),
          bias(static_cast<std::size_t>(panels * 16)), row_scales(static_cast<std::size_t>(rows));
      unsigned state = 12345;
      auto next = [&] { return state = state * 1103515245u + 12345u, (state >> 8) & 0xFFu; };
      for (auto& v : a) v = static_cast<std::uint8_t>(1 + next() % 255);  // codes: 128 + [-127, 127]
      for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(next() % 255) - 127);
      // What the kernels rely on: 128 * sum_k q(n, k) (the AVX2 kernel
      // removes the +128 of the codes another way and never reads it)
      for (Eigen::Index n = 0; n < panels * 16; ++n) {
        std::int32_t sum = 0;
        for (Eigen::Index k = 0; k < groups * 4; ++k)
          sum += w[std::size_t(((n / 16) * groups + k / 4) * 64 + (n % 16) * 4 + k % 4)];
        offsets[std::size_t(n)] = 128 * sum;
      }
      for (auto& v : scales) v = 1e-3f * static_cast<float>(next() + 1);
      for (auto& v : bias) v = 1e-2f * static_cast<float>(next()) - 1.0f;
      for (auto& v : row_scales) v = 1e-3f * static_cast<float>(next() + 1);
      Int8GemmArgs g;
      g.a = a.data();
      g.row_scales = row_scales.data();
      g.rows = rows;
      g.w = w.data();
      g.groups = groups;
      g.offsets = offsets.data();
      g.scales = scales.data();
      g.bias = bias.data();
      g.out = out;
      g.ldy = out;
      for (Int8Kernel kernel : {Int8Kernel::Amx, Int8Kernel::Avx512Vnni, Int8Kernel::AvxVnni, Int8Kernel::Avx2}) {
        if (bertpp::detail::int8_resolve(kernel) == bertpp::detail::Int8Path::Portable) continue;
        for (const auto& range : {std::array<Eigen::Index, 2>{0, 25}, {1, 25}, {0, 24}, {1, 24}, {24, 25},
                                  {3, 4}, {3, 8}}) {
          INFO("kernel " << static_cast<int>(kernel) << " groups " << groups << " rows " << rows
                         << " panels [" << range[0] << ", " << range[1] << ")");
          std::vector<float> fast(std::size_t(rows * out), -7.0f), portable = fast;
          g.y = fast.data();
          bertpp::detail::int8_gemm(kernel, g, range[0], range[1]);
          g.y = portable.data();
          bertpp::detail::int8_gemm(Int8Kernel::Portable, g, range[0], range[1]);
          CHECK(fast == portable);  // same values inside the range, -7 outside
          CHECK(std::count(fast.begin(), fast.end(), -7.0f) ==
                static_cast<std::ptrdiff_t>(rows * (out - (std::min(out, range[1] * 16) - range[0] * 16))));
        }
      }
    }
}

TEST_CASE("int8 result stays close to the float Linear") {
  bertpp::set_num_threads(1);
  const Eigen::Index rows = 64, in = 768, out = 768;
  const Matrix w = 0.05f * pattern(out, in, 31), x = pattern(rows, in, 32), b = pattern(1, out, 33);
  const bertpp::Linear linear{{w.data(), out, in}, {b.data(), 1, out}};
  Matrix expected(rows, out), y(rows, out);
  linear.forward(x, expected);
  bertpp::Linear quantized = linear;
  quantized.quantize();  // Linear::forward now runs the int8 layer
  REQUIRE(quantized.quantized());
  quantized.forward(x, y);
  double worst_cosine = 1;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::VectorXd e = expected.row(r).transpose().cast<double>(),
                          v = y.row(r).transpose().cast<double>();
    worst_cosine = std::min(worst_cosine, e.dot(v) / (e.norm() * v.norm()));
  }
  INFO("worst per-row cosine " << worst_cosine);
  CHECK(worst_cosine > 0.999);
}

TEST_CASE("a fused activation equals applying it to the unfused result") {
  bertpp::set_num_threads(1);
  // 200 rows x 1536 outputs: the activation runs over chunks of rows (and a
  // remainder) while they are in cache
  for (Eigen::Index rows : {9, 200})
    for (Eigen::Index out : {100, 1536}) {
      INFO("rows " << rows << " out " << out);
      const Matrix w = pattern(out, 64, 41), x = pattern(rows, 64, 42), b = pattern(1, out, 43);
      const auto layer = QuantizedLinear::quantize(w, b);
      Matrix fused(rows, out), plain(rows, out);
      layer.forward(x, fused, bertpp::Activation::Gelu);
      layer.forward(x, plain);
      // the same GELU the fp32 Linear fuses (vectorised where the CPU allows)
      bertpp::detail::activate_block(bertpp::detail::cpu_level(), bertpp::Activation::Gelu, plain.data(),
                                     plain.outerStride(), plain.rows(), plain.cols());
      CHECK(fused == plain);
    }
}

TEST_CASE("two threads give the same result as one") {
  // 200 rows: split by rows (each thread quantises and multiplies its own);
  // 100 rows, or weights past half of L2: split by output features.
  // (a multiple of 64 inputs, so the AMX kernel runs there too)
  const Eigen::Index l2_in = (bertpp::detail::cpu_info().l2_bytes / 1000 / 64 + 1) * 64;
  for (const auto& shape : {std::array<Eigen::Index, 2>{200, 768}, {100, 768}, {200, l2_in}}) {
    const Eigen::Index rows = shape[0], in = shape[1], out = 1000;  // out not a multiple of 16
    INFO("rows " << rows << " in " << in);
    bertpp::set_num_threads(2);
    REQUIRE(bertpp::detail::int8_gemm_threads(rows, in, out) == bertpp::detail::max_threads());
    const Matrix w = pattern(out, in, 51), x = pattern(rows, in, 52), b = pattern(1, out, 53);
    const auto layer = QuantizedLinear::quantize(w, b);
    Matrix parallel(rows, out), serial(rows, out);
    layer.forward(x, parallel, bertpp::Activation::Gelu);
    bertpp::set_num_threads(1);
    layer.forward(x, serial, bertpp::Activation::Gelu);
    CHECK(parallel == serial);
  }
}

TEST_CASE("activations quantised on two threads give the same result as on one") {
  // Enough elements (2M) that the per-row quantisation itself is split.
  const Eigen::Index rows = 2048, in = 1024, out = 48;
  bertpp::set_num_threads(2);
  REQUIRE(bertpp::detail::threads_for_elements(double(rows * in), double(rows)) == 2);
  const Matrix w = pattern(out, in, 54), x = pattern(rows, in, 55), b = pattern(1, out, 56);
  const auto layer = QuantizedLinear::quantize(w, b);
  Matrix parallel(rows, out), serial(rows, out);
  layer.forward(x, parallel);
  layer.forward(x.topRows(7), serial.topRows(7));  // reuses the buffers at another size
  bertpp::set_num_threads(1);
  layer.forward(x, serial);
  CHECK(parallel == serial);
}

TEST_CASE("strided input blocks and column-major outputs give the same result") {
  bertpp::set_num_threads(1);
  const Matrix w = pattern(40, 30, 61), b = pattern(1, 40, 62), wide = pattern(5, 50, 63);
  const auto layer = QuantizedLinear::quantize(w, b);
  const Matrix x = wide.middleCols(10, 30);
  Matrix expected(5, 40);
  layer.forward(x, expected);

  Matrix from_block(5, 40);
  layer.forward(wide.middleCols(10, 30), from_block);  // rows 50 floats apart
  CHECK(from_block == expected);

  Eigen::MatrixXf column_major(5, 40);
  layer.forward(x, column_major);
  CHECK(Matrix(column_major) == expected);

  Matrix wide_out = Matrix::Zero(5, 60);
  layer.forward(x, wide_out.middleCols(7, 40));
  CHECK(Matrix(wide_out.middleCols(7, 40)) == expected);
  CHECK(wide_out.leftCols(7).isZero());
  CHECK(wide_out.rightCols(13).isZero());
}

TEST_CASE("shape mismatches throw ArgumentError") {
  const Matrix w = pattern(4, 3, 71), b = pattern(1, 4, 72);
  CHECK_THROWS_AS(QuantizedLinear::quantize(w, pattern(1, 3, 73)), bertpp::ArgumentError);
  // 255 * 127 * 65537 overflows the int32 accumulators.
  CHECK_THROWS_AS(QuantizedLinear::quantize(Matrix::Zero(1, 65537), pattern(1, 1, 75)),
                  bertpp::ArgumentError);
  CHECK_NOTHROW(QuantizedLinear::quantize(Matrix::Zero(1, 65536), pattern(1, 1, 75)));
  const auto layer = QuantizedLinear::quantize(w, b);
  Matrix y(2, 4), wrong_out(2, 5);
  CHECK_THROWS_AS(layer.forward(pattern(2, 5, 74), y), bertpp::ArgumentError);
  CHECK_THROWS_AS(layer.forward(pattern(2, 3, 74), wrong_out), bertpp::ArgumentError);
}

TEST_CASE("rows with NaN or Inf give NaN outputs, nearly-zero rows give the bias") {
  bertpp::set_num_threads(1);
  const Matrix w = pattern(20, 37, 81), b = pattern(1, 20, 82);
  Matrix x = pattern(6, 37, 83);
  x(0, 30) = std::numeric_limits<float>::quiet_NaN();  // in the 8-wide tail
  x(1, 3) = -std::numeric_limits<float>::infinity();
  x.row(2).setConstant(1e-38f);  // the scale would be subnormal
  x(4, 35) = -std::numeric_limits<float>::quiet_NaN();  // in the 16-wide tail
  x(5, 0) = std::numeric_limits<float>::infinity();
  const auto layer = QuantizedLinear::quantize(w, b);
  for (Int8Kernel kernel : {Int8Kernel::Auto, Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::AvxVnni,
                            Int8Kernel::Avx512Vnni, Int8Kernel::Amx}) {
    Matrix y(6, 20);
    layer.forward_using(kernel, x, y);
    CHECK(y.row(0).array().isNaN().all());
    CHECK(y.row(1).array().isNaN().all());
    CHECK(y.row(2) == b);
    CHECK(y.row(3).array().isFinite().all());
    CHECK(y.row(4).array().isNaN().all());
    CHECK(y.row(5).array().isNaN().all());
  }
}

TEST_CASE("non-finite weights are rejected when quantising") {
  Matrix w = pattern(3, 4, 91);
  w(2, 1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(QuantizedLinear::quantize(w, pattern(1, 3, 92)),
                    Catch::Contains("weight (2, 1) is not finite"));
}

TEST_CASE("one huge int8 batch does not pin its activation buffers afterwards") {
  if (!bertpp_test::resident_memory_measurable()) return;
  bertpp::set_num_threads(1);  // the buffers in question are the calling thread's
  const Eigen::Index in = 4096, out = 16, rows = 8192;  // activation codes: 32 MiB
  const auto layer = QuantizedLinear::quantize(pattern(out, in, 3), Eigen::VectorXf::Zero(out));
  Matrix x = Matrix::Constant(rows, in, 0.25f);
  Matrix y(rows, out);
  const long before = bertpp_test::resident_bytes();
  REQUIRE(before > 0);
  layer.forward(x, y);
  const long grown = bertpp_test::resident_bytes() - before;
  CHECK(grown < 8L * 1024 * 1024);
  CHECK(y(rows - 1, 0) == Approx(y(0, 0)));  // the product ran
  bertpp::set_num_threads(0);
}
