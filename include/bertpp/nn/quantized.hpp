// Int8 linear layer in the style of PyTorch's quantize_dynamic: weights
// quantised once (symmetric, per output channel), activations quantised per
// row (per token) at every call, the product summed in int32 and scaled back
// to float. ~4x less weight memory than float and, with AMX, AVX-512 VNNI,
// AVX-VNNI or AVX2 (detail/int8_gemm.hpp), a faster GEMM, for a small loss
// of accuracy.
//
// Activations are stored as u8 = a + 128 because vpdpbusd multiplies u8 by
// s8; the shift adds 128 * sum_k q(n, k) to every dot product, which is
// precomputed per channel and subtracted before scaling.
#pragma once

#include "bertpp/detail/int8_gemm.hpp"
#include "bertpp/detail/parallel.hpp"
#include "bertpp/detail/vector_math.hpp"
#include "bertpp/error.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace bertpp {
namespace detail {

// Eigen objects whose rows are contiguous float arrays with a fixed stride
// (Matrix, Map, row blocks): the kernels read and write them in place.
template <typename T>
constexpr bool has_contiguous_rows() {
  using Plain = std::decay_t<T>;
  return (static_cast<unsigned>(Plain::Flags) & Eigen::DirectAccessBit) != 0 && Plain::IsRowMajor &&
         Plain::InnerStrideAtCompileTime == 1 &&
         std::is_same<typename Plain::Scalar, float>::value;
}

// Threads for a [rows, in] x [in, out] int8 product. The VNNI kernel does
// ~4x the multiply-adds per second of the float GEMM, so the same work
// repays a thread only at ~4x the size (see kMinFlopsPerThread).
inline int int8_gemm_threads(Eigen::Index rows, Eigen::Index in, Eigen::Index out) {
  constexpr double kInt8Speedup = 4;
  const double ops = 2.0 * static_cast<double>(rows) * static_cast<double>(in) *
                     static_cast<double>(out);
  return threads_for(ops / kInt8Speedup, static_cast<double>(out / 64));
}

}  // namespace detail

struct QuantizedLinear {
  // Quantises `weight` ([out, in], PyTorch layout) and copies `bias` ([out]).
  template <typename Weight, typename Bias>
  static QuantizedLinear quantize(const Eigen::MatrixBase<Weight>& weight,
                                  const Eigen::MatrixBase<Bias>& bias) {
    if (bias.size() != weight.rows())
      throw ArgumentError("QuantizedLinear::quantize: bias has " + std::to_string(bias.size()) +
                          " values, expected " + std::to_string(weight.rows()) +
                          " (one per output feature)");
    if (weight.cols() > detail::kInt8MaxDepth)
      throw ArgumentError("QuantizedLinear::quantize: " + std::to_string(weight.cols()) +
                          " input features, at most " + std::to_string(detail::kInt8MaxDepth) +
                          " fit the int32 accumulators");
    QuantizedLinear layer;
    layer.allocate(weight.rows(), weight.cols());
    for (Eigen::Index n = 0; n < weight.rows(); ++n) layer.quantize_channel(n, weight.row(n));
    for (Eigen::Index n = 0; n < weight.rows(); ++n) layer.bias_[idx(n)] = bias(n);
    return layer;
  }

  Eigen::Index in_features() const { return in_; }
  Eigen::Index out_features() const { return out_; }

  // The quantised weight q(n, k) in [-127, 127]: W(n, k) ~ weight_scale(n) * q(n, k).
  std::int8_t weight_value(Eigen::Index n, Eigen::Index k) const {
    return weights_[idx(packed_index(n, k))];
  }
  float weight_scale(Eigen::Index n) const { return scales_[idx(n)]; }

  // y = act(x W^T + b) as Linear::forward: x [rows, in] float, `y` already
  // [rows, out_features]. Large products are split over threads (see run).
  template <typename In, typename Out>
  void forward(const In& x, Out&& y, Activation activation = Activation::Linear) const {
    forward_using(detail::Int8Kernel::Auto, x, y, activation);
  }

  // forward with a chosen implementation (tests and benchmarks compare them).
  template <typename In, typename Out>
  void forward_using(detail::Int8Kernel kernel, const In& x, Out&& y,
                     Activation activation = Activation::Linear) const {
    check_shapes(x.rows(), x.cols(), y.rows(), y.cols());
    if constexpr (!detail::has_contiguous_rows<In>()) {
      const Matrix dense = x;  // the quantiser reads raw rows
      forward_using(kernel, dense, y, activation);
    } else if constexpr (!detail::has_contiguous_rows<Out>()) {
      Matrix dense(y.rows(), y.cols());
      forward_using(kernel, x, dense, activation);
      y = dense;
    } else {
      run(kernel, x.data(), x.outerStride(), x.rows(), y, activation);
    }
  }

