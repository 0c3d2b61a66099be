// Question-answering post-processing on hand-made logits and encodings; the
// expected values are worked out by hand in the comments.
#include <bertpp/pipelines/detail/qa_answers.hpp>
#include <bertpp/pipelines/detail/qa_spans.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using bertpp::Encoding;
using bertpp::QuestionAnswer;
using bertpp::detail::QaSpan;
using Catch::Matchers::WithinAbs;

namespace {

// [CLS] q [SEP] c1 c2 c3 [SEP]: only [CLS] (slot 0) and c1..c3 may answer.
const std::vector<std::uint8_t> kAllowed = {1, 0, 0, 1, 1, 1, 0};

// Allowed start logits 0, ln2, 0, 0 -> exp 1, 2, 1, 1 -> p = .2 .4 .2 .2;
// the large logits sit on masked tokens and must not count.
const std::vector<float> kStart = {0.0f, 9.0f, 9.0f, std::log(2.0f), 0.0f, 0.0f, 9.0f};
// Allowed end logits 0, 0, 0, ln2 -> p = .2 .2 .2 .4.
const std::vector<float> kEnd = {0.0f, 9.0f, 9.0f, 0.0f, 0.0f, std::log(2.0f), 9.0f};

void check_span(const QaSpan& span, std::size_t start, std::size_t end, double score) {
  CHECK(span.start == start);
  CHECK(span.end == end);
  CHECK_THAT(span.score, WithinAbs(score, 1e-6));
}

}  // namespace

TEST_CASE("qa masked softmax gives masked tokens exactly zero") {
  const auto p = bertpp::detail::qa_masked_softmax(kStart.data(), kAllowed);
  REQUIRE(p.size() == 7);
  CHECK(p[1] == 0.0f);
  CHECK(p[2] == 0.0f);
  CHECK(p[6] == 0.0f);
  CHECK_THAT(p[0], WithinAbs(0.2, 1e-7));
  CHECK_THAT(p[3], WithinAbs(0.4, 1e-7));
  CHECK_THAT(p[4], WithinAbs(0.2, 1e-7));
}

TEST_CASE("qa window reports the [CLS] null score and never answers with [CLS]") {
  const auto w = bertpp::detail::qa_window_spans(kStart.data(), kEnd.data(), kAllowed, 1, 15);
  CHECK_THAT(w.null_score, WithinAbs(0.04, 1e-7));  // .2 * .2
  REQUIRE(w.spans.size() == 1);
  // spans: (3,3)=.08 (3,4)=.08 (3,5)=.16 (4,4)=.04 (4,5)=.08 (5,5)=.08
  check_span(w.spans[0], 3, 5, 0.16);
}

TEST_CASE("qa top spans rank by score, ties in flat (start, end) order") {
  const auto w = bertpp::detail::qa_window_spans(kStart.data(), kEnd.data(), kAllowed, 4, 15);
  REQUIRE(w.spans.size() == 4);
  check_span(w.spans[0], 3, 5, 0.16);
  check_span(w.spans[1], 3, 3, 0.08);
  check_span(w.spans[2], 3, 4, 0.08);
  check_span(w.spans[3], 4, 5, 0.08);
}

TEST_CASE("qa max_answer_len bounds the span length in tokens") {
  const auto w = bertpp::detail::qa_window_spans(kStart.data(), kEnd.data(), kAllowed, 3, 1);
  REQUIRE(w.spans.size() == 3);
  check_span(w.spans[0], 3, 3, 0.08);
  check_span(w.spans[1], 5, 5, 0.08);
  check_span(w.spans[2], 4, 4, 0.04);
}

TEST_CASE("qa top_k beyond the positive spans pads with zero-score allowed spans only") {
  const auto w = bertpp::detail::qa_window_spans(kStart.data(), kEnd.data(), kAllowed, 10, 1);
  REQUIRE(w.spans.size() >= 3);
  check_span(w.spans[0], 3, 3, 0.08);
  for (std::size_t i = 3; i < w.spans.size(); ++i) {
    CHECK(w.spans[i].score == 0.0f);
    CHECK(kAllowed[w.spans[i].start] == 1);
    CHECK(kAllowed[w.spans[i].end] == 1);
  }
}

