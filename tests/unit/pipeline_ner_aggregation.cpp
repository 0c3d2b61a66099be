// Token-classification aggregation on hand-made probabilities; expected
// groups, words and mean scores are worked out by hand in the comments.
#include <bertpp/pipelines/detail/ner_aggregation.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using bertpp::AggregationStrategy;
using bertpp::TokenClassificationEntity;
using bertpp::detail::NerPreEntity;
using Catch::Matchers::WithinAbs;

namespace {

const std::vector<std::string> kLabels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};

// A WordPiece decoder written out for the test: "##" pieces glue on.
std::string join_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (i > 0 && t.rfind("##", 0) == 0) {
      out += t.substr(2);
    } else {
      if (i > 0) out += ' ';
      out += t;
    }
  }
  return out;
}

// "Jean Dupont lives in Paris" as jean du ##pont lives in paris.
//                      O    B-PER I-PER B-LOC I-LOC
const float kProbs[6][5] = {{0.1f, 0.7f, 0.1f, 0.05f, 0.05f},        // jean   -> B-PER .7
                            {0.1f, 0.2f, 0.6f, 0.05f, 0.05f},        // du     -> I-PER .6
                            {0.8f, 0.05f, 0.1f, 0.025f, 0.025f},     // ##pont -> O .8
                            {0.9f, 0.025f, 0.025f, 0.025f, 0.025f},  // lives  -> O .9
                            {0.8f, 0.05f, 0.05f, 0.05f, 0.05f},      // in     -> O .8
                            {0.1f, 0.1f, 0.1f, 0.6f, 0.1f}};         // paris  -> B-LOC .6

std::vector<NerPreEntity> jean_dupont() {
  const char* words[6] = {"jean", "du", "##pont", "lives", "in", "paris"};
  const std::size_t spans[6][2] = {{0, 4}, {5, 7}, {7, 11}, {12, 17}, {18, 20}, {21, 26}};
  std::vector<NerPreEntity> pre;
  for (std::size_t i = 0; i < 6; ++i)
    pre.push_back({words[i], kProbs[i], spans[i][0], spans[i][1], i + 1, i == 2});
  return pre;
}

std::vector<TokenClassificationEntity> run(AggregationStrategy strategy,
                                           const std::vector<std::string>& ignore) {
  return bertpp::detail::ner_aggregate(jean_dupont(), strategy, kLabels, ignore, join_tokens);
}

void check(const TokenClassificationEntity& e, const std::string& entity, double score,
           const std::string& word, std::size_t start, std::size_t end) {
  CHECK(e.entity == entity);
  CHECK_THAT(e.score, WithinAbs(score, 1e-6));
  CHECK(e.word == word);
  CHECK(e.start == start);
  CHECK(e.end == end);
}

}  // namespace

TEST_CASE("ner strategy none keeps every token with its best label, minus ignored labels") {
  const auto out = run(AggregationStrategy::None, {"O"});
  REQUIRE(out.size() == 3);
  check(out[0], "B-PER", 0.7, "jean", 0, 4);
  CHECK(out[0].index == std::size_t{1});
  check(out[1], "I-PER", 0.6, "du", 5, 7);
  check(out[2], "B-LOC", 0.6, "paris", 21, 26);
  CHECK(out[2].index == std::size_t{6});
  CHECK(run(AggregationStrategy::None, {}).size() == 6);
  CHECK(
      out[0].to_json().dump() ==
      R"({"end":4,"entity":"B-PER","index":1,"score":0.699999988079071,"start":0,"word":"jean"})");
}

TEST_CASE("ner strategy simple groups B-/I- runs per token, subwords included") {
  const auto out = run(AggregationStrategy::Simple, {});
  REQUIRE(out.size() == 3);
  check(out[0], "PER", (0.7 + 0.6) / 2, "jean du", 0, 7);
  check(out[1], "O", (0.8 + 0.9 + 0.8) / 3, "##pont lives in", 7, 20);
  check(out[2], "LOC", 0.6, "paris", 21, 26);
  CHECK_FALSE(out[0].index.has_value());
  CHECK(out[0].to_json().contains("entity_group"));
  CHECK_FALSE(out[0].to_json().contains("index"));
  // ignore_labels drops the O group.
  CHECK(run(AggregationStrategy::Simple, {"O"}).size() == 2);
}

TEST_CASE("ner strategy first labels a word by its first token") {
  const auto out = run(AggregationStrategy::First, {"O"});
  REQUIRE(out.size() == 2);
  check(out[0], "PER", (0.7 + 0.6) / 2, "jean dupont", 0, 11);
  check(out[1], "LOC", 0.6, "paris", 21, 26);
}

TEST_CASE("ner strategy average labels a word by its mean probabilities") {
  // dupont: mean row = {.45, .125, .35, .0375, .0375} -> O .45
  const auto out = run(AggregationStrategy::Average, {});
  REQUIRE(out.size() == 3);
  check(out[0], "PER", 0.7, "jean", 0, 4);
  check(out[1], "O", (0.45 + 0.9 + 0.8) / 3, "dupont lives in", 5, 20);
  check(out[2], "LOC", 0.6, "paris", 21, 26);
}

TEST_CASE("ner strategy max labels a word by its most confident token") {
  // dupont: du tops at .6, ##pont at .8 -> ##pont's O .8
  const auto out = run(AggregationStrategy::Max, {});
  REQUIRE(out.size() == 3);
  check(out[0], "PER", 0.7, "jean", 0, 4);
  check(out[1], "O", (0.8 + 0.9 + 0.8) / 3, "dupont lives in", 5, 20);
  CHECK(run(AggregationStrategy::Max, {"O", "LOC"}).size() == 1);
}

