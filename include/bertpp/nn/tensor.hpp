// The tensor types every layer speaks: row-major float matrices, one row per
// token (batch and sequence flattened), so a layer is one GEMM over the batch.
#pragma once

#include <Eigen/Core>

namespace bertpp {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

using Matrix = RowMatrix<float>;
using Vector = RowVector<float>;
// Weights are bound in place over memory-mapped safetensors data.
using ConstMatrixMap = Eigen::Map<const Matrix>;
using ConstVectorMap = Eigen::Map<const Vector>;

}  // namespace bertpp
