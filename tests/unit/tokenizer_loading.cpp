// Loading tokenizers from vocab.txt, tokenizer.json and model folders, and
// the errors malformed files give.
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/paths.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";

// A scratch folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("bertpp_tok_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) +
                                        "_" + std::to_string(std::rand()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

// A minimal BERT tokenizer.json over a six-token vocabulary.
json tiny_tokenizer_json() {
  return json::parse(R"({
    "version": "1.0",
    "added_tokens": [
      {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
    ],
    "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hi": 4, "##ya": 5}}
  })");
}

}  // namespace

TEST_CASE("tokenizer.json with BertProcessing and lstrip/rstrip added tokens", "[tokenizer][loading]") {
  TempDir dir;
  json j = tiny_tokenizer_json();
  j["added_tokens"].push_back({{"id", 6}, {"content", "<x>"}, {"single_word", false}, {"lstrip", true},
                               {"rstrip", true}, {"normalized", false}, {"special", false}});
  const auto tok = bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("tokenizer.json", j.dump()));
  CHECK(tok.vocab_size() == 7);
  const auto e = tok.encode("HIya <x> hi");
  CHECK(e.tokens == std::vector<std::string>{"[CLS]", "hi", "##ya", " <x> ", "hi", "[SEP]"});
  CHECK(e.ids == std::vector<std::int32_t>{2, 4, 5, 6, 4, 3});
  CHECK(e.byte_offsets[3] == bertpp::Offset{4, 9});
  CHECK(tok.decode(e.ids, true) == "hiya <x> hi");  // added non-special tokens are kept by decode
}

TEST_CASE("single_word added tokens only match outside words", "[tokenizer][loading]") {
  TempDir dir;
  json j = tiny_tokenizer_json();
  j["added_tokens"].push_back({{"id", 6}, {"content", "ya"}, {"single_word", true}, {"lstrip", false},
                               {"rstrip", false}, {"normalized", true}, {"special", false}});
  const auto tok = bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("tokenizer.json", j.dump()));
  CHECK(tok.encode("hiya YA").ids == std::vector<std::int32_t>{2, 4, 5, 6, 3});
}

TEST_CASE("malformed tokenizer.json files name the file and field", "[tokenizer][loading]") {
  TempDir dir;
  using Catch::Contains;
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("a.json", "{not json")),
                    Contains("a.json") && Contains("invalid JSON"));
  CHECK_THROWS_AS(bertpp::WordPieceTokenizer::from_tokenizer_json((dir.path / "missing.json").string()),
                  bertpp::LoadError);
  json j = tiny_tokenizer_json();
  j["model"]["type"] = "Unigram";
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("b.json", j.dump())),
                    Contains("b.json") && Contains("model.type") && Contains("Unigram"));
  j = tiny_tokenizer_json();
  j["model"].erase("vocab");
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("c.json", j.dump())),
                    Contains("model.vocab"));
  j = tiny_tokenizer_json();
  j["model"]["unk_token"] = "<unk>";
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("d.json", j.dump())),
                    Contains("d.json") && Contains("<unk>"));
  j = tiny_tokenizer_json();
  j["normalizer"] = {{"type", "NFKC"}};
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("e.json", j.dump())),
                    Contains("normalizer.type"));
  j = tiny_tokenizer_json();
  j["normalizer"]["lowercase"] = "yes";
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("f.json", j.dump())),
                    Contains("lowercase"));
  j = tiny_tokenizer_json();
  j["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
      "special_tokens": {}})");
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("g.json", j.dump())),
                    Contains("g.json") && Contains("[CLS]"));
  j = tiny_tokenizer_json();
  j["pre_tokenizer"] = {{"type", "Metaspace"}};
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("h.json", j.dump())),
                    Contains("pre_tokenizer.type"));
}

TEST_CASE("a null post_processor adds no special tokens", "[tokenizer][loading]") {
  TempDir dir;
  json j = tiny_tokenizer_json();
  j["post_processor"] = nullptr;
  const auto tok = bertpp::WordPieceTokenizer::from_tokenizer_json(dir.write("tokenizer.json", j.dump()));
  const auto e = tok.encode("hi", "hiya");
  CHECK(e.ids == std::vector<std::int32_t>{4, 4, 5});
  CHECK(e.type_ids == std::vector<std::int32_t>{0, 1, 1});
}

TEST_CASE("vocab.txt folders read tokenizer_config.json options", "[tokenizer][loading]") {
  TempDir dir;
  std::ifstream in(kVocab);
  std::string vocab((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  dir.write("vocab.txt", vocab);
  dir.write("tokenizer_config.json",
            R"({"do_lower_case": false, "model_max_length": 1000000000000000019884624838656,
                "clean_up_tokenization_spaces": false, "mask_token": {"content": "[MASK]"}})");
  const auto tok = bertpp::WordPieceTokenizer::from_folder(dir.path.string());
  CHECK_FALSE(tok.options().lowercase);
  CHECK_FALSE(tok.options().clean_up_tokenization_spaces);
  CHECK(tok.options().model_max_length == std::numeric_limits<std::size_t>::max());
  CHECK(tok.encode("Hello hello").tokens == std::vector<std::string>{"[CLS]", "[UNK]", "hello", "[SEP]"});
  CHECK(tok.mask_id() == 4);
}

TEST_CASE("a vocabulary without the unknown token is refused", "[tokenizer][loading]") {
  TempDir dir;
  const std::string path = dir.write("vocab.txt", "[CLS]\n[SEP]\nhello\n");
  CHECK_THROWS_WITH(bertpp::WordPieceTokenizer::from_vocab_file(path), Catch::Contains("[UNK]"));
  CHECK_THROWS_AS(bertpp::WordPieceTokenizer::from_vocab_file((dir.path / "none.txt").string()),
                  bertpp::LoadError);
  const std::string crlf = dir.write("crlf.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n");
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(crlf);
  CHECK(tok.encode("hello").ids == std::vector<std::int32_t>{2, 4, 3});
}
