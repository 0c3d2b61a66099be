// Fill-mask candidate ranking on hand-made vocabulary logits.
#include <bertpp/pipelines/fill_mask.hpp>

#include <catch2/catch.hpp>

namespace d = bertpp::detail;

TEST_CASE("candidates are the top_k of the softmax over the whole vocabulary") {
  std::vector<float> logits = {1.0f, 3.0f, 2.0f, 0.0f};
  const auto top = d::top_tokens(logits.data(), logits.size(), {}, 2);
  REQUIRE(top.size() == 2);
  // softmax(1,3,2,0) = e^x / (e + e^3 + e^2 + 1) = (0.0871, 0.6439, 0.2369, 0.0321)
  CHECK(top[0].first == 1);
  CHECK(top[0].second == Approx(0.64391426).margin(1e-6));
  CHECK(top[1].first == 2);
  CHECK(top[1].second == Approx(0.23688282).margin(1e-6));
}

TEST_CASE("targets restrict candidates but keep whole-vocabulary probabilities") {
  std::vector<float> logits = {1.0f, 3.0f, 2.0f, 0.0f};
  const auto top = d::top_tokens(logits.data(), logits.size(), {0, 3}, 5);
  REQUIRE(top.size() == 2);  // top_k is capped by the number of targets
  CHECK(top[0].first == 0);
  CHECK(top[0].second == Approx(0.08714432).margin(1e-6));
  CHECK(top[1].first == 3);
  CHECK(top[1].second == Approx(0.0320586).margin(1e-6));
}

TEST_CASE("a target id outside the vocabulary is refused") {
  std::vector<float> logits = {0.0f, 0.0f};
  CHECK_THROWS_AS(d::top_tokens(logits.data(), logits.size(), {2}, 1), bertpp::ArgumentError);
}

TEST_CASE("mask positions are found in order") {
  bertpp::Encoding e;
  e.ids = {101, 103, 7, 103, 102};
  CHECK(d::mask_positions(e, 103) == std::vector<std::size_t>{1, 3});
  CHECK(d::mask_positions(e, 5).empty());
}

TEST_CASE("one mask serializes as a candidate list, several as a list per mask") {
  bertpp::FillMaskCandidate c;
  c.score = 0.5f;
  c.token = 7;
  c.token_str = "x";
  c.sequence = "a x";
  const nlohmann::json one = bertpp::FillMaskPipeline::to_json({{c}});
  CHECK(one == nlohmann::json::array({c.to_json()}));
  const nlohmann::json two = bertpp::FillMaskPipeline::to_json({{c}, {c, c}});
  REQUIRE(two.size() == 2);
  CHECK(two[1].size() == 2);
  CHECK(c.to_json() == nlohmann::json{{"score", 0.5}, {"token", 7}, {"token_str", "x"}, {"sequence", "a x"}});
}
