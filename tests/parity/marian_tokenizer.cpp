// MarianTokenizer against transformers' MarianTokenizer on the real
// opus-mt-en-fr SentencePiece files (golden/models/marian-random).
#include "support/golden.hpp"

#include <bertpp/tokenizer/marian_tokenizer.hpp>

#include <catch2/catch.hpp>

namespace {

const char* const kModel = "models/marian-random";

nlohmann::json expected() {
  return bertpp_test::read_json(bertpp_test::golden_path(kModel) + "/expected_translation.json");
}

bertpp::MarianTokenizer tokenizer() {
  return bertpp::MarianTokenizer::from_folder(bertpp_test::golden_path(kModel));
}

}  // namespace

TEST_CASE("MarianTokenizer: source text ids and tokens as HF", "[marian][tokenizer]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto t = tokenizer();
  const nlohmann::json cases = expected()["tokenizer"]["source"];
  int matched = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"];
    INFO("text: " << text);
    const bertpp::Encoding e = t.encode(text);
    const bool same = e.ids == c["input_ids"].get<std::vector<std::int32_t>>() &&
                      e.tokens == c["tokens"].get<std::vector<std::string>>();
    CHECK(same);
    if (same) ++matched;
  }
  CHECK(matched == static_cast<int>(cases.size()));
}

TEST_CASE("MarianTokenizer: text_target goes through target.spm", "[marian][tokenizer]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto t = tokenizer();
  const auto golden = expected()["tokenizer"];
  for (const auto& c : golden["target"]) {
    const bertpp::Encoding e = t.encode_target(c["text"]);
    CHECK(e.ids == c["input_ids"].get<std::vector<std::int32_t>>());
    CHECK(e.tokens == c["tokens"].get<std::vector<std::string>>());
  }
  const auto& both = golden["source_and_target"];
  for (std::size_t i = 0; i < both["texts"].size(); ++i) {
    CHECK(t.encode(both["texts"][i]).ids == both["input_ids"][i].get<std::vector<std::int32_t>>());
    CHECK(t.encode_target(both["targets"][i]).ids == both["labels"][i].get<std::vector<std::int32_t>>());
  }
}

TEST_CASE("MarianTokenizer: decode as HF", "[marian][tokenizer]") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto t = tokenizer();
  const auto golden = expected()["tokenizer"];
  for (const auto& c : golden["decode"]) {
    bertpp::MarianDecodeOptions options;
    options.skip_special_tokens = c["kwargs"].value("skip_special_tokens", false);
    if (c["kwargs"].contains("clean_up_tokenization_spaces"))
      options.clean_up_tokenization_spaces = c["kwargs"]["clean_up_tokenization_spaces"].get<bool>();
    const auto ids = c["ids"].get<std::vector<std::int32_t>>();
    INFO("ids: " << c["ids"].dump() << " kwargs " << c["kwargs"].dump());
    CHECK(t.decode(ids, options) == c["output"].get<std::string>());
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(t.id_to_token(ids[i]) == c["tokens"][i].get<std::string>());
  }
  const auto& batch = golden["batch_decode"];
  bertpp::MarianDecodeOptions skip;
  skip.skip_special_tokens = true;
  CHECK(t.batch_decode(batch["ids"].get<std::vector<std::vector<std::int32_t>>>(), skip) ==
        batch["output"].get<std::vector<std::string>>());
}

TEST_CASE("MarianTokenizer: the real opus-mt-en-fr folder loads", "[marian][tokenizer]") {
  const std::string dir = bertpp_test::shared_dir() + "/real-model-files/opus-mt-en-fr";
  if (!bertpp_test::file_exists(dir + "/vocab.json")) {
    if (bertpp_test::in_ci()) FAIL("CI=true but " << dir << " is missing");
    std::cout << "SKIPPED: " << dir << " not found" << std::endl;
    return;
  }
  const auto t = bertpp::MarianTokenizer::from_folder(dir);
  CHECK(t.vocab_size() == 59514);
  CHECK(t.pad_id() == 59513);
  CHECK(t.eos_id() == 0);
  CHECK(t.unk_id() == 1);
  CHECK(t.encode("Hello, world!").ids == std::vector<std::int32_t>{10537, 2, 522, 145, 0});
}

TEST_CASE("MarianTokenizer: bad folders and text are refused clearly", "[marian][tokenizer]") {
  CHECK_THROWS_AS(bertpp::MarianTokenizer::from_folder("/nonexistent"), bertpp::LoadError);
  if (!bertpp_test::have_golden(kModel)) return;
  const auto t = tokenizer();
  CHECK_THROWS_AS(t.encode(std::string("bad \xff utf8")), bertpp::TokenizerError);
  CHECK(t.decode({}) == "");
  CHECK(t.id_to_token(1000000) == "<unk>");
}
