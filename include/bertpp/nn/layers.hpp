// The building blocks of BERT-family encoders, as plain structs of bound
// weights with a `forward`. Activations are row-major, one row per token
// (batch and sequence flattened), so every Linear is one GEMM over a batch.
#pragma once

#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/parameter.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace bertpp {

// y = x W^T + b with W in PyTorch's [out_features, in_features] layout.
struct Linear {
  Parameter weight, bias;

  static Linear bind(WeightBinder& binder, const std::string& scope, Eigen::Index in,
                     Eigen::Index out) {
    Linear layer;
    layer.weight = binder.matrix(scope + ".weight", out, in);
    layer.bias = binder.vector(scope + ".bias", out);
    return layer;
  }

  Eigen::Index in_features() const { return weight.cols; }
  Eigen::Index out_features() const { return weight.rows; }

  // `y` must already be [x.rows(), out_features].
  template <typename In, typename Out>
  void forward(const In& x, Out&& y) const {
    y.noalias() = x * weight.matrix().transpose();
    y.rowwise() += bias.vector();
  }

  Matrix operator()(const Matrix& x) const {
    Matrix y(x.rows(), out_features());
    forward(x, y);
    return y;
  }
};

// Normalises each row to zero mean and unit (biased) variance, then scales
// and shifts, as torch.nn.LayerNorm over the last dimension.
struct LayerNorm {
  Parameter weight, bias;
  float eps = 1e-12f;

  static LayerNorm bind(WeightBinder& binder, const std::string& scope, Eigen::Index size,
                        float eps) {
    LayerNorm layer;
    layer.weight = binder.vector(scope + ".weight", size);
    layer.bias = binder.vector(scope + ".bias", size);
    layer.eps = eps;
    return layer;
  }

  void forward_inplace(Matrix& x) const {
    const auto gamma = weight.vector().array();
    const auto beta = bias.vector().array();
    const float inverse_size = 1.0f / static_cast<float>(x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      auto row = x.row(r).array();
      const float mean = row.sum() * inverse_size;
      row -= mean;
      const float variance = row.square().sum() * inverse_size;
      const float scale = 1.0f / std::sqrt(variance + eps);
      row = row * scale * gamma + beta;
    }
  }
};

// Q, K and V projections fused into one [3 * hidden, hidden] GEMM; the rows
// of the output hold [q | k | v]. Owns its (concatenated) weights.
struct QkvProjection {
  Matrix weight;  // [3H, H]
  Vector bias;    // [3H]

  static QkvProjection fuse(const Linear& q, const Linear& k, const Linear& v) {
    QkvProjection fused;
    if (q.weight.empty() || k.weight.empty() || v.weight.empty() || q.bias.empty() ||
        k.bias.empty() || v.bias.empty())
      return fused;  // a missing tensor; the binder reports it
    const Eigen::Index h = q.out_features(), in = q.in_features();
    fused.weight.resize(3 * h, in);
    fused.bias.resize(3 * h);
    const Linear* parts[] = {&q, &k, &v};
    for (Eigen::Index i = 0; i < 3; ++i) {  // plain copies: row-major blocks are contiguous
      std::copy_n(parts[i]->weight.data, h * in, fused.weight.data() + i * h * in);
      std::copy_n(parts[i]->bias.data, h, fused.bias.data() + i * h);
    }
    return fused;
  }

  template <typename In, typename Out>
  void forward(const In& x, Out&& y) const {
    y.noalias() = x * weight.transpose();
    y.rowwise() += bias;
  }
};

// In-place softmax of each row of `scores`.
template <typename Block>
void softmax_rows(Block&& scores) {
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    auto row = scores.row(r);
    const float max = row.maxCoeff();
    row = (row.array() - max).exp();
    row /= row.sum();
  }
}

}  // namespace bertpp
