// Replays every line of shared/golden/tokenizer/*.jsonl (HF tokenizers'
// output) through bertpp::Tokenizer (WordPiece and byte-level BPE) and
// checks every field exactly.
#include "support/golden.hpp"

#include <bertpp/tokenizer/tokenizer.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using bertpp::Encoding;
using WordPieceTokenizer = bertpp::Tokenizer;
using nlohmann::json;

std::string uncased_vocab() { return bertpp_test::golden_path("models/bert-random/vocab.txt"); }
std::string cased_folder() { return bertpp_test::shared_dir() + "/real-model-files/dslim-bert-base-NER"; }

std::vector<std::int32_t> ints_or_none(const json& values) {
  std::vector<std::int32_t> out;
  for (const json& v : values) out.push_back(v.is_null() ? Encoding::kNone : v.get<std::int32_t>());
  return out;
}

std::vector<bertpp::Offset> offsets_of(const json& values) {
  std::vector<bertpp::Offset> out;
  for (const json& v : values) out.push_back({v[0].get<std::size_t>(), v[1].get<std::size_t>()});
  return out;
}

template <typename T>
std::string show(const std::vector<T>& v) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  return s.str() + "]";
}

std::string show(const std::vector<bertpp::Offset>& v) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << "(" << v[i].begin << "," << v[i].end << ")";
  return s.str() + "]";
}

template <typename T>
std::string diff(const char* field, const std::vector<T>& got, const std::vector<T>& want) {
  if (got == want) return "";
  return std::string(field) + ": got " + show(got) + "\n   expected " + show(want);
}

// Empty when `e` matches the golden line, else the first differing field.
std::string compare(const Encoding& e, const json& line) {
  const std::string text = line["text"];
  const std::string pair = line.value("pair", std::string());
  std::string d;
  if (!(d = diff("tokens", e.tokens, line["tokens"].get<std::vector<std::string>>())).empty()) return d;
  if (!(d = diff("ids", e.ids, line["ids"].get<std::vector<std::int32_t>>())).empty()) return d;
  if (!(d = diff("type_ids", e.type_ids, line["type_ids"].get<std::vector<std::int32_t>>())).empty()) return d;
  if (!(d = diff("attention_mask", e.attention_mask, line["attention_mask"].get<std::vector<std::int32_t>>())).empty()) return d;
  if (!(d = diff("special_tokens_mask", e.special_tokens_mask, line["special_tokens_mask"].get<std::vector<std::int32_t>>())).empty()) return d;
  if (!(d = diff("word_ids", e.word_ids, ints_or_none(line["word_ids"]))).empty()) return d;
  if (!(d = diff("sequence_ids", e.sequence_ids, ints_or_none(line["sequence_ids"]))).empty()) return d;
  if (!(d = diff("byte_offsets", e.byte_offsets, offsets_of(line["byte_offsets"]))).empty()) return d;
  if (!(d = diff("char_offsets", bertpp::char_offsets(e, text, pair), offsets_of(line["char_offsets"]))).empty()) return d;
  return "";
}

bertpp::EncodeOptions options_of(const json& line) {
  bertpp::EncodeOptions o;
  if (line.contains("truncation")) {
    bertpp::TruncationOptions t;
    t.max_length = line["max_length"];
    const std::string s = line["truncation"];
    t.strategy = s == "only_first"    ? bertpp::TruncationStrategy::OnlyFirst
                 : s == "only_second" ? bertpp::TruncationStrategy::OnlySecond
                                      : bertpp::TruncationStrategy::LongestFirst;
    o.truncation = t;
  }
  if (line.value("padding", std::string()) == "max_length") {
    o.padding.strategy = bertpp::PaddingStrategy::MaxLength;
    o.padding.max_length = line["max_length"];
  }
  return o;
}

// Runs one golden file; returns {lines, matches}.
std::pair<int, int> replay(const std::string& name, const WordPieceTokenizer& tok) {
  int lines = 0, matches = 0, reported = 0;
  bertpp_test::for_each_jsonl(bertpp_test::golden_path("tokenizer/" + name + ".jsonl"),
                              [&](const json& line, int number) {
    ++lines;
    const std::string text = line["text"];
    const bool has_pair = line.contains("pair");
    const std::string pair = line.value("pair", std::string());
    std::string problem;
    try {
      Encoding e = has_pair ? tok.encode(text, pair, options_of(line)) : tok.encode(text, options_of(line));
      problem = line.contains("error") ? "expected an error (" + line["error"].get<std::string>() + "), got an encoding"
                                       : compare(e, line);
    } catch (const bertpp::TokenizerError& err) {
      if (!line.contains("error")) problem = std::string("unexpected error: ") + err.what();
    }
    if (problem.empty()) {
      ++matches;
    } else if (reported++ < 10) {
      std::cout << name << ".jsonl line " << number << " text=" << json(text).dump().substr(0, 200)
                << (has_pair ? " pair=" + json(pair).dump().substr(0, 100) : std::string()) << "\n  "
                << problem.substr(0, 1500) << "\n";
    }
  });
  std::cout << name << ".jsonl: " << matches << "/" << lines << " lines match\n";
  return {lines, matches};
}