  Matrix operator()(const Matrix& x) const {
    Matrix y(x.rows(), out_features());
    forward(x, y);
    return y;
  }

 private:
  using Bytes = std::vector<std::int8_t, detail::AlignedAllocator<std::int8_t>>;

  Eigen::Index in_ = 0, out_ = 0, groups_ = 0, panels_ = 0;
  Bytes weights_;                     // packed, see detail/int8_gemm.hpp
  std::vector<float> scales_, bias_;  // padded to panels_ * 16 (vector loads)
  std::vector<std::int32_t> offsets_; // 128 * sum_k q(n, k), padded likewise

  static std::size_t idx(Eigen::Index i) { return static_cast<std::size_t>(i); }

  Eigen::Index packed_index(Eigen::Index n, Eigen::Index k) const {
    using detail::kInt8Group;
    using detail::kInt8Panel;
    return ((n / kInt8Panel) * groups_ + k / kInt8Group) * kInt8Panel * kInt8Group +
           (n % kInt8Panel) * kInt8Group + k % kInt8Group;
  }

  void allocate(Eigen::Index out, Eigen::Index in) {
    out_ = out;
    in_ = in;
    groups_ = (in + detail::kInt8Group - 1) / detail::kInt8Group;
    panels_ = (out + detail::kInt8Panel - 1) / detail::kInt8Panel;
    const Eigen::Index padded_out = panels_ * detail::kInt8Panel;
    weights_.assign(idx(padded_out * groups_ * detail::kInt8Group), 0);  // zero padding
    scales_.assign(idx(padded_out), 1.0f);
    bias_.assign(idx(padded_out), 0.0f);
    offsets_.assign(idx(padded_out), 0);
  }

  // Symmetric per-channel scale max|W_n| / 127; an all-zero (or subnormal)
  // row keeps scale 1 and all-zero codes.
  template <typename Row>
  void quantize_channel(Eigen::Index n, const Row& row) {
    float max_abs = 0;  // a plain loop: safe for empty rows
    for (Eigen::Index k = 0; k < in_; ++k) {
      if (!std::isfinite(row(k)))  // no scale could represent it
        throw ArgumentError("QuantizedLinear::quantize: weight (" + std::to_string(n) + ", " +
                            std::to_string(k) + ") is not finite");
      max_abs = std::max(max_abs, std::abs(row(k)));
    }
    const float scale = max_abs >= detail::kInt8MinRange ? max_abs / 127.0f : 1.0f;
    std::int32_t sum = 0;
    for (Eigen::Index k = 0; k < in_; ++k) {
      const float q = std::min(127.0f, std::max(-127.0f, std::nearbyint(row(k) / scale)));
      weights_[idx(packed_index(n, k))] = static_cast<std::int8_t>(q);
      sum += static_cast<std::int32_t>(q);
    }
    scales_[idx(n)] = scale;
    offsets_[idx(n)] = 128 * sum;
  }

  void check_shapes(Eigen::Index x_rows, Eigen::Index x_cols, Eigen::Index y_rows,
                    Eigen::Index y_cols) const {
    if (x_cols != in_ || y_rows != x_rows || y_cols != out_)
      throw ArgumentError("QuantizedLinear::forward: x is [" + std::to_string(x_rows) + ", " +
                          std::to_string(x_cols) + "] and y [" + std::to_string(y_rows) + ", " +
                          std::to_string(y_cols) + "], expected x [rows, " +
                          std::to_string(in_) + "] and y [rows, " + std::to_string(out_) + "]");
  }

  // Rows per chunk of an activated output `width` floats wide: a sixteenth
  // of L2 (measured best), in whole 32-row blocks of the AMX kernel.
  static Eigen::Index activation_chunk_rows(Eigen::Index width) {
    const Eigen::Index bytes = detail::cpu_info().l2_bytes / 16;
    return std::max<Eigen::Index>(1, bytes / (width * static_cast<Eigen::Index>(sizeof(float))) / 32) * 32;
  }

