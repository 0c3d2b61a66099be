// One post-LayerNorm transformer encoder layer (BERT and DistilBERT share the
// arithmetic; only their tensor names differ), and the masked multi-head
// self-attention inside it.
#pragma once

#include "bertpp/detail/aligned.hpp"
#include "bertpp/detail/cpu_features.hpp"
#include "bertpp/detail/parallel.hpp"
#include "bertpp/detail/sgemm.hpp"
#include "bertpp/detail/vector_math.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/softmax.hpp"
#include "bertpp/nn/sequence_layout.hpp"
#include "bertpp/nn/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace bertpp {

// Scratch buffers sized once per forward call and reused by every layer, so
// the layer loop does not allocate.
struct EncoderWorkspace {
  Matrix qkv, context, attention_output, intermediate, scores;

  void resize(Eigen::Index rows, Eigen::Index hidden, Eigen::Index intermediate_size,
              Eigen::Index seq_len) {
    qkv.resize(rows, 3 * hidden);
    context.resize(rows, hidden);
    attention_output.resize(rows, hidden);
    intermediate.resize(rows, intermediate_size);
    scores.resize(static_cast<Eigen::Index>(detail::max_threads()) * seq_len, seq_len);
  }
};

// The attention mask of a padded batch. As HF, padding keys are pushed to
// the lowest float before the softmax (so a row with no real key at all
// attends uniformly, as HF's finfo.min mask makes it); their probabilities
// are then zeroed exactly, where a vectorised exp would leave ~1e-38.
struct AttentionMask {
  Matrix bias;                   // [batch, seq]: 0 or lowest
  Matrix keep;                   // [batch, seq]: 1 or 0
  std::vector<char> padded;      // per sequence: any masked key?
  std::vector<char> all_masked;  // per sequence: no real key at all?

  static AttentionMask build(const std::vector<std::int32_t>& mask, Eigen::Index batch,
                             Eigen::Index seq_len) {
    AttentionMask m;
    m.bias = Matrix::Zero(batch, seq_len);
    m.keep = Matrix::Ones(batch, seq_len);
    m.padded.assign(static_cast<std::size_t>(batch), 0);
    m.all_masked.assign(static_cast<std::size_t>(batch), 0);
    if (mask.empty()) return m;
    for (Eigen::Index b = 0; b < batch; ++b) {
      for (Eigen::Index s = 0; s < seq_len; ++s) {
        if (mask[static_cast<std::size_t>(b * seq_len + s)] != 0) continue;
        m.bias(b, s) = std::numeric_limits<float>::lowest();
        m.keep(b, s) = 0.0f;
        m.padded[static_cast<std::size_t>(b)] = 1;
      }
      m.all_masked[static_cast<std::size_t>(b)] = seq_len > 0 && m.keep.row(b).sum() == 0.0f;
    }
    return m;
  }
};

// Row-wise softmax(scores * scale + mask) for one sequence's [n, n] block;
// `mask` is null for a packed sequence (every key is real).
template <typename Block>
void masked_softmax_rows(Block&& scores, float scale, const AttentionMask* mask, Eigen::Index b) {
  const std::size_t sequence = static_cast<std::size_t>(b);
  if (mask && mask->all_masked[sequence]) {
    scores.setConstant(1.0f / static_cast<float>(scores.cols()));
    return;
  }
  const bool padded = mask && mask->padded[sequence];
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    auto row = scores.row(r);
    // Padding keys carry the lowest float as bias: their exp() is exactly 0.
    if (padded) row = row * scale + mask->bias.row(b);
    else row *= scale;
    softmax_row(row);
  }
}

