// feature-extraction against bert-random's golden hidden states (HF
// transformers): the default output is last_hidden_state in HF's
// [1, tokens, hidden] shape; chosen layers combine the golden hidden_states.
#include <bertpp/pipelines/feature_extraction.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string>

namespace {

const char* kFolder = "models/bert-random";

// Golden flattened [tokens, hidden] values, row r.
float golden_at(const nlohmann::json& flat, std::size_t hidden, std::size_t r, std::size_t c) {
  return flat[r * hidden + c].get<float>();
}

}  // namespace

TEST_CASE("default feature-extraction output is HF's [1, tokens, hidden] last_hidden_state") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const std::string dir = bertpp_test::golden_path(kFolder);
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const bertpp::FeatureExtractionPipeline extractor(dir);
  double worst = 0.0;
  std::size_t checked = 0;
  for (const auto& c : golden.at("cases")) {
    if (c.at("inputs").size() != 1) continue;  // the pipeline takes single texts
    const std::string text = c.at("inputs")[0];
    INFO("input: " << text);
    const nlohmann::json out = extractor.run({{"inputs", text}});
    const auto tokens = c.at("shape")[0].get<std::size_t>(), hidden = c.at("shape")[1].get<std::size_t>();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].size() == tokens);
    for (std::size_t r = 0; r < tokens; ++r) {
      REQUIRE(out[0][r].size() == hidden);
      for (std::size_t k = 0; k < hidden; ++k)
        worst = std::max<double>(worst, std::abs(out[0][r][k].get<float>() -
                                                 golden_at(c.at("last_hidden_state"), hidden, r, k)));
    }
    ++checked;
  }
  std::cout << "bert-random feature-extraction: " << checked << " texts, worst " << worst << std::endl;
  CHECK(checked >= 8);
  CHECK(worst < 1e-4);
}

TEST_CASE("layers combine golden hidden states by concat, sum and mean, tokens and offsets come along") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const std::string dir = bertpp_test::golden_path(kFolder);
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const bertpp::FeatureExtractionPipeline extractor(dir);
  const nlohmann::json& c = golden.at("cases")[2];  // "naïve café RÉSUMÉ": multi-byte offsets
  const std::string text = c.at("inputs")[0];
  const auto& hs = c.at("hidden_states");  // embeddings, layer 1, layer 2
  const auto tokens = c.at("shape")[0].get<std::size_t>(), hidden = c.at("shape")[1].get<std::size_t>();

  bertpp::FeatureExtractionOptions concat;
  concat.layers = {-1, -2};
  const auto fc = extractor(text, concat);
  bertpp::FeatureExtractionOptions sum;
  sum.layers = {0, 1, 2};
  sum.combine = bertpp::LayerCombine::Sum;
  const auto fs = extractor(text, sum);
  sum.combine = bertpp::LayerCombine::Mean;
  const auto fm = extractor(text, sum);

  REQUIRE(fc.embeddings.rows() == static_cast<Eigen::Index>(tokens));
  REQUIRE(fc.embeddings.cols() == static_cast<Eigen::Index>(2 * hidden));
  REQUIRE(fs.embeddings.cols() == static_cast<Eigen::Index>(hidden));
  double worst = 0.0;
  for (std::size_t r = 0; r < tokens; ++r)
    for (std::size_t k = 0; k < hidden; ++k) {
      const auto R = static_cast<Eigen::Index>(r), K = static_cast<Eigen::Index>(k);
      const float l0 = golden_at(hs[0], hidden, r, k), l1 = golden_at(hs[1], hidden, r, k),
                  l2 = golden_at(hs[2], hidden, r, k);
      worst = std::max<double>(worst, std::abs(fc.embeddings(R, K) - l2));
      worst = std::max<double>(worst, std::abs(fc.embeddings(R, K + static_cast<Eigen::Index>(hidden)) - l1));
      worst = std::max<double>(worst, std::abs(fs.embeddings(R, K) - (l0 + l1 + l2)));
      worst = std::max<double>(worst, std::abs(fm.embeddings(R, K) - (l0 + l1 + l2) / 3.0f));
    }
  CHECK(worst < 3e-4);

  // Tokens: [CLS] naive cafe resume [SEP] (ids 15743, 7668, 13746); "café" spans
  // bytes 7..12 and characters 6..10 of "naïve café RÉSUMÉ".
  REQUIRE(fc.tokens.size() == tokens);
  CHECK(fc.tokens.front() == "[CLS]");
  CHECK(fc.byte_offsets[2] == bertpp::Offset{7, 12});
  CHECK(fc.char_offsets[2] == bertpp::Offset{6, 10});
}

TEST_CASE("layer indices outside the model are refused") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::FeatureExtractionPipeline extractor(bertpp_test::golden_path(kFolder));
  bertpp::FeatureExtractionOptions options;
  options.layers = {-4};
  CHECK_THROWS_AS(extractor("hello", options), bertpp::ArgumentError);
  CHECK_THROWS_AS(extractor.run({{"inputs", "hello"}, {"combine", "max"}}), bertpp::ArgumentError);
}

TEST_CASE("truncation / max_length arguments cut the token sequence, as HF's tokenizer kwargs") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::FeatureExtractionPipeline extractor(bertpp_test::golden_path(kFolder));
  std::string text;
  for (int i = 0; i < 300; ++i) text += "word ";
  const nlohmann::json out = extractor.run({{"inputs", text}, {"truncation", true}, {"max_length", 16}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].size() == 16);
  // Without truncation the 302 tokens exceed the model's 128 positions.
  CHECK_THROWS_AS(extractor.run({{"inputs", text}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(extractor.run({{"inputs", text}, {"truncation", "sideways"}}), bertpp::ArgumentError);
}
