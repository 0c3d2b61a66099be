// NER over long texts with HF's `stride` (golden bert-random-ner/
// expected_pipeline_stride.json): the overlapping windows the tokenizer
// makes, each window's entities, the overlap resolution, and HF's errors.
// HF loaded the tokenizer with model_max_length=128; the folder's
// tokenizer_config.json says 256 (more than the model's 128 positions), so
// the test builds a copy of the folder saying 128, and also checks that the
// untouched folder gives the same answers (windows clamped to the positions).
#include <bertpp/pipelines/token_classification.hpp>

#include "support/folder_copy.hpp"
#include "support/golden.hpp"
#include "support/json_match.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string>

namespace {

const char* const kFolder = "models/bert-random-ner";

// The golden folder as HF's setup loaded it: model_max_length 128.
struct FolderWithMaxLength : bertpp_test::FolderWithTokenizerConfig {
  FolderWithMaxLength(const std::string& source, std::size_t model_max_length)
      : FolderWithTokenizerConfig(source, "model_max_length", model_max_length) {}
};

nlohmann::json stride_cases() {
  return bertpp_test::read_json(bertpp_test::golden_path(kFolder) +
                                "/expected_pipeline_stride.json");
}

// Runs every case through `ner`; returns how many matched (output within
// 1e-5, or the same error).
std::size_t replay(const bertpp::TokenClassificationPipeline& ner, const nlohmann::json& cases,
                   double& worst) {
  std::size_t matched = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    INFO("case " << i << ": args " << c.at("args").dump().substr(0, 300));
    if (c.contains("error")) {
      std::string message = c.at("error").at("message");
      while (!message.empty() && (message.back() == ' ' || message.back() == ','))
        message.pop_back();
      bool same = false;
      try {
        ner.run(c.at("args"));
        FAIL_CHECK("expected HF's error: " << message);
      } catch (const bertpp::ArgumentError& e) {
        INFO("our message: " << e.what());
        same = std::string(e.what()).find(message) != std::string::npos;
        CHECK(same);
      }
      matched += same;
      continue;
    }
    nlohmann::json got;
    REQUIRE_NOTHROW(got = ner.run(c.at("args")));
    const std::string mismatch = bertpp_test::json_mismatch(c.at("output"), got, 1e-5);
    INFO("expected " << c.at("output").dump().substr(0, 2000) << "\n     got "
                     << got.dump().substr(0, 2000));
    CHECK(mismatch == "");
    matched += mismatch.empty();
    worst = std::max(worst, bertpp_test::json_max_float_diff(c.at("output"), got));
  }
  return matched;
}

}  // namespace

TEST_CASE("NER stride: windows are the tokenizer's overflowing windows HF made") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const FolderWithMaxLength folder(bertpp_test::golden_path(kFolder), 128);
  const auto tokenizer = bertpp::WordPieceTokenizer::from_folder(folder.path());
  REQUIRE(tokenizer.options().model_max_length == 128);
  std::size_t checked = 0;
  for (const nlohmann::json& c : stride_cases()) {
    if (!c.contains("windows")) continue;
    const std::string text = c.at("args").at("inputs");
    bertpp::EncodeOptions encode;
    encode.truncation = bertpp::TruncationOptions{128, bertpp::TruncationStrategy::LongestFirst,
                                                  c.at("args").at("stride").get<std::size_t>()};
    encode.return_overflowing_tokens = true;
    const bertpp::Encoding first = tokenizer.encode(text, encode);
    const nlohmann::json& windows = c.at("windows");
    REQUIRE(first.overflowing.size() + 1 == windows.size());
    for (std::size_t w = 0; w < windows.size(); ++w) {
      const bertpp::Encoding& window = w == 0 ? first : first.overflowing[w - 1];
      CHECK(window.ids == windows[w].at("input_ids").get<std::vector<std::int32_t>>());
    }
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("NER stride: all 36 golden cases match HF (model_max_length 128, as HF loaded it)") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const FolderWithMaxLength folder(bertpp_test::golden_path(kFolder), 128);
  const bertpp::TokenClassificationPipeline ner(folder.path());
  const nlohmann::json cases = stride_cases();
  REQUIRE(cases.size() == 36);
  double worst = 0.0;
  const std::size_t matched = replay(ner, cases, worst);
  std::cout << "NER stride: " << matched << "/" << cases.size()
            << " cases match HF, worst score difference " << worst << std::endl;
  CHECK(matched == cases.size());
}

TEST_CASE("NER stride: a tokenizer claiming more than the model's positions gets clamped windows") {
  if (!bertpp_test::have_golden(kFolder)) return;
  // The folder as it is: model_max_length 256, max_position_embeddings 128.
  const bertpp::TokenClassificationPipeline ner(bertpp_test::golden_path(kFolder));
  REQUIRE(ner.tokenizer().options().model_max_length == 256);
  REQUIRE(ner.model().config().max_position_embeddings == 128);
  std::size_t compared = 0;
  for (const nlohmann::json& c : stride_cases()) {
    const nlohmann::json& args = c.at("args");
    // Skip what depends on the 128 limit itself: the errors and the
    // no-stride truncation case.
    if (c.contains("error") || !args.contains("stride")) continue;
    INFO("args " << args.dump().substr(0, 200));
    nlohmann::json got;
    REQUIRE_NOTHROW(got = ner.run(args));
    CHECK(bertpp_test::json_mismatch(c.at("output"), got, 1e-5) == "");
    ++compared;
  }
  CHECK(compared >= 30);
  // Without a stride HF truncates to model_max_length (256): more than the
  // model's positions, so a long text is refused clearly, never read out of range.
  const std::string long_text = stride_cases()[0].at("args").at("inputs");
  CHECK_THROWS_WITH(ner.run({{"inputs", long_text}, {"aggregation_strategy", "simple"}}),
                    Catch::Contains("max_position_embeddings"));
  // A stride the clamped window cannot hold is refused (HF's tokenizer message).
  CHECK_THROWS_WITH(ner.run({{"inputs", long_text}, {"stride", 200}, {"aggregation_strategy", "first"}}),
                    Catch::Contains("effective max length of 126"));
}

TEST_CASE("NER stride: typed API, batched texts, and a short text is one window") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const FolderWithMaxLength folder(bertpp_test::golden_path(kFolder), 128);
  const bertpp::TokenClassificationPipeline ner(folder.path());
  bertpp::TokenClassificationOptions strided;
  strided.stride = 32;
  strided.aggregation_strategy = bertpp::AggregationStrategy::Simple;
  strided.batch.batch_size = 3;
  const std::string short_text = "Angela Merkel met Emmanuel Macron in Paris.";
  bertpp::TokenClassificationOptions plain = strided;
  plain.stride.reset();
  const auto a = ner(short_text, strided), b = ner(short_text, plain);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].entity == b[i].entity);
    CHECK(a[i].start == b[i].start);
    CHECK(a[i].score == b[i].score);
  }
  // A long text batched with the short one gives what it gives alone.
  const nlohmann::json cases = stride_cases();
  const std::string long_text = cases[0].at("args").at("inputs");
  const auto both = ner(std::vector<std::string>{short_text, long_text}, strided);
  REQUIRE(both.size() == 2);
  nlohmann::json got = nlohmann::json::array();
  for (const auto& e : both[1]) got.push_back(e.to_json());
  CHECK(bertpp_test::json_mismatch(cases[0].at("output"), got, 1e-5) == "");
  CHECK(both[0].size() == a.size());
}
