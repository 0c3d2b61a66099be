// generate() against transformers 4.31 (golden/models/marian-random): greedy,
// 4-beam, 4-beam returning all hypotheses, the model's defaults, and a padded
// batch of 4 — token sequences identical, scores within 1e-4.
#include "support/golden.hpp"

#include <bertpp/models/generation.hpp>
#include <bertpp/models/marian.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace {

const char* const kModel = "models/marian-random";

nlohmann::json expected() {
  return bertpp_test::read_json(bertpp_test::golden_path(kModel) + "/expected_translation.json");
}

const bertpp::MarianMTModel& model() {
  static const bertpp::MarianMTModel m = bertpp::MarianMTModel::from_folder(bertpp_test::golden_path(kModel));
  return m;
}

bertpp::GenerationConfig settings(const nlohmann::json& kwargs) {
  bertpp::GenerationConfig config = model().generation_config();
  config.update(kwargs, "generate kwargs");
  return config;
}

// Compares one generate() result with HF's; returns the worst score difference.
double check(const bertpp::GenerationOutput& out, const nlohmann::json& want, int& matched, int& total) {
  const auto sequences = want["sequences"].get<std::vector<std::vector<std::int32_t>>>();
  ++total;
  CHECK(out.sequences == sequences);
  if (out.sequences == sequences) ++matched;
  double worst = 0;
  if (want.contains("sequences_scores")) {
    const auto scores = want["sequences_scores"].get<std::vector<double>>();
    REQUIRE(out.sequences_scores.size() == scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const double diff = std::abs(out.sequences_scores[i] - scores[i]);
      worst = std::max(worst, diff);
      CHECK(diff < 1e-4);
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("generate(): greedy, beam search and the defaults match HF", "[marian][generation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json golden = expected()["generation"];
  int matched = 0, total = 0;
  double worst = 0;
  for (const auto& c : golden["cases"]) {
    const auto input = bertpp::ModelInput::single(c["input_ids"].get<std::vector<std::int32_t>>());
    for (auto it = golden["settings"].begin(); it != golden["settings"].end(); ++it) {
      if (!c.contains(it.key())) continue;
      INFO("text: " << c["text"] << ", setting " << it.key());
      const auto out = bertpp::generate(model(), input, settings(it.value()["kwargs"]));
      worst = std::max(worst, check(out, c[it.key()], matched, total));
    }
  }
  std::cout << "generate(): " << matched << "/" << total << " sequences identical, worst score difference "
            << worst << std::endl;
  CHECK(matched == total);
  CHECK(total >= 4);
}

TEST_CASE("generate(): a padded batch gives HF's batched result", "[marian][generation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json golden = expected()["batched_generation"];
  const auto ids = golden["input_ids"].get<std::vector<std::vector<std::int32_t>>>();
  const auto mask = golden["attention_mask"].get<std::vector<std::vector<std::int32_t>>>();
  bertpp::ModelInput input;
  input.batch_size = static_cast<Eigen::Index>(ids.size());
  input.seq_len = static_cast<Eigen::Index>(ids[0].size());
  for (std::size_t b = 0; b < ids.size(); ++b) {
    input.input_ids.insert(input.input_ids.end(), ids[b].begin(), ids[b].end());
    input.attention_mask.insert(input.attention_mask.end(), mask[b].begin(), mask[b].end());
  }
  const nlohmann::json settings_json = expected()["generation"]["settings"];
  int matched = 0, total = 0;
  double worst = 0;
  for (auto it = settings_json.begin(); it != settings_json.end(); ++it) {
    if (!golden.contains(it.key())) continue;
    INFO("setting " << it.key());
    const auto out = bertpp::generate(model(), input, settings(it.value()["kwargs"]));
    worst = std::max(worst, check(out, golden[it.key()], matched, total));
  }
  std::cout << "batched generate(): " << matched << "/" << total << " identical, worst score difference "
            << worst << std::endl;
  CHECK(matched == total);
  CHECK(total >= 3);
}

TEST_CASE("generate(): settings it cannot honour are refused", "[marian][generation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto input = bertpp::ModelInput::single({10537, 0});
  CHECK_THROWS_AS(bertpp::generate(model(), input, settings({{"do_sample", true}})), bertpp::ArgumentError);
  CHECK_THROWS_AS(bertpp::generate(model(), input, settings({{"num_beams", 2}, {"num_return_sequences", 3}})),
                  bertpp::ArgumentError);
  CHECK_THROWS_AS(bertpp::generate(model(), input, settings({{"num_beams", 0}})), bertpp::ArgumentError);
  CHECK_THROWS_AS(bertpp::generate(model(), input, settings({{"bad_words_ids", {{70000}}}})), bertpp::ArgumentError);
  CHECK_THROWS_AS(settings({{"num_beams", -1}}), bertpp::ConfigError);
  CHECK_THROWS_AS(settings({{"early_stopping", "sometimes"}}), bertpp::ConfigError);
}

TEST_CASE("generate(): max_new_tokens bounds the output, eos is forced at the limit", "[marian][generation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto input = bertpp::ModelInput::single({35, 7110, 32, 19733, 30, 4, 22314, 3, 0});
  for (int beams : {1, 3}) {
    for (int limit : {1, 2, 5}) {
      const auto out = bertpp::generate(model(), input, settings({{"num_beams", beams}, {"max_new_tokens", limit}}));
      REQUIRE(out.sequences.size() == 1);
      const auto& ids = out.sequences[0];
      CHECK(ids.size() <= static_cast<std::size_t>(limit) + 1);
      CHECK(ids.front() == 59513);
      // ForcedEOS: the last new token is </s> unless the sequence ended before (then padding follows).
      CHECK(std::find(ids.begin() + 1, ids.end(), 0) != ids.end());
    }
  }
}
