// The one softmax of bertpp: attention weights, classification and fill-mask
// probabilities, QA span scores, NER and zero-shot all normalise through it.
// Max-shifted, as torch and HF's numpy post-processing compute it, so no
// exp() overflows and the result matches theirs to float rounding.
#pragma once

#include <Eigen/Core>

#include <cstddef>

namespace bertpp {

// In-place softmax of one row (any Eigen row or vector expression that can
// be assigned to).
template <typename Row>
void softmax_row(Row&& row) {
  if (row.size() == 0) return;
  const float max = row.maxCoeff();
  row = (row.array() - max).exp();
  row /= row.sum();
}

// In-place softmax of n contiguous floats.
inline void softmax_inplace(float* values, std::size_t n) {
  softmax_row(Eigen::Map<Eigen::RowVectorXf>(values, static_cast<Eigen::Index>(n)));
}

// In-place softmax of each row of `scores`.
template <typename Block>
void softmax_rows(Block&& scores) {
  for (Eigen::Index r = 0; r < scores.rows(); ++r) softmax_row(scores.row(r));
}

}  // namespace bertpp
