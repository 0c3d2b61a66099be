// Truncation (with stride windows) and padding, expected values worked out
// by hand from HF's tokenizers rules.
#include <bertpp/tokenizer/tokenizer.hpp>

#include "support/paths.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

const std::string kVocab = std::string(bertpp_test::test_data_dir()) + "/tokenizer/vocab.txt";
using Tokens = std::vector<std::string>;
using Ids = std::vector<std::int32_t>;
constexpr std::int32_t N = bertpp::Encoding::kNone;

bertpp::EncodeOptions truncate(std::size_t max_length, bertpp::TruncationStrategy s, std::size_t stride = 0) {
  bertpp::EncodeOptions o;
  o.truncation = bertpp::TruncationOptions{max_length, s, stride};
  o.return_overflowing_tokens = true;
  return o;
}

}  // namespace

TEST_CASE("truncation keeps max_length tokens and windows step by max_len - stride", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // 6 words -> 6 tokens; max_length 6 leaves 4 for the text, stride 2: windows start at 0, 2.
  const auto e = tok.encode("a b c a b c", truncate(6, bertpp::TruncationStrategy::LongestFirst, 2));
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "c", "a", "[SEP]"});
  REQUIRE(e.overflowing.size() == 1);
  CHECK(e.overflowing[0].tokens == Tokens{"[CLS]", "c", "a", "b", "c", "[SEP]"});
  CHECK(e.overflowing[0].word_ids == Ids{N, 2, 3, 4, 5, N});
  CHECK(e.overflowing[0].byte_offsets[1] == bertpp::Offset{4, 5});
  // Without stride the windows do not overlap.
  const auto s0 = tok.encode("a b c a b c", truncate(4, bertpp::TruncationStrategy::LongestFirst));
  CHECK(s0.tokens == Tokens{"[CLS]", "a", "b", "[SEP]"});
  REQUIRE(s0.overflowing.size() == 2);
  CHECK(s0.overflowing[0].tokens == Tokens{"[CLS]", "c", "a", "[SEP]"});
  CHECK(s0.overflowing[1].tokens == Tokens{"[CLS]", "b", "c", "[SEP]"});
}

TEST_CASE("only_second with stride gives question + context windows, as QA uses", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // question "hello ?" (2 tokens) + 3 specials leaves 7 - 5 = 2 context tokens per window, stride 1.
  const auto e = tok.encode("hello?", "a b c t", truncate(7, bertpp::TruncationStrategy::OnlySecond, 1));
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "?", "[SEP]", "a", "b", "[SEP]"});
  CHECK(e.type_ids == Ids{0, 0, 0, 0, 1, 1, 1});
  CHECK(e.sequence_ids == Ids{N, 0, 0, N, 1, 1, N});
  REQUIRE(e.overflowing.size() == 2);
  CHECK(e.overflowing[0].tokens == Tokens{"[CLS]", "hello", "?", "[SEP]", "b", "c", "[SEP]"});
  CHECK(e.overflowing[1].tokens == Tokens{"[CLS]", "hello", "?", "[SEP]", "c", "t", "[SEP]"});
  CHECK(e.overflowing[1].type_ids == Ids{0, 0, 0, 0, 1, 1, 1});
  CHECK(e.overflowing[1].sequence_ids == Ids{N, 0, 0, N, 1, 1, N});
  CHECK(e.overflowing[1].byte_offsets[5] == bertpp::Offset{6, 7});
}

TEST_CASE("longest_first shares the budget between a pair", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // 5 + 2 tokens into 8 - 3 = 5: the short one keeps 2, the long one gets 3.
  const auto e = tok.encode("a b c a b", "hello world", truncate(8, bertpp::TruncationStrategy::LongestFirst));
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "c", "[SEP]", "hello", "world", "[SEP]"});
  // Both too long: 5 + 5 into 7 - 3 = 4 -> 2 and 2.
  const auto both = tok.encode("a b c a b", "a b c a b", truncate(7, bertpp::TruncationStrategy::LongestFirst));
  CHECK(both.tokens == Tokens{"[CLS]", "a", "b", "[SEP]", "a", "b", "[SEP]"});
}

TEST_CASE("impossible truncations are refused with TokenizerError", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // The pair alone (4 tokens) already exceeds 6 - 3 = 3: only_first cannot help.
  CHECK_THROWS_AS(tok.encode("a", "a b c a", truncate(6, bertpp::TruncationStrategy::OnlyFirst)),
                  bertpp::TokenizerError);
  CHECK_THROWS_AS(tok.encode("a b c", truncate(4, bertpp::TruncationStrategy::OnlySecond)),
                  bertpp::TokenizerError);  // no second sequence
  CHECK_THROWS_AS(tok.encode("a b c", truncate(4, bertpp::TruncationStrategy::LongestFirst, 2)),
                  bertpp::TokenizerError);  // stride 2 >= 4 - 2 tokens left
  CHECK_THROWS_AS(tok.encode("a b c", truncate(1, bertpp::TruncationStrategy::LongestFirst)),
                  bertpp::TokenizerError);  // smaller than [CLS] [SEP]
  // A fitting input is left alone.
  CHECK(tok.encode("a", "b", truncate(6, bertpp::TruncationStrategy::OnlyFirst)).size() == 5);
}

