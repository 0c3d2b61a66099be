// A bound weight: a view of float32 data owned by the model's TensorStore
// (the mmap'd file itself when F32 and aligned, else a converted copy).
#pragma once

#include "bertpp/nn/tensor.hpp"

namespace bertpp {

struct Parameter {
  const float* data = nullptr;
  Eigen::Index rows = 0, cols = 0;  // a vector is 1 x n

  bool empty() const { return data == nullptr; }
  ConstMatrixMap matrix() const { return ConstMatrixMap(data, rows, cols); }
  ConstVectorMap vector() const { return ConstVectorMap(data, rows * cols); }
};

}  // namespace bertpp