namespace detail {

// One (sequence, head) of attention with the sgemm kernels: query rows in
// tiles whose scores (tile x n floats) stay in L2, so long inputs are not
// memory-bound; each tile is scores = Q K^T, the exact row softmax, then
// context = P V. `scores` is the tile's storage (row stride ld_scores);
// with `keep_all` the tiles are written to consecutive rows (the caller
// keeps the probabilities).
inline void attention_task(InstructionSet level, const Matrix& qkv, Eigen::Index first,
                           Eigen::Index n, Eigen::Index h, Eigen::Index d, float scale,
                           const float* mask_bias, const float* mask_keep, float* scores,
                           Eigen::Index ld_scores, bool keep_all, Matrix& context) {
  const Eigen::Index hidden = context.cols(), ldq = qkv.cols();
  const float* rows = qkv.data() + first * ldq;
  const Eigen::Index tile_bytes = std::min<Eigen::Index>(cpu_info().l2_bytes / 4, 256 * 1024);
  Eigen::Index tile = std::max<Eigen::Index>(6, tile_bytes / (4 * std::max<Eigen::Index>(n, 1)) / 6 * 6);
  if (keep_all || tile > n) tile = n;
  // K transposed into the kernels' panel layout once, for every query tile.
  thread_local AlignedVector<float> keys;
  const std::size_t keys_size = static_cast<std::size_t>((n + kSgemmPanel - 1) / kSgemmPanel * kSgemmPanel * d);
  if (keys.size() < keys_size) keys.resize(keys_size);
  pack_panels(level, rows + hidden + h * d, ldq, n, d, keys.data());
  for (Eigen::Index i0 = 0; i0 < n; i0 += tile) {
    const Eigen::Index m = std::min(tile, n - i0);
    float* s = keep_all ? scores + i0 * ld_scores : scores;
    GemmArgs qk;
    qk.a = rows + i0 * ldq + h * d;
    qk.lda = ldq;
    qk.rows = m;
    qk.depth = d;
    qk.b = {GemmB::Layout::Panels, keys.data(), 0};
    qk.c = s;
    qk.ldc = ld_scores;
    sgemm(level, qk, 0, n);
    for (Eigen::Index r = 0; r < m; ++r) softmax_row(level, s + r * ld_scores, n, scale, mask_bias, mask_keep);
    GemmArgs pv;
    pv.a = s;
    pv.lda = ld_scores;
    pv.rows = m;
    pv.depth = n;
    pv.b = {GemmB::Layout::KN, rows + 2 * hidden + h * d, ldq};
    pv.c = context.data() + (first + i0) * hidden + h * d;
    pv.ldc = hidden;
    sgemm(level, pv, 0, d);
  }
}

}  // namespace detail

// softmax(Q K^T / sqrt(d) + mask) V for every (sequence, head). `qkv` rows
// hold [q | k | v] for the tokens placed as `layout` says; the result goes to
// `context` ([layout.rows, hidden]). `mask` is needed for a padded layout
// only. When `probabilities` is given ([batch*heads*seq_len, seq_len]) the
// attention weights of task t = b * heads + h go to its block at row
// t * seq_len.
inline void self_attention(const Matrix& qkv, const SequenceLayout& layout,
                           const AttentionMask* mask, Eigen::Index heads, Matrix& context,
                           Matrix& scores_workspace, Matrix* probabilities) {
  const Eigen::Index hidden = context.cols();
  const Eigen::Index d = hidden / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const Eigen::Index tasks = layout.batch * heads, seq_len = layout.seq_len;
  double flops = 0;
  for (Eigen::Index n : layout.length)
    flops += 4.0 * static_cast<double>(heads) * static_cast<double>(n) * static_cast<double>(n) *
             static_cast<double>(d);
  // No more threads than the scratch has blocks for (set_num_threads may
  // have grown the pool since the workspace was sized).
  const Eigen::Index blocks = seq_len > 0 ? scores_workspace.rows() / seq_len : 1;
  const int threads = static_cast<int>(std::max<Eigen::Index>(
      1, std::min<Eigen::Index>(detail::threads_for(flops, static_cast<double>(tasks)), blocks)));
  const InstructionSet level = detail::cpu_level();
  // One chunk per (sequence, head), claimed one at a time: packed sequences
  // differ in length, so equal task counts are not equal work.
  detail::parallel_chunks(static_cast<int>(tasks), threads, [&](int task, int participant) {
    const Eigen::Index t = task, b = t / heads, h = t % heads;
    const Eigen::Index first = layout.offset[static_cast<std::size_t>(b)];
    const Eigen::Index n = layout.length[static_cast<std::size_t>(b)];
    const AttentionMask* m = layout.packed ? nullptr : mask;
    const bool all_masked = m && m->all_masked[static_cast<std::size_t>(b)];
    if (level != InstructionSet::Portable && !all_masked && n > 0) {
      const bool padded = m && m->padded[static_cast<std::size_t>(b)];
      float* scores = probabilities ? probabilities->data() + t * seq_len * seq_len
                                    : scores_workspace.data() + participant * seq_len * seq_len;
      detail::attention_task(level, qkv, first, n, h, d, scale, padded ? m->bias.row(b).data() : nullptr,
                             padded ? m->keep.row(b).data() : nullptr, scores, seq_len,
                             probabilities != nullptr, context);
      return;
    }
    auto scores = probabilities
                      ? probabilities->block(t * seq_len, 0, n, n)
                      : scores_workspace.block(participant * seq_len, 0, n, n);
    scores.noalias() = qkv.block(first, h * d, n, d) * qkv.block(first, hidden + h * d, n, d).transpose();
    masked_softmax_rows(scores, scale, m, b);
    context.block(first, h * d, n, d).noalias() = scores * qkv.block(first, 2 * hidden + h * d, n, d);
  });
}

