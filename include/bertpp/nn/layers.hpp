// The building blocks of BERT-family encoders, as plain structs of bound
// weights with a `forward`. Activations are row-major, one row per token
// (batch and sequence flattened), so every Linear is one GEMM over a batch.
#pragma once

#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/parallel.hpp"
#include "bertpp/detail/sgemm.hpp"
#include "bertpp/detail/vector_math.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/parameter.hpp"
#include "bertpp/nn/quantized.hpp"
#include "bertpp/nn/softmax.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/nn/weight_binder.hpp"
#include "bertpp/runtime.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace bertpp {
namespace detail {

// Threads for a [rows, in] x [in, out] float product, split over output
// features.
inline int linear_threads(Eigen::Index rows, Eigen::Index in, Eigen::Index out) {
  const double flops = 2.0 * static_cast<double>(rows) * static_cast<double>(in) *
                       static_cast<double>(out);
  return threads_for(flops, static_cast<double>(out / 64));
}

inline void check_linear_shapes(const char* what, Eigen::Index x_rows, Eigen::Index x_cols,
                                Eigen::Index y_rows, Eigen::Index y_cols, Eigen::Index in,
                                Eigen::Index out) {
  if (x_cols != in || y_rows != x_rows || y_cols != out)
    throw ArgumentError(std::string(what) + ": x is [" + std::to_string(x_rows) + ", " +
                        std::to_string(x_cols) + "] and y [" + std::to_string(y_rows) + ", " +
                        std::to_string(y_cols) + "], expected x [rows, " + std::to_string(in) +
                        "] and y [rows, " + std::to_string(out) + "]");
}

// y = act(x B + bias) with the sgemm kernels of `level` (detail/sgemm.hpp),
// B [in, out] as `b` describes. Split over output features: each thread
// computes a slice of columns (multiple of 16 wide) and applies the
// activation to each finished tile while it is in L1.
template <typename In, typename Out>
void gemm_forward(InstructionSet level, const In& x, const GemmB& b, const float* bias,
                  Eigen::Index in, Eigen::Index out, Out& y, Activation activation) {
  check_linear_shapes("Linear::forward", x.rows(), x.cols(), y.rows(), y.cols(), in, out);
  if constexpr (!has_contiguous_rows<In>()) {
    const Matrix dense = x;
    gemm_forward(level, dense, b, bias, in, out, y, activation);
  } else if constexpr (!has_contiguous_rows<Out>()) {
    Matrix dense(y.rows(), y.cols());
    gemm_forward(level, x, b, bias, in, out, dense, activation);
    y = dense;
  } else {
    GemmArgs args;
    args.a = x.data();
    args.lda = x.outerStride();
    args.rows = x.rows();
    args.depth = in;
    args.b = b;
    args.bias = bias;
    args.c = y.data();
    args.ldc = y.outerStride();
    // One slice of whole micro-tiles (64 columns on AVX-512) per thread
    // where there are enough (see parallel_slices).
    const int threads = linear_threads(x.rows(), in, out);
    const Eigen::Index tile = sgemm_kernels(level).tile;
    const Eigen::Index align = out >= tile * 2 * threads ? tile : kSgemmPanel;
    parallel_slices(out, threads, align, [&](Eigen::Index begin, Eigen::Index end) {
      sgemm(level, args, begin, end, [&](Eigen::Index r0, Eigen::Index r1, Eigen::Index c0, Eigen::Index c1) {
        activate_block(level, activation, y.data() + r0 * y.outerStride() + c0, y.outerStride(), r1 - r0,
                       c1 - c0);
      });
    });
  }
}

// y = act(x W^T + b), W in [out, in] layout, not packed: the SIMD kernels
// pack blocks of W as they go; the portable path is Eigen's GEMM. Large
// products are split over the output features: each thread runs its own
// single-threaded GEMM on a contiguous slice of W's rows (no
// synchronisation inside the product) and applies bias and activation to
// its slice while it is in cache.
template <typename In, typename Weight, typename Bias, typename Out>
void linear_forward(const In& x, const Weight& w, const Bias& bias, Out& y,
                    Activation activation = Activation::Linear) {
  const InstructionSet level = cpu_level();
  if (level != InstructionSet::Portable && has_contiguous_rows<Weight>()) {
    const GemmB b{GemmB::Layout::NK, w.data(), w.outerStride()};
    gemm_forward(level, x, b, bias.data(), w.cols(), w.rows(), y, activation);
    return;
  }
  disable_eigen_threads();
  const Eigen::Index out = w.rows();
  parallel_ranges(out, linear_threads(x.rows(), w.cols(), out), 16,
                  [&](Eigen::Index begin, Eigen::Index end) {
    auto slice = y.middleCols(begin, end - begin);
    slice.noalias() = x * w.middleRows(begin, end - begin).transpose();
    slice.rowwise() += bias.segment(begin, end - begin);
    apply_activation(activation, slice);
  });
}

// The same with weights packed at load (PackedWeights): every level runs
// the sgemm kernels (the portable one without SIMD).
template <typename In, typename Out>
void linear_forward(const In& x, const PackedWeights& w, Out& y,
                    Activation activation = Activation::Linear) {
  gemm_forward(cpu_level(), x, w.operand(), w.bias.data(), w.in, w.out, y, activation);
}

}  // namespace detail

