// Replays every question-answering call of the golden expected_pipeline.json
// files (HF transformers' own outputs) and compares the results: answers,
// start/end characters exactly, scores within 1e-5.
#include <bertpp/pipelines/question_answering.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

void replay(const std::string& folder) {
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path(folder));
  CHECK(bertpp_test::replay_expected_pipeline(folder, [&](const nlohmann::json& args) { return qa.run(args); }) > 0);
}

}  // namespace

TEST_CASE("question-answering pipeline matches HF on bert-random-squad") { replay("models/bert-random-squad"); }

TEST_CASE("question-answering pipeline matches HF on distilbert-random-squad") {
  replay("models/distilbert-random-squad");
}

// Byte-level BPE words for align_to_words; model_max_length 128, so the
// default call splits the context into doc_stride windows.
TEST_CASE("question-answering pipeline matches HF on roberta-random-squad") {
  replay("models/roberta-random-squad");
}