namespace {

// "who?" / "New York rocks": [CLS] who ? [SEP] new york rock ##s [SEP]
Encoding rocks_window() {
  Encoding e;
  e.ids = {101, 2040, 1029, 102, 2047, 2259, 2600, 2015, 102};
  e.tokens = {"[CLS]", "who", "?", "[SEP]", "new", "york", "rock", "##s", "[SEP]"};
  e.word_ids = {-1, 0, 1, -1, 0, 1, 2, 2, -1};
  e.sequence_ids = {-1, 0, 0, -1, 1, 1, 1, 1, -1};
  e.byte_offsets = {{0, 0}, {0, 3}, {3, 4}, {0, 0}, {0, 3}, {4, 8}, {9, 13}, {13, 14}, {0, 0}};
  e.attention_mask.assign(9, 1);
  e.special_tokens_mask = {1, 0, 0, 1, 0, 0, 0, 0, 1};
  e.type_ids = {0, 0, 0, 0, 1, 1, 1, 1, 1};
  return e;
}

}  // namespace

TEST_CASE("qa allowed tokens are the context plus the [CLS] slot") {
  const auto allowed = bertpp::detail::qa_allowed_tokens(rocks_window());
  CHECK(allowed == std::vector<std::uint8_t>{1, 0, 0, 0, 1, 1, 1, 1, 0});
}

TEST_CASE("qa spans widen to whole words only with align_to_words") {
  const Encoding w = rocks_window();
  using bertpp::detail::qa_span_bytes;
  CHECK(qa_span_bytes(w, 6, 6, false) == bertpp::Offset{9, 13});  // "rock"
  CHECK(qa_span_bytes(w, 6, 6, true) == bertpp::Offset{9, 14});   // "rocks"
  CHECK(qa_span_bytes(w, 7, 7, true) == bertpp::Offset{9, 14});   // "##s" -> "rocks"
  CHECK(qa_span_bytes(w, 4, 7, true) == bertpp::Offset{0, 14});
  // [CLS] has no word: fall back to token offsets, as HF does.
  CHECK(qa_span_bytes(w, 0, 5, true) == bertpp::Offset{0, 8});
  CHECK(bertpp::detail::qa_slice("New York rocks", {9, 14}) == "rocks");
  CHECK(bertpp::detail::qa_slice("New York rocks", {5, 0}).empty());
}

TEST_CASE("qa word alignment only sees the word's tokens inside the window") {
  // A later window starting mid-word: "##s" is there, "rock" is not.
  Encoding w;
  w.ids = {101, 2040, 102, 2015, 102};
  w.tokens = {"[CLS]", "who", "[SEP]", "##s", "[SEP]"};
  w.word_ids = {-1, 0, -1, 2, -1};
  w.sequence_ids = {-1, 0, -1, 1, -1};
  w.byte_offsets = {{0, 0}, {0, 3}, {0, 0}, {13, 14}, {0, 0}};
  CHECK(bertpp::detail::qa_span_bytes(w, 3, 3, true) == bertpp::Offset{13, 14});
}

TEST_CASE("qa best answers: stable by score, null answer pooled, top_k kept") {
  std::vector<QuestionAnswer> pool = {
      {0.2, 0, 3, "New"}, {0.5, 4, 8, "York"}, {0.2, 9, 14, "rocks"}};
  const auto best = bertpp::detail::qa_best_answers(pool, true, 0.3, 3);
  REQUIRE(best.size() == 3);
  CHECK(best[0].answer == "York");
  CHECK(best[1].answer.empty());  // the null answer {0.3, 0, 0, ""}
  CHECK(best[1].start == 0);
  CHECK(best[1].end == 0);
  CHECK(best[2].answer == "New");  // ties keep pool order
  CHECK(bertpp::detail::qa_best_answers(pool, false, 0.0, 5).size() == 3);
  CHECK(best[0].to_json().dump() == R"({"answer":"York","end":8,"score":0.5,"start":4})");
}