  // Quantises every row of x once and multiplies; threads split the rows
  // (small weights, many rows) or the output features, see below. Each
  // applies the activation to its part while it is in cache.
  template <typename Out>
  void run(detail::Int8Kernel kernel, const float* x, Eigen::Index x_stride, Eigen::Index rows,
           Out& y, Activation activation) const {
    if (rows == 0 || out_ == 0) return;
    const Eigen::Index lda = groups_ * detail::kInt8Group;
    // The calling thread's buffers, grown as needed and reused by later calls
    // (no allocation per layer once warmed up); one huge batch does not pin
    // its memory for the thread's lifetime (released below past the cap).
    thread_local std::vector<std::uint8_t> codes;
    thread_local std::vector<float> row_scales;
    struct ReleaseIfHuge {
      ~ReleaseIfHuge() {
        constexpr std::size_t kKeepBytes = std::size_t{16} << 20;
        if (codes.capacity() > kKeepBytes) std::vector<std::uint8_t>().swap(codes);
        if (row_scales.capacity() * sizeof(float) > kKeepBytes) std::vector<float>().swap(row_scales);
      }
    } release_if_huge;
    if (codes.size() < idx(rows * lda)) codes.resize(idx(rows * lda));
    if (row_scales.size() < idx(rows)) row_scales.resize(idx(rows));
    // Plain pointers: inside the loop below, on a worker thread, the names
    // `codes` and `row_scales` would mean that worker's own (empty) buffers.
    std::uint8_t* const a = codes.data();
    float* const scales = row_scales.data();
    detail::Int8GemmArgs args;
    args.a = a;
    args.row_scales = scales;
    args.rows = rows;
    args.w = weights_.data();
    args.groups = groups_;
    args.offsets = offsets_.data();
    args.scales = scales_.data();
    args.bias = bias_.data();
    args.out = out_;
    args.y = y.data();
    args.ldy = y.outerStride();
    const InstructionSet level = detail::cpu_level();  // GELU's vectorised kernels, as in Linear
    // Rows [begin, end) x panels [panel_begin, panel_end) of the product and
    // the activation. With an activation, rows go in chunks whose output is
    // still in cache when the activation reads it back (a whole slice of a
    // long batch would have to come back from memory).
    auto multiply = [&](Eigen::Index begin, Eigen::Index end, Eigen::Index panel_begin,
                        Eigen::Index panel_end) {
      const Eigen::Index first_column = panel_begin * detail::kInt8Panel;
      const Eigen::Index columns = std::min(out_, panel_end * detail::kInt8Panel) - first_column;
      const Eigen::Index chunk =
          activation == Activation::Linear ? end - begin : activation_chunk_rows(columns);
      for (Eigen::Index first = begin; first < end; first += chunk) {
        detail::Int8GemmArgs part = args;
        part.a += first * lda;
        part.row_scales += first;
        part.rows = std::min(chunk, end - first);
        part.y += first * args.ldy;
        detail::int8_gemm(kernel, part, panel_begin, panel_end);
        detail::activate_block(level, activation, part.y + first_column, args.ldy, part.rows, columns);
      }
    };
    auto quantize = [&](Eigen::Index begin, Eigen::Index end) {
      // Row padding (lda - in_ bytes) meets zero weights: its value is irrelevant.
      for (Eigen::Index r = begin; r < end; ++r)
        scales[r] = detail::quantize_row(kernel, x + r * x_stride, in_, a + r * lda);
    };
    const int threads = detail::int8_gemm_threads(rows, in_, out_);
    // Split by rows when every thread gets whole 32-row blocks and the
    // weights stay in L2 for all of them: each thread then quantises its own
    // rows, one parallel loop instead of two. Else by output features.
    constexpr Eigen::Index kRowBlock = 32;
    const bool weights_in_l2 =
        weights_.size() <= static_cast<std::size_t>(detail::cpu_info().l2_bytes / 2);
    if (threads > 1 && weights_in_l2 && rows >= 2 * kRowBlock * threads) {
      detail::parallel_ranges(rows, threads, kRowBlock, [&](Eigen::Index begin, Eigen::Index end) {
        quantize(begin, end);
        multiply(begin, end, 0, panels_);
      });
      return;
    }
    const int row_threads =
        detail::threads_for_elements(static_cast<double>(rows * in_), static_cast<double>(rows));
    detail::parallel_ranges(rows, row_threads, 1, quantize);
    // One slice of whole panel pairs (the AMX kernel's blocks) per thread.
    detail::parallel_slices(out_, threads, 2 * detail::kInt8Panel, [&](Eigen::Index begin, Eigen::Index end) {
      multiply(0, rows, begin / detail::kInt8Panel, (end + detail::kInt8Panel - 1) / detail::kInt8Panel);
    });
  }
};

// True when QuantizedLinear uses the AVX-512 VNNI or AMX kernel on this CPU
// (see int8_kernel_name() for the path in use; the portable loop is correct
// but slower than the float GEMM).
inline bool int8_kernel_available() { return detail::int8_vnni_available(); }

}  // namespace bertpp
