// The multi-threaded paths of the encoder's layers (taken only when the work
// is large, so the small golden models never reach them) against plain
// double-precision loops written here.
#include <bertpp/detail/parallel.hpp>
#include <bertpp/nn/layers.hpp>
#include <bertpp/nn/quantized.hpp>
#include <bertpp/nn/transformer_layer.hpp>
#include <bertpp/runtime.hpp>

#include "support/pattern_matrix.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

using bertpp::Matrix;
using bertpp_test::pattern;

TEST_CASE("threads_for keeps small work on the calling thread") {
  bertpp::set_num_threads(2);
  CHECK(bertpp::detail::threads_for(1e5) == 1);
  CHECK(bertpp::detail::threads_for(1e9, 1) == 1);
  CHECK(bertpp::detail::threads_for(1e9) == 2);
}

TEST_CASE("one 128-token sequence of a MiniLM-sized model splits its attention and its int8 products") {
  // At 16 MFLOP per thread these stayed on one thread (splitting them: int8 1x128 +36-42 %).
  bertpp::set_num_threads(2);
  const double attention_flops = 4.0 * 12 * 128 * 128 * 32;  // 12 heads of 32, 128 tokens
  CHECK(bertpp::detail::threads_for(attention_flops, 12) == 2);
  CHECK(bertpp::detail::int8_gemm_threads(128, 384, 384) == 2);   // attention output
  CHECK(bertpp::detail::int8_gemm_threads(128, 384, 1152) == 2);  // fused QKV
  CHECK(bertpp::detail::linear_threads(128, 384, 384) == 2);
  // A single token's products still stay on the calling thread.
  CHECK(bertpp::detail::threads_for(4.0 * 12 * 1 * 1 * 32, 12) == 1);
  CHECK(bertpp::detail::linear_threads(1, 384, 384) == 1);
}

TEST_CASE("split_range covers the range in aligned, disjoint slices") {
  Eigen::Index b0, e0, b1, e1, b2, e2;
  bertpp::detail::split_range(1000, 0, 3, 16, b0, e0);
  bertpp::detail::split_range(1000, 1, 3, 16, b1, e1);
  bertpp::detail::split_range(1000, 2, 3, 16, b2, e2);
  CHECK(b0 == 0);
  CHECK(e0 == 320);  // 1000/3 = 333 rounded down to 16
  CHECK(b1 == 320);
  CHECK(e1 == 656);  // 666 rounded down
  CHECK(b2 == 656);
  CHECK(e2 == 1000);
}

TEST_CASE("parallel_slices: one aligned slice per thread, together the whole range once") {
  bertpp::set_num_threads(3);
  for (std::ptrdiff_t size : {1, 40, 64, 100, 768, 1000}) {
    std::mutex mutex;
    std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>> slices;
    bertpp::detail::parallel_slices(size, 3, 64, [&](std::ptrdiff_t begin, std::ptrdiff_t end) {
      std::lock_guard<std::mutex> lock(mutex);
      slices.emplace_back(begin, end);
    });
    std::sort(slices.begin(), slices.end());
    INFO("size " << size);
    REQUIRE(!slices.empty());
    CHECK(slices.size() <= static_cast<std::size_t>(std::max<std::ptrdiff_t>(1, std::min<std::ptrdiff_t>(3, size / 64))));
    CHECK(slices.front().first == 0);
    CHECK(slices.back().second == size);
    for (std::size_t i = 0; i < slices.size(); ++i) {
      CHECK(slices[i].first < slices[i].second);
      CHECK(slices[i].first % 64 == 0);
      if (i > 0) CHECK(slices[i].first == slices[i - 1].second);
    }
  }
  bertpp::set_num_threads(2);
}

TEST_CASE("a large Linear split across threads equals x W^T + b") {
  bertpp::set_num_threads(2);
  const Eigen::Index rows = 100, in = 200, out = 1000;  // out not a multiple of 16
  const Matrix x = pattern(rows, in, 1), w = pattern(out, in, 2), b = pattern(1, out, 3);
  REQUIRE(bertpp::detail::threads_for(2.0 * rows * in * out, out / 64) == bertpp::detail::max_threads());
  const bertpp::Linear linear{{w.data(), out, in}, {b.data(), 1, out}};
  Matrix y(rows, out);
  linear.forward(x, y, bertpp::Activation::Relu);
  double worst = 0;
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index o = 0; o < out; ++o) {
      double sum = b(0, o);
      for (Eigen::Index i = 0; i < in; ++i) sum += double(x(r, i)) * double(w(o, i));
      worst = std::max(worst, std::abs(std::max(sum, 0.0) - double(y(r, o))));
    }
  CHECK(worst < 1e-4);
}

