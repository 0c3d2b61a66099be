// Post-processing of sequence-classification logits (HF's text-classification
// pipeline): which function turns logits into scores, and the ranked labels.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/pipelines/detail/scores.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bertpp {

// HF's `function_to_apply`. Default picks from the model config as HF does.
enum class ClassificationFunction { Default, Softmax, Sigmoid, None };

inline ClassificationFunction parse_classification_function(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "default") return ClassificationFunction::Default;
  if (lower == "softmax") return ClassificationFunction::Softmax;
  if (lower == "sigmoid") return ClassificationFunction::Sigmoid;
  if (lower == "none") return ClassificationFunction::None;
  detail::throw_error<ArgumentError>(
      {"function_to_apply: expected softmax, sigmoid or none, got '", name, "'"});
}

// One label with its score, as HF's {"label": ..., "score": ...}.
struct LabelScore {
  std::string label;
  float score = 0.0f;
  nlohmann::json to_json() const {
    return nlohmann::json{{"label", label}, {"score", static_cast<double>(score)}};
  }
};

namespace detail {

// HF: regression -> none; multi-label or a single label -> sigmoid;
// single-label or several labels -> softmax.
inline ClassificationFunction resolve_classification_function(ClassificationFunction requested,
                                                              const std::string& problem_type,
                                                              std::size_t num_labels) {
  if (requested != ClassificationFunction::Default) return requested;
  if (problem_type == "regression") return ClassificationFunction::None;
  if (problem_type == "multi_label_classification" || num_labels == 1)
    return ClassificationFunction::Sigmoid;
  return ClassificationFunction::Softmax;
}

// A label's name: id2label's entry, else HF's default "LABEL_<i>".
inline std::string label_name(const std::vector<std::string>& id2label, std::size_t id) {
  if (id < id2label.size() && !id2label[id].empty()) return id2label[id];
  return "LABEL_" + std::to_string(id);
}

// Scores of one row of logits, ranked best first, the top_k of them (all
// when top_k is empty). `function` must be resolved (not Default).
inline std::vector<LabelScore> rank_labels(const float* logits, std::size_t num_labels,
                                           const std::vector<std::string>& id2label,
                                           ClassificationFunction function,
                                           std::optional<std::size_t> top_k) {
  std::vector<float> scores(logits, logits + num_labels);
  if (function == ClassificationFunction::Softmax) {
    softmax_inplace(scores.data(), scores.size());
  } else if (function == ClassificationFunction::Sigmoid) {
    for (float& s : scores) s = sigmoid(s);
  }
  const std::size_t k = top_k ? *top_k : num_labels;
  std::vector<LabelScore> ranked;
  for (std::size_t i : top_k_indices(scores.data(), scores.size(), k))
    ranked.push_back({label_name(id2label, i), scores[i]});
  return ranked;
}

}  // namespace detail
}  // namespace bertpp
