// The label facts of a model's config.json that pipelines need, in the forms
// they use (one place that knows ModelConfig's field types).
#pragma once

#include "bertpp/io/config.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

// id2label as a dense list (config.json's, or HF's LABEL_<i> defaults).
inline const std::vector<std::string>& id2label_names(const ModelConfig& config) {
  return config.id2label;
}

inline std::string problem_type(const ModelConfig& config) { return config.problem_type; }

// label2id entries in key order (config.json's order as HF writes it).
inline std::vector<std::pair<std::string, int>> label2id_entries(const ModelConfig& config) {
  std::vector<std::pair<std::string, int>> entries;
  for (const auto& entry : config.label2id)
    entries.emplace_back(entry.first, static_cast<int>(entry.second));
  return entries;
}

}  // namespace detail
}  // namespace bertpp
