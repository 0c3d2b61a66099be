// From token spans to answers, as HF's question-answering pipeline does it
// with a fast tokenizer: a span becomes a slice of the context (widened to
// whole words with align_to_words), answers of all windows are pooled, the
// "no answer" entry added, and the best top_k kept.
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/pipelines/detail/qa_spans.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertpp {

// One answer, as HF's {"score", "start", "end", "answer"}: start/end are
// character (code point) offsets into the context, answer = context[start:end].
struct QuestionAnswer {
  double score = 0.0;
  std::size_t start = 0;
  std::size_t end = 0;
  std::string answer;

  nlohmann::json to_json() const {
    return nlohmann::json{{"score", score}, {"start", start}, {"end", end}, {"answer", answer}};
  }
};

namespace detail {

// In HF's windows the question is sequence 0 and the context sequence 1.
constexpr std::int32_t kContextSequence = 1;

// Which tokens of a window may hold an answer: context tokens and the [CLS]
// slot at index 0 (HF's p_mask inverted; padding is never in `window`).
inline std::vector<std::uint8_t> qa_allowed_tokens(const Encoding& window) {
  std::vector<std::uint8_t> allowed(window.size(), 0);
  for (std::size_t i = 0; i < window.size(); ++i) {
    const bool context = window.sequence_ids[i] == kContextSequence;
    const bool real = window.attention_mask.empty() || window.attention_mask[i] != 0;
    allowed[i] = context && real;
  }
  if (!allowed.empty()) allowed[0] = 1;
  return allowed;
}

// Byte offsets in the context of all tokens of `word` in this window
// (tokenizers' Encoding::word_to_chars for the context sequence).
inline bool qa_word_bytes(const Encoding& window, std::int32_t word, Offset& span) {
  bool found = false;
  for (std::size_t i = 0; i < window.size(); ++i) {
    if (window.sequence_ids[i] != kContextSequence || window.word_ids[i] != word) continue;
    if (!found) span.begin = window.byte_offsets[i].begin;
    span.end = window.byte_offsets[i].end;
    found = true;
  }
  return found;
}

// The context bytes a token span covers: the tokens' own offsets, or whole
// words with align_to_words (falling back to offsets, as HF does, for
// tokens without a word such as [CLS]).
inline Offset qa_span_bytes(const Encoding& window, std::size_t s, std::size_t e,
                            bool align_to_words) {
  if (align_to_words) {
    Offset first, last;
    const std::int32_t ws = window.word_ids[s], we = window.word_ids[e];
    if (ws != Encoding::kNone && we != Encoding::kNone && qa_word_bytes(window, ws, first) &&
        qa_word_bytes(window, we, last))
      return {first.begin, last.end};
  }
  return {window.byte_offsets[s].begin, window.byte_offsets[e].end};
}

// Python's context[start:end] for byte offsets: empty when end <= start.
inline std::string qa_slice(std::string_view context, const Offset& bytes) {
  if (bytes.end <= bytes.begin || bytes.begin >= context.size()) return {};
  return std::string(context.substr(bytes.begin, bytes.end - bytes.begin));
}

// HF pools answers of all windows, sorts by score with Python's stable
// sort(reverse=True) and keeps top_k; the "no answer" entry {score, 0, 0, ""}
// joins the pool when asked for.
inline std::vector<QuestionAnswer> qa_best_answers(std::vector<QuestionAnswer> answers,
                                                   bool add_null, double null_score,
                                                   std::size_t top_k) {
  if (add_null) answers.push_back({null_score, 0, 0, std::string()});
  std::vector<double> scores;
  for (const QuestionAnswer& a : answers) scores.push_back(a.score);
  apply_order(answers, stable_order(scores, /*descending=*/true));
  if (answers.size() > top_k) answers.resize(top_k);
  return answers;
}

}  // namespace detail
}  // namespace bertpp
