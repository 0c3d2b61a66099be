// Text-classification post-processing on hand-made logits. Expected values
// computed by hand (softmax/sigmoid of small integers).
#include <bertpp/pipelines/detail/classification.hpp>

#include <catch2/catch.hpp>

using bertpp::ClassificationFunction;

TEST_CASE("softmax of 1, 2, 3 matches the closed form") {
  const float logits[] = {1.0f, 2.0f, 3.0f};
  const auto p = bertpp::detail::softmax(logits, 3);
  CHECK(p[0] == Approx(0.09003057).margin(1e-7));
  CHECK(p[1] == Approx(0.24472847).margin(1e-7));
  CHECK(p[2] == Approx(0.66524096).margin(1e-7));
}

TEST_CASE("softmax does not overflow on large logits") {
  const float logits[] = {1000.0f, 1000.0f};
  const auto p = bertpp::detail::softmax(logits, 2);
  CHECK(p[0] == Approx(0.5));
  CHECK(p[1] == Approx(0.5));
}

TEST_CASE("sigmoid of 0 and 2") {
  CHECK(bertpp::detail::sigmoid(0.0f) == Approx(0.5));
  CHECK(bertpp::detail::sigmoid(2.0f) == Approx(0.8807970779778823).margin(1e-7));
}

TEST_CASE("default function follows problem_type, then the number of labels, as HF") {
  using bertpp::detail::resolve_classification_function;
  CHECK(resolve_classification_function(ClassificationFunction::Default, "regression", 1) ==
        ClassificationFunction::None);
  CHECK(resolve_classification_function(ClassificationFunction::Default, "", 1) ==
        ClassificationFunction::Sigmoid);
  CHECK(resolve_classification_function(ClassificationFunction::Default,
                                        "multi_label_classification", 5) ==
        ClassificationFunction::Sigmoid);
  CHECK(resolve_classification_function(ClassificationFunction::Default,
                                        "single_label_classification", 3) ==
        ClassificationFunction::Softmax);
  CHECK(resolve_classification_function(ClassificationFunction::Default, "", 2) ==
        ClassificationFunction::Softmax);
  CHECK(resolve_classification_function(ClassificationFunction::None, "", 2) ==
        ClassificationFunction::None);
}

TEST_CASE("function_to_apply names parse case-insensitively, others are refused") {
  CHECK(bertpp::parse_classification_function("SIGMOID") == ClassificationFunction::Sigmoid);
  CHECK(bertpp::parse_classification_function("softmax") == ClassificationFunction::Softmax);
  CHECK(bertpp::parse_classification_function("none") == ClassificationFunction::None);
  CHECK_THROWS_AS(bertpp::parse_classification_function("relu"), bertpp::ArgumentError);
}

TEST_CASE("rank_labels returns the best label for top_k 1 and all labels sorted for none") {
  const float logits[] = {1.0f, 3.0f, 2.0f};
  const std::vector<std::string> names = {"a", "b", "c"};
  const auto best =
      bertpp::detail::rank_labels(logits, 3, names, ClassificationFunction::Softmax, 1);
  REQUIRE(best.size() == 1);
  CHECK(best[0].label == "b");
  CHECK(best[0].score == Approx(0.66524096).margin(1e-7));

  const auto all = bertpp::detail::rank_labels(logits, 3, names, ClassificationFunction::None,
                                               std::nullopt);
  REQUIRE(all.size() == 3);
  CHECK(all[0].label == "b");
  CHECK(all[1].label == "c");
  CHECK(all[2].label == "a");
  CHECK(all[2].score == 1.0f);  // "none" keeps raw logits
}

TEST_CASE("rank_labels keeps index order among equal scores (Python's stable sort)") {
  const float logits[] = {0.5f, 0.7f, 0.5f, 0.7f};
  const std::vector<std::string> names = {"w", "x", "y", "z"};
  const auto all = bertpp::detail::rank_labels(logits, 4, names, ClassificationFunction::None,
                                               std::nullopt);
  CHECK(all[0].label == "x");
  CHECK(all[1].label == "z");
  CHECK(all[2].label == "w");
  CHECK(all[3].label == "y");
}

TEST_CASE("labels missing from id2label are named LABEL_<id>") {
  const float logits[] = {0.0f, 1.0f};
  const auto all = bertpp::detail::rank_labels(logits, 2, {}, ClassificationFunction::Sigmoid,
                                               std::nullopt);
  CHECK(all[0].label == "LABEL_1");
  CHECK(all[0].score == Approx(0.7310585786300049).margin(1e-7));
  CHECK(all[1].label == "LABEL_0");
}

TEST_CASE("LabelScore serializes as HF's {label, score}") {
  const bertpp::LabelScore s{"POSITIVE", 0.25f};
  CHECK(s.to_json() == nlohmann::json{{"label", "POSITIVE"}, {"score", 0.25}});
}
