// Replays every token-classification call of the golden expected_pipeline.json
// (HF transformers' own outputs, all aggregation strategies and ignore_labels)
// and compares labels, words, indices, start/end exactly, scores within 1e-5.
#include <bertpp/pipelines/token_classification.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

void replay(const std::string& folder) {
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TokenClassificationPipeline ner(bertpp_test::golden_path(folder));
  CHECK(bertpp_test::replay_expected_pipeline(folder, [&](const nlohmann::json& args) { return ner.run(args); }) > 0);
}

}  // namespace

TEST_CASE("token-classification pipeline matches HF on bert-random-ner") { replay("models/bert-random-ner"); }

// Byte-level BPE has no continuing-subword prefix: HF's space heuristic
// decides which tokens continue a word.
TEST_CASE("token-classification pipeline matches HF on roberta-random-ner") { replay("models/roberta-random-ner"); }