TEST_CASE("parallel self-attention equals softmax(QK^T/sqrt(d)) V per sequence and head") {
  bertpp::set_num_threads(2);
  const Eigen::Index batch = 3, seq = 128, heads = 4, d = 64, hidden = heads * d;
  REQUIRE(bertpp::detail::threads_for(4.0 * batch * heads * seq * seq * d, batch * heads) ==
          bertpp::detail::max_threads());
  const Matrix qkv = pattern(batch * seq, 3 * hidden, 4);
  std::vector<std::int32_t> mask(static_cast<std::size_t>(batch * seq), 1);
  for (Eigen::Index s = 100; s < seq; ++s) mask[static_cast<std::size_t>(seq + s)] = 0;  // pad sequence 1
  const auto attention_mask = bertpp::AttentionMask::build(mask, batch, seq);
  Matrix context(batch * seq, hidden);
  Matrix scores(bertpp::detail::max_threads() * seq, seq);
  bertpp::self_attention(qkv, attention_mask, batch, seq, heads, context, scores, nullptr);
  double worst = 0;
  std::vector<double> p(static_cast<std::size_t>(seq));
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index h = 0; h < heads; ++h)
      for (Eigen::Index i = 0; i < seq; ++i) {
        const Eigen::Index qi = b * seq + i;
        double total = 0;
        for (Eigen::Index j = 0; j < seq; ++j) {
          const Eigen::Index kj = b * seq + j;
          double dot = 0;
          for (Eigen::Index k = 0; k < d; ++k) dot += double(qkv(qi, h * d + k)) * double(qkv(kj, hidden + h * d + k));
          const bool keep = mask[static_cast<std::size_t>(kj)] != 0;
          p[static_cast<std::size_t>(j)] = keep ? std::exp(dot / 8.0) : 0.0;  // sqrt(64) = 8
          total += p[static_cast<std::size_t>(j)];
        }
        for (Eigen::Index k = 0; k < d; ++k) {
          double value = 0;
          for (Eigen::Index j = 0; j < seq; ++j)
            value += p[static_cast<std::size_t>(j)] / total * double(qkv(b * seq + j, 2 * hidden + h * d + k));
          worst = std::max(worst, std::abs(value - double(context(qi, h * d + k))));
        }
      }
  CHECK(worst < 1e-4);
}

TEST_CASE("packed self-attention equals the padded batch at every real token") {
  bertpp::set_num_threads(2);
  const Eigen::Index batch = 3, seq = 128, heads = 4, d = 64, hidden = heads * d;
  const Eigen::Index lengths[] = {128, 100, 37};
  std::vector<std::int32_t> mask(static_cast<std::size_t>(batch * seq), 0);
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index s = 0; s < lengths[b]; ++s) mask[static_cast<std::size_t>(b * seq + s)] = 1;
  const Matrix qkv = pattern(batch * seq, 3 * hidden, 5);
  const auto attention_mask = bertpp::AttentionMask::build(mask, batch, seq);
  Matrix padded(batch * seq, hidden);
  Matrix scores(bertpp::detail::max_threads() * seq, seq);
  bertpp::self_attention(qkv, attention_mask, batch, seq, heads, padded, scores, nullptr);

  bertpp::SequenceLayout layout;
  REQUIRE(bertpp::SequenceLayout::pack(mask, batch, seq, layout));
  REQUIRE(layout.rows == 128 + 100 + 37);
  Matrix packed_qkv(layout.rows, 3 * hidden);
  for (Eigen::Index b = 0; b < batch; ++b)
    packed_qkv.middleRows(layout.row(b, 0), lengths[b]) = qkv.middleRows(b * seq, lengths[b]);
  Matrix packed(layout.rows, hidden);
  bertpp::self_attention(packed_qkv, layout, nullptr, heads, packed, scores, nullptr);
  for (Eigen::Index b = 0; b < batch; ++b) {
    INFO("sequence " << b);
    CHECK((packed.middleRows(layout.row(b, 0), lengths[b]) - padded.middleRows(b * seq, lengths[b]))
              .cwiseAbs()
              .maxCoeff() <= 1e-6f);
  }
}
