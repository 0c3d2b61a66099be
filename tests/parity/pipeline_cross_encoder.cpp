// Cross-encoder reranking against sentence-transformers' CrossEncoder.rank
// (golden cross-encoder-random/expected_pipeline.json, `cross-encoder-rank`
// entries) and HF's text-classification pipeline on the same text pairs.
#include <bertpp/pipelines/cross_encoder.hpp>
#include <bertpp/pipelines/factory.hpp>
#include <bertpp/pipelines/text_classification.hpp>

#include "support/pipeline_replay.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace {

const char* const kFolder = "models/cross-encoder-random";

std::vector<nlohmann::json> rank_cases() {
  std::vector<nlohmann::json> cases;
  for (const nlohmann::json& c :
       bertpp_test::read_json(bertpp_test::golden_path(kFolder) + "/expected_pipeline.json"))
    if (c.at("task") == "cross-encoder-rank") cases.push_back(c);
  return cases;
}

bertpp::CrossEncoderOptions options_of(const nlohmann::json& args) {
  bertpp::CrossEncoderOptions options;
  if (!args.at("max_length").is_null()) options.max_length = args.at("max_length").get<std::size_t>();
  return options;
}

}  // namespace

TEST_CASE("cross-encoder: pair tokenization, logits, sigmoid scores and rankings match CrossEncoder") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::CrossEncoderPipeline reranker(bertpp_test::golden_path(kFolder));
  REQUIRE(reranker.num_labels() == 1);
  double worst_logit = 0.0, worst_score = 0.0;
  std::size_t matched = 0;
  const auto cases = rank_cases();
  REQUIRE(cases.size() == 6);
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const nlohmann::json& c = cases[n];
    const nlohmann::json& args = c.at("args");
    INFO("case " << n << ": query " << args.at("query"));
    const std::string query = args.at("query");
    const auto documents = args.at("documents").get<std::vector<std::string>>();
    const bertpp::CrossEncoderOptions options = options_of(args);

    // Each pair alone, truncated as CrossEncoder does.
    bertpp::EncodeOptions encode;
    encode.truncation = bertpp::TruncationOptions{
        options.max_length.value_or(reranker.tokenizer().options().model_max_length)};
    for (std::size_t d = 0; d < documents.size(); ++d)
      CHECK(reranker.tokenizer().encode(query, documents[d], encode).ids ==
            c.at("tokenized")[d].at("input_ids").get<std::vector<std::int32_t>>());

    std::vector<std::pair<std::string, std::string>> pairs;
    for (const std::string& d : documents) pairs.emplace_back(query, d);
    bertpp::CrossEncoderOptions raw = options;
    raw.apply_activation = false;
    const auto logits = reranker.predict(pairs, raw);
    const auto scores = reranker.predict(pairs, options);  // default: sigmoid (one label)
    const nlohmann::json& out = c.at("output");
    REQUIRE(logits.size() == documents.size());
    for (std::size_t d = 0; d < documents.size(); ++d) {
      REQUIRE(logits[d].size() == 1);
      worst_logit = std::max(worst_logit, std::abs(logits[d][0] - out.at("logits")[d].get<double>()));
      worst_score = std::max(worst_score, std::abs(scores[d][0] - out.at("scores")[d].get<double>()));
    }

    const auto ranked = reranker.rank(query, documents, options);
    REQUIRE(ranked.size() == out.at("ranking").size());
    bool same = true;
    for (std::size_t r = 0; r < ranked.size(); ++r) {
      const nlohmann::json& want = out.at("ranking")[r];
      same = same && ranked[r].corpus_id == want.at("corpus_id").get<std::size_t>();
      worst_score = std::max(worst_score, std::abs(ranked[r].score - want.at("score").get<double>()));
      CHECK_FALSE(ranked[r].text);
    }
    CHECK(same);
    matched += same;
  }
  std::cout << "cross-encoder rank: " << matched << "/" << cases.size()
            << " rankings identical; worst logit difference " << worst_logit
            << ", worst score difference " << worst_score << std::endl;
  CHECK(worst_logit <= 1e-5);
  CHECK(worst_score <= 1e-5);
}

TEST_CASE("cross-encoder: run(json) and the pipeline() factory give the golden ranking") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const auto reranker = bertpp::pipeline("rerank", bertpp_test::golden_path(kFolder));
  CHECK(reranker.task() == "cross-encoder");
  for (const nlohmann::json& c : rank_cases()) {
    nlohmann::json args = c.at("args");
    args.erase("activation");  // the default for a one-label model is sigmoid
    const nlohmann::json got = reranker.run(args);
    INFO("expected " << c.at("output").at("ranking").dump() << "\n     got " << got.dump());
    CHECK(bertpp_test::json_mismatch(c.at("output").at("ranking"), got, 1e-5) == "");
  }
}