// The padded-batch form.
inline void self_attention(const Matrix& qkv, const AttentionMask& mask, Eigen::Index batch,
                           Eigen::Index seq_len, Eigen::Index heads, Matrix& context,
                           Matrix& scores_workspace, Matrix* probabilities) {
  self_attention(qkv, SequenceLayout::padded(batch, seq_len), &mask, heads, context,
                 scores_workspace, probabilities);
}

struct TransformerLayer {
  QkvProjection qkv;
  Linear attention_output;
  LayerNorm attention_norm;
  Linear intermediate;
  Linear output;
  LayerNorm output_norm;
  Activation activation = Activation::Gelu;
  Eigen::Index num_heads = 1;

  // The four dense layers run int8 from now on (nn/quantized.hpp).
  void quantize() {
    qkv.quantize();
    attention_output.quantize();
    intermediate.quantize();
    output.quantize();
  }

  // The four dense layers run the SIMD float kernels on weights packed in
  // their layout (a no-op under a portable instruction set).
  void pack() {
    qkv.pack();
    attention_output.pack();
    intermediate.pack();
    output.pack();
  }

  // The checkpoint weights this layer no longer reads once fused (q, k, v)
  // or packed or quantised (the others): their pages can leave memory.
  std::vector<Parameter> unread_weights() const {
    std::vector<Parameter> unread;
    for (const Linear& part : qkv.parts) unread.push_back(part.weight);
    for (const Linear* dense : {&attention_output, &intermediate, &output})
      if (dense->quantized() || dense->is_packed()) unread.push_back(dense->weight);
    return unread;
  }

  // hidden <- LN(h + FFN(h)) with h = LN(hidden + Attention(hidden)).
  // `hidden` is [layout.rows, hidden]; `mask` may be null for a packed layout.
  void forward(Matrix& hidden, const SequenceLayout& layout, const AttentionMask* mask,
               EncoderWorkspace& ws, Matrix* probabilities) const {
    qkv.forward(hidden, ws.qkv);
    self_attention(ws.qkv, layout, mask, num_heads, ws.context, ws.scores, probabilities);
    attention_output.forward(ws.context, ws.attention_output);
    attention_norm.forward_inplace(ws.attention_output, &hidden);
    intermediate.forward(ws.attention_output, ws.intermediate, activation);
    output.forward(ws.intermediate, hidden);
    output_norm.forward_inplace(hidden, &ws.attention_output);
  }
};

}  // namespace bertpp