// y = x W^T + b with W in PyTorch's [out_features, in_features] layout.
// After pack(), forward runs the SIMD kernels on a copy of the weights in
// their layout (the bound weights are no longer read); after quantize(), on
// an int8 copy.
struct Linear {
  Parameter weight, bias;
  std::shared_ptr<const QuantizedLinear> int8 = nullptr;       // set by quantize()
  std::shared_ptr<const detail::PackedWeights> packed = nullptr;  // set by pack()

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
    if (packed && weight.empty())  // the bound weights were released after packing
      int8 = std::make_shared<const QuantizedLinear>(
          QuantizedLinear::quantize(packed->unpack(), packed->bias_vector()));
    else
      int8 = std::make_shared<const QuantizedLinear>(
          QuantizedLinear::quantize(weight.matrix(), bias.vector()));
    packed = nullptr;
  }
  bool quantized() const { return int8 != nullptr; }

  // Packs the float weights once for the GEMM kernels (detail/sgemm.hpp).
  // Skipped when the process runs portable code (set_cpu_features /
  // BERTPP_ISA at load time): Eigen then reads the bound weights in place.
  void pack() {
    if (weight.empty() || bias.empty() || int8 || cpu_features() == InstructionSet::Portable) return;
    packed = std::make_shared<const detail::PackedWeights>(
        detail::PackedWeights::pack(weight.data, bias.data, weight.rows, weight.cols));
  }
  bool is_packed() const { return packed != nullptr; }

  // `y` must already be [x.rows(), out_features].
  // `activation` is applied to the result (fused: done per thread slice).
  template <typename In, typename Out>
  void forward(const In& x, Out&& y, Activation activation = Activation::Linear) const {
    if (int8) int8->forward(x, y, activation);
    else if (packed) detail::linear_forward(x, *packed, y, activation);
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

  // x <- LN(x + residual) (residual may be null), rows in parallel; the
  // residual add rides along in the same pass over each row.
  void forward_inplace(Matrix& x, const Matrix* residual = nullptr) const {
    if (residual && (residual->rows() != x.rows() || residual->cols() != x.cols()))
      detail::throw_error<ArgumentError>({"LayerNorm: the residual is [", std::to_string(residual->rows()), ", ",
                                          std::to_string(residual->cols()), "], x [", std::to_string(x.rows()), ", ",
                                          std::to_string(x.cols()), "]"});
    const auto gamma = weight.vector().array();
    const auto beta = bias.vector().array();
    const float inverse_size = 1.0f / static_cast<float>(x.cols());
    const InstructionSet level = detail::cpu_level();
    const int threads = detail::threads_for_elements(static_cast<double>(x.size()),
                                                     static_cast<double>(x.rows()));
    detail::parallel_ranges(x.rows(), threads, 1, [&](Eigen::Index begin, Eigen::Index end) {
      for (Eigen::Index r = begin; r < end; ++r) {
        if (detail::layer_norm_row(level, x.row(r).data(), residual ? residual->row(r).data() : nullptr,
                                   weight.data, bias.data, x.cols(), eps))
          continue;
        if (residual) x.row(r) += residual->row(r);
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
  Matrix weight;  // [parts * H, H]; released by pack() and quantize()
  Vector bias;    // [parts * H]
  std::shared_ptr<const QuantizedLinear> int8;
  std::shared_ptr<const detail::PackedWeights> packed;

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
    if (packed) {
      int8 = std::make_shared<const QuantizedLinear>(QuantizedLinear::quantize(packed->unpack(), bias));
      packed = nullptr;
    } else {
      int8 = std::make_shared<const QuantizedLinear>(QuantizedLinear::quantize(weight, bias));
    }
    weight = Matrix();  // the float copy is no longer read
  }

  // As Linear::pack; the unpacked copy is released.
  void pack() {
    if (weight.size() == 0 || int8 || cpu_features() == InstructionSet::Portable) return;
    packed = std::make_shared<const detail::PackedWeights>(
        detail::PackedWeights::pack(weight.data(), bias.data(), weight.rows(), weight.cols()));
    weight = Matrix();
  }

  template <typename In, typename Out>
  void forward(const In& x, Out&& y) const {
    if (int8) int8->forward(x, y);
    else if (packed) detail::linear_forward(x, *packed, y);
    else detail::linear_forward(x, weight, bias, y);
  }
};

}  // namespace bertpp
