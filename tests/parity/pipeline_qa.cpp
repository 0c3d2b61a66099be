// Replays every question-answering call of the golden expected_pipeline.json
// files (HF transformers' own outputs) and compares the results: answers,
// start/end characters exactly, scores within 1e-5.
#include <bertpp/pipelines/question_answering.hpp>

#include "support/golden.hpp"
#include "support/json_match.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string>

namespace {

void replay(const std::string& folder) {
  if (!bertpp_test::have_golden("models/" + folder)) return;
  const std::string dir = bertpp_test::golden_path("models/" + folder);
  const bertpp::QuestionAnsweringPipeline qa(dir);
  const nlohmann::json cases = bertpp_test::read_json(dir + "/expected_pipeline.json");
  REQUIRE(cases.size() > 0);
  double worst = 0.0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    INFO(folder << " case " << i << ": args " << c.at("args").dump());
    const nlohmann::json got = qa.run(c.at("args"));
    INFO("expected " << c.at("output").dump() << "\n     got " << got.dump());
    CHECK(bertpp_test::json_mismatch(c.at("output"), got, 1e-5) == "");
    worst = std::max(worst, bertpp_test::json_max_float_diff(c.at("output"), got));
  }
  std::cout << folder << ": " << cases.size() << " cases, worst score difference " << worst
            << std::endl;
}

}  // namespace

TEST_CASE("question-answering pipeline matches HF on bert-random-squad") {
  replay("bert-random-squad");
}

TEST_CASE("question-answering pipeline matches HF on distilbert-random-squad") {
  replay("distilbert-random-squad");
}
