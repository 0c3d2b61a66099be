// Question answering post-processing for one window of tokens, as HF's
// question-answering pipeline does it (`select_starts_ends` + `decode_spans`):
// masked softmax of the start and end logits, the [CLS] "no answer" score,
// then the best (start, end) token spans by probability product.
#pragma once

#include "bertpp/nn/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bertpp {
namespace detail {

// A candidate answer: inclusive token indices in the window, and
// p_start[start] * p_end[end].
struct QaSpan {
  std::size_t start = 0;
  std::size_t end = 0;
  float score = 0.0f;
};

struct QaWindowSpans {
  std::vector<QaSpan> spans;  // best first
  float null_score = 0.0f;    // p_start[0] * p_end[0]: the [CLS] "no answer" score
};

// HF's masked normalisation: tokens that may not hold an answer get logit
// -10000 (so exp underflows to exactly 0), the rest a max-shifted softmax.
// `allowed` also covers [CLS], which takes part in the normalisation.
inline std::vector<float> qa_masked_softmax(const float* logits,
                                            const std::vector<std::uint8_t>& allowed) {
  const std::size_t n = allowed.size();
  constexpr float kMasked = -10000.0f;
  std::vector<float> probs(n);
  for (std::size_t i = 0; i < n; ++i) probs[i] = allowed[i] ? logits[i] : kMasked;
  softmax_inplace(probs.data(), n);
  return probs;
}

// Orders spans as numpy's argmax / argpartition + argsort over the flattened
// [start, end] score matrix: higher score first, ties by flat index.
inline bool qa_span_before(const QaSpan& a, const QaSpan& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.start != b.start ? a.start < b.start : a.end < b.end;
}

// The top_k spans with start <= end < start + max_answer_len over allowed
// tokens. Spans of score 0 only appear when fewer positive ones exist; HF
// then picks zeros in an order numpy leaves unspecified: we take flat-index
// order, then keep those whose ends are both allowed, as HF filters.
inline std::vector<QaSpan> qa_top_spans(const std::vector<float>& p_start,
                                        const std::vector<float>& p_end,
                                        const std::vector<std::uint8_t>& allowed, std::size_t top_k,
                                        std::size_t max_answer_len) {
  const std::size_t n = p_start.size();
  std::vector<QaSpan> spans;
  for (std::size_t s = 0; s < n; ++s) {
    if (!(p_start[s] > 0.0f)) continue;
    const std::size_t last = std::min(n, s + max_answer_len);
    for (std::size_t e = s; e < last; ++e) {
      const float score = p_start[s] * p_end[e];
      if (score > 0.0f) spans.push_back({s, e, score});
    }
  }
  const std::size_t k = std::min(top_k, n * n);
  if (spans.size() > k) {
    std::partial_sort(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(k), spans.end(),
                      qa_span_before);
    spans.resize(k);
  } else {
    std::sort(spans.begin(), spans.end(), qa_span_before);
  }
  // Too few positive spans: numpy's selection pads with zero-score cells.
  const std::size_t positives = spans.size();
  for (std::size_t flat = 0; spans.size() < k && flat < n * n; ++flat) {
    const std::size_t s = flat / n, e = flat % n;
    const bool positive = std::any_of(spans.begin(), spans.begin() + positives,
                                      [&](const QaSpan& x) { return x.start == s && x.end == e; });
    if (!positive) spans.push_back({s, e, 0.0f});
  }
  spans.erase(std::remove_if(spans.begin(), spans.end(),
                             [&](const QaSpan& x) { return !allowed[x.start] || !allowed[x.end]; }),
              spans.end());
  return spans;
}

// One window: `allowed[i]` is 1 for tokens that may be (part of) an answer,
// i.e. context tokens and [CLS] at index 0, 0 for question, special and
// padding tokens. Index 0 is HF's "impossible answer" slot: its score is
// reported, then zeroed so no span starts or ends there.
inline QaWindowSpans qa_window_spans(const float* start_logits, const float* end_logits,
                                     const std::vector<std::uint8_t>& allowed, std::size_t top_k,
                                     std::size_t max_answer_len) {
  QaWindowSpans out;
  if (allowed.empty()) return out;
  std::vector<float> p_start = qa_masked_softmax(start_logits, allowed);
  std::vector<float> p_end = qa_masked_softmax(end_logits, allowed);
  out.null_score = p_start[0] * p_end[0];
  p_start[0] = p_end[0] = 0.0f;
  out.spans = qa_top_spans(p_start, p_end, allowed, top_k, max_answer_len);
  return out;
}

}  // namespace detail
}  // namespace bertpp
