// Replays every token-classification call of the golden expected_pipeline.json
// (HF transformers' own outputs, all aggregation strategies and ignore_labels)
// and compares labels, words, indices, start/end exactly, scores within 1e-5.
#include <bertpp/pipelines/token_classification.hpp>

#include "support/golden.hpp"
#include "support/json_match.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string>

TEST_CASE("token-classification pipeline matches HF on bert-random-ner") {
  const std::string folder = "models/bert-random-ner";
  if (!bertpp_test::have_golden(folder)) return;
  const std::string dir = bertpp_test::golden_path(folder);
  const bertpp::TokenClassificationPipeline ner(dir);
  const nlohmann::json cases = bertpp_test::read_json(dir + "/expected_pipeline.json");
  REQUIRE(cases.size() > 0);
  double worst = 0.0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    INFO("case " << i << ": args " << c.at("args").dump());
    const nlohmann::json got = ner.run(c.at("args"));
    INFO("expected " << c.at("output").dump() << "\n     got " << got.dump());
    CHECK(bertpp_test::json_mismatch(c.at("output"), got, 1e-5) == "");
    worst = std::max(worst, bertpp_test::json_max_float_diff(c.at("output"), got));
  }
  std::cout << "bert-random-ner: " << cases.size() << " cases, worst score difference " << worst
            << std::endl;
}
