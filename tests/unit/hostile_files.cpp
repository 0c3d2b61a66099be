// Hostile model files: inputs the fuzzers found or that probe a limit. Each
// must be refused with a bertpp::Error naming the file and field, never a
// crash, undefined behaviour, a huge allocation or another exception type.
#include <bertpp/io/config.hpp>
#include <bertpp/io/safetensors.hpp>
#include <bertpp/models/auto_model.hpp>
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/golden.hpp"
#include "support/safetensors_writer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using bertpp::ConfigError;
using bertpp::LoadError;
using bertpp_test::TempDir;
using bertpp_test::write_file;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

// `depth` nested arrays around a 1.
std::string deep_array(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

std::string config_text(const std::string& extra_fields) {
  return R"({"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 128,
             "vocab_size": 100)" + extra_fields + "}";
}

void config_refused(const TempDir& dir, const std::string& text, const std::string& message) {
  const std::string path = dir.file("config.json");
  write_file(path, text);
  INFO("config: " << text.substr(0, 300));
  CHECK_THROWS_AS(bertpp::ModelConfig::from_file(path), ConfigError);
  CHECK_THROWS_WITH(bertpp::ModelConfig::from_file(path), Contains(path) && Contains(message));
}

// A small valid tokenizer.json; tests break one field at a time.
Json tokenizer_json() {
  return Json::parse(R"({
    "added_tokens": [{"id": 0, "content": "[PAD]", "special": true},
                     {"id": 1, "content": "[UNK]", "special": true},
                     {"id": 2, "content": "[CLS]", "special": true},
                     {"id": 3, "content": "[SEP]", "special": true}],
    "normalizer": {"type": "BertNormalizer", "lowercase": true},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
    "model": {"type": "WordPiece", "unk_token": "[UNK]",
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hi": 4, "##ya": 5}}})");
}

void tokenizer_refused(const TempDir& dir, const std::string& text, const std::string& message) {
  const std::string path = dir.file("tokenizer.json");
  write_file(path, text);
  INFO("tokenizer.json: " << text.substr(0, 300));
  CHECK_THROWS_AS(bertpp::WordPieceTokenizer::from_tokenizer_json(path), LoadError);
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(path),
                    Contains(path) && Contains(message));
}

}  // namespace

TEST_CASE("the valid tokenizer.json of these tests loads") {
  TempDir dir;
  write_file(dir.file("tokenizer.json"), tokenizer_json().dump());
  const auto tokenizer = bertpp::WordPieceTokenizer::from_tokenizer_json(dir.file("tokenizer.json"));
  CHECK(tokenizer.encode("hiya").ids == std::vector<std::int32_t>{2, 4, 5, 3});
}

TEST_CASE("config.json numbers that do not fit the field are ConfigErrors (fuzz finding)") {
  TempDir dir;
  // Found by fuzz_config: a float beyond the range of the integer field was
  // cast to it (undefined behaviour).
  config_refused(dir,
                 R"({"architectures": ["DistilBertForQuestionAnswering"], "model_type":"distilbert", )"
                 R"("dim": 16, "n_layers": 2, "n_heads": 4, "hidden_dim": 64, "activation": "gelu", )"
                 R"("max_position_embeddings": 9223372036854775807100, "sinusoidal_pos_embds": false})",
                 "field 'max_position_embeddings' must be an integer");
  config_refused(dir, config_text(R"(, "num_hidden_layers": 1e300)"), "field 'num_hidden_layers' must be an integer");
  config_refused(dir, config_text(R"(, "hidden_size": 32.5)"), "field 'hidden_size' must be an integer, found 32.5");
  // Out of the int32 range: was silently truncated to 0.
  config_refused(dir, config_text(R"(, "pad_token_id": 4294967296)"),
                 "field 'pad_token_id' is out of range, found 4294967296");
  config_refused(dir, config_text(R"(, "vocab_size": 18446744073709551615)"),
                 "field 'vocab_size' is out of range");
  config_refused(dir, config_text(R"(, "num_hidden_layers": true)"), "field 'num_hidden_layers' has the wrong type (boolean)");
  config_refused(dir, config_text(R"(, "layer_norm_eps": 1e300)"), "field 'layer_norm_eps' is not a finite number");
  config_refused(dir, config_text(R"(, "label2id": {"A": 1e300})"), "field 'label2id' must be an integer");
  config_refused(dir, config_text(R"(, "label2id": {"A": "zero"})"), "field 'label2id' has the wrong type (string)");
}

