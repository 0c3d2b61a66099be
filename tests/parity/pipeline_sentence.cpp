// Sentence embeddings against sentence-transformers' own outputs for the
// sentence-random folder (mean / cls / max pooling, the normalized default
// embedding and its cosine matrix), and parsing of real module files.
#include <bertpp/pipelines/sentence_embeddings.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string>

namespace {

const char* kFolder = "models/sentence-random";

// Worst |expected - actual| over a [rows, cols] matrix given as nested JSON lists.
double worst_difference(const nlohmann::json& expected, const bertpp::Matrix& actual) {
  REQUIRE(actual.rows() == static_cast<Eigen::Index>(expected.size()));
  double worst = 0.0;
  for (std::size_t r = 0; r < expected.size(); ++r) {
    REQUIRE(actual.cols() == static_cast<Eigen::Index>(expected[r].size()));
    for (std::size_t c = 0; c < expected[r].size(); ++c)
      worst = std::max(worst, std::abs(expected[r][c].get<double>() -
                                       actual(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c))));
  }
  return worst;
}

std::vector<std::string> sentences(const nlohmann::json& golden) {
  return golden.at("sentences").get<std::vector<std::string>>();
}

}  // namespace

TEST_CASE("sentence-random's modules are read: mean pooling, Normalize, max_seq_length 64") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const auto config = bertpp::SentenceTransformerConfig::from_folder(bertpp_test::golden_path(kFolder));
  CHECK(config.transformer_path.empty());
  CHECK(config.pooling.mean_tokens);
  CHECK(config.pooling.mode_count() == 1);
  CHECK(config.normalize);
  REQUIRE(config.max_seq_length);
  CHECK(*config.max_seq_length == 64);
  CHECK_FALSE(config.do_lower_case);
}

TEST_CASE("default embeddings and their cosine matrix match sentence-transformers") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const std::string dir = bertpp_test::golden_path(kFolder);
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const bertpp::SentenceTransformer model(dir);
  const bertpp::Matrix embeddings = model.encode(sentences(golden));
  const double worst_embedding = worst_difference(golden.at("embedding"), embeddings);
  const double worst_cosine =
      worst_difference(golden.at("cosine_matrix"), bertpp::cos_sim(embeddings, embeddings));
  std::cout << "sentence-random: embedding worst " << worst_embedding << ", cosine worst "
            << worst_cosine << std::endl;
  CHECK(worst_embedding < 1e-5);
  CHECK(worst_cosine < 1e-5);
}

TEST_CASE("mean, cls and max pooling match sentence-transformers (unnormalized)") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const std::string dir = bertpp_test::golden_path(kFolder);
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const bertpp::SentenceTransformer base(dir);
  for (const std::string mode : {"mean", "cls", "max"}) {
    bertpp::SentenceTransformerConfig config = base.config();
    config.pooling = bertpp::PoolingConfig::single(mode);
    config.normalize = false;
    const bertpp::SentenceTransformer pooled(base.shared_tokenizer(), base.shared_model(), config);
    const double worst = worst_difference(golden.at(mode), pooled.encode(sentences(golden)));
    std::cout << "sentence-random: " << mode << " pooling worst " << worst << std::endl;
    INFO("pooling " << mode);
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("each sentence alone gives the same embedding as the padded batch") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const std::string dir = bertpp_test::golden_path(kFolder);
  const nlohmann::json golden = bertpp_test::read_json(dir + "/expected.json");
  const bertpp::SentenceTransformer model(dir);
  const auto texts = sentences(golden);
  const bertpp::Matrix batch = model.encode(texts);
  for (std::size_t i = 0; i < texts.size(); ++i)
    CHECK((model.encode(texts[i]) - batch.row(static_cast<Eigen::Index>(i))).cwiseAbs().maxCoeff() <
          1e-5f);
}

TEST_CASE("texts are stripped and truncated to max_seq_length tokens") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const bertpp::SentenceTransformer model(bertpp_test::golden_path(kFolder));
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const auto encodings = model.tokenize({long_text, "  A man is eating food.\n"});
  CHECK(encodings[0].size() == 64);
  CHECK(encodings[0].tokens.back() == "[SEP]");
  const auto plain = model.tokenize({"A man is eating food."});
  CHECK(encodings[1].ids == plain[0].ids);
  CHECK(model.encode(long_text).size() == 32);
}

TEST_CASE("semantic_search over golden embeddings finds each sentence first, then its nearest") {
  if (!bertpp_test::have_golden(kFolder)) return;
  const nlohmann::json golden =
      bertpp_test::read_json(bertpp_test::golden_path(kFolder) + "/expected.json");
  const auto& rows = golden.at("embedding");
  bertpp::Matrix corpus(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows[0].size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      corpus(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c].get<float>();
  const auto hits = bertpp::semantic_search(corpus, corpus, 2);
  const auto& cosine = golden.at("cosine_matrix");
  for (std::size_t q = 0; q < hits.size(); ++q) {
    CHECK(hits[q][0].corpus_id == q);
    // The runner-up is the golden cosine matrix's best other column.
    std::size_t best = q == 0 ? 1 : 0;
    for (std::size_t c = 0; c < cosine[q].size(); ++c)
      if (c != q && cosine[q][c].get<double>() > cosine[q][best].get<double>()) best = c;
    CHECK(hits[q][1].corpus_id == best);
    CHECK(hits[q][1].score == Approx(cosine[q][best].get<double>()).margin(1e-5));
  }
}

TEST_CASE("all-MiniLM-L6-v2's module files parse") {
  const std::string dir = bertpp_test::shared_dir() + "/real-model-files/all-MiniLM-L6-v2";
  if (!bertpp_test::file_exists(dir + "/modules.json")) {
    if (bertpp_test::in_ci()) FAIL("missing " << dir);
    std::cout << "SKIPPED: " << dir << " not found" << std::endl;
    return;
  }
  const auto config = bertpp::SentenceTransformerConfig::from_folder(dir);
  CHECK(config.transformer_path.empty());
  CHECK(config.pooling.mean_tokens);
  CHECK(config.pooling.word_embedding_dimension == 384);
  CHECK(config.normalize);
  REQUIRE(config.max_seq_length);
  CHECK(*config.max_seq_length == 256);
  CHECK_FALSE(config.do_lower_case);
}
