// One post-LayerNorm transformer decoder layer (Marian / BART): causal
// self-attention over a key/value cache, cross-attention on the encoder's
// output, FFN — each followed by residual + LayerNorm — and the cache it
// reads and extends.
//
// The cache makes a generation step cost the same whatever the prefix
// length (apart from the attention dot products themselves): each step
// projects only the new tokens; keys and values of earlier positions are
// kept, and the encoder's cross-attention keys/values are projected once.
#pragma once

#include "bertpp/detail/parallel.hpp"
#include "bertpp/error.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/nn/transformer_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace bertpp {

// Keys/values of every decoded position, per layer, for a set of decoder
// rows (batch items times beams). Storage is time-major — position t of
// physical row p is row t * physical_rows + p — so growing the capacity
// keeps what is stored, and a beam reorder only rewrites `path` (which
// physical row holds position t of each live row), never the keys.
struct DecoderCache {
  Eigen::Index physical_rows = 0;  // rows the cache was started with
  Eigen::Index capacity = 0;       // positions allocated
  Eigen::Index length = 0;         // positions decoded so far
  Eigen::Index source_len = 0;     // padded encoder length
  std::vector<Matrix> keys, values;  // per layer [capacity * physical_rows, d_model]
  std::vector<Matrix> cross;         // per layer [items * source_len, 2 * d_model]: [k | v]
  AttentionMask source_mask;         // [items, source_len]
  // Live rows: where each writes its new positions, which batch item it
  // attends to, and which physical row holds each earlier position.
  std::vector<Eigen::Index> write_row, item;
  std::vector<Eigen::Index> path;  // [length][live rows], time-major

  Eigen::Index rows() const { return static_cast<Eigen::Index>(write_row.size()); }

  // Live row j becomes what row parents[j] was (beam search reordering;
  // fewer parents than rows drops rows, e.g. finished sentences).
  void reorder(const std::vector<Eigen::Index>& parents) {
    const Eigen::Index old_rows = rows(), new_rows = static_cast<Eigen::Index>(parents.size());
    for (Eigen::Index parent : parents)
      if (parent < 0 || parent >= old_rows) throw ArgumentError("decoder cache: reorder names a row that does not exist");
    std::vector<Eigen::Index> new_path(static_cast<std::size_t>(length * new_rows));
    for (Eigen::Index t = 0; t < length; ++t)
      for (Eigen::Index j = 0; j < new_rows; ++j)
        new_path[static_cast<std::size_t>(t * new_rows + j)] =
            path[static_cast<std::size_t>(t * old_rows + parents[static_cast<std::size_t>(j)])];
    std::vector<Eigen::Index> new_item(static_cast<std::size_t>(new_rows)), new_write(static_cast<std::size_t>(new_rows));
    // Every live row needs a physical row of its own to write new positions
    // to: keep the parents' slots where unique, hand out free ones otherwise.
    std::vector<char> taken(static_cast<std::size_t>(physical_rows), 0);
    std::vector<char> assigned(static_cast<std::size_t>(new_rows), 0);
    for (Eigen::Index j = 0; j < new_rows; ++j) {
      const auto parent = static_cast<std::size_t>(parents[static_cast<std::size_t>(j)]);
      new_item[static_cast<std::size_t>(j)] = item[parent];
      const Eigen::Index slot = write_row[parent];
      if (!taken[static_cast<std::size_t>(slot)]) {
        taken[static_cast<std::size_t>(slot)] = 1;
        new_write[static_cast<std::size_t>(j)] = slot;
        assigned[static_cast<std::size_t>(j)] = 1;
      }
    }
    Eigen::Index free_slot = 0;
    for (Eigen::Index j = 0; j < new_rows; ++j) {
      if (assigned[static_cast<std::size_t>(j)]) continue;
      while (taken[static_cast<std::size_t>(free_slot)]) ++free_slot;
      taken[static_cast<std::size_t>(free_slot)] = 1;
      new_write[static_cast<std::size_t>(j)] = free_slot;
    }
    path = std::move(new_path);
    item = std::move(new_item);
    write_row = std::move(new_write);
  }

