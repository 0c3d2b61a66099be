// Zero-shot NLI arithmetic on hand-made logits; expected values by hand.
#include <bertpp/pipelines/detail/scores.hpp>
#include <bertpp/pipelines/detail/zero_shot.hpp>

#include <catch2/catch.hpp>

namespace d = bertpp::detail;

TEST_CASE("the entailment id is the first label starting with 'entail', any case") {
  CHECK(d::entailment_id({{"contradiction", 0}, {"entailment", 2}, {"neutral", 1}}) == 2);
  CHECK(d::entailment_id({{"CONTRADICTION", 0}, {"ENTAILMENT", 1}}) == 1);
  CHECK(d::entailment_id({{"LABEL_0", 0}, {"LABEL_1", 1}}) == -1);
}

TEST_CASE("hypothesis templates are formatted like Python's str.format(label)") {
  CHECK(d::format_hypothesis("This example is {}.", "sports") == "This example is sports.");
  CHECK(d::format_hypothesis("{0} or {0}?", "x") == "x or x?");
  CHECK(d::format_hypothesis("{{literal}} {}", "y") == "{literal} y");
  CHECK_THROWS_AS(d::format_hypothesis("No placeholder.", "x"), bertpp::ArgumentError);
  CHECK_THROWS_AS(d::format_hypothesis("About {topic}.", "x"), bertpp::ArgumentError);
  CHECK_THROWS_AS(d::format_hypothesis("Unbalanced } brace {}", "x"), bertpp::ArgumentError);
}

TEST_CASE("candidate labels given as one string are split on commas and stripped") {
  const auto labels = d::split_candidate_labels(" urgent, not urgent,, phone ,");
  REQUIRE(labels.size() == 3);
  CHECK(labels[0] == "urgent");
  CHECK(labels[1] == "not urgent");
  CHECK(labels[2] == "phone");
}

TEST_CASE("single-label scores are a softmax of the entailment logits across candidates") {
  // Rows: candidates; columns: contradiction, neutral, entailment.
  bertpp::Matrix logits(3, 3);
  logits << 9, 9, 1,  //
      -4, 0, 2,       //
      0, 7, 3;
  const auto scores = d::zero_shot_scores(logits, 0, 3, /*entailment=*/2, /*multi_label=*/false);
  CHECK(scores[0] == Approx(0.09003057).margin(1e-7));
  CHECK(scores[1] == Approx(0.24472847).margin(1e-7));
  CHECK(scores[2] == Approx(0.66524096).margin(1e-7));
}

TEST_CASE("multi-label scores are entailment vs contradiction per candidate") {
  bertpp::Matrix logits(2, 3);
  logits << 0, 5, 1,  //
      1, -5, 1;
  const auto scores = d::zero_shot_scores(logits, 0, 2, 2, /*multi_label=*/true);
  CHECK(scores[0] == Approx(0.7310585786300049).margin(1e-7));  // e^1 / (e^0 + e^1)
  CHECK(scores[1] == Approx(0.5));
}

TEST_CASE("a single candidate is scored as multi-label, as HF does") {
  bertpp::Matrix logits(1, 3);
  logits << 0, 0, 2;
  const auto scores = d::zero_shot_scores(logits, 0, 1, 2, false);
  CHECK(scores[0] == Approx(0.8807970779778823).margin(1e-7));
}

TEST_CASE("when entailment is column 0, contradiction is the last column") {
  bertpp::Matrix logits(1, 3);
  logits << 2, 9, 0;
  const auto scores = d::zero_shot_scores(logits, 0, 1, 0, true);
  CHECK(scores[0] == Approx(0.8807970779778823).margin(1e-7));
}

TEST_CASE("rows of later sequences are read from first_row on") {
  bertpp::Matrix logits(4, 2);
  logits << 0, 100,  //
      0, 100,        //
      0, 1,          //
      0, 1;
  const auto scores = d::zero_shot_scores(logits, 2, 2, 1, false);
  CHECK(scores[0] == Approx(0.5));
  CHECK(scores[1] == Approx(0.5));
}

TEST_CASE("an entailment id outside the logits is refused") {
  bertpp::Matrix logits(1, 2);
  logits << 0, 1;
  CHECK_THROWS_AS(d::zero_shot_scores(logits, 0, 1, 5, false), bertpp::ArgumentError);
}

TEST_CASE("labels are ranked like numpy's reversed argsort: ties put the later label first") {
  const auto order = d::reversed_argsort({0.5f, 0.2f, 0.5f, 0.9f});
  REQUIRE(order.size() == 4);
  CHECK(order[0] == 3);
  CHECK(order[1] == 2);
  CHECK(order[2] == 0);
  CHECK(order[3] == 1);
}
