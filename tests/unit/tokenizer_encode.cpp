// Whole-pipeline behaviour of WordPieceTokenizer::encode / decode on the
// synthetic fixture vocabulary (ids hand-checked against vocab.txt).
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/paths.hpp"
#include "support/resident_memory.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";
using Ids = std::vector<std::int32_t>;
using Tokens = std::vector<std::string>;
using Offsets = std::vector<bertpp::Offset>;
constexpr std::int32_t N = bertpp::Encoding::kNone;

}  // namespace

TEST_CASE("encode adds [CLS] and [SEP] with HF's masks and ids", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const auto e = tok.encode("Hello, world!");
  CHECK(e.tokens == Tokens{"[CLS]", "hello", ",", "world", "!", "[SEP]"});
  CHECK(e.ids == Ids{2, 5, 7, 6, 8, 3});
  CHECK(e.type_ids == Ids{0, 0, 0, 0, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 1, 1, 1});
  CHECK(e.special_tokens_mask == Ids{1, 0, 0, 0, 0, 1});
  CHECK(e.word_ids == Ids{N, 0, 1, 2, 3, N});
  CHECK(e.sequence_ids == Ids{N, 0, 0, 0, 0, N});
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 5}, {5, 6}, {7, 12}, {12, 13}, {0, 0}});
  CHECK(e.overflowing.empty());
}

TEST_CASE("[MASK] written in the text is kept whole, even next to letters", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const auto e = tok.encode("the[MASK]. [mask]");
  CHECK(e.tokens == Tokens{"[CLS]", "the", "[MASK]", ".", "[UNK]", "[UNK]", "[UNK]", "[SEP]"});
  CHECK(e.ids == Ids{2, 14, 4, 13, 1, 1, 1, 3});
  CHECK(e.word_ids == Ids{N, 0, 1, 2, 3, 4, 5, N});
  CHECK(e.byte_offsets[2] == bertpp::Offset{3, 9});
  CHECK(e.special_tokens_mask == Ids{1, 0, 0, 0, 0, 0, 0, 1});  // HF: 0 for tokens from the text
}

TEST_CASE("a text pair gets type ids 1 and offsets relative to the pair text", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const auto e = tok.encode("hello", "a world");
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "[SEP]", "a", "world", "[SEP]"});
  CHECK(e.type_ids == Ids{0, 0, 0, 1, 1, 1});
  CHECK(e.sequence_ids == Ids{N, 0, N, 1, 1, N});
  CHECK(e.word_ids == Ids{N, 0, N, 0, 1, N});
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 5}, {0, 0}, {0, 1}, {2, 7}, {0, 0}});
}

TEST_CASE("invalid UTF-8 throws TokenizerError naming the byte", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  CHECK_THROWS_WITH(tok.encode("ab\xC3("), Catch::Contains("byte 2") && Catch::Contains("text"));
  CHECK_THROWS_AS(tok.encode("\xED\xA0\x80"), bertpp::TokenizerError);      // a UTF-16 surrogate
  CHECK_THROWS_AS(tok.encode("\xC0\xAF"), bertpp::TokenizerError);          // overlong '/'
  CHECK_THROWS_AS(tok.encode("\xF4\x90\x80\x80"), bertpp::TokenizerError);  // beyond U+10FFFF
  CHECK_THROWS_WITH(tok.encode("ok", "xy\x80"), Catch::Contains("pair") && Catch::Contains("byte 2"));
}

TEST_CASE("character offsets count code points, as Python does", "[tokenizer][encode]") {
  const std::string text = "\xE4\xBD\xA0 hello";  // 你 hello
  bertpp::CharIndex index(text);
  CHECK(index.char_of_byte(0) == 0);
  CHECK(index.char_of_byte(3) == 1);
  CHECK(index.char_of_byte(4) == 2);
  CHECK(index.char_count() == 7);
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const auto e = tok.encode(text);
  CHECK(e.byte_offsets == Offsets{{0, 0}, {0, 3}, {4, 9}, {0, 0}});
  CHECK(bertpp::char_offsets(e, text) == Offsets{{0, 0}, {0, 1}, {2, 7}, {0, 0}});
}

TEST_CASE("decode joins ## pieces and drops special tokens", "[tokenizer][decode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const Ids ids = tok.encode("Unaffable, hello world!").ids;
  CHECK(tok.decode(ids, true) == "unaffable, hello world!");
  CHECK(tok.decode(ids, /*skip_special_tokens=*/false) == "[CLS] unaffable, hello world! [SEP]");
  CHECK(tok.decode(ids, true, /*clean_up_tokenization_spaces=*/true) == "unaffable, hello world!");
  // clean_up_tokenization joins contractions; the raw decoder only fixes " ." " ," etc.
  const Ids dont = tok.encode("don ' t s 's").ids;
  CHECK(tok.decode(dont, true, false) == "don ' t s ' s");
  CHECK(tok.decode(dont, true, true) == "don't s's");
  CHECK(tok.decode({5, 999, 6}) == "hello world");  // unknown ids are skipped, as HF does
}

TEST_CASE("encode without special tokens, and empty or blank text", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  CHECK(tok.encode("").tokens == Tokens{"[CLS]", "[SEP]"});
  CHECK(tok.encode(" \t\n").tokens == Tokens{"[CLS]", "[SEP]"});
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  CHECK(tok.encode("", plain).size() == 0);
  const auto pair = tok.encode("hello", "world", plain);
  CHECK(pair.tokens == Tokens{"hello", "world"});
  CHECK(pair.type_ids == Ids{0, 1});
}

TEST_CASE("a large batch gives the same encodings as one call at a time", "[tokenizer][encode]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  std::vector<std::string> texts;
  for (int i = 0; i < 100; ++i) texts.push_back(i % 3 ? "hello world" : "unaffable, the cafe!");
  const auto batch = tok.encode_batch(texts);
  REQUIRE(batch.size() == texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) CHECK(batch[i].ids == tok.encode(texts[i]).ids);
  texts[57] = "bad \xFF byte";
  CHECK_THROWS_WITH(tok.encode_batch(texts), Catch::Contains("byte 4"));
}

TEST_CASE("one huge text does not pin the tokenizer's per-thread buffers afterwards", "[tokenizer][encode]") {
  if (!bertpp_test::resident_memory_measurable()) return;
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  std::string text;
  while (text.size() < (std::size_t{4} << 20)) text += "hello world ";
  tok.encode("warm up the small buffers");
  const long before = bertpp_test::resident_bytes();
  REQUIRE(before > 0);
  std::size_t tokens = 0;
  {
    const bertpp::Encoding e = tok.encode(text);
    tokens = e.size();
  }
  CHECK(tokens > 100000);
  // Normalized text and its offset maps alone were ~36 MB.
  CHECK(bertpp_test::resident_bytes() - before < 8L * 1024 * 1024);
}