TEST_CASE("padding to max_length, to the batch's longest, to a multiple", "[tokenizer][padding]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  bertpp::EncodeOptions o;
  o.padding.strategy = bertpp::PaddingStrategy::MaxLength;
  o.padding.max_length = 5;
  const auto e = tok.encode("hello", o);
  CHECK(e.tokens == Tokens{"[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]"});
  CHECK(e.ids == Ids{2, 5, 3, 0, 0});
  CHECK(e.attention_mask == Ids{1, 1, 1, 0, 0});
  CHECK(e.special_tokens_mask == Ids{1, 0, 1, 1, 1});
  CHECK(e.word_ids == Ids{N, 0, N, N, N});
  CHECK(e.sequence_ids == Ids{N, 0, N, N, N});
  CHECK(e.type_ids == Ids{0, 0, 0, 0, 0});
  CHECK(e.byte_offsets[4] == bertpp::Offset{0, 0});

  o.padding.strategy = bertpp::PaddingStrategy::Longest;
  const auto batch = tok.encode_batch(std::vector<std::string>{"hello", "a b c a", ""}, o);
  REQUIRE(batch.size() == 3);
  for (const auto& b : batch) CHECK(b.size() == 6);
  CHECK(batch[2].attention_mask == Ids{1, 1, 0, 0, 0, 0});

  o.padding.pad_to_multiple_of = 4;
  const auto rounded = tok.encode_batch(std::vector<std::string>{"hello", "a b c a"}, o);
  CHECK(rounded[0].size() == 8);
  CHECK(rounded[1].size() == 8);

  const auto pairs = tok.encode_batch(std::vector<std::pair<std::string, std::string>>{{"hello", "world"}, {"a", "b c"}}, o);
  CHECK(pairs[0].size() == 8);
  CHECK(pairs[1].type_ids == Ids{0, 0, 0, 1, 1, 1, 0, 0});
}

TEST_CASE("padding also pads the overflowing windows", "[tokenizer][padding]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  auto o = truncate(4, bertpp::TruncationStrategy::LongestFirst);
  o.padding.strategy = bertpp::PaddingStrategy::MaxLength;
  o.padding.max_length = 4;
  const auto e = tok.encode("a b c", o);
  REQUIRE(e.overflowing.size() == 1);
  CHECK(e.overflowing[0].tokens == Tokens{"[CLS]", "c", "[SEP]", "[PAD]"});
}

TEST_CASE("overflowing windows are built only when asked for", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  bertpp::EncodeOptions o = truncate(4, bertpp::TruncationStrategy::LongestFirst);
  o.return_overflowing_tokens = false;
  const auto e = tok.encode("a b c a b c", o);
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "[SEP]"});
  CHECK(e.overflowing.empty());
}

TEST_CASE("a pair cut on both sides combines the windows in HF's order", "[tokenizer][truncation]") {
  const auto tok = bertpp::WordPieceTokenizer::from_vocab_file(kVocab);
  // 3 + 3 tokens into 7 - 3 = 4: two each; windows A0=[a b] A1=[c], B0=[a b] B1=[c].
  // HF's merge_with: main (A0, B0), then (A1, B0), (A1, B1), then (A0, B1).
  const auto e = tok.encode("a b c", "a b c", truncate(7, bertpp::TruncationStrategy::LongestFirst));
  CHECK(e.tokens == Tokens{"[CLS]", "a", "b", "[SEP]", "a", "b", "[SEP]"});
  REQUIRE(e.overflowing.size() == 3);
  CHECK(e.overflowing[0].tokens == Tokens{"[CLS]", "c", "[SEP]", "a", "b", "[SEP]"});
  CHECK(e.overflowing[1].tokens == Tokens{"[CLS]", "c", "[SEP]", "c", "[SEP]"});
  CHECK(e.overflowing[2].tokens == Tokens{"[CLS]", "a", "b", "[SEP]", "c", "[SEP]"});
  CHECK(e.overflowing[1].type_ids == Ids{0, 0, 0, 1, 1});
  CHECK(e.overflowing[1].sequence_ids == Ids{N, 0, N, 1, N});
  CHECK(e.overflowing[2].byte_offsets[4] == bertpp::Offset{4, 5});
}