  // Room for `positions` in every layer (amortised doubling).
  void reserve(Eigen::Index positions, Eigen::Index d_model) {
    if (positions <= capacity) return;
    const Eigen::Index grown = std::max(positions, capacity * 2);
    for (std::size_t l = 0; l < keys.size(); ++l) {
      keys[l].conservativeResize(grown * physical_rows, d_model);
      values[l].conservativeResize(grown * physical_rows, d_model);
    }
    capacity = grown;
  }
};

// Scratch reused by every decoder layer of a step.
struct DecoderWorkspace {
  Matrix qkv, context, attention_output, query, intermediate;
  std::vector<Matrix> scores, gathered_keys, gathered_values;  // one per thread
};

namespace detail {

// One scratch matrix per thread (sized before a parallel loop starts).
inline void per_thread(std::vector<Matrix>& scratch) {
  if (scratch.size() < static_cast<std::size_t>(max_threads()))
    scratch.resize(static_cast<std::size_t>(max_threads()));
}

// This thread's scratch, grown to at least [rows, cols]; use its top-left corner.
inline Matrix& scratch(std::vector<Matrix>& per_thread, int participant, Eigen::Index rows, Eigen::Index cols) {
  Matrix& m = per_thread[static_cast<std::size_t>(participant)];
  if (m.rows() < rows || m.cols() < cols) m.resize(std::max(rows, m.rows()), std::max(cols, m.cols()));
  return m;
}

}  // namespace detail

struct DecoderLayer {
  QkvProjection self_qkv;  // q, k, v of the decoder's own tokens
  Linear self_output;
  LayerNorm self_norm;
  Linear cross_query;
  QkvProjection cross_kv;  // k, v of the encoder output
  Linear cross_output;
  LayerNorm cross_norm;
  Linear fc1, fc2;
  LayerNorm final_norm;
  Activation activation = Activation::Silu;
  Eigen::Index num_heads = 1;

  void quantize() {
    self_qkv.quantize();
    self_output.quantize();
    cross_query.quantize();
    cross_kv.quantize();
    cross_output.quantize();
    fc1.quantize();
    fc2.quantize();
  }

  // Cross-attention keys and values of an encoder output [items * S, d]:
  // [items * S, 2d], computed once per generate() call.
  void project_source(const Matrix& encoder_hidden, Matrix& out) const {
    out.resize(encoder_hidden.rows(), 2 * encoder_hidden.cols());
    cross_kv.forward(encoder_hidden, out);
  }

  // `hidden`: [rows * n, d], row j * n + i holding position cache.length + i
  // of live row j. Stores this layer's keys/values of the n new positions in
  // the cache (the caller advances cache.length after the last layer).
  void forward(Matrix& hidden, Eigen::Index n, DecoderCache& cache, std::size_t layer,
               DecoderWorkspace& ws) const {
    const Eigen::Index d = hidden.cols(), rows = cache.rows(), tokens = rows * n;
    ws.qkv.resize(tokens, 3 * d);
    self_qkv.forward(hidden, ws.qkv);
    Matrix& keys = cache.keys[layer];
    Matrix& values = cache.values[layer];
    for (Eigen::Index j = 0; j < rows; ++j)
      for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index slot = (cache.length + i) * cache.physical_rows + cache.write_row[static_cast<std::size_t>(j)];
        keys.row(slot) = ws.qkv.block(j * n + i, d, 1, d);
        values.row(slot) = ws.qkv.block(j * n + i, 2 * d, 1, d);
      }
    ws.context.resize(tokens, d);
    self_attention(ws, cache, layer, n, d);
    ws.attention_output.resize(tokens, d);
    self_output.forward(ws.context, ws.attention_output);
    self_norm.forward_inplace(hidden, &ws.attention_output);

    ws.query.resize(tokens, d);
    cross_query.forward(hidden, ws.query);
    cross_attention(ws, cache, layer, n, d);
    cross_output.forward(ws.context, ws.attention_output);
    cross_norm.forward_inplace(hidden, &ws.attention_output);

