// The encoder's building blocks against hand-computed values.
#include <bertpp/nn/activations.hpp>
#include <bertpp/nn/embeddings.hpp>
#include <bertpp/nn/layers.hpp>
#include <bertpp/nn/transformer_layer.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using bertpp::Matrix;
using bertpp::Parameter;
using Catch::Detail::Approx;

namespace {

Parameter view(const std::vector<float>& values, Eigen::Index rows, Eigen::Index cols) {
  return Parameter{values.data(), rows, cols};
}

Matrix row(std::initializer_list<float> values) {
  Matrix m(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (float v : values) m(0, i++) = v;
  return m;
}

// Values computed with Python's math module (erf, tanh, exp).
void check_activation(bertpp::Activation activation, const std::vector<float>& expected) {
  Matrix x = row({-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f});
  bertpp::apply_activation(activation, x);
  for (Eigen::Index i = 0; i < x.cols(); ++i)
    CHECK(x(0, i) == Approx(expected[static_cast<std::size_t>(i)]).margin(1e-6));
}

}  // namespace

TEST_CASE("activations match their definitions") {
  check_activation(bertpp::Activation::Gelu,
                   {-0.00404969409f, -0.158655254f, -0.154268769f, 0.0f, 0.345731231f, 0.841344746f, 1.95449974f});
  check_activation(bertpp::Activation::GeluTanh,
                   {-0.00363739208f, -0.158808009f, -0.15428599f, 0.0f, 0.34571401f, 0.841191991f, 1.95459769f});
  check_activation(bertpp::Activation::QuickGelu,
                   {-0.0180713097f, -0.154204234f, -0.149611563f, 0.0f, 0.350388437f, 0.845795766f, 1.93565862f});
  check_activation(bertpp::Activation::Silu,
                   {-0.14227762f, -0.268941421f, -0.188770334f, 0.0f, 0.311229666f, 0.731058579f, 1.76159416f});
  check_activation(bertpp::Activation::Relu, {0.0f, 0.0f, 0.0f, 0.0f, 0.5f, 1.0f, 2.0f});
  check_activation(bertpp::Activation::Linear, {-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f});
}

TEST_CASE("Linear computes x W^T + b with W as [out, in]") {
  const std::vector<float> w = {1, 2, 3,   // out 0
                                -1, 0, 4};  // out 1
  const std::vector<float> b = {0.5f, -1};
  const bertpp::Linear linear{view(w, 2, 3), view(b, 1, 2)};
  Matrix x(2, 3);
  x << 1, 1, 1,
       2, 0, -1;
  const Matrix y = linear(x);
  REQUIRE(y.rows() == 2);
  REQUIRE(y.cols() == 2);
  CHECK(y(0, 0) == 6.5f);   // 1+2+3 + 0.5
  CHECK(y(0, 1) == 2.0f);   // -1+0+4 - 1
  CHECK(y(1, 0) == -0.5f);  // 2-3 + 0.5
  CHECK(y(1, 1) == -7.0f);  // -2-4 - 1
}

TEST_CASE("LayerNorm normalises each row with biased variance, then scales and shifts") {
  const std::vector<float> gamma = {1, 1, 2, 1}, beta = {0, 0, 0, 10};
  const bertpp::LayerNorm norm{view(gamma, 1, 4), view(beta, 1, 4), 1e-12f};
  Matrix x(2, 4);
  x << 1, 2, 3, 4,
       5, 5, 5, 5;
  norm.forward_inplace(x);
  CHECK(x(0, 0) == Approx(-1.34164079f).margin(1e-6));
  CHECK(x(0, 1) == Approx(-0.447213595f).margin(1e-6));
  CHECK(x(0, 2) == Approx(2 * 0.447213595f).margin(1e-6));
  CHECK(x(0, 3) == Approx(10 + 1.34164079f).margin(1e-6));
  CHECK(x(1, 0) == 0.0f);  // constant row: all zero, plus beta
  CHECK(x(1, 3) == 10.0f);
}

TEST_CASE("softmax of each row") {
  Matrix x(2, 3);
  x << 1, 2, 3,
       1000, 1000, 1000;  // large values: no overflow thanks to the max shift
  bertpp::softmax_rows(x);
  CHECK(x(0, 0) == Approx(0.0900305732f).margin(1e-7));
  CHECK(x(0, 1) == Approx(0.244728471f).margin(1e-7));
  CHECK(x(0, 2) == Approx(0.665240956f).margin(1e-7));
  CHECK(x(1, 0) == Approx(1.0f / 3).margin(1e-7));
}

TEST_CASE("QKV fusion stacks the three projections") {
  const std::vector<float> wq = {1, 0, 0, 1}, wk = {2, 0, 0, 2}, wv = {0, 1, 1, 0};
  const std::vector<float> bq = {0, 0}, bk = {1, 1}, bv = {0, 5};
  const auto fused = bertpp::QkvProjection::fuse({view(wq, 2, 2), view(bq, 1, 2)},
                                                 {view(wk, 2, 2), view(bk, 1, 2)},
                                                 {view(wv, 2, 2), view(bv, 1, 2)});
  Matrix x = row({3, 4});
  Matrix y(1, 6);
  fused.forward(x, y);
  const Matrix expected = row({3, 4, 7, 9, 4, 8});
  CHECK(y == expected);
}

TEST_CASE("self-attention: scaled dot products, padding keys get exactly zero weight") {
  // One sequence of 3 tokens, hidden 2, one head (d = 2); rows are [q | k | v].
  Matrix qkv(3, 6);
  qkv << 1, 0,  1, 0,  1, 2,
         0, 0,  0, 0,  3, 4,
         0, 0,  9, 9,  100, 100;  // third token is padding
  const auto mask = bertpp::AttentionMask::build({1, 1, 0}, 1, 3);
  Matrix context(3, 2), scores(3 * 8, 3), probabilities(3, 3);
  bertpp::self_attention(qkv, mask, 1, 3, 1, context, scores, &probabilities);
  // Token 0: scores [1/sqrt(2), 0, masked] -> sigmoid(1/sqrt(2)) = 0.669761549.
  CHECK(probabilities(0, 0) == Approx(0.669761549f).margin(1e-6));
  CHECK(probabilities(0, 1) == Approx(1 - 0.669761549f).margin(1e-6));
  CHECK(probabilities(0, 2) == 0.0f);
  CHECK(context(0, 0) == Approx(0.669761549f * 1 + 0.330238451f * 3).margin(1e-5));
  // Token 1: q = 0, so equal weight on the two real keys.
  CHECK(probabilities(1, 0) == 0.5f);
  CHECK(probabilities(1, 2) == 0.0f);
  CHECK(context(1, 1) == Approx(3.0f).margin(1e-6));
}

TEST_CASE("an all-padding row attends uniformly, as HF's finfo.min mask does") {
  Matrix qkv = Matrix::Zero(2, 6);
  qkv(0, 1) = 5;  // q of token 0; k and v rows
  qkv(0, 4) = 2;
  qkv(1, 4) = 4;
  const auto mask = bertpp::AttentionMask::build({0, 0}, 1, 2);
  Matrix context(2, 2), scores(2 * 8, 2), probabilities(2, 2);
  bertpp::self_attention(qkv, mask, 1, 2, 1, context, scores, &probabilities);
  CHECK(probabilities(0, 0) == 0.5f);
  CHECK(probabilities(0, 1) == 0.5f);
  CHECK(context(0, 0) == Approx(3.0f));
}

TEST_CASE("several heads attend over their own column slices") {
  // hidden 2, heads 2 (d = 1): head 0 uses column 0, head 1 column 1.
  Matrix qkv(2, 6);
  qkv << 1, 0,  1, 0,  10, 20,
         1, 0,  0, 0,  30, 40;
  const auto mask = bertpp::AttentionMask::build({}, 1, 2);
  Matrix context(2, 2), scores(2 * 8, 2), probabilities(2 * 2, 2);
  bertpp::self_attention(qkv, mask, 1, 2, 2, context, scores, &probabilities);
  const float p = 1.0f / (1.0f + std::exp(-1.0f));  // head 0: scores [1, 0]
  CHECK(probabilities(0, 0) == Approx(p));
  CHECK(probabilities(2, 0) == 0.5f);  // head 1 (rows 2..3): q = 0
  CHECK(context(0, 0) == Approx(p * 10 + (1 - p) * 30));
  CHECK(context(0, 1) == Approx(30.0f));  // head 1: mean of 20 and 40
}

TEST_CASE("embeddings add word, position and token type rows, then normalise") {
  const std::vector<float> word = {1, 0, 0, 1, 2, 2};  // 3 ids x hidden 2
  const std::vector<float> position = {0, 0, 10, 0};  // 2 positions
  const std::vector<float> type = {0, 0, 0, 5};
  const std::vector<float> gamma = {1, 1}, beta = {0, 0};
  bertpp::Embeddings embeddings{view(word, 3, 2), view(position, 2, 2), view(type, 2, 2),
                                {view(gamma, 1, 2), view(beta, 1, 2), 1e-12f}};
  const std::int32_t ids[] = {2, 0};
  const std::int32_t types[] = {0, 1};
  Matrix hidden;
  embeddings.forward(ids, types, 1, 2, hidden);
  // Token 0: [2, 2] -> constant -> [0, 0]. Token 1: [1+10, 0+5] -> [1, -1].
  CHECK(hidden(0, 0) == 0.0f);
  CHECK(hidden(1, 0) == Approx(1.0f));
  CHECK(hidden(1, 1) == Approx(-1.0f));
}

TEST_CASE("a right-padded batch packs its real tokens back to back, other masks do not pack") {
  bertpp::SequenceLayout layout;
  REQUIRE(bertpp::SequenceLayout::pack({1, 1, 1, 1, 0, 0}, 2, 3, layout));
  CHECK(layout.packed);
  CHECK(layout.rows == 4);
  CHECK(layout.offset == std::vector<Eigen::Index>{0, 3});
  CHECK(layout.length == std::vector<Eigen::Index>{3, 1});
  CHECK(layout.row(1, 0) == 3);
  CHECK(layout.longest() == 3);
  bertpp::SequenceLayout untouched;
  CHECK_FALSE(bertpp::SequenceLayout::pack({0, 1, 1}, 1, 3, untouched));  // left padding
  CHECK_FALSE(bertpp::SequenceLayout::pack({1, 0, 1}, 1, 3, untouched));  // a hole
  CHECK_FALSE(bertpp::SequenceLayout::pack({1, 1, 0, 0}, 2, 2, untouched));  // no real token
  CHECK(untouched.rows == 0);
  const auto padded = bertpp::SequenceLayout::padded(2, 3);
  CHECK_FALSE(padded.packed);
  CHECK(padded.offset == std::vector<Eigen::Index>{0, 3});
  CHECK(padded.length == std::vector<Eigen::Index>{3, 3});
}

TEST_CASE("packed embeddings keep each token's position in its padded row") {
  const std::vector<float> word = {1, 0, 0, 1, 2, 2};
  const std::vector<float> position = {0, 0, 10, 0};
  const std::vector<float> gamma = {1, 1}, beta = {0, 0};
  bertpp::Embeddings embeddings{view(word, 3, 2), view(position, 2, 2), {},
                                {view(gamma, 1, 2), view(beta, 1, 2), 1e-12f}};
  const std::int32_t ids[] = {2, 0, 1, 0};  // [[2, 0], [1, pad]]
  bertpp::SequenceLayout layout;
  REQUIRE(bertpp::SequenceLayout::pack({1, 1, 1, 0}, 2, 2, layout));
  Matrix packed, padded;
  embeddings.forward(ids, nullptr, layout, packed);
  embeddings.forward(ids, nullptr, 2, 2, padded);
  REQUIRE(packed.rows() == 3);
  CHECK(packed.row(0) == padded.row(0));
  CHECK(packed.row(1) == padded.row(1));
  CHECK(packed.row(2) == padded.row(2));  // sequence 1, position 0
}
