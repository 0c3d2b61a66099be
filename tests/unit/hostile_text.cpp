// Hostile text: invalid UTF-8, NULs, a 1 MB word, a 100,000-token text,
// empty inputs and text made of special tokens. Each has one defined,
// documented outcome (HF's where HF has one) and never crashes.
#include <bertpp/pipelines/text_classification.hpp>
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using bertpp::ArgumentError;
using bertpp::Encoding;
using bertpp::TokenizerError;
using bertpp::WordPieceTokenizer;
using Catch::Matchers::Contains;
using Tokens = std::vector<std::string>;

namespace {

const char* const kModel = "models/bert-random-sst2";  // 128 positions, labels NEGATIVE/POSITIVE

const WordPieceTokenizer& tokenizer() {
  static const WordPieceTokenizer t = WordPieceTokenizer::from_folder(bertpp_test::golden_path(kModel));
  return t;
}

const bertpp::TextClassificationPipeline& classifier() {
  static const bertpp::TextClassificationPipeline p(bertpp_test::golden_path(kModel));
  return p;
}

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("invalid UTF-8 is a TokenizerError naming the text and the byte") {
  if (!bertpp_test::have_golden(kModel)) return;
  const auto& tok = tokenizer();
  struct Case { std::string bytes; const char* where; };
  const std::vector<Case> cases = {
      {"ab\xff" "cd", "at byte 2"},            // byte that never occurs in UTF-8
      {"ok \x80", "at byte 3"},                // lone continuation byte
      {"caf\xc3", "at byte 3"},                // sequence cut by the end of the text
      {"\xc0\xaf", "at byte 0"},               // overlong encoding of '/'
      {"x\xed\xa0\x80", "at byte 1"},          // UTF-16 surrogate U+D800
      {"\xf4\x90\x80\x80", "at byte 0"},       // beyond U+10FFFF
  };
  for (const Case& c : cases) {
    INFO("bytes: " << c.bytes);
    CHECK_THROWS_AS(tok.encode(c.bytes), TokenizerError);
    CHECK_THROWS_WITH(tok.encode(c.bytes), Contains("invalid UTF-8 in the text") && Contains(c.where));
  }
  CHECK_THROWS_WITH(tok.encode("fine", "x\xc3"), Contains("invalid UTF-8 in the pair text at byte 1"));
  // A pipeline passes the tokenizer's error through unchanged.
  CHECK_THROWS_AS(classifier()("ab\xff"), TokenizerError);
}

TEST_CASE("NUL characters are dropped like other control characters, as HF's clean_text does") {
  if (!bertpp_test::have_golden(kModel)) return;
  const Encoding e = tokenizer().encode(std::string("hello\0world", 11));
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "##world", "[SEP]"});
  CHECK(e.byte_offsets[1] == bertpp::Offset{0, 5});
  CHECK(e.byte_offsets[2] == bertpp::Offset{6, 11});  // offsets still index the original bytes
  CHECK(tokenizer().encode(std::string(5, '\0')).tokens == Tokens{"[CLS]", "[SEP]"});
  CHECK(tokenizer().encode("\t\r\n \x01\x7f").tokens == Tokens{"[CLS]", "[SEP]"});
}

TEST_CASE("a 1 MB word becomes one [UNK] spanning it, quickly") {
  if (!bertpp_test::have_golden(kModel)) return;
  const std::string word(1 << 20, 'a');
  const auto start = std::chrono::steady_clock::now();
  const Encoding e = tokenizer().encode(word);
  CHECK(seconds_since(start) < 2.0);
  CHECK(e.tokens == Tokens{"[CLS]", "[UNK]", "[SEP]"});  // longer than max_input_chars_per_word
  CHECK(e.byte_offsets[1] == bertpp::Offset{0, word.size()});
  // A megabyte of CJK without spaces: every ideograph is its own word.
  const std::string cjk = repeat("\xe4\xb8\xad", 100000);  // U+4E2D, in the vocabulary
  const Encoding c = tokenizer().encode(cjk);
  REQUIRE(c.size() == 100002);
  CHECK(c.tokens[1] == "\xe4\xb8\xad");
  CHECK(c.ids[1] == 1746);  // its line in vocab.txt, minus one
  CHECK(c.byte_offsets[100000] == bertpp::Offset{299997, 300000});
}

