// bertpp::pipeline(): every golden expected_pipeline.json (all tasks, HF
// transformers' outputs) replayed through AnyPipeline::run(json), with the
// task inferred from config.json (zero-shot named explicitly, as in HF).
#include <bertpp/pipelines/factory.hpp>
#include <bertpp/pipelines/fill_mask.hpp>
#include <bertpp/pipelines/text_classification.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

void replay(const std::string& name, const std::string& task = "") {
  const std::string folder = "models/" + name;
  if (!bertpp_test::have_golden(folder)) return;
  const std::string dir = bertpp_test::golden_path(folder);
  const bertpp::AnyPipeline p = task.empty() ? bertpp::pipeline(dir) : bertpp::pipeline(task, dir);
  CHECK(bertpp_test::replay_expected_pipeline(
            folder, [&](const nlohmann::json& args) { return p.run(args); }) > 0);
}

}  // namespace

TEST_CASE("factory: text-classification (BERT, DistilBERT and RoBERTa)") {
  replay("bert-random-sst2");
  replay("distilbert-random-sst2", "sentiment-analysis");
  replay("roberta-random-sst2");
}

TEST_CASE("factory: zero-shot-classification") { replay("bert-random-nli", "zero-shot-classification"); }

TEST_CASE("factory: fill-mask") { replay("bert-random-mlm"); }

TEST_CASE("factory: question-answering (BERT, DistilBERT and RoBERTa)") {
  replay("bert-random-squad");
  replay("distilbert-random-squad", "question-answering");
  replay("roberta-random-squad");
}

TEST_CASE("factory: token-classification (BERT and RoBERTa)") {
  replay("bert-random-ner", "ner");
  replay("roberta-random-ner");
}

TEST_CASE("the task is inferred from config.json's architectures and modules.json") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  const auto dir = [](const std::string& name) { return bertpp_test::golden_path("models/" + name); };
  CHECK(bertpp::infer_task(dir("bert-random-sst2")) == "text-classification");
  CHECK(bertpp::infer_task(dir("distilbert-random-sst2")) == "text-classification");
  CHECK(bertpp::infer_task(dir("bert-random-mlm")) == "fill-mask");
  CHECK(bertpp::infer_task(dir("bert-random-squad")) == "question-answering");
  CHECK(bertpp::infer_task(dir("bert-random-ner")) == "token-classification");
  CHECK(bertpp::infer_task(dir("sentence-random")) == "sentence-embeddings");
  CHECK(bertpp::infer_task(dir("bert-random")) == "feature-extraction");
  CHECK(bertpp::infer_task(dir("roberta-random-sst2")) == "text-classification");
  CHECK(bertpp::infer_task(dir("roberta-random-squad")) == "question-answering");
  CHECK(bertpp::infer_task(dir("roberta-random-ner")) == "token-classification");
  CHECK(bertpp::infer_task(dir("roberta-random")) == "feature-extraction");
}

TEST_CASE("typed access to the pipeline behind AnyPipeline") {
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  const auto p = bertpp::pipeline("sentiment-analysis", bertpp_test::golden_path("models/bert-random-sst2"));
  CHECK(p.task() == "text-classification");
  CHECK(p.get<bertpp::TextClassificationPipeline>() != nullptr);
  CHECK(p.get<bertpp::FillMaskPipeline>() == nullptr);
  CHECK(p.as<bertpp::TextClassificationPipeline>()("I love this movie!")[0].label == "NEGATIVE");
  CHECK_THROWS_AS(p.as<bertpp::FillMaskPipeline>(), bertpp::ArgumentError);
}

TEST_CASE("sentence-embeddings and feature-extraction through the factory") {
  if (!bertpp_test::have_golden("models/sentence-random")) return;
  const auto dir = bertpp_test::golden_path("models/sentence-random");
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const auto sentences = bertpp::pipeline(dir);
  CHECK(sentences.task() == "sentence-embeddings");
  const nlohmann::json first = sentences.run({{"inputs", golden.at("sentences")[0]}});
  CHECK(bertpp_test::json_mismatch(golden.at("embedding")[0], first, 1e-5) == "");
  const auto features = bertpp::pipeline("feature-extraction", dir);
  const nlohmann::json tokens = features.run({{"inputs", {"a", "b c"}}});
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[1][0].size() == 4);  // [CLS] b c [SEP]
}

TEST_CASE("unknown tasks and models without the needed head are refused clearly") {
  CHECK(bertpp::canonical_task("sentiment-analysis") == "text-classification");
  CHECK(bertpp::canonical_task("ner") == "token-classification");
  CHECK(bertpp::canonical_task("fill-mask") == "fill-mask");
  CHECK_THROWS_WITH(bertpp::canonical_task("summarization"), Catch::Contains("known:"));
  if (!bertpp_test::have_golden("models/bert-random-sst2")) return;
  CHECK_THROWS_WITH(bertpp::pipeline("fill-mask", bertpp_test::golden_path("models/bert-random-sst2")),
                    Catch::Contains("masked-LM"));
  CHECK_THROWS_AS(bertpp::pipeline("fill-mask", "/nonexistent/folder"), bertpp::Error);
}
