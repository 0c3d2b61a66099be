// The small shared helpers that keep a program's compiled code small:
// detail::throw_error (every error message) and detail::stable_order (every
// post-processing stable sort).
#include <bertpp/detail/stable_order.hpp>
#include <bertpp/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

TEST_CASE("throw_error throws the asked kind with the pieces concatenated") {
  const std::string file = "config.json";
  CHECK_THROWS_AS(bertpp::detail::throw_error<bertpp::ConfigError>({file, ": field 'x'"}),
                  bertpp::ConfigError);
  CHECK_THROWS_WITH(bertpp::detail::throw_error<bertpp::LoadError>(
                        {file, ": field '", "vocab_size", "' is ", std::to_string(-3)}),
                    "config.json: field 'vocab_size' is -3");
  CHECK_THROWS_WITH(bertpp::detail::throw_error<bertpp::ArgumentError>({}), "");
  CHECK_THROWS_AS(
      bertpp::detail::throw_error<bertpp::TokenizerError>({"a.json", ": "}, {"bad ", "token"}),
      bertpp::TokenizerError);
  CHECK_THROWS_WITH(
      bertpp::detail::throw_error<bertpp::LoadError>({"a.zip", ": zip archive: "}, {"entry ", "7"}),
      "a.zip: zip archive: entry 7");
}

TEST_CASE("stable_order sorts indices by key and keeps the index order of ties") {
  using bertpp::detail::stable_order;
  const std::vector<double> scores = {0.5, 0.9, 0.5, 0.1, 0.9};
  CHECK(stable_order(scores) == std::vector<std::size_t>{3, 0, 2, 1, 4});
  CHECK(stable_order(scores, /*descending=*/true) == std::vector<std::size_t>{1, 4, 0, 2, 3});
  const std::vector<std::size_t> lengths = {3, 7, 3, 7, 1};
  CHECK(stable_order(lengths) == std::vector<std::size_t>{4, 0, 2, 1, 3});
  CHECK(stable_order(lengths, /*descending=*/true) == std::vector<std::size_t>{1, 3, 0, 2, 4});
  CHECK(stable_order(std::vector<double>{}).empty());
}

TEST_CASE("apply_order moves items into the given order") {
  std::vector<std::string> items = {"c", "a", "b"};
  bertpp::detail::apply_order(items, {1, 2, 0});
  CHECK(items == std::vector<std::string>{"a", "b", "c"});
}