TEST_CASE("ner grouping splits on B- and on a change of tag") {
  std::vector<TokenClassificationEntity> tokens = {
      {"B-PER", 0.5f, 1, "a", 0, 1}, {"B-PER", 0.7f, 2, "b", 2, 3},
      {"I-PER", 0.9f, 3, "c", 4, 5}, {"I-LOC", 0.4f, 4, "d", 6, 7},
      {"MISC", 0.2f, 5, "e", 8, 9},  {"I-MISC", 0.4f, 6, "f", 10, 11}};
  const auto groups = bertpp::detail::ner_group_entities(tokens, join_tokens);
  REQUIRE(groups.size() == 4);
  check(groups[0], "PER", 0.5, "a", 0, 1);
  check(groups[1], "PER", 0.8, "b c", 2, 5);
  check(groups[2], "LOC", 0.4, "d", 6, 7);
  // A label without B-/I- counts as I-<label>: "MISC" then "I-MISC" merge.
  check(groups[3], "MISC", 0.3, "e f", 8, 11);
}

TEST_CASE("ner pre-entities: subwords by length, [UNK] shows the original text") {
  // "Zoë ☃ Kel": [CLS] zoe [UNK] ke ##l [SEP]; ë and ☃ are multi-byte.
  bertpp::Encoding e;
  e.ids = {101, 11, 100, 12, 13, 102};
  e.tokens = {"[CLS]", "zoe", "[UNK]", "ke", "##l", "[SEP]"};
  e.byte_offsets = {{0, 0}, {0, 4}, {5, 8}, {9, 11}, {11, 12}, {0, 0}};
  e.special_tokens_mask = {1, 0, 0, 0, 0, 1};
  const std::vector<bertpp::Offset> chars = {{0, 0}, {0, 3}, {4, 5}, {6, 8}, {8, 9}, {0, 0}};
  std::vector<float> probs(6 * 2, 0.5f);
  const auto pre = bertpp::detail::ner_pre_entities(e, "Zo\xC3\xAB \xE2\x98\x83 Kel", chars,
                                                    probs.data(), 2, 100);
  REQUIRE(pre.size() == 4);
  CHECK(pre[0].word == "zoe");
  CHECK_FALSE(pre[0].is_subword);  // 3 code points each side
  CHECK(pre[0].start == 0);
  CHECK(pre[0].end == 3);
  CHECK(pre[1].word == "\xE2\x98\x83");
  CHECK_FALSE(pre[1].is_subword);
  CHECK(pre[1].index == 2);
  CHECK_FALSE(pre[2].is_subword);
  CHECK(pre[3].is_subword);  // "##l" is 3 code points, "l" 1
  CHECK(pre[3].scores == probs.data() + 4 * 2);
}

TEST_CASE("ner aggregation strategy names parse as HF spells them") {
  CHECK(bertpp::parse_aggregation_strategy("none") == AggregationStrategy::None);
  CHECK(bertpp::parse_aggregation_strategy("SIMPLE") == AggregationStrategy::Simple);
  CHECK(bertpp::parse_aggregation_strategy("max") == AggregationStrategy::Max);
  CHECK_THROWS_AS(bertpp::parse_aggregation_strategy("mean"), bertpp::ArgumentError);
}

// HF's gather_pre_entities for a tokenizer without a continuing-subword
// prefix (byte-level BPE): a token continues a word unless it starts the
// text or has a space just before or at its start. "Søren met  Bob" as
// RoBERTa splits it: S | Ã¸ (ø) | ren | Ġmet | Ġ | ĠBob (trimmed offsets).
TEST_CASE("ner words without a subword prefix: HF's space heuristic, by the text") {
  const std::string text = "S\xC3\xB8ren met  Bob";  // 14 characters, 15 bytes
  bertpp::Encoding e;
  e.tokens = {"<s>", "S", "\xC3\x83\xC2\xB8", "ren", "\xC4\xA0met", "\xC4\xA0", "\xC4\xA0" "Bob", "</s>"};
  e.ids = {0, 104, 2022, 1694, 1145, 1437, 3045, 2};
  e.byte_offsets = {{0, 0}, {0, 1}, {1, 3}, {3, 6}, {7, 10}, {10, 11}, {12, 15}, {0, 0}};
  e.special_tokens_mask = {1, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<bertpp::Offset> chars = {{0, 0}, {0, 1}, {1, 2}, {2, 5}, {6, 9}, {9, 10}, {11, 14}, {0, 0}};
  const std::vector<float> probs(8 * 2, 0.5f);
  const auto pre = bertpp::detail::ner_pre_entities(e, text, chars, probs.data(), 2, 3, false);
  REQUIRE(pre.size() == 6);
  const std::vector<bool> subword = {false, true, true, false, false, false};
  for (std::size_t i = 0; i < pre.size(); ++i) {
    INFO("token " << pre[i].word);
    CHECK(pre[i].is_subword == subword[i]);  // " " before "met"/"Bob", " " at the lone space token
    CHECK(pre[i].index == i + 1);
  }
  CHECK(pre[3].start == 6);
  CHECK(pre[3].end == 9);
  // Judged by length instead (the word-aware rule), "Ġmet" would wrongly
  // continue "Søren": its byte-level string is longer than the text it covers.
  const auto by_length = bertpp::detail::ner_pre_entities(e, text, chars, probs.data(), 2, 3, true);
  CHECK(by_length[3].is_subword);
  CHECK_FALSE(by_length[2].is_subword);
}
