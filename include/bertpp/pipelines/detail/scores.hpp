// Score arithmetic shared by the classification-style pipelines: softmax and
// sigmoid as HF's numpy/torch post-processing computes them, and rankings
// that order ties the way HF's sorts do.
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/nn/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

namespace bertpp {
namespace detail {

// A softmax'd copy of n values (bertpp::softmax_inplace, nn/softmax.hpp).
inline std::vector<float> softmax(const float* values, std::size_t n) {
  std::vector<float> out(values, values + n);
  softmax_inplace(out.data(), n);
  return out;
}

inline float sigmoid(float x) {
  return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
}

// Indices of the k largest scores, best first; equal scores keep index order
// (Python's stable `sort(reverse=True)`, and what torch.topk gives in practice).
inline std::vector<std::size_t> top_k_indices(const float* scores, std::size_t n, std::size_t k) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  k = std::min(k, n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [scores](std::size_t a, std::size_t b) {
                      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
                    });
  order.resize(k);
  return order;
}

// numpy's `reversed(scores.argsort())`: descending, and among equal scores the
// later index comes first (argsort on short arrays is a stable ascending sort).
inline std::vector<std::size_t> reversed_argsort(const std::vector<float>& scores) {
  std::vector<std::size_t> order = stable_order(std::vector<double>(scores.begin(), scores.end()));
  std::reverse(order.begin(), order.end());
  return order;
}

}  // namespace detail
}  // namespace bertpp
