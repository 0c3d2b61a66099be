// TranslationPipeline and bertpp::pipeline("translation") against HF's
// generate() + decode (golden/models/marian-random): texts identical.
#include "support/golden.hpp"

#include <bertpp/bertpp.hpp>

#include <catch2/catch.hpp>

namespace {

const char* const kModel = "models/marian-random";

nlohmann::json expected() {
  return bertpp_test::read_json(bertpp_test::golden_path(kModel) + "/expected_translation.json");
}

const bertpp::TranslationPipeline& translator() {
  static const bertpp::TranslationPipeline p(bertpp_test::golden_path(kModel));
  return p;
}

}  // namespace

TEST_CASE("TranslationPipeline: texts of every generate() setting match HF", "[marian][translation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json golden = expected()["generation"];
  int matched = 0, total = 0;
  for (const auto& c : golden["cases"]) {
    for (auto it = golden["settings"].begin(); it != golden["settings"].end(); ++it) {
      if (!c.contains(it.key())) continue;
      INFO("text: " << c["text"] << ", setting " << it.key());
      bertpp::TranslationOptions options;
      options.generation = translator().generation_config(it.value()["kwargs"]);
      const auto got = translator().translate_all({c["text"].get<std::string>()}, options).front();
      const auto want = c[it.key()]["text"].get<std::vector<std::string>>();
      ++total;
      CHECK(got == want);
      if (got == want) ++matched;
    }
  }
  std::cout << "translation texts: " << matched << "/" << total << " identical" << std::endl;
  CHECK(matched == total);
}

TEST_CASE("TranslationPipeline: a batch gives HF's texts in input order", "[marian][translation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json golden = expected()["batched_generation"];
  const auto texts = golden["texts"].get<std::vector<std::string>>();
  for (const char* setting : {"greedy", "beam", "default"}) {
    INFO("setting " << setting);
    for (std::size_t batch_size : {1, 3, 8}) {
      bertpp::TranslationOptions options;
      options.batch_size = batch_size;
      options.generation = translator().generation_config(expected()["generation"]["settings"][setting]["kwargs"]);
      CHECK(translator().translate(texts, options) == golden[setting]["text"].get<std::vector<std::string>>());
    }
  }
}

TEST_CASE("pipeline(\"translation\"): HF's call shape", "[marian][translation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const nlohmann::json golden = expected()["generation"];
  const auto pipe = bertpp::pipeline("translation_en_to_fr", bertpp_test::golden_path(kModel));
  CHECK(pipe.task() == "translation");
  CHECK(bertpp::infer_task(bertpp_test::golden_path(kModel)) == "translation");
  const auto& c = golden["cases"][0];
  const nlohmann::json one = pipe.run({{"inputs", c["text"]}, {"num_beams", 1}, {"max_new_tokens", 16}});
  CHECK(one == nlohmann::json::array({{{"translation_text", c["greedy"]["text"][0]}}}));
  const nlohmann::json all = pipe.run({{"inputs", c["text"]}, {"num_beams", 4}, {"num_return_sequences", 4},
                                       {"max_new_tokens", 16}});
  REQUIRE(all.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(all[i]["translation_text"] == c["beam_all"]["text"][i]);
  const auto& d = golden["cases"][1];
  const nlohmann::json list = pipe.run({{"inputs", {c["text"], d["text"]}}, {"max_new_tokens", 16}});
  CHECK(list == nlohmann::json::array({{{"translation_text", c["default"]["text"][0]}},
                                       {{"translation_text", d["default"]["text"][0]}}}));
  const nlohmann::json nested = pipe.run({{"inputs", {c["text"], d["text"]}}, {"max_new_tokens", 16},
                                          {"num_return_sequences", 2}});
  REQUIRE(nested.size() == 2);
  CHECK(nested[1].size() == 2);
  CHECK(nested[1][0]["translation_text"] == d["default"]["text"][0]);
}

TEST_CASE("TranslationPipeline: bad calls are refused clearly", "[marian][translation]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto& t = translator();
  CHECK_THROWS_AS(t.run({{"inputs", "x"}, {"temperature", 0.5}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(t.run({{"inputs", 3}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(t.run({{"inputs", "x"}, {"num_beams", "four"}}), bertpp::ArgumentError);
  CHECK_THROWS_AS(t.run({{"inputs", "x"}, {"do_sample", true}}), bertpp::ArgumentError);
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  CHECK_THROWS_AS(t.translate(long_text), bertpp::ArgumentError);
  bertpp::TranslationOptions options;
  options.truncation = true;
  options.generation = t.generation_config({{"num_beams", 1}, {"max_new_tokens", 4}});
  CHECK_NOTHROW(t.translate(long_text, options));
}