TEST_CASE("a 100,000-token text tokenizes, the model refuses it unless truncation is asked for") {
  if (!bertpp_test::have_golden(kModel)) return;
  const std::string text = repeat("word ", 100000);
  const Encoding e = tokenizer().encode(text);
  CHECK(e.size() == 100002);
  CHECK(e.byte_offsets[100000] == bertpp::Offset{499995, 499999});

  CHECK_THROWS_AS(classifier()(text), ArgumentError);
  CHECK_THROWS_WITH(classifier()(text), Contains("sequence length 100002 exceeds max_position_embeddings 128") &&
                                            Contains("truncate the input"));
  // Truncated to the model's 128 positions it equals the first 126 words.
  bertpp::TextClassificationOptions truncate;
  truncate.truncation = bertpp::TruncationOptions{128};
  const auto truncated = classifier()(text, truncate);
  const auto prefix = classifier()(repeat("word ", 126));
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0].label == prefix[0].label);
  CHECK(truncated[0].score == prefix[0].score);
}

TEST_CASE("exactly max_position_embeddings tokens run, one more is refused") {
  if (!bertpp_test::have_golden(kModel)) return;
  CHECK(tokenizer().encode(repeat("a ", 126)).size() == 128);
  CHECK_NOTHROW(classifier()(repeat("a ", 126)));
  CHECK_THROWS_WITH(classifier()(repeat("a ", 127)), Contains("sequence length 129 exceeds"));
}

TEST_CASE("empty strings and empty batches") {
  if (!bertpp_test::have_golden(kModel)) return;
  CHECK(tokenizer().encode("").tokens == Tokens{"[CLS]", "[SEP]"});
  CHECK(tokenizer().encode("", "").tokens == Tokens{"[CLS]", "[SEP]", "[SEP]"});
  CHECK(tokenizer().encode_batch(std::vector<std::string>{}).empty());

  // The empty string still classifies ([CLS] [SEP]), as in HF.
  const auto result = classifier()("");
  REQUIRE(result.size() == 1);
  CHECK(result[0].score >= 0.5);
  CHECK(result[0].score <= 1.0);

  CHECK(classifier()(std::vector<bertpp::TextInput>{}).empty());
  CHECK(classifier().run({{"inputs", nlohmann::json::array()}}) == nlohmann::json::array());
  const bertpp::EncoderOutput none = classifier().model().forward(bertpp::ModelInput{});
  CHECK(none.last_hidden_state.rows() == 0);

  // Zero tokens (no special tokens added) cannot be classified: clear error.
  bertpp::EncodeOptions bare;
  bare.add_special_tokens = false;
  const auto input = bertpp::ModelInput::from_encodings({tokenizer().encode("", bare)});
  CHECK_THROWS_AS(classifier().model().sequence_classification_logits(input), ArgumentError);
}

TEST_CASE("text made only of special tokens keeps them whole") {
  if (!bertpp_test::have_golden(kModel)) return;
  const std::string text = "[CLS][SEP][MASK] [PAD] [UNK]";
  const Encoding e = tokenizer().encode(text);
  CHECK(e.tokens == Tokens{"[CLS]", "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[SEP]"});
  CHECK(e.ids == std::vector<std::int32_t>{101, 101, 102, 103, 0, 100, 102});
  // Written special tokens are text, not added specials: mask 0, word ids set.
  CHECK(e.special_tokens_mask == std::vector<std::int32_t>{1, 0, 0, 0, 0, 0, 1});
  CHECK(tokenizer().decode(e.ids, true) == "");
  CHECK(tokenizer().decode(e.ids, false) == "[CLS] [CLS] [SEP] [MASK] [PAD] [UNK] [SEP]");
  CHECK(classifier()(text).size() == 1);
}