    ws.intermediate.resize(tokens, fc1.out_features());
    fc1.forward(hidden, ws.intermediate, activation);
    fc2.forward(ws.intermediate, ws.attention_output);
    final_norm.forward_inplace(hidden, &ws.attention_output);
  }

 private:
  int attention_threads(Eigen::Index rows, Eigen::Index n, Eigen::Index keys, Eigen::Index d) const {
    const double flops = 4.0 * static_cast<double>(rows * n) * static_cast<double>(keys) * static_cast<double>(d);
    return detail::threads_for(flops, static_cast<double>(rows * num_heads));
  }

  // Query i of a row sees the cached positions and the new ones up to itself.
  void self_attention(DecoderWorkspace& ws, const DecoderCache& cache, std::size_t layer,
                      Eigen::Index n, Eigen::Index d) const {
    const Eigen::Index rows = cache.rows(), dh = d / num_heads, total = cache.length + n;
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    const Matrix& keys = cache.keys[layer];
    const Matrix& values = cache.values[layer];
    const int threads = attention_threads(rows, n, total, d);
    detail::per_thread(ws.scores);
    detail::per_thread(ws.gathered_keys);
    detail::per_thread(ws.gathered_values);
    detail::parallel_chunks(static_cast<int>(rows * num_heads), threads, [&](int task, int participant) {
      const Eigen::Index j = task / num_heads, h = task % num_heads;
      Matrix& k = detail::scratch(ws.gathered_keys, participant, total, dh);
      Matrix& v = detail::scratch(ws.gathered_values, participant, total, dh);
      for (Eigen::Index t = 0; t < total; ++t) {
        // Earlier positions may live in another physical row (beam reorder).
        const Eigen::Index physical =
            t < cache.length ? cache.path[static_cast<std::size_t>(t * rows + j)]
                             : cache.write_row[static_cast<std::size_t>(j)];
        const Eigen::Index slot = t * cache.physical_rows + physical;
        k.block(t, 0, 1, dh) = keys.block(slot, h * dh, 1, dh);
        v.block(t, 0, 1, dh) = values.block(slot, h * dh, 1, dh);
      }
      Matrix& s = detail::scratch(ws.scores, participant, n, total);
      auto scores = s.topLeftCorner(n, total);
      scores.noalias() = ws.qkv.block(j * n, h * dh, n, dh) * k.topLeftCorner(total, dh).transpose();
      for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index visible = cache.length + i + 1;
        auto row = scores.row(i).head(visible);
        row *= scale;
        const float max = row.maxCoeff();
        row = (row.array() - max).exp();
        row /= row.sum();
        scores.row(i).tail(total - visible).setZero();
      }
      ws.context.block(j * n, h * dh, n, dh).noalias() = scores * v.topLeftCorner(total, dh);
    });
  }

  void cross_attention(DecoderWorkspace& ws, const DecoderCache& cache, std::size_t layer,
                       Eigen::Index n, Eigen::Index d) const {
    const Eigen::Index rows = cache.rows(), dh = d / num_heads, source = cache.source_len;
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    const Matrix& kv = cache.cross[layer];
    const int threads = attention_threads(rows, n, source, d);
    detail::per_thread(ws.scores);
    detail::parallel_chunks(static_cast<int>(rows * num_heads), threads, [&](int task, int participant) {
      const Eigen::Index j = task / num_heads, h = task % num_heads;
      const Eigen::Index item = cache.item[static_cast<std::size_t>(j)];
      Matrix& s = detail::scratch(ws.scores, participant, n, source);
      auto scores = s.topLeftCorner(n, source);
      scores.noalias() = ws.query.block(j * n, h * dh, n, dh) *
                         kv.block(item * source, h * dh, source, dh).transpose();
      masked_softmax_rows(scores, scale, &cache.source_mask, item);
      ws.context.block(j * n, h * dh, n, dh).noalias() = scores * kv.block(item * source, d + h * dh, source, dh);
    });
  }
};

}  // namespace bertpp
