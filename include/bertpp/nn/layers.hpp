// The building blocks of BERT-family encoders, as plain structs of bound
// weights with a `forward`. Activations are row-major, one row per token
// (batch and sequence flattened), so every Linear is one GEMM over a batch.
#pragma once

#include "bertpp/detail/parallel.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/parameter.hpp"
#include "bertpp/nn/quantized.hpp"
#include "bertpp/nn/softmax.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/nn/weight_binder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace bertpp {
namespace detail {

// y = act(x W^T + b), W in [out, in] layout. Large products are split over
// the output features: each thread runs its own single-threaded GEMM on a
// contiguous slice of W's rows (no synchronisation inside the product) and
// applies bias and activation to its slice while it is in cache.
template <typename In, typename Weight, typename Bias, typename Out>
void linear_forward(const In& x, const Weight& w, const Bias& bias, Out& y,
                    Activation activation = Activation::Linear) {
  disable_eigen_threads();
  const Eigen::Index out = w.rows();
  const double flops = 2.0 * static_cast<double>(x.rows()) * static_cast<double>(w.cols()) *
                       static_cast<double>(out);
  const int threads = threads_for(flops, static_cast<double>(out / 64));
  parallel_ranges(out, threads, 16, [&](Eigen::Index begin, Eigen::Index end) {
    auto slice = y.middleCols(begin, end - begin);
    slice.noalias() = x * w.middleRows(begin, end - begin).transpose();
    slice.rowwise() += bias.segment(begin, end - begin);
    apply_activation(activation, slice);
  });
}

}  // namespace detail

// y = x W^T + b with W in PyTorch's [out_features, in_features] layout.
// After quantize(), forward runs an int8 copy of the weights instead.
struct Linear {
  Parameter weight, bias;
  std::shared_ptr<const QuantizedLinear> int8 = nullptr;  // set by quantize()

  static Linear bind(WeightBinder& binder, const std::string& scope, Eigen::Index in,
                     Eigen::Index out) {
    Linear layer;
    layer.weight = binder.matrix(scope + ".weight", out, in);
    layer.bias = binder.vector(scope + ".bias", out);
    return layer;
  }

  Eigen::Index in_features() const { return weight.cols; }
  Eigen::Index out_features() const { return weight.rows; }

  // Dynamic int8 quantisation (see nn/quantized.hpp).
  void quantize() {
    int8 = std::make_shared<const QuantizedLinear>(
        QuantizedLinear::quantize(weight.matrix(), bias.vector()));
  }
  bool quantized() const { return int8 != nullptr; }

  // `y` must already be [x.rows(), out_features].
  // `activation` is applied to the result (fused: done per thread slice).
  template <typename In, typename Out>
  void forward(const In& x, Out&& y, Activation activation = Activation::Linear) const {
    if (int8) int8->forward(x, y, activation);
    else detail::linear_forward(x, weight.matrix(), bias.vector(), y, activation);
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
    const int threads = detail::threads_for_elements(static_cast<double>(x.size()),
                                                     static_cast<double>(x.rows()));
    detail::parallel_ranges(x.rows(), threads, 1, [&](Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index r = begin; r < end; ++r) {
        auto row = x.row(r).array();
        const float mean = row.sum() * inverse_size;
        row -= mean;
        const float variance = row.square().sum() * inverse_size;
        const float scale = 1.0f / std::sqrt(variance + eps);
        row = row * scale * gamma + beta;
      }
    });
  }
};

// Q, K and V projections fused into one [3 * hidden, hidden] GEMM; the rows
// of the output hold [q | k | v]. Owns its (concatenated) weights. Any
// number of same-shaped projections fuse the same way (a decoder's
// cross-attention fuses K and V only: fuse_parts).
struct QkvProjection {
  std::vector<Linear> parts;  // q, k, v as bound (their weights are not read again)
  Matrix weight;  // [parts * H, H]; released by quantize()
  Vector bias;    // [parts * H]
  std::shared_ptr<const QuantizedLinear> int8;

  static QkvProjection fuse(const Linear& q, const Linear& k, const Linear& v) {
    return fuse_parts({q, k, v});
  }

  static QkvProjection fuse_parts(const std::vector<Linear>& parts) {
    QkvProjection fused;
    fused.parts = parts;
    for (const Linear& part : parts)
      if (part.weight.empty() || part.bias.empty()) return fused;  // a missing tensor; the binder reports it
    const Eigen::Index h = parts.front().out_features(), in = parts.front().in_features();
    const auto n = static_cast<Eigen::Index>(parts.size());
    fused.weight.resize(n * h, in);
    fused.bias.resize(n * h);
    for (Eigen::Index i = 0; i < n; ++i) {  // plain copies: row-major blocks are contiguous
      const Linear& part = parts[static_cast<std::size_t>(i)];
      std::copy_n(part.weight.data, h * in, fused.weight.data() + i * h * in);
      std::copy_n(part.bias.data, h, fused.bias.data() + i * h);
    }
    return fused;
  }

  void quantize() {
    int8 = std::make_shared<const QuantizedLinear>(QuantizedLinear::quantize(weight, bias));
    weight = Matrix();  // the float copy is no longer read
  }

  template <typename In, typename Out>
  void forward(const In& x, Out&& y) const {
    if (int8) int8->forward(x, y);
    else detail::linear_forward(x, weight, bias, y);
  }
};

}  // namespace bertpp
