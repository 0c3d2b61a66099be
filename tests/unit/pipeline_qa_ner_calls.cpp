// The question-answering and token-classification pipelines as callers use
// them: batching must not change results, several questions share a context,
// bad arguments are refused with bertpp errors. Uses the golden random models.
#include <bertpp/pipelines/question_answering.hpp>
#include <bertpp/pipelines/token_classification.hpp>

#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

const std::string kContext =
    "Zo\xC3\xAB M\xC3\xBCller moved from S\xC3\xA3o Paulo to \xE6\x9D\xB1\xE4\xBA\xAC in 2019. "
    "Her brother Jos\xC3\xA9 stayed in Krak\xC3\xB3w with their dog.";

void check_same(const bertpp::QuestionAnsweringResult& a,
                const bertpp::QuestionAnsweringResult& b) {
  REQUIRE(a.answers.size() == b.answers.size());
  for (std::size_t i = 0; i < a.answers.size(); ++i) {
    CHECK(a.answers[i].answer == b.answers[i].answer);
    CHECK(a.answers[i].start == b.answers[i].start);
    CHECK(a.answers[i].end == b.answers[i].end);
    CHECK_THAT(a.answers[i].score, WithinAbs(b.answers[i].score, 1e-6));
  }
}

}  // namespace

TEST_CASE("qa: batched windows of several inputs answer as one-by-one calls") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path("models/bert-random-squad"));
  bertpp::QuestionAnsweringOptions options;
  options.top_k = 3;
  options.max_seq_len = 24;  // several windows per context, of different lengths
  options.doc_stride = 6;
  const std::vector<std::string> questions = {"Where did Zo\xC3\xAB move to?", "Who stayed?",
                                              "Which city?"};
  options.batch.batch_size = 16;
  const auto together = qa(questions, kContext, options);
  REQUIRE(together.size() == 3);
  options.batch.batch_size = 1;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    INFO("question " << i);
    check_same(together[i], qa(questions[i], kContext, options));
  }
}

TEST_CASE("qa: answers are the context's text at their character offsets") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path("models/bert-random-squad"));
  // Byte position of every character of the context (and of its end).
  std::vector<std::size_t> byte_of_char;
  for (std::size_t i = 0; i < kContext.size(); ++i)
    if ((static_cast<unsigned char>(kContext[i]) & 0xC0) != 0x80) byte_of_char.push_back(i);
  byte_of_char.push_back(kContext.size());
  for (const bool align : {false, true}) {
    bertpp::QuestionAnsweringOptions options;
    options.top_k = 5;
    options.align_to_words = align;
    const auto result = qa("Where?", kContext, options);
    REQUIRE(result.answers.size() == 5);
    for (const bertpp::QuestionAnswer& a : result.answers) {
      INFO("align_to_words " << align << ": " << a.to_json().dump());
      REQUIRE(a.start < a.end);
      REQUIRE(a.end < byte_of_char.size());
      const std::size_t b = byte_of_char[a.start], e = byte_of_char[a.end];
      CHECK(a.answer == kContext.substr(b, e - b));
      CHECK(a.score > 0.0);
    }
    CHECK(result.answers[0].score >= result.answers[4].score);
  }
}

TEST_CASE("qa: bad arguments are refused with clear errors") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path("models/bert-random-squad"));
  CHECK_THROWS_WITH(qa("", kContext), Contains("`question` cannot be empty"));
  CHECK_THROWS_WITH(qa("Who?", ""), Contains("`context` cannot be empty"));
  bertpp::QuestionAnsweringOptions options;
  options.top_k = 0;
  CHECK_THROWS_AS(qa("Who?", kContext, options), bertpp::ArgumentError);
  options = {};
  options.max_answer_len = 0;
  CHECK_THROWS_AS(qa("Who?", kContext, options), bertpp::ArgumentError);
  options = {};
  options.max_seq_len = 16;
  options.doc_stride = 20;
  CHECK_THROWS_WITH(qa("Who?", kContext, options),
                    Contains("doc_stride (20) is larger than max_seq_len (16)"));
  // A question that leaves no room for the context: the tokenizer refuses.
  options = {};
  options.max_seq_len = 8;
  options.doc_stride = 2;
  CHECK_THROWS_AS(qa("Who was the leader of the Norse raiders at that time?", kContext, options),
                  bertpp::TokenizerError);
  CHECK_THROWS_WITH(qa.run({{"question", "Who?"}, {"context", kContext}, {"topK", 2}}),
                    Contains("unknown argument 'topK'"));
  CHECK_THROWS_AS(qa.run({{"question", {"a", "b"}}, {"context", {"x", "y", "z"}}}),
                  bertpp::ArgumentError);
}

