// sentence-transformers pooling, normalization and similarity on hand-made
// token vectors (expected values worked out by hand), plus module-file parsing.
#include <bertpp/pipelines/detail/pooling.hpp>
#include <bertpp/pipelines/detail/python_text.hpp>
#include <bertpp/pipelines/similarity.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

namespace d = bertpp::detail;

namespace {

// Two sentences of 3 token rows each; the second one's last row is padding
// (huge values that must not leak into any pooled result).
struct Batch {
  bertpp::Matrix tokens{6, 2};
  std::vector<std::int32_t> mask{1, 1, 1, 1, 1, 0};
  Batch() { tokens << 1, 2, 3, -4, 5, 0, 2, 2, -1, 6, 100, 100; }
};

void check_row(const bertpp::Matrix& m, Eigen::Index row, std::vector<float> expected) {
  REQUIRE(m.cols() == static_cast<Eigen::Index>(expected.size()));
  for (std::size_t c = 0; c < expected.size(); ++c)
    CHECK(m(row, static_cast<Eigen::Index>(c)) == Approx(expected[c]).margin(1e-5));
}

bertpp::Matrix pool(const std::string& mode) {
  Batch b;
  return d::pool_tokens(b.tokens, b.mask, 2, 3, bertpp::PoolingConfig::single(mode));
}

}  // namespace

TEST_CASE("mean pooling averages real tokens only") {
  const auto m = pool("mean");
  check_row(m, 0, {3.0f, -2.0f / 3.0f});
  check_row(m, 1, {0.5f, 4.0f});
}

TEST_CASE("max pooling ignores padding") {
  const auto m = pool("max");
  check_row(m, 0, {5, 2});
  check_row(m, 1, {2, 6});
}

TEST_CASE("cls pooling takes the first token") {
  const auto m = pool("cls");
  check_row(m, 0, {1, 2});
  check_row(m, 1, {2, 2});
}

TEST_CASE("weighted mean weights tokens by position 1..n") {
  const auto m = pool("weightedmean");
  check_row(m, 0, {22.0f / 6.0f, -1.0f});
  check_row(m, 1, {0.0f, 14.0f / 3.0f});
}

TEST_CASE("last-token pooling takes the last real token") {
  const auto m = pool("lasttoken");
  check_row(m, 0, {5, 0});
  check_row(m, 1, {-1, 6});
}

TEST_CASE("mean_sqrt_len divides the sum by sqrt(length), modes concatenate in upstream order") {
  Batch b;
  bertpp::PoolingConfig config;
  config.cls_token = true;
  config.max_tokens = true;
  config.mean_tokens = true;
  config.mean_sqrt_len_tokens = true;
  const auto m = d::pool_tokens(b.tokens, b.mask, 2, 3, config);
  // cls | max | mean | mean_sqrt_len
  check_row(m, 0, {1, 2, 5, 2, 3, -2.0f / 3.0f, 5.196152f, -1.1547005f});
  check_row(m, 1, {2, 2, 2, 6, 0.5f, 4, 0.70710678f, 5.6568542f});
}

TEST_CASE("pooling refuses a mask that does not match the tokens") {
  Batch b;
  b.mask.pop_back();
  CHECK_THROWS_AS(d::pool_tokens(b.tokens, b.mask, 2, 3, bertpp::PoolingConfig{}),
                  bertpp::ArgumentError);
}

TEST_CASE("unknown pooling mode names are refused") {
  CHECK_THROWS_AS(bertpp::PoolingConfig::single("median"), bertpp::ConfigError);
}

TEST_CASE("normalize_rows gives unit rows and leaves zero rows at zero") {
  bertpp::Matrix m(2, 2);
  m << 3, 4, 0, 0;
  d::normalize_rows(m);
  check_row(m, 0, {0.6f, 0.8f});
  check_row(m, 1, {0, 0});
}

TEST_CASE("cos_sim is the matrix of pairwise cosines") {
  bertpp::Matrix a(2, 2), b(3, 2);
  a << 1, 0, 1, 1;
  b << 2, 0, 0, 3, -1, -1;
  const auto s = bertpp::cos_sim(a, b);
  REQUIRE(s.rows() == 2);
  REQUIRE(s.cols() == 3);
  check_row(s, 0, {1.0f, 0.0f, -0.70710678f});
  check_row(s, 1, {0.70710678f, 0.70710678f, -1.0f});
  CHECK_THROWS_AS(bertpp::cos_sim(a, bertpp::Matrix(1, 3)), bertpp::ArgumentError);
}

TEST_CASE("semantic_search returns the top_k corpus rows per query, best first") {
  bertpp::Matrix corpus(4, 2), queries(1, 2);
  corpus << 1, 0, 0, 1, 1, 1, -1, 0;
  queries << 1, 0.2f;
  const auto hits = bertpp::semantic_search(queries, corpus, 2);
  REQUIRE(hits.size() == 1);
  REQUIRE(hits[0].size() == 2);
  CHECK(hits[0][0].corpus_id == 0);  // cos = 0.981
  CHECK(hits[0][0].score == Approx(0.98058068).margin(1e-6));
  CHECK(hits[0][1].corpus_id == 2);  // cos = 0.832
  CHECK(bertpp::semantic_search(queries, corpus, 10)[0].size() == 4);
}

TEST_CASE("Python-style strip and lower") {
  CHECK(d::python_strip("  \t hello world \n") == "hello world");
  CHECK(d::python_strip("\xC2\xA0\xE3\x80\x80x\xE2\x80\x83") == "x");  // NBSP, ideographic, em space
  CHECK(d::python_strip("   ") == "");
  CHECK(d::python_lower("HeLLo \xC3\x89T\xC3\x89") == "hello \xC3\xA9t\xC3\xA9");  // ÉTÉ -> été
  CHECK(d::python_lower("\xC4\xB0") == "i\xCC\x87");                               // İ -> i̇
  CHECK_THROWS_AS(d::python_strip("ok \xFF"), bertpp::TokenizerError);
}

TEST_CASE("pooling config of the real all-MiniLM-L6-v2 parses") {
  const std::string path =
      bertpp_test::shared_dir() + "/real-model-files/all-MiniLM-L6-v2/1_Pooling/config.json";
  if (!bertpp_test::file_exists(path)) {
    if (bertpp_test::in_ci()) FAIL("missing " << path);
    std::cout << "SKIPPED: " << path << " not found" << std::endl;
    return;
  }
  const auto config = bertpp::PoolingConfig::from_file(path);
  CHECK(config.word_embedding_dimension == 384);
  CHECK(config.mean_tokens);
  CHECK_FALSE(config.cls_token);
  CHECK_FALSE(config.max_tokens);
  CHECK(config.mode_count() == 1);
}

TEST_CASE("pooling config with every mode off, or a broken file, is a ConfigError") {
  const std::string path = "pipeline_sentence_pooling_test_config.json";
  {
    std::ofstream out(path);
    out << R"({"word_embedding_dimension": 4, "pooling_mode_mean_tokens": false})";
  }
  CHECK_THROWS_AS(bertpp::PoolingConfig::from_file(path), bertpp::ConfigError);
  {
    std::ofstream out(path);
    out << R"({"pooling_mode_max_tokens": "yes"})";
  }
  CHECK_THROWS_WITH(bertpp::PoolingConfig::from_file(path),
                    Catch::Contains("pooling_mode_max_tokens"));
  std::remove(path.c_str());
}
