// A bound weight: a view of float32 data — the mmap'd checkpoint itself when
// F32 and aligned, else a converted copy. `owner` keeps that memory alive for
// as long as any copy of the parameter (or of a layer holding it) exists.
#pragma once

#include "bertpp/nn/tensor.hpp"

#include <memory>

namespace bertpp {

struct Parameter {
  const float* data = nullptr;
  Eigen::Index rows = 0, cols = 0;  // a vector is 1 x n
  std::shared_ptr<const void> owner = nullptr;  // null when the caller owns `data`

  bool empty() const { return data == nullptr; }
  ConstMatrixMap matrix() const { return ConstMatrixMap(data, rows, cols); }
  ConstVectorMap vector() const { return ConstVectorMap(data, rows * cols); }
};

}  // namespace bertpp