TEST_CASE("qa: JSON calls return a dict for one answer, lists otherwise") {
  if (!bertpp_test::have_golden("models/bert-random-squad")) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path("models/bert-random-squad"));
  const nlohmann::json one = qa.run({{"question", "Who?"}, {"context", kContext}});
  CHECK(one.is_object());
  const nlohmann::json three = qa.run({{"question", "Who?"}, {"context", kContext}, {"top_k", 3}});
  REQUIRE(three.is_array());
  CHECK(three.size() == 3);
  const nlohmann::json two = qa.run({{"question", {"Who?", "Where?"}}, {"context", kContext}});
  REQUIRE(two.is_array());
  CHECK(two.size() == 2);
  // Batched with another question (padding): same answer, score up to float noise.
  CHECK(two[0].at("answer") == one.at("answer"));
  CHECK(two[0].at("start") == one.at("start"));
  CHECK_THAT(two[0].at("score").get<double>(), WithinAbs(one.at("score").get<double>(), 1e-6));
}

TEST_CASE("ner: batching does not change entities, JSON keeps HF's shapes") {
  if (!bertpp_test::have_golden("models/bert-random-ner")) return;
  const bertpp::TokenClassificationPipeline ner(bertpp_test::golden_path("models/bert-random-ner"));
  const std::vector<std::string> texts = {
      "Angela Merkel met Emmanuel Macron.", "Paris",
      "Zo\xC3\xAB flew from S\xC3\xA3o Paulo to Krak\xC3\xB3w."};
  bertpp::TokenClassificationOptions options;
  options.ignore_labels = {};
  const auto together = ner(texts, options);
  REQUIRE(together.size() == 3);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto alone = ner(texts[i], options);
    REQUIRE(alone.size() == together[i].size());
    for (std::size_t k = 0; k < alone.size(); ++k) {
      CHECK(alone[k].entity == together[i][k].entity);
      CHECK(alone[k].word == together[i][k].word);
      CHECK_THAT(alone[k].score, WithinAbs(together[i][k].score, 1e-6));
    }
  }
  // One entity per non-special token with nothing ignored: "Paris" is one token.
  CHECK(together[1].size() == 1);
  CHECK(together[1][0].start == 0);
  CHECK(together[1][0].end == 5);
  const nlohmann::json single =
      ner.run({{"inputs", "Paris"}, {"ignore_labels", nlohmann::json::array()}});
  REQUIRE(single.is_array());
  CHECK(single[0].contains("index"));
  const nlohmann::json grouped =
      ner.run({{"inputs", {"Paris"}}, {"aggregation_strategy", "first"}});
  REQUIRE(grouped.is_array());
  REQUIRE(grouped[0].is_array());
  CHECK_THROWS_WITH(ner.run({{"inputs", "x"}, {"aggregation_strategy", "mean"}}),
                    Contains("aggregation_strategy"));
}

TEST_CASE("QA and NER JSON: out-of-range and non-integer numbers are refused naming the argument") {
  const std::string squad = "models/bert-random-squad", ner_folder = "models/bert-random-ner";
  if (!bertpp_test::have_golden(squad) || !bertpp_test::have_golden(ner_folder)) return;
  const bertpp::QuestionAnsweringPipeline qa(bertpp_test::golden_path(squad));
  const nlohmann::json base = {{"question", "Where?"}, {"context", "In Paris."}};
  auto with = [&](const char* key, const nlohmann::json& value) {
    nlohmann::json args = base;
    args[key] = value;
    return args;
  };
  // 1e300 used to reach size_t unchecked (and print as 18446744073709551615).
  CHECK_THROWS_WITH(qa.run(with("doc_stride", 1e300)),
                    Catch::Contains("'doc_stride'") && !Catch::Contains("18446744073709551615"));
  CHECK_THROWS_WITH(qa.run(with("max_answer_len", -1)), Catch::Contains("'max_answer_len'"));
  CHECK_THROWS_WITH(qa.run(with("max_seq_len", "64")), Catch::Contains("'max_seq_len'"));
  CHECK_THROWS_WITH(qa.run(with("top_k", 2.5)), Catch::Contains("'top_k'"));
  CHECK_THROWS_WITH(qa.run(with("topk", -2)), Catch::Contains("'topk'"));
  CHECK_THROWS_WITH(qa.run(with("max_question_len", true)), Catch::Contains("'max_question_len'"));
  CHECK_NOTHROW(qa.run(with("doc_stride", 16)));

  const bertpp::TokenClassificationPipeline ner(bertpp_test::golden_path(ner_folder));
  CHECK_THROWS_WITH(ner.run({{"inputs", "Paris"}, {"stride", -1}}), Catch::Contains("'stride'"));
  CHECK_THROWS_WITH(ner.run({{"inputs", "Paris"}, {"batch_size", 1e300}}),
                    Catch::Contains("'batch_size'"));
}
