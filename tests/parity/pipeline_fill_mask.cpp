// fill-mask: every call of bert-random-mlm's golden expected_pipeline.json
// (HF transformers' outputs: top_k, several masks, targets), via run(json).
#include <bertpp/pipelines/fill_mask.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

TEST_CASE("fill-mask matches HF on bert-random-mlm") {
  const std::string folder = "models/bert-random-mlm";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::FillMaskPipeline unmasker(bertpp_test::golden_path(folder));
  CHECK(bertpp_test::replay_expected_pipeline(
            folder, [&](const nlohmann::json& args) { return unmasker.run(args); }) == 4);
}

TEST_CASE("fill-mask typed API: one candidate list per mask") {
  const std::string folder = "models/bert-random-mlm";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::FillMaskPipeline unmasker(bertpp_test::golden_path(folder));
  bertpp::FillMaskOptions options;
  options.top_k = 2;
  const auto masks = unmasker("The [MASK] sat on the [MASK] .", options);
  REQUIRE(masks.size() == 2);
  REQUIRE(masks[0].size() == 2);
  // Golden: first mask -> 1760 (0.0016724815), flanks; second -> 1760, gables.
  CHECK(masks[0][0].token == 19096);
  CHECK(masks[0][0].score == Approx(0.0016724815359339118).margin(1e-5));
  CHECK(masks[1][1].token_str == "gables");
  CHECK(masks[1][1].sequence == "[CLS] the [MASK] sat on the gables. [SEP]");
}

TEST_CASE("a batch of texts gives the same results as one text at a time") {
  const std::string folder = "models/bert-random-mlm";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::FillMaskPipeline unmasker(bertpp_test::golden_path(folder));
  const std::vector<std::string> texts = {"Paris is the [MASK] of France.",
                                          "The man worked as a [MASK] ."};
  const auto batch = unmasker(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto alone = unmasker(texts[i]);
    REQUIRE(batch[i].size() == alone.size());
    for (std::size_t k = 0; k < alone[0].size(); ++k) {
      CHECK(batch[i][0][k].token == alone[0][k].token);
      CHECK(batch[i][0][k].score == Approx(alone[0][k].score).margin(1e-6));
    }
  }
}

TEST_CASE("targets outside the vocabulary use their first token, duplicates collapse") {
  const std::string folder = "models/bert-random-mlm";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::FillMaskPipeline unmasker(bertpp_test::golden_path(folder));
  // "Love" is not a vocabulary entry of the uncased vocab; it tokenizes to "love" (2293).
  const auto ids = unmasker.target_ids({"Love", "love", "hate"});
  CHECK(ids == std::vector<std::int32_t>{2293, 5223});
  CHECK_THROWS_AS(unmasker.target_ids({""}), bertpp::ArgumentError);
}

TEST_CASE("fill-mask refuses a text without a mask") {
  const std::string folder = "models/bert-random-mlm";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp::FillMaskPipeline unmasker(bertpp_test::golden_path(folder));
  CHECK_THROWS_WITH(unmasker("no mask here"), Catch::Contains("[MASK]"));
}
