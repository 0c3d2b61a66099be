// MarianMTModel's forward against transformers (golden/models/marian-random):
// encoder states, and the decoder's logits over its first steps — with the
// key/value cache (one token a step) and without it (all at once).
#include "support/golden.hpp"

#include <bertpp/models/marian.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace {

const char* const kModel = "models/marian-random";

nlohmann::json expected() {
  return bertpp_test::read_json(bertpp_test::golden_path(kModel) + "/expected_translation.json");
}

const bertpp::MarianMTModel& model() {
  static const bertpp::MarianMTModel m = bertpp::MarianMTModel::from_folder(bertpp_test::golden_path(kModel));
  return m;
}

// Checks one step's logits against the golden summary; returns the worst
// absolute difference seen.
double check_step(const float* logits, std::size_t vocab, const nlohmann::json& step) {
  double worst = 0;
  std::vector<int> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 10, order.end(),
                    [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  const auto top_ids = step["top10_ids"].get<std::vector<int>>();
  const auto top_logits = step["top10_logits"].get<std::vector<double>>();
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(order[i] == top_ids[i]);
    const double diff = std::abs(logits[top_ids[i]] - top_logits[i]);
    worst = std::max(worst, diff);
    CHECK(diff < 1e-4);
  }
  for (auto it = step["probe_logits"].begin(); it != step["probe_logits"].end(); ++it) {
    const double diff = std::abs(logits[std::stoi(it.key())] - it.value().get<double>());
    worst = std::max(worst, diff);
    CHECK(diff < 1e-4);
  }
  double sum = 0, squares = 0, max = -1e30;
  for (std::size_t i = 0; i < vocab; ++i) {
    sum += logits[i];
    squares += double(logits[i]) * logits[i];
    max = std::max(max, double(logits[i]));
  }
  double exp_sum = 0;
  for (std::size_t i = 0; i < vocab; ++i) exp_sum += std::exp(logits[i] - max);
  const double logsumexp = max + std::log(exp_sum);
  const double expected_sum = step["sum"];
  CHECK(std::abs(sum - expected_sum) <= 1e-5 * std::max(1.0, std::abs(expected_sum)) + 1e-3);
  CHECK(std::abs(std::sqrt(squares) - step["l2_norm"].get<double>()) < 1e-4 * step["l2_norm"].get<double>());
  CHECK(std::abs(logsumexp - step["logsumexp"].get<double>()) < 1e-4);
  return worst;
}

}  // namespace

