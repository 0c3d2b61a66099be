// The vectorised exp / GELU / softmax of detail/vector_math.hpp against
// double-precision references, on every SIMD level this CPU has, and the
// attention kernels against the Eigen attention (portable path).
#include <bertpp/detail/vector_math.hpp>
#include <bertpp/nn/transformer_layer.hpp>
#include <bertpp/runtime.hpp>

#include "support/pattern_matrix.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using bertpp::InstructionSet;
using bertpp::Matrix;

namespace {

struct CapGuard {
  InstructionSet saved = bertpp::cpu_features();
  ~CapGuard() { bertpp::set_cpu_features(InstructionSet::Avx512); bertpp::set_cpu_features(saved); }
};

std::vector<InstructionSet> simd_levels() {
  std::vector<InstructionSet> all;
  if (bertpp::supported_cpu_features() >= InstructionSet::Avx2) all.push_back(InstructionSet::Avx2);
  if (bertpp::supported_cpu_features() >= InstructionSet::Avx512) all.push_back(InstructionSet::Avx512);
  return all;
}

// n values evenly spread over [lo, hi].
std::vector<float> spread(float lo, float hi, int n) {
  std::vector<float> v;
  for (int i = 0; i < n; ++i) v.push_back(lo + (hi - lo) * static_cast<float>(i) / static_cast<float>(n - 1));
  return v;
}

}  // namespace

TEST_CASE("vectorised GELU (erf and tanh forms) within 1.5e-7 |x| + 1e-7 of the double formula") {
  if (simd_levels().empty()) SUCCEED("no SIMD level on this CPU");
  for (InstructionSet level : simd_levels())
    for (bool tanh_form : {false, true}) {
      std::vector<float> x = spread(-12.0f, 12.0f, 4001);  // 4001: a ragged tail
      const std::vector<float> input = x;
      REQUIRE(bertpp::detail::gelu_block(level, tanh_form, x.data(), 0, 1, static_cast<Eigen::Index>(x.size())));
      double worst = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double v = input[i];
        const double expected = tanh_form
                                    ? 0.5 * v * (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) * (v + 0.044715 * v * v * v)))
                                    : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        worst = std::max(worst, std::abs(x[i] - expected) / (std::abs(v) + 1));
      }
      INFO(bertpp::instruction_set_name(level) << (tanh_form ? " tanh" : " erf") << " worst " << worst);
      CHECK(worst < 1.5e-7 + 1e-7);
      // Past the saturation: NaN stays NaN, +inf stays +inf, huge values are themselves.
      std::vector<float> edge = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                 1e30f, -1e30f, 50.0f};
      REQUIRE(bertpp::detail::gelu_block(level, tanh_form, edge.data(), 0, 1, static_cast<Eigen::Index>(edge.size())));
      CHECK(std::isnan(edge[0]));
      CHECK(edge[1] == std::numeric_limits<float>::infinity());
      CHECK(edge[2] == 1e30f);
      CHECK(edge[3] == 0.0f);
      CHECK(edge[4] == 50.0f);
    }
}

TEST_CASE("vectorised softmax rows: relative error < 1e-6, masked keys exactly zero") {
  for (InstructionSet level : simd_levels())
    for (Eigen::Index n : {1, 7, 16, 33, 128, 509}) {
      const Matrix scores = bertpp_test::pattern(1, n, 3) * 20.0f;
      std::vector<float> bias(static_cast<std::size_t>(n), 0.0f), keep(static_cast<std::size_t>(n), 1.0f);
      for (Eigen::Index i = 0; i < n; i += 3) {
        bias[static_cast<std::size_t>(i)] = std::numeric_limits<float>::lowest();
        keep[static_cast<std::size_t>(i)] = 0.0f;
      }
      if (n == 1) bias[0] = 0, keep[0] = 1;
      for (bool masked : {false, true}) {
        Matrix row = scores;
        REQUIRE(bertpp::detail::softmax_row(level, row.data(), n, 0.125f, masked ? bias.data() : nullptr,
                                            masked ? keep.data() : nullptr));
        double max = -1e300, sum = 0;
        for (Eigen::Index i = 0; i < n; ++i)
          if (!masked || keep[static_cast<std::size_t>(i)] != 0) max = std::max(max, 0.125 * scores(0, i));
        for (Eigen::Index i = 0; i < n; ++i)
          if (!masked || keep[static_cast<std::size_t>(i)] != 0) sum += std::exp(0.125 * scores(0, i) - max);
        int bad = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
          if (masked && keep[static_cast<std::size_t>(i)] == 0) {
            bad += row(0, i) != 0.0f;
            continue;
          }
          const double expected = std::exp(0.125 * scores(0, i) - max) / sum;
          bad += std::abs(row(0, i) - expected) > 1e-6 * expected + 1e-30;
        }
        INFO(bertpp::instruction_set_name(level) << " n=" << n << (masked ? " masked" : ""));
        CHECK(bad == 0);
      }
    }
}