TEST_CASE("cross-encoder: top_k, return_documents, ties in passage order, batch sizes agree") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::CrossEncoderPipeline reranker(bertpp_test::golden_path(kFolder));
  const nlohmann::json c = rank_cases().front();
  const std::string query = c.at("args").at("query");
  auto documents = c.at("args").at("documents").get<std::vector<std::string>>();
  // Golden ranking of this case: 1, 2, 5, 0, 4, 3.
  bertpp::CrossEncoderOptions options;
  options.top_k = 2;
  options.return_documents = true;
  auto top = reranker.rank(query, documents, options);
  REQUIRE(top.size() == 2);
  CHECK(top[0].corpus_id == 1);
  CHECK(top[1].corpus_id == 2);
  REQUIRE(top[0].text);
  CHECK(*top[0].text == documents[1]);
  CHECK(top[0].to_json().at("text") == documents[1]);

  // The same passage twice scores the same: the earlier one ranks first.
  // Surrounding whitespace is stripped before tokenizing, as CrossEncoder does.
  documents.push_back("  " + documents[1] + "\n");
  const auto all = reranker.rank(query, documents);
  REQUIRE(all.size() == 7);
  CHECK(all[0].corpus_id == 1);
  CHECK(all[1].corpus_id == 6);
  CHECK(all[0].score == all[1].score);

  bertpp::CrossEncoderOptions one, three;
  one.batch_size = 1;
  three.batch_size = 3;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& d : documents) pairs.emplace_back(query, d);
  const auto a = reranker.predict(pairs, one), b = reranker.predict(pairs, three);
  for (std::size_t i = 0; i < pairs.size(); ++i) CHECK(std::abs(a[i][0] - b[i][0]) < 1e-5f);

  CHECK(reranker.rank(query, {}).empty());
  options.top_k = 0;
  CHECK(reranker.rank(query, documents, options).empty());
}

TEST_CASE("cross-encoder: a pair longer than the model's positions is refused, max_length fits it") {
  if (!bertpp_test::have_golden(kFolder)) return;
  // tokenizer_config.json says model_max_length 256; the model has 128 positions.
  const bertpp::CrossEncoderPipeline reranker(bertpp_test::golden_path(kFolder));
  std::string passage;
  for (int i = 0; i < 60; ++i) passage += "river delta flows north. ";
  CHECK_THROWS_WITH(reranker.rank("where?", {passage}), Catch::Contains("max_position_embeddings"));
  bertpp::CrossEncoderOptions fits;
  fits.max_length = 128;
  CHECK(reranker.rank("where?", {passage}, fits).size() == 1);
}

TEST_CASE("cross-encoder: JSON scoring of pairs and bad arguments") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::CrossEncoderPipeline reranker(bertpp_test::golden_path(kFolder));
  const nlohmann::json c = rank_cases().front();
  const std::string query = c.at("args").at("query");
  const std::string doc0 = c.at("args").at("documents")[0];
  const double logit0 = c.at("output").at("logits")[0], score0 = c.at("output").at("scores")[0];
  const nlohmann::json one = reranker.run({{"inputs", nlohmann::json::array({query, doc0})}});
  CHECK(one.get<double>() == Approx(score0).margin(1e-5));
  const nlohmann::json list =
      reranker.run({{"inputs", nlohmann::json::array({nlohmann::json::array({query, doc0}),
                                                       nlohmann::json::array({query, doc0})})},
                    {"activation", "none"}});
  REQUIRE(list.size() == 2);
  CHECK(list[1].get<double>() == Approx(logit0).margin(1e-5));

  CHECK_THROWS_AS(reranker.run({{"inputs", "text"}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(reranker.run({{"inputs", nlohmann::json::array({nlohmann::json::array({"a"})})}}),
                  bertpp::ArgumentError);
  CHECK_THROWS_WITH(reranker.run({{"query", "q"}, {"documents", nlohmann::json::array({"d"})}, {"top_k", -1}}),
                    Catch::Contains("'top_k'"));
  CHECK_THROWS_WITH(reranker.run({{"query", "q"}, {"documents", nlohmann::json::array({"d"})}, {"max_length", 1e300}}),
                    Catch::Contains("'max_length'"));
  CHECK_THROWS_AS(reranker.run({{"query", "q"}, {"documents", nlohmann::json::array({"d"})}, {"activation", "tanh"}}),
                  bertpp::ArgumentError);
  CHECK_THROWS_AS(reranker.run({{"query", "q"}, {"document", nlohmann::json::array({"d"})}}), bertpp::ArgumentError);
}

TEST_CASE("cross-encoder: HF's text-classification on the same pairs (sigmoid for one label)") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::TextClassificationPipeline classifier(bertpp_test::golden_path(kFolder));
  const std::size_t replayed = bertpp_test::replay_expected_pipeline(
      kFolder, [&](const nlohmann::json& args) { return classifier.run(args); }, 1e-5,
      [](const nlohmann::json& args) { return args.contains("inputs"); });
  CHECK(replayed == 4);
}

TEST_CASE("cross-encoder: a model without a classification head is refused") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  CHECK_THROWS_AS(bertpp::CrossEncoderPipeline(bertpp_test::golden_path("models/bert-random")),
                  bertpp::ConfigError);
}
