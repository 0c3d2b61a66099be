// zero-shot-classification: every call of bert-random-nli's golden
// expected_pipeline.json (HF transformers' outputs), via run(json).
#include <bertpp/pipelines/zero_shot_classification.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

TEST_CASE("zero-shot-classification matches HF on bert-random-nli") {
  const std::string folder = "models/bert-random-nli";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::ZeroShotClassificationPipeline classifier(bertpp_test::golden_path(folder));
  CHECK(bertpp_test::replay_expected_pipeline(
            folder, [&](const nlohmann::json& args) { return classifier.run(args); }) == 3);
}

TEST_CASE("zero-shot typed API and label string form agree with the golden case") {
  const std::string folder = "models/bert-random-nli";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::ZeroShotClassificationPipeline classifier(bertpp_test::golden_path(folder));
  const std::string text = "I have a problem with my iphone that needs to be resolved asap!!";
  const auto r = classifier(text, {"urgent", "not urgent", "phone", "tablet", "computer"});
  // Golden: labels urgent, computer, tablet, phone, not urgent.
  REQUIRE(r.labels.size() == 5);
  CHECK(r.labels[0] == "urgent");
  CHECK(r.scores[0] == Approx(0.20288072526454926).margin(1e-5));
  CHECK(r.labels[4] == "not urgent");
  const auto from_string = classifier.run(
      {{"sequences", text}, {"candidate_labels", "urgent, not urgent, phone, tablet, computer"}});
  CHECK(from_string.at("labels") == nlohmann::json(r.labels));
}

TEST_CASE("zero-shot refuses empty labels, bad templates and unknown arguments") {
  const std::string folder = "models/bert-random-nli";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::ZeroShotClassificationPipeline classifier(bertpp_test::golden_path(folder));
  CHECK_THROWS_AS(classifier("text", {}), bertpp::ArgumentError);
  bertpp::ZeroShotClassificationOptions bad;
  bad.hypothesis_template = "No placeholder.";
  CHECK_THROWS_AS(classifier("text", {"a"}, bad), bertpp::ArgumentError);
  CHECK_THROWS_AS(classifier.run({{"sequences", "x"}, {"candidate_labels", {"a"}}, {"multi", true}}),
                  bertpp::ArgumentError);
}
