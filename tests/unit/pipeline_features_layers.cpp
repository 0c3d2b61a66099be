// Feature-extraction layer selection and combination on hand-made matrices.
#include <bertpp/pipelines/detail/layers.hpp>

#include <catch2/catch.hpp>

using bertpp::LayerCombine;
using bertpp::Matrix;
namespace d = bertpp::detail;

TEST_CASE("layer indices follow HF's hidden_states numbering, negatives from the end") {
  // 3 hidden states: embeddings, layer 1, layer 2.
  CHECK(d::resolve_layers({-1}, 3) == std::vector<std::size_t>{2});
  CHECK(d::resolve_layers({-1, -2, -3}, 3) == std::vector<std::size_t>{2, 1, 0});
  CHECK(d::resolve_layers({0, 2}, 3) == std::vector<std::size_t>{0, 2});
}

TEST_CASE("out-of-range or empty layer lists are refused with the valid range") {
  CHECK_THROWS_WITH(d::resolve_layers({-4}, 3), Catch::Contains("-3..2"));
  CHECK_THROWS_AS(d::resolve_layers({3}, 3), bertpp::ArgumentError);
  CHECK_THROWS_AS(d::resolve_layers({}, 3), bertpp::ArgumentError);
}

namespace {
struct Layers {
  Matrix a{3, 2}, b{3, 2};
  Layers() {
    a << 1, 2, 3, 4, 5, 6;
    b << 10, 20, 30, 40, 50, 60;
  }
};
}  // namespace

TEST_CASE("concat puts the chosen layers side by side, in the order asked") {
  Layers l;
  const Matrix m = d::combine_layers({&l.b, &l.a}, 1, 2, LayerCombine::Concat);
  Matrix expected(2, 4);
  expected << 30, 40, 3, 4, 50, 60, 5, 6;
  CHECK(m == expected);
}

TEST_CASE("sum and mean combine the chosen layers element-wise") {
  Layers l;
  Matrix sum(1, 2), mean(1, 2);
  sum << 11, 22;
  mean << 5.5f, 11;
  CHECK(d::combine_layers({&l.a, &l.b}, 0, 1, LayerCombine::Sum) == sum);
  CHECK(d::combine_layers({&l.a, &l.b}, 0, 1, LayerCombine::Mean) == mean);
}

TEST_CASE("combine names parse, unknown ones are refused") {
  CHECK(d::parse_layer_combine("sum") == LayerCombine::Sum);
  CHECK(d::parse_layer_combine("concat") == LayerCombine::Concat);
  CHECK(d::parse_layer_combine("mean") == LayerCombine::Mean);
  CHECK_THROWS_AS(d::parse_layer_combine("max"), bertpp::ArgumentError);
}