TEST_CASE("Marian encoder states match HF", "[marian][model]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json cases = expected()["encoder"];
  double worst = 0;
  for (const auto& c : cases) {
    const auto ids = c["input_ids"].get<std::vector<std::int32_t>>();
    const auto out = model().encode(bertpp::ModelInput::single(ids));
    const auto want = c["last_hidden_state"].get<std::vector<float>>();
    REQUIRE(static_cast<std::size_t>(out.last_hidden_state.size()) == want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
      worst = std::max(worst, double(std::abs(out.last_hidden_state.data()[i] - want[i])));
  }
  INFO("worst difference " << worst);
  CHECK(worst < 1e-4);
}

TEST_CASE("Marian decoder logits match HF, with and without the cache", "[marian][model]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json cases = expected()["decoder_steps"];
  const std::size_t vocab = static_cast<std::size_t>(model().vocab_size());
  double worst = 0;
  for (const auto& c : cases) {
    const auto ids = c["input_ids"].get<std::vector<std::int32_t>>();
    const auto decoder_ids = c["decoder_input_ids"].get<std::vector<std::int32_t>>();
    const auto steps = c["steps"];
    const auto input = bertpp::ModelInput::single(ids);
    // All positions at once (causal mask).
    const bertpp::Matrix all = model().forward(input, decoder_ids, static_cast<Eigen::Index>(decoder_ids.size()));
    REQUIRE(all.rows() == static_cast<Eigen::Index>(decoder_ids.size()));
    // One token a step through the cache.
    const auto encoded = model().encode(input);
    auto cache = model().start_decoding(encoded.last_hidden_state, {}, 1, input.seq_len);
    for (std::size_t t = 0; t < decoder_ids.size(); ++t) {
      const bertpp::Matrix step = model().decode(cache, {decoder_ids[t]}, 1);
      worst = std::max(worst, check_step(step.data(), vocab, steps[t]));
      worst = std::max(worst, check_step(all.row(static_cast<Eigen::Index>(t)).data(), vocab, steps[t]));
    }
  }
  INFO("worst logit difference " << worst);
  CHECK(worst < 1e-4);
}

TEST_CASE("Marian config of the real opus-mt-en-fr loads", "[marian][model]") {
  const std::string path = bertpp_test::shared_dir() + "/real-model-files/opus-mt-en-fr/config.json";
  if (!bertpp_test::file_exists(path)) {
    if (bertpp_test::in_ci()) FAIL("CI=true but " << path << " is missing");
    std::cout << "SKIPPED: " << path << " not found" << std::endl;
    return;
  }
  const auto c = bertpp::MarianConfig::from_file(path);
  CHECK(c.d_model == 512);
  CHECK(c.encoder_layers == 6);
  CHECK(c.decoder_layers == 6);
  CHECK(c.decoder_attention_heads == 8);
  CHECK(c.decoder_ffn_dim == 2048);
  CHECK(c.vocab_size == 59514);
  CHECK(c.activation == bertpp::Activation::Silu);
  CHECK(c.decoder_start_token_id == 59513);
  const auto g = bertpp::GenerationConfig::from_folder(bertpp_test::shared_dir() + "/real-model-files/opus-mt-en-fr");
  CHECK(g.num_beams == 4);
  CHECK(g.max_length == 512);
  CHECK(g.bad_words_ids == std::vector<std::vector<std::int32_t>>{{59513}});
  CHECK(g.forced_eos_token_id == 0);
}

TEST_CASE("Sinusoidal positions: sin half then cos half", "[marian][model]") {
  const bertpp::Matrix table = bertpp::sinusoidal_positions(4, 6);
  // p = 3, dim 6: angles 3 / 10000^(0/6), 3 / 10000^(2/6), 3 / 10000^(4/6).
  CHECK(table(3, 0) == Approx(std::sin(3.0)));
  CHECK(table(3, 1) == Approx(std::sin(3.0 / std::pow(10000.0, 2.0 / 6))));
  CHECK(table(3, 2) == Approx(std::sin(3.0 / std::pow(10000.0, 4.0 / 6))));
  CHECK(table(3, 3) == Approx(std::cos(3.0)));
  CHECK(table(3, 5) == Approx(std::cos(3.0 / std::pow(10000.0, 4.0 / 6))));
  CHECK(table(0, 0) == 0.0f);
  CHECK(table(0, 4) == 1.0f);
}

TEST_CASE("Marian with int8 layers stays close to float32", "[marian][model][int8]") {
  if (!bertpp_test::have_golden(kModel)) return;
  bertpp::LoadOptions options;
  options.quantization = bertpp::Quantization::DynamicInt8;
  const auto int8 = bertpp::MarianMTModel::from_folder(bertpp_test::golden_path(kModel), options);
  CHECK(int8.quantization() == bertpp::Quantization::DynamicInt8);
  const nlohmann::json c = expected()["decoder_steps"][0];
  const auto input = bertpp::ModelInput::single(c["input_ids"].get<std::vector<std::int32_t>>());
  const auto decoder_ids = c["decoder_input_ids"].get<std::vector<std::int32_t>>();
  const auto n = static_cast<Eigen::Index>(decoder_ids.size());
  const bertpp::Matrix exact = model().forward(input, decoder_ids, n);
  const bertpp::Matrix approx = int8.forward(input, decoder_ids, n);
  REQUIRE(exact.rows() == approx.rows());
  for (Eigen::Index r = 0; r < exact.rows(); ++r) {
    const double cosine = exact.row(r).dot(approx.row(r)) / (exact.row(r).norm() * approx.row(r).norm());
    INFO("step " << r << " cosine " << cosine);
    CHECK(cosine > 0.99);
    CHECK(exact.row(r) != approx.row(r));  // the int8 path really ran
  }
}
