// BertNormalizer and BertPreTokenizer behaviour, with exact offsets.
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/paths.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";

bertpp::Encoding plain_encode(const bertpp::WordPieceTokenizer& tok, const std::string& text) {
  bertpp::EncodeOptions plain;
  plain.add_special_tokens = false;
  return tok.encode(text, plain);
}

std::string normalize(const bertpp::BertNormalizer& n, const std::string& text) {
  bertpp::NormalizedText out;
  n.normalize(text, 0, out);
  return out.text;
}

}  // namespace

TEST_CASE("accents are stripped when lowercasing, offsets cover the original bytes", "[tokenizer][normalizer]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const auto e = plain_encode(tok, "Caf\xC3\xA9!");  // "Café!"
  CHECK(e.tokens == std::vector<std::string>{"cafe", "!"});
  CHECK(e.byte_offsets == std::vector<bertpp::Offset>{{0, 5}, {5, 6}});
  CHECK(bertpp::char_offsets(e, "Caf\xC3\xA9!") == std::vector<bertpp::Offset>{{0, 4}, {4, 5}});
}

TEST_CASE("accents are kept when strip_accents is false", "[tokenizer][normalizer]") {
  bertpp::TokenizerOptions o;
  o.strip_accents = false;
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab, o);
  CHECK(plain_encode(tok, "Caf\xC3\xA9").tokens == std::vector<std::string>{"[UNK]"});
  CHECK(normalize(bertpp::BertNormalizer(true, true, false, true), "Caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(normalize(bertpp::BertNormalizer(true, true, std::nullopt, false), "Caf\xC3\xA9") == "Caf\xC3\xA9");
  CHECK(normalize(bertpp::BertNormalizer(true, true, true, false), "Caf\xC3\xA9") == "Cafe");
}

TEST_CASE("CJK ideographs become words of their own", "[tokenizer][normalizer]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  const std::string text = "\xE4\xBD\xA0\xE5\xA5\xBD";  // 你好
  const auto e = plain_encode(tok, text);
  CHECK(e.tokens == std::vector<std::string>{"\xE4\xBD\xA0", "\xE5\xA5\xBD"});
  CHECK(e.word_ids == std::vector<std::int32_t>{0, 1});
  CHECK(e.byte_offsets == std::vector<bertpp::Offset>{{0, 3}, {3, 6}});
  CHECK(bertpp::char_offsets(e, text) == std::vector<bertpp::Offset>{{0, 1}, {1, 2}});
  bertpp::TokenizerOptions o;
  o.handle_chinese_chars = false;
  const auto joined = bertpp::WordPieceTokenizer::from_vocab_file(kVocab, o);
  CHECK(plain_encode(joined, text).tokens == std::vector<std::string>{"[UNK]"});
}

TEST_CASE("clean_text drops control characters and maps whitespace to spaces", "[tokenizer][normalizer]") {
  const bertpp::BertNormalizer n;
  CHECK(normalize(n, std::string("a\x01\x7F" "b\tc\xE2\x80\x83" "d", 10)) == "ab c d");  // U+2003 em space
  CHECK(normalize(n, std::string("x\0y", 3)) == "xy");
  CHECK(normalize(n, "x\xEF\xBF\xBDy") == "xy");    // U+FFFD
  CHECK(normalize(n, "x\xE2\x80\x8By") == "xy");    // U+200B zero width space (Cf)
  CHECK(normalize(n, "x\xC2\x85y") == "xy");        // U+0085 is Cc, removed before whitespace mapping
  const bertpp::BertNormalizer raw(false, false, false, false);
  CHECK(normalize(raw, "a\x01" "B") == "a\x01" "B");
}

TEST_CASE("lowercase follows Rust: capital I with dot becomes two code points", "[tokenizer][normalizer]") {
  const bertpp::BertNormalizer keep_accents(true, true, false, true);
  bertpp::NormalizedText out;
  keep_accents.normalize("\xC4\xB0x", 0, out);  // "İx"
  CHECK(out.text == "i\xCC\x87x");             // i + U+0307 + x
  CHECK(out.begin == std::vector<std::uint32_t>{0, 0, 0, 2});
  CHECK(out.end == std::vector<std::uint32_t>{2, 2, 2, 3});
  // With accents stripped the dot goes away.
  CHECK(normalize(bertpp::BertNormalizer(), "\xC4\xB0x") == "ix");
}

TEST_CASE("punctuation is split off, symbols in ASCII punctuation too", "[tokenizer][pre_tokenizer]") {
  std::vector<std::string> words;
  const std::string text = "don't  a$b \xE2\x80\x94" "c";  // em dash is Pd
  bertpp::BertPreTokenizer::split(text, [&](std::size_t b, std::size_t e) { words.push_back(text.substr(b, e - b)); });
  CHECK(words == std::vector<std::string>{"don", "'", "t", "a", "$", "b", "\xE2\x80\x94", "c"});
}
