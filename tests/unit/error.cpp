#include <bertpp/error.hpp>

#include <catch2/catch.hpp>

TEST_CASE("every bertpp error kind is caught as bertpp::Error and std::runtime_error") {
  CHECK_THROWS_AS(throw bertpp::LoadError("x"), bertpp::Error);
  CHECK_THROWS_AS(throw bertpp::ConfigError("x"), bertpp::Error);
  CHECK_THROWS_AS(throw bertpp::TokenizerError("x"), bertpp::Error);
  CHECK_THROWS_AS(throw bertpp::ArgumentError("x"), std::runtime_error);
  CHECK_THROWS_WITH(throw bertpp::LoadError("model.safetensors: truncated"),
                    "model.safetensors: truncated");
}
