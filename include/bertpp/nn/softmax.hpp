// The one softmax of bertpp: attention weights, classification and fill-mask
// probabilities, QA span scores, NER and zero-shot all normalise through it.
// Max-shifted, as torch and HF's numpy post-processing compute it, so no
// exp() overflows and the result matches theirs to float rounding.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <type_traits>

namespace bertpp {

namespace detail {

// The softmax itself, on one contiguous row of floats.
inline void softmax_contiguous(float* values, Eigen::Index n) {
  if (n == 0) return;
  Eigen::Map<Eigen::RowVectorXf> row(values, n);
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

}  // namespace detail

// In-place softmax of one row (any Eigen row or vector expression that can
// be assigned to). Contiguous float rows all share one instantiation.
template <typename Row>
void softmax_row(Row&& row) {
  using R = std::remove_reference_t<Row>;
  if constexpr (std::is_same<typename R::Scalar, float>::value &&
                (R::Flags & Eigen::DirectAccessBit) != 0 && R::IsVectorAtCompileTime &&
                R::InnerStrideAtCompileTime == 1) {
    detail::softmax_contiguous(row.data(), row.size());
  } else {
    Eigen::Matrix<float, 1, Eigen::Dynamic> copy = row;
    detail::softmax_contiguous(copy.data(), copy.size());
    row = copy;
  }
}

// In-place softmax of n contiguous floats.
inline void softmax_inplace(float* values, std::size_t n) {
  detail::softmax_contiguous(values, static_cast<Eigen::Index>(n));
}

// In-place softmax of each row of `scores`.
template <typename Block>
void softmax_rows(Block&& scores) {
  for (Eigen::Index r = 0; r < scores.rows(); ++r) softmax_row(scores.row(r));
}

}  // namespace bertpp
