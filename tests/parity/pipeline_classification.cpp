// text-classification: every call of the golden expected_pipeline.json of the
// BERT, DistilBERT and RoBERTa SST-2 models (HF transformers' outputs), via run(json).
#include <bertpp/pipelines/text_classification.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

namespace {

void replay(const std::string& folder) {
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  CHECK(bertpp_test::replay_expected_pipeline(
            folder, [&](const nlohmann::json& args) { return classifier.run(args); }) > 0);
}

}  // namespace

TEST_CASE("text-classification matches HF on bert-random-sst2") {
  replay("models/bert-random-sst2");
}

TEST_CASE("text-classification matches HF on distilbert-random-sst2") {
  replay("models/distilbert-random-sst2");
}

TEST_CASE("text-classification matches HF on distilbert-random-sst2-bin (F16 pytorch_model.bin)") {
  replay("models/distilbert-random-sst2-bin");
}

TEST_CASE("text-classification matches HF on roberta-random-sst2") {
  replay("models/roberta-random-sst2");
}

TEST_CASE("typed API: top_k, function_to_apply and pairs agree with the golden scores") {
  const std::string folder = "models/bert-random-sst2";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  // Golden: "I love this movie!" -> NEGATIVE 0.634558379650116 / POSITIVE 0.36544162034988403.
  const auto best = classifier("I love this movie!");
  REQUIRE(best.size() == 1);
  CHECK(best[0].label == "NEGATIVE");
  CHECK(best[0].score == Approx(0.634558379650116).margin(1e-5));

  bertpp::TextClassificationOptions all;
  all.top_k = std::nullopt;
  all.function_to_apply = bertpp::ClassificationFunction::Sigmoid;
  const auto sigmoid = classifier("I love this movie!", all);
  REQUIRE(sigmoid.size() == 2);
  CHECK(sigmoid[1].label == "POSITIVE");
  CHECK(sigmoid[1].score == Approx(0.5249077677726746).margin(1e-5));

  const auto pair = classifier(bertpp::TextInput("How old are you?", "I am six."));
  CHECK(pair[0].label == "NEGATIVE");
  CHECK(pair[0].score == Approx(0.6546361446380615).margin(1e-5));
}

TEST_CASE("batching does not change results: batch size 1 and 3 give the same logits") {
  const std::string folder = "models/bert-random-sst2";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  const std::vector<bertpp::TextInput> inputs = {"I love this movie!",
                                                 "This was a terrible waste of time.",
                                                 "It's fine, I guess.", "Absolutely wonderful acting"};
  bertpp::TextClassificationOptions one, three;
  one.batch.batch_size = 1;
  three.batch.batch_size = 3;
  const bertpp::Matrix a = classifier.logits(inputs, one), b = classifier.logits(inputs, three);
  REQUIRE(a.rows() == 4);
  CHECK((a - b).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("bad JSON arguments are refused with ArgumentError") {
  const std::string folder = "models/bert-random-sst2";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  CHECK_THROWS_AS(classifier.run({{"text", "x"}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(classifier.run({{"inputs", "x"}, {"topk", 2}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(classifier.run({{"inputs", 42}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(classifier.run({{"inputs", "x"}, {"function_to_apply", "tanh"}}),
                  bertpp::ArgumentError);
}

TEST_CASE("long texts are refused unless truncation is asked for") {
  const std::string folder = "models/bert-random-sst2";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  std::string text;
  for (int i = 0; i < 200; ++i) text += "good ";
  CHECK_THROWS_AS(classifier.run({{"inputs", text}}), bertpp::ArgumentError);
  const nlohmann::json out =
      classifier.run({{"inputs", text}, {"truncation", "longest_first"}, {"max_length", 128}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].contains("label"));
}

// roberta-random has 130 positions; RoBERTa's start after padding_idx 1, so
// 128 tokens fit (model_max_length) and 129 are refused, as HF's IndexError,
// unless truncation is asked for.
TEST_CASE("RoBERTa: 128 tokens run, 129 are refused unless truncated") {
  const std::string folder = "models/roberta-random-sst2";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(folder));
  auto words = [](std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += i ? " a" : "a";
    return text;
  };
  REQUIRE(classifier.tokenizer().encode(words(126)).size() == 128);
  const auto fits = classifier(words(126));
  CHECK_THROWS_AS(classifier(words(127)), bertpp::ArgumentError);
  CHECK_THROWS_WITH(classifier(words(127)), Catch::Matchers::Contains("has 129 tokens") &&
                                                Catch::Matchers::Contains("truncate the input"));
  bertpp::TextClassificationOptions truncate;
  truncate.truncation = bertpp::TruncationOptions{128};
  const auto truncated = classifier(words(400), truncate);
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0].label == fits[0].label);
  CHECK(truncated[0].score == fits[0].score);
}
