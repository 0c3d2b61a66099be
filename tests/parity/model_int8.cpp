// Dynamic int8 quantisation (LoadOptions::quantization) against HF's float32
// outputs on the golden models: every token's hidden state must keep a cosine
// similarity >= 0.99 with HF's, and sequence-classification logits must stay
// close. Prints the measured figures.
#include <bertpp/models/auto_model.hpp>
#include <bertpp/models/encoder.hpp>
#include <bertpp/pipelines/sentence_embeddings.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Json = nlohmann::json;
using bertpp::Matrix;

constexpr double kMinCosine = 0.99;

bertpp::AutoModel load(const std::string& folder, bertpp::Quantization quantization) {
  bertpp::LoadOptions options;
  options.quantization = quantization;
  return bertpp::AutoModel::from_folder(bertpp_test::golden_path("models/" + folder), options);
}

// A flat row-major list, or a list of rows.
Matrix expected_matrix(const Json& values, Eigen::Index cols) {
  std::vector<float> flat;
  for (const Json& v : values) {
    if (v.is_array())
      for (const Json& x : v) flat.push_back(x.get<float>());
    else
      flat.push_back(v.get<float>());
  }
  REQUIRE(flat.size() % static_cast<std::size_t>(cols) == 0);
  return Eigen::Map<const Matrix>(flat.data(), static_cast<Eigen::Index>(flat.size()) / cols, cols);
}

double row_cosine(const Matrix& a, const Matrix& b, Eigen::Index r) {
  const Eigen::VectorXd x = a.row(r).transpose().cast<double>(), y = b.row(r).transpose().cast<double>();
  return x.dot(y) / (x.norm() * y.norm());
}

bertpp::ModelInput case_input(const Json& c) {
  std::vector<std::int32_t> types;
  if (c.contains("token_type_ids") && !c["token_type_ids"].is_null())
    types = c["token_type_ids"].get<std::vector<std::int32_t>>();
  return bertpp::ModelInput::single(c["input_ids"].get<std::vector<std::int32_t>>(), types);
}

}  // namespace

TEST_CASE("int8 encoders keep cosine >= 0.99 with float32 hidden states") {
  for (const char* folder : {"bert-random", "bert-random-gelu-new", "distilbert-random", "bert-random-ner",
                             "bert-random-squad", "roberta-random"}) {
    SECTION(folder) {
      if (!bertpp_test::have_golden(std::string("models/") + folder)) return;
      const auto float32 = load(folder, bertpp::Quantization::None);
      const auto int8 = load(folder, bertpp::Quantization::DynamicInt8);
      REQUIRE(int8.quantization() == bertpp::Quantization::DynamicInt8);
      REQUIRE(int8.encoder().layers.front().qkv.int8);
      const Json expected = bertpp_test::read_json(
          bertpp_test::golden_path(std::string("models/") + folder + "/expected.json"));
      const Eigen::Index hidden = int8.config().hidden_size;
      double worst = 1, sum = 0, float_gap = 0;
      long rows = 0;
      for (const Json& c : expected["cases"]) {
        // HF's hidden states where the folder has them; else our float32
        // encoder's (equal to HF's within 1e-5 by model_golden).
        const auto input = case_input(c);
        const Matrix reference = float32.forward(input).last_hidden_state;
        const Matrix want = c.contains("last_hidden_state") ? expected_matrix(c["last_hidden_state"], hidden)
                                                            : reference;
        const Matrix got = int8.forward(input).last_hidden_state;
        REQUIRE(got.rows() == want.rows());
        for (Eigen::Index r = 0; r < got.rows(); ++r) {
          const double cosine = row_cosine(got, want, r);
          worst = std::min(worst, cosine);
          sum += cosine;
          ++rows;
        }
        float_gap = std::max(float_gap, double((reference - got).cwiseAbs().maxCoeff()));
      }
      REQUIRE(rows > 0);
      std::cout << "[int8] " << folder << ": " << rows << " tokens, cosine vs float32 worst "
                << worst << ", mean " << sum / double(rows) << "; max |int8 - float32| " << float_gap
                << std::endl;
      CHECK(worst >= kMinCosine);
      CHECK(float_gap > 0.0);  // the int8 path really ran
    }
  }
}

// Classifier logits of these random-weight models swing widely (weights are
// 10x a real model's), so the criterion is the pooled vector the head reads;
// logit differences and argmax agreement are printed for the record.
TEST_CASE("int8 sequence classifiers: the pooled vector keeps cosine >= 0.99") {
  for (const char* folder : {"bert-random-sst2", "bert-random-nli", "distilbert-random-sst2", "roberta-random-sst2"}) {
    SECTION(folder) {
      if (!bertpp_test::have_golden(std::string("models/") + folder)) return;
      const auto float32 = load(folder, bertpp::Quantization::None);
      const auto int8 = load(folder, bertpp::Quantization::DynamicInt8);
      const bool first_token = !int8.config().family().sequence_classifier.reads_pooler;
      const Json expected = bertpp_test::read_json(
          bertpp_test::golden_path(std::string("models/") + folder + "/expected.json"));
      double worst_cosine = 1, worst_logit = 0;
      int agree = 0, cases = 0;
      for (const Json& c : expected["cases"]) {
        const auto input = case_input(c);
        auto pooled = [&](const bertpp::AutoModel& model) {
          const auto out = model.forward(input);
          return first_token ? Matrix(out.last_hidden_state.topRows(1)) : out.pooler_output;
        };
        worst_cosine = std::min(worst_cosine, row_cosine(pooled(int8), pooled(float32), 0));
        const Matrix got = int8.sequence_classification_logits(input);
        const Matrix want = expected_matrix(c["logits"], got.cols());
        worst_logit = std::max(worst_logit, double((got - want).cwiseAbs().maxCoeff()));
        Eigen::Index a = 0, b = 0;
        got.row(0).maxCoeff(&a);
        want.row(0).maxCoeff(&b);
        agree += a == b;
        ++cases;
      }
      std::cout << "[int8] " << folder << ": pooled cosine vs float32 worst " << worst_cosine
                << "; max |logit - HF| " << worst_logit << ", argmax agrees on " << agree << "/"
                << cases << std::endl;
      CHECK(worst_cosine >= kMinCosine);
    }
  }
}

TEST_CASE("int8 sentence embeddings keep cosine >= 0.99 with HF's") {
  const std::string folder = "sentence-random";
  if (!bertpp_test::have_golden("models/" + folder)) return;
  bertpp::LoadOptions options;
  options.quantization = bertpp::Quantization::DynamicInt8;
  const bertpp::SentenceTransformer model(bertpp_test::golden_path("models/" + folder), options);
  REQUIRE(model.model().quantization() == bertpp::Quantization::DynamicInt8);
  const Json expected = bertpp_test::read_json(bertpp_test::golden_path("models/" + folder + "/expected.json"));
  const Matrix got = model.encode(expected["sentences"].get<std::vector<std::string>>());
  const Matrix want = expected_matrix(expected["embedding"], got.cols());
  REQUIRE(got.rows() == want.rows());
  double worst = 1;
  for (Eigen::Index r = 0; r < got.rows(); ++r) worst = std::min(worst, row_cosine(got, want, r));
  std::cout << "[int8] " << folder << ": " << got.rows() << " sentence embeddings, cosine vs HF worst "
            << worst << std::endl;
  CHECK(worst >= kMinCosine);
}
