// WordPiece splitting, hand-checked on the synthetic fixture vocabulary.
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/paths.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";

std::vector<std::string> pieces_of(const bertpp::WordPieceTokenizer& tok, const std::string& text) {
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  return tok.encode(text, plain).tokens;
}

}  // namespace

TEST_CASE("wordpiece splits a known word greedily, longest piece first", "[tokenizer][wordpiece]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  const auto e = tok.encode("unaffable", plain);
  CHECK(e.tokens == std::vector<std::string>{"un", "##aff", "##able"});
  CHECK(e.ids == std::vector<std::int32_t>{9, 10, 11});
  CHECK(e.byte_offsets == std::vector<bertpp::Offset>{{0, 2}, {2, 5}, {5, 9}});
  CHECK(e.word_ids == std::vector<std::int32_t>{0, 0, 0});
}

TEST_CASE("wordpiece turns a word it cannot cover into one [UNK] spanning the word", "[tokenizer][wordpiece]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  // "abx": "a" and "##b" exist but "##x" does not, so the whole word is unknown.
  const auto e = tok.encode("hello abx", plain);
  CHECK(e.tokens == std::vector<std::string>{"hello", "[UNK]"});
  CHECK(e.ids == std::vector<std::int32_t>{5, 1});
  CHECK(e.byte_offsets == std::vector<bertpp::Offset>{{0, 5}, {6, 9}});
  CHECK(pieces_of(tok, "abc") == std::vector<std::string>{"a", "##b", "##c"});
}

TEST_CASE("wordpiece splits an unknown long word into a single [UNK]", "[tokenizer][wordpiece]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // 100 characters is still split; 101 is one [UNK] (max_input_chars_per_word).
  std::string word100 = "a";
  for (int i = 0; i < 99; ++i) word100 += "b";
  CHECK(pieces_of(tok, word100).size() == 100);
  const std::string word101 = word100 + "b";
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  const auto e = tok.encode(word101, plain);
  CHECK(e.tokens == std::vector<std::string>{"[UNK]"});
  CHECK(e.byte_offsets == std::vector<bertpp::Offset>{{0, 101}});
  // The limit counts characters, not bytes: 60 two-byte letters stay below it.
  std::string accented;
  for (int i = 0; i < 60; ++i) accented += "\xC3\xA1";  // á
  bertpp::TokenizerOptions keep;
  keep.strip_accents = false;
  const auto keep_tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab, keep);
  const auto unk = keep_tok.encode(accented, plain);
  CHECK(unk.tokens == std::vector<std::string>{"[UNK]"});  // not coverable, but one word
}

TEST_CASE("wordpiece vocabulary lookups and id errors", "[tokenizer][wordpiece]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  CHECK(tok.vocab_size() == 30);
  CHECK(tok.token_to_id("##aff") == 10);
  CHECK_FALSE(tok.token_to_id("nope").has_value());
  CHECK(tok.id_to_token(12) == "cafe");
  CHECK_THROWS_AS(tok.id_to_token(30), bertpp::ArgumentError);
  CHECK_THROWS_AS(tok.id_to_token(-1), bertpp::ArgumentError);
  CHECK(tok.cls_id() == 2);
  CHECK(tok.sep_id() == 3);
  CHECK(tok.pad_id() == 0);
  CHECK(tok.unk_id() == 1);
  CHECK(tok.mask_id() == 4);
}
