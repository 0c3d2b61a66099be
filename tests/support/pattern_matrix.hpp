// Deterministic pseudo-random matrices for the layer tests.
#pragma once

#include <bertpp/nn/tensor.hpp>

namespace bertpp_test {

// Values in [-1, 1) from a linear congruential sequence started at `seed`.
inline bertpp::Matrix pattern(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  bertpp::Matrix m(rows, cols);
  unsigned state = seed;
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    m.data()[i] = static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return m;
}

}  // namespace bertpp_test
