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
  // Eigen's vectorised exp() clamps its argument near ln(FLT_MIN) instead of
  // underflowing, so a masked logit (-10000, or the lowest float of an
  // attention mask) would get a tiny weight: below ln(FLT_MIN) is exactly 0,
  // as numpy's and torch's exp() give for such values.
  constexpr float kUnderflow = -87.33654f;  // ln(FLT_MIN)
  const float max = row.maxCoeff();
  const auto shifted = row.array() - max;
  row = (shifted < kUnderflow).select(0.0f, shifted.exp());
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
