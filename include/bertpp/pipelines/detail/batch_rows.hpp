// Putting a batch's per-input results back in input order.
#pragma once

#include "bertpp/nn/tensor.hpp"

#include <cstddef>
#include <vector>

namespace bertpp {
namespace detail {

// Copies row i of `rows` to row indices[i] of `out`; `out` is sized
// [total, rows.cols()] by the first batch.
inline void scatter_rows(Matrix& out, std::size_t total, const Matrix& rows,
                         const std::vector<std::size_t>& indices) {
  if (out.size() == 0) out.resize(static_cast<Eigen::Index>(total), rows.cols());
  for (std::size_t i = 0; i < indices.size(); ++i)
    out.row(static_cast<Eigen::Index>(indices[i])) = rows.row(static_cast<Eigen::Index>(i));
}

}  // namespace detail
}  // namespace bertpp