bertpp::TokenizerOptions uncased() { return bertpp::TokenizerOptions{}; }

}  // namespace

TEST_CASE("golden uncased: every line matches HF", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/uncased.jsonl")) return;
  auto r = replay("uncased", WordPieceTokenizer::from_vocab_file(uncased_vocab(), uncased()));
  CHECK(r.first == 1026);
  CHECK(r.second == r.first);
}

TEST_CASE("golden cased: every line matches HF", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/cased.jsonl")) return;
  auto o = uncased();
  o.lowercase = false;
  auto r = replay("cased", WordPieceTokenizer::from_vocab_file(uncased_vocab(), o));
  CHECK(r.second == r.first);
}

TEST_CASE("golden uncased_keep_accents: every line matches HF", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/uncased_keep_accents.jsonl")) return;
  auto o = uncased();
  o.strip_accents = false;
  auto r = replay("uncased_keep_accents", WordPieceTokenizer::from_vocab_file(uncased_vocab(), o));
  CHECK(r.second == r.first);
}

TEST_CASE("golden uncased_no_chinese_split: every line matches HF", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/uncased_no_chinese_split.jsonl")) return;
  auto o = uncased();
  o.handle_chinese_chars = false;
  auto r = replay("uncased_no_chinese_split", WordPieceTokenizer::from_vocab_file(uncased_vocab(), o));
  CHECK(r.second == r.first);
}

TEST_CASE("golden uncased_truncation: every line matches HF, refusals throw", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/uncased_truncation.jsonl")) return;
  auto r = replay("uncased_truncation", WordPieceTokenizer::from_vocab_file(uncased_vocab(), uncased()));
  CHECK(r.first == 1384);
  CHECK(r.second == r.first);
}

TEST_CASE("golden bert-base-cased: every line matches HF", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/bert-base-cased.jsonl")) return;
  auto o = uncased();
  o.lowercase = false;
  auto r = replay("bert-base-cased", WordPieceTokenizer::from_vocab_file(cased_folder() + "/vocab.txt", o));
  CHECK(r.second == r.first);
}

namespace {

// Encodes every corpus input with both tokenizers; returns the number of differences.
int count_differences(const WordPieceTokenizer& a, const WordPieceTokenizer& b) {
  int differences = 0;
  bertpp_test::for_each_jsonl(bertpp_test::golden_path("tokenizer/corpus.jsonl"), [&](const json& line, int number) {
    const std::string text = line["text"];
    Encoding x, y;
    if (line.contains("pair")) {
      x = a.encode(text, line["pair"].get<std::string>());
      y = b.encode(text, line["pair"].get<std::string>());
    } else {
      x = a.encode(text);
      y = b.encode(text);
    }
    if (x.ids != y.ids || x.tokens != y.tokens || x.byte_offsets != y.byte_offsets || x.word_ids != y.word_ids ||
        x.type_ids != y.type_ids || x.sequence_ids != y.sequence_ids ||
        x.special_tokens_mask != y.special_tokens_mask) {
      if (differences++ < 5) std::cout << "corpus line " << number << " differs\n";
    }
  });
  return differences;
}

}  // namespace

TEST_CASE("tokenizer.json loads to the same tokenizer as vocab.txt (uncased golden folder)", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  const auto from_json = WordPieceTokenizer::from_tokenizer_json(bertpp_test::golden_path("models/bert-random/tokenizer.json"));
  const auto from_vocab = WordPieceTokenizer::from_vocab_file(uncased_vocab());
  CHECK(from_json.vocab_size() == 30522);
  CHECK(from_json.cls_id() == 101);
  CHECK(from_json.sep_id() == 102);
  CHECK(from_json.pad_id() == 0);
  CHECK(from_json.mask_id() == 103);
  CHECK(from_json.unk_id() == 100);
  CHECK(count_differences(from_json, from_vocab) == 0);
  // The same folder also answers the golden lines directly.
  auto r = replay("uncased", WordPieceTokenizer::from_folder(bertpp_test::golden_path("models/bert-random")));
  CHECK(r.second == r.first);
}

TEST_CASE("tokenizer.json of a real cased model matches the golden bert-base-cased lines", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("tokenizer/bert-base-cased.jsonl")) return;
  const auto tok = WordPieceTokenizer::from_folder(cased_folder());
  CHECK_FALSE(tok.options().lowercase);
  CHECK(tok.vocab_size() == 28996);
  CHECK(tok.options().model_max_length == 512);
  auto r = replay("bert-base-cased", tok);
  CHECK(r.second == r.first);
}

