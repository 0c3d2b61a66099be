// The NLI arithmetic of HF's zero-shot-classification pipeline: hypotheses
// from a template, the entailment column, and per-label scores.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/nn/softmax.hpp"
#include "bertpp/nn/tensor.hpp"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

inline std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// HF: the first label (in label2id order) whose lowercase starts with
// "entail"; -1 when none (HF then reads the last column, as numpy's [-1]).
inline int entailment_id(const std::vector<std::pair<std::string, int>>& label2id) {
  for (const auto& entry : label2id)
    if (ascii_lower(entry.first).rfind("entail", 0) == 0) return entry.second;
  return -1;
}

// Python's str.format(label) for a one-argument template: "{}" and "{0}" take
// the label, "{{" / "}}" are literal braces. Any other field, or no field at
// all (HF refuses a template the label cannot be put into), is an error.
inline std::string format_hypothesis(const std::string& templ, const std::string& label) {
  std::string out;
  bool substituted = false;
  for (std::size_t i = 0; i < templ.size(); ++i) {
    const char c = templ[i];
    const bool doubled = i + 1 < templ.size() && templ[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      out += c;
      ++i;
    } else if (templ.compare(i, 2, "{}") == 0 || templ.compare(i, 3, "{0}") == 0) {
      out += label;
      i += templ[i + 1] == '}' ? 1 : 2;
      substituted = true;
    } else if (c == '{' || c == '}') {
      detail::throw_error<ArgumentError>(
          {"zero-shot-classification: hypothesis_template \"", templ,
           "\" has an unsupported replacement field; use {} for the label"});
    } else {
      out += c;
    }
  }
  if (!substituted)
    detail::throw_error<ArgumentError>(
        {"zero-shot-classification: hypothesis_template \"", templ,
         "\" was not able to be formatted with the target labels; it must "
         "include {} where the label goes"});
  return out;
}

// HF's candidate_labels given as one string: comma-separated, stripped, no empties.
inline std::vector<std::string> split_candidate_labels(const std::string& labels) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= labels.size()) {
    std::size_t end = labels.find(',', begin);
    if (end == std::string::npos) end = labels.size();
    std::size_t first = begin, last = end;
    while (first < last && std::isspace(static_cast<unsigned char>(labels[first]))) ++first;
    while (last > first && std::isspace(static_cast<unsigned char>(labels[last - 1]))) --last;
    if (last > first) out.push_back(labels.substr(first, last - first));
    begin = end + 1;
  }
  return out;
}

// Scores of one sequence's candidate labels from their NLI logits, rows
// [first_row, first_row + count) of `logits` ([pairs, classes]). Single-label:
// softmax of the entailment logits across candidates. Multi-label (or a single
// candidate): per candidate, softmax over (contradiction, entailment), where
// contradiction is column 0, or the last column when entailment is 0 (HF).
inline std::vector<float> zero_shot_scores(const Matrix& logits, Eigen::Index first_row,
                                           Eigen::Index count, int entailment, bool multi_label) {
  const Eigen::Index classes = logits.cols();
  auto column = [classes](int id) { return id < 0 ? classes + id : static_cast<Eigen::Index>(id); };
  const Eigen::Index entail_col = column(entailment);
  const Eigen::Index contra_col = column(entailment == 0 ? -1 : 0);
  if (entail_col < 0 || entail_col >= classes || contra_col < 0)
    detail::throw_error<ArgumentError>({"zero-shot-classification: entailment label id ",
                                        std::to_string(entailment), " is outside the model's ",
                                        std::to_string(classes), " labels"});
  std::vector<float> scores(static_cast<std::size_t>(count));
  if (multi_label || count == 1) {
    // Softmax over (contradiction, entailment) of each candidate on its own.
    for (Eigen::Index i = 0; i < count; ++i) {
      float pair[2] = {logits(first_row + i, contra_col), logits(first_row + i, entail_col)};
      softmax_inplace(pair, 2);
      scores[static_cast<std::size_t>(i)] = pair[1];
    }
    return scores;
  }
  // Softmax of the entailment logits across candidates.
  for (Eigen::Index i = 0; i < count; ++i)
    scores[static_cast<std::size_t>(i)] = logits(first_row + i, entail_col);
  softmax_inplace(scores.data(), scores.size());
  return scores;
}

}  // namespace detail
}  // namespace bertpp
