// A tokenizer_config.json may claim a longer model_max_length than the model
// has positions. Windows a pipeline picks itself are clamped to the model's
// max_position_embeddings (it works); what HF would truncate to a length the
// model cannot take, or an explicit window that long, is a clear error —
// never an out-of-range read.
#include <bertpp/pipelines/question_answering.hpp>
#include <bertpp/pipelines/token_classification.hpp>

#include "support/folder_copy.hpp"
#include "support/golden.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string long_context() {
  std::string text;
  for (int i = 0; i < 30; ++i)
    text += "The river number " + std::to_string(i) + " flows north through the old town. ";
  return text + "Normandy is a region in France.";
}

}  // namespace

TEST_CASE("QA: the default max_seq_len is clamped to the model's positions") {
  const std::string folder = "models/bert-random-squad";
  if (!bertpp_test::have_golden(folder)) return;
  const std::string source = bertpp_test::golden_path(folder);
  const bertpp_test::FolderWithTokenizerConfig huge(source, "model_max_length", 100000);
  const bertpp::QuestionAnsweringPipeline qa(huge.path());
  REQUIRE(qa.tokenizer().options().model_max_length == 100000);
  REQUIRE(qa.model().config().max_position_embeddings == 128);

  // Default: min(100000, 384) = 384 in HF, clamped to 128 here; the same as
  // asking for 128 windows (and doc_stride min(128 / 2, 128) = 64) explicitly.
  const auto clamped = qa("Where is Normandy?", long_context());
  bertpp::QuestionAnsweringOptions explicit128;
  explicit128.max_seq_len = 128;
  explicit128.doc_stride = 64;
  const auto reference = qa("Where is Normandy?", long_context(), explicit128);
  CHECK(clamped.best().answer == reference.best().answer);
  CHECK(clamped.best().start == reference.best().start);
  CHECK(clamped.best().score == Approx(reference.best().score).margin(1e-7));

  bertpp::QuestionAnsweringOptions too_long;
  too_long.max_seq_len = 200;
  CHECK_THROWS_WITH(qa("Where is Normandy?", long_context(), too_long),
                    Catch::Contains("max_seq_len 200") && Catch::Contains("128 positions"));
  CHECK_THROWS_AS(qa.run({{"question", "Where?"}, {"context", long_context()}, {"max_seq_len", 129}}),
                  bertpp::ArgumentError);
}

TEST_CASE("NER: without stride a text longer than the positions is refused, with stride it works") {
  const std::string folder = "models/bert-random-ner";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp_test::FolderWithTokenizerConfig huge(bertpp_test::golden_path(folder),
                                                    "model_max_length", 100000);
  const bertpp::TokenClassificationPipeline ner(huge.path());
  bertpp::TokenClassificationOptions options;
  options.aggregation_strategy = bertpp::AggregationStrategy::Simple;
  // HF would truncate to model_max_length (100000): the whole text, too long for the model.
  CHECK_THROWS_WITH(ner(long_context(), options), Catch::Contains("max_position_embeddings 128"));
  options.stride = 16;
  options.ignore_labels.clear();  // every token kept, so the spans reach the text's end
  const auto entities = ner(long_context(), options);
  REQUIRE_FALSE(entities.empty());
  // The windows covered the whole text: the last entity ends at its end.
  CHECK(entities.back().end == long_context().size());
}

// RoBERTa's positions start after padding_idx: 130 positions hold 128 tokens,
// so that is where the default window is clamped, and 129 is refused.
TEST_CASE("QA on RoBERTa: the default max_seq_len is clamped to max_position_embeddings - padding_idx - 1") {
  const std::string folder = "models/roberta-random-squad";
  if (!bertpp_test::have_golden(folder)) return;
  const bertpp_test::FolderWithTokenizerConfig huge(bertpp_test::golden_path(folder), "model_max_length", 100000);
  const bertpp::QuestionAnsweringPipeline qa(huge.path());
  REQUIRE(qa.model().config().max_position_embeddings == 130);
  const auto clamped = qa("Where is Normandy?", long_context());
  bertpp::QuestionAnsweringOptions explicit128;
  explicit128.max_seq_len = 128;
  explicit128.doc_stride = 64;
  const auto reference = qa("Where is Normandy?", long_context(), explicit128);
  CHECK(clamped.best().answer == reference.best().answer);
  CHECK(clamped.best().start == reference.best().start);
  CHECK(clamped.best().score == Approx(reference.best().score).margin(1e-7));
  bertpp::QuestionAnsweringOptions too_long;
  too_long.max_seq_len = 129;
  CHECK_THROWS_WITH(qa("Where is Normandy?", long_context(), too_long),
                    Catch::Contains("max_seq_len 129") && Catch::Contains("128 positions"));
}