TEST_CASE("every golden model folder loads, via tokenizer.json and via vocab.txt", "[tokenizer][golden]") {
  if (!bertpp_test::have_golden("models/bert-random")) return;
  for (const char* folder : {"bert-random", "bert-random-mlm", "bert-random-squad", "bert-random-ner",
                             "distilbert-random", "sentence-random"}) {
    INFO(folder);
    const std::string dir = bertpp_test::golden_path(std::string("models/") + folder);
    const auto tok = WordPieceTokenizer::from_folder(dir);
    CHECK(tok.options().model_max_length == 256);
    CHECK_FALSE(tok.options().clean_up_tokenization_spaces);
    CHECK(tok.encode("Hello [MASK]!").ids == std::vector<std::int32_t>{101, 7592, 103, 999, 102});
  }
  const auto real = WordPieceTokenizer::from_folder(bertpp_test::shared_dir() + "/real-model-files/all-MiniLM-L6-v2");
  CHECK(real.encode("Hello world").ids == std::vector<std::int32_t>{101, 7592, 2088, 102});
}

// ---- byte-level BPE (roberta-base's vocabulary and merges) ----------------

namespace {
std::string roberta_dir() { return bertpp_test::golden_path("models/roberta-random"); }
}  // namespace

TEST_CASE("golden roberta-base: every line matches HF (tokenizer.json)", "[tokenizer][golden][bpe]") {
  if (!bertpp_test::have_golden("tokenizer/roberta-base.jsonl")) return;
  const auto tok = bertpp::Tokenizer::from_folder(roberta_dir());
  CHECK(tok.model().is_bpe());
  CHECK(tok.vocab_size() == 50265);
  CHECK(tok.cls_id() == 0);
  CHECK(tok.pad_id() == 1);
  CHECK(tok.sep_id() == 2);
  CHECK(tok.unk_id() == 3);
  CHECK(tok.mask_id() == 50264);
  CHECK(tok.options().model_max_length == 128);
  CHECK(tok.continuing_subword_prefix().empty());
  CHECK(tok.num_special_tokens_to_add(false) == 2);
  CHECK(tok.num_special_tokens_to_add(true) == 4);
  auto r = replay("roberta-base", tok);
  CHECK(r.first == 1026);
  CHECK(r.second == r.first);
  // Again, the words now coming from the model's cache.
  r = replay("roberta-base", tok);
  CHECK(r.second == r.first);
}

TEST_CASE("golden roberta-base: vocab.json + merges.txt match HF and tokenizer.json", "[tokenizer][golden][bpe]") {
  if (!bertpp_test::have_golden("tokenizer/roberta-base.jsonl")) return;
  const auto from_files = bertpp::Tokenizer::from_bpe_files(roberta_dir() + "/vocab.json", roberta_dir() + "/merges.txt");
  const auto from_json = bertpp::Tokenizer::from_tokenizer_json(roberta_dir() + "/tokenizer.json");
  CHECK(from_files.vocab_size() == 50265);
  CHECK(from_files.mask_id() == 50264);
  CHECK(count_differences(from_files, from_json) == 0);
  auto r = replay("roberta-base", from_files);
  CHECK(r.second == r.first);
}

TEST_CASE("golden roberta-base: a folder with vocab.json + merges.txt + tokenizer_config.json, no tokenizer.json",
          "[tokenizer][golden][bpe]") {
  if (!bertpp_test::have_golden("tokenizer/roberta-base.jsonl")) return;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bertpp_roberta_files_" + std::to_string(std::rand()));
  fs::create_directories(dir);
  for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"})
    fs::create_symlink(fs::path(roberta_dir()) / name, dir / name);
  const auto tok = bertpp::Tokenizer::from_folder(dir.string());
  fs::remove_all(dir);
  CHECK(tok.model().is_bpe());
  CHECK(tok.options().model_max_length == 128);
  CHECK(tok.mask_id() == 50264);
  // <mask> has lstrip in tokenizer_config.json: it takes the space before it, as in tokenizer.json.
  const auto from_json = bertpp::Tokenizer::from_folder(roberta_dir());
  // roberta-base's well-known ids for this text (HF: [0, 31414, 50264, 328, 2]).
  CHECK(from_json.encode("Hello <mask>!").ids == std::vector<std::int32_t>{0, 31414, 50264, 328, 2});
  for (const char* text : {"Hello <mask>!", "The capital of France is<mask>.", "a  <mask> b"}) {
    INFO(text);
    CHECK(tok.encode(text).ids == from_json.encode(text).ids);
    CHECK(tok.encode(text).byte_offsets == from_json.encode(text).byte_offsets);
  }
  CHECK(count_differences(tok, from_json) == 0);
  auto r = replay("roberta-base", tok);
  CHECK(r.second == r.first);
}