TEST_CASE("absurd config sizes are refused before any work is done") {
  TempDir dir;
  config_refused(dir, config_text(R"(, "num_attention_heads": 0)"), "field 'num_attention_heads' must be positive, found 0");
  config_refused(dir, config_text(R"(, "intermediate_size": -64)"), "field 'intermediate_size' must be positive, found -64");
  config_refused(dir, config_text(R"(, "max_position_embeddings": 0)"), "field 'max_position_embeddings' must be positive");
  config_refused(dir, config_text(R"(, "num_attention_heads": 5)"), "is not a multiple of 'num_attention_heads' (5)");
  config_refused(dir, config_text(R"(, "num_labels": 0)"), "field 'num_labels' must be positive");
}

TEST_CASE("a config with far more layers than the checkpoint holds fails fast") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  TempDir dir;
  Json config = bertpp_test::read_json(bertpp_test::golden_path("models/bert-random/config.json"));
  config["num_hidden_layers"] = 100000000;
  write_file(dir.file("config.json"), config.dump());
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(bertpp::AutoModel::from_files(dir.file("config.json"),
                                                bertpp_test::golden_path("models/bert-random/model.safetensors")),
                  LoadError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("JSON nested deeper than 128 levels is refused, shallower JSON is read") {
  TempDir dir;
  config_refused(dir, config_text(", \"junk\": " + deep_array(100000)), "nested deeper than 128 levels");
  // Brackets inside strings do not count.
  write_file(dir.file("config.json"), config_text(", \"note\": \"" + std::string(1000, '[') + "\", \"junk\": " +
                                                  deep_array(100)));
  CHECK(bertpp::ModelConfig::from_file(dir.file("config.json")).hidden_size == 32);

  Json tokenizer = tokenizer_json();
  std::string text = tokenizer.dump();
  text.insert(1, "\"junk\": " + deep_array(100000) + ", ");
  tokenizer_refused(dir, text, "nested deeper than 128 levels");

  const std::string header = "{\"a\": " + deep_array(100000) + "}";
  const std::string path = dir.file("deep.safetensors");
  write_file(path, bertpp_test::safetensors_bytes(header, ""));
  CHECK_THROWS_AS(bertpp::SafetensorsFile(path), LoadError);
  CHECK_THROWS_WITH(bertpp::SafetensorsFile(path), Contains(path) && Contains("nested deeper than 128 levels"));
}

TEST_CASE("malformed BertProcessing in tokenizer.json is a LoadError (fuzz finding)") {
  TempDir dir;
  // Found by fuzz_tokenizer_json: a missing "sep" was dereferenced.
  for (const char* field : {"sep", "cls"}) {
    Json j = tokenizer_json();
    j["post_processor"].erase(field);
    tokenizer_refused(dir, j.dump(), "post_processor");
  }
  Json j = tokenizer_json();
  j["post_processor"]["sep"] = "[SEP]";
  tokenizer_refused(dir, j.dump(), "post_processor");
  j = tokenizer_json();
  j["post_processor"]["cls"] = Json::parse(R"(["[CLS]", 1e300])");
  tokenizer_refused(dir, j.dump(), "post_processor");
}

TEST_CASE("token ids in tokenizer.json that cannot be ids are LoadErrors") {
  TempDir dir;
  // A sparse id would size the vocabulary table: 10^12 entries.
  Json j = tokenizer_json();
  j["model"]["vocab"]["far"] = 1000000000000LL;
  tokenizer_refused(dir, j.dump(), "model.vocab");
  j = tokenizer_json();
  j["added_tokens"][0]["id"] = 1e300;
  tokenizer_refused(dir, j.dump(), "field 'id' must be an integer");
  j = tokenizer_json();
  j["added_tokens"][0]["id"] = 4294967296LL;
  tokenizer_refused(dir, j.dump(), "field 'id' is out of range");
  j = tokenizer_json();
  j["model"]["max_input_chars_per_word"] = -1;
  tokenizer_refused(dir, j.dump(), "max_input_chars_per_word");
  j = tokenizer_json();
  j["post_processor"] = Json::parse(R"({"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1e300}}],
      "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1e300], "tokens": ["[CLS]"]}}})");
  tokenizer_refused(dir, j.dump(), "post_processor");
}
