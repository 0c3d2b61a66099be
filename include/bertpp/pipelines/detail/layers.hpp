// Choosing and combining encoder layers for token features: HF's
// hidden_states numbering, and concat / sum / mean of several layers.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/nn/tensor.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace bertpp {

// How several layers' vectors of one token become one vector.
enum class LayerCombine { Concat, Sum, Mean };

namespace detail {

// Resolves HF-style layer indices against `count` hidden states.
inline std::vector<std::size_t> resolve_layers(const std::vector<int>& layers, std::size_t count) {
  if (layers.empty()) throw ArgumentError("feature-extraction: layers must not be empty");
  std::vector<std::size_t> out;
  for (int layer : layers) {
    const long long index = layer < 0 ? static_cast<long long>(count) + layer : layer;
    if (index < 0 || index >= static_cast<long long>(count))
      detail::throw_error<ArgumentError>(
          {"feature-extraction: layer ", std::to_string(layer), " is out of range; the model has ",
           std::to_string(count), " hidden states (embeddings + layers), valid: ",
           std::to_string(-static_cast<long long>(count)), "..", std::to_string(count - 1)});
    out.push_back(static_cast<std::size_t>(index));
  }
  return out;
}

// Rows [first, first + n) of each chosen layer, combined into [n, dim].
inline Matrix combine_layers(const std::vector<const Matrix*>& layers, Eigen::Index first,
                             Eigen::Index n, LayerCombine combine) {
  const Eigen::Index hidden = layers.front()->cols();
  if (combine == LayerCombine::Concat) {
    Matrix out(n, hidden * static_cast<Eigen::Index>(layers.size()));
    for (std::size_t l = 0; l < layers.size(); ++l)
      out.middleCols(static_cast<Eigen::Index>(l) * hidden, hidden) = layers[l]->middleRows(first, n);
    return out;
  }
  Matrix out = layers.front()->middleRows(first, n);
  for (std::size_t l = 1; l < layers.size(); ++l) out += layers[l]->middleRows(first, n);
  if (combine == LayerCombine::Mean) out /= static_cast<float>(layers.size());
  return out;
}

inline LayerCombine parse_layer_combine(const std::string& name) {
  if (name == "concat") return LayerCombine::Concat;
  if (name == "sum") return LayerCombine::Sum;
  if (name == "mean") return LayerCombine::Mean;
  detail::throw_error<ArgumentError>(
      {"feature-extraction: combine must be concat, sum or mean, got '", name, "'"});
}

}  // namespace detail
}  // namespace bertpp