TEST_CASE("attention kernels agree with the Eigen attention: packed, padded, long, probabilities") {
  CapGuard guard;
  const Eigen::Index shapes[][2] = {{2, 48}, {4, 128}};  // head size 24 (ragged), 32 (whole panels)
  for (const auto& shape : shapes) {
    const Eigen::Index heads = shape[0], hidden = shape[1];
    const Eigen::Index batch = 3, seq = 300;
    std::vector<std::int32_t> mask(static_cast<std::size_t>(batch * seq), 1);
    const Eigen::Index lengths[] = {300, 157, 5};
    for (Eigen::Index b = 0; b < batch; ++b)
      for (Eigen::Index s = lengths[b]; s < seq; ++s) mask[static_cast<std::size_t>(b * seq + s)] = 0;
    const bertpp::AttentionMask attention_mask = bertpp::AttentionMask::build(mask, batch, seq);
    const Matrix qkv = bertpp_test::pattern(batch * seq, 3 * hidden, 21) * 3.0f;
    bertpp::set_cpu_features(InstructionSet::Portable);
    Matrix expected(batch * seq, hidden), scratch(2 * seq, seq);
    Matrix expected_probabilities(batch * heads * seq, seq);
    bertpp::self_attention(qkv, attention_mask, batch, seq, heads, expected, scratch, &expected_probabilities);
    for (InstructionSet level : simd_levels()) {
      bertpp::set_cpu_features(level);
      Matrix got(batch * seq, hidden), probabilities(batch * heads * seq, seq), without(batch * seq, hidden);
      bertpp::self_attention(qkv, attention_mask, batch, seq, heads, got, scratch, &probabilities);
      bertpp::self_attention(qkv, attention_mask, batch, seq, heads, without, scratch, nullptr);
      INFO(bertpp::instruction_set_name(level) << " heads " << heads);
      CHECK((got - expected).cwiseAbs().maxCoeff() < 1e-5f);
      CHECK((without - expected).cwiseAbs().maxCoeff() < 1e-5f);
      CHECK((probabilities - expected_probabilities).cwiseAbs().maxCoeff() < 1e-6f);
    }
  }
}

TEST_CASE("LayerNorm with a residual on every level: within 1e-5 of the double formula") {
  CapGuard guard;
  std::vector<InstructionSet> levels = simd_levels();
  levels.insert(levels.begin(), InstructionSet::Portable);
  for (InstructionSet level : levels)
    for (Eigen::Index n : {1, 7, 16, 37, 384}) {
      bertpp::set_cpu_features(level);
      const Matrix x0 = bertpp_test::pattern(5, n, 61) * 3.0f, residual = bertpp_test::pattern(5, n, 62);
      const Matrix gamma = bertpp_test::pattern(1, n, 63), beta = bertpp_test::pattern(1, n, 64);
      bertpp::LayerNorm norm;
      norm.weight = {gamma.data(), 1, n};
      norm.bias = {beta.data(), 1, n};
      norm.eps = 1e-5f;
      for (bool with_residual : {false, true}) {
        Matrix x = x0;
        norm.forward_inplace(x, with_residual ? &residual : nullptr);
        double worst = 0;
        for (Eigen::Index r = 0; r < x.rows(); ++r) {
          std::vector<double> v(static_cast<std::size_t>(n));
          double mean = 0, variance = 0;
          for (Eigen::Index c = 0; c < n; ++c) {
            v[static_cast<std::size_t>(c)] = double(x0(r, c)) + (with_residual ? double(residual(r, c)) : 0.0);
            mean += v[static_cast<std::size_t>(c)] / double(n);
          }
          for (double value : v) variance += (value - mean) * (value - mean) / double(n);
          for (Eigen::Index c = 0; c < n; ++c) {
            const double expected = (v[static_cast<std::size_t>(c)] - mean) / std::sqrt(variance + 1e-5) *
                                        double(gamma(0, c)) + double(beta(0, c));
            worst = std::max(worst, std::abs(double(x(r, c)) - expected) / (1.0 + std::abs(expected)));
          }
        }
        INFO("level " << static_cast<int>(level) << ", n " << n << ", residual " << with_residual);
        CHECK(worst < 1e-5);
      }
    }
  Matrix x(2, 3), wrong(3, 3);
  bertpp::LayerNorm norm;
  const Matrix ones = Matrix::Ones(1, 3);
  norm.weight = {ones.data(), 1, 3};
  norm.bias = {ones.data(), 1, 3};
  CHECK_THROWS_AS(norm.forward_inplace(x, &wrong), bertpp::ArgumentError);
}
