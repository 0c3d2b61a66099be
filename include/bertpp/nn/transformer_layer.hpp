// One post-LayerNorm transformer encoder layer (BERT and DistilBERT share the
// arithmetic; only their tensor names differ), and the masked multi-head
// self-attention inside it.
#pragma once

#include "bertpp/detail/parallel.hpp"
#include "bertpp/nn/activations.hpp"
#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/tensor.hpp"

#include <cmath>
#include <limits>

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

// The additive attention mask: per batch row, 0 at attended positions and the
// lowest float at padding, as HF adds (1 - mask) * finfo.min to the scores.
// A padding key then gets probability exactly 0.
inline Matrix attention_mask_bias(const std::vector<std::int32_t>& mask, Eigen::Index batch,
                                  Eigen::Index seq_len) {
  Matrix bias = Matrix::Zero(batch, seq_len);
  if (mask.empty()) return bias;
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index s = 0; s < seq_len; ++s)
      if (mask[static_cast<std::size_t>(b * seq_len + s)] == 0)
        bias(b, s) = std::numeric_limits<float>::lowest();
  return bias;
}

// softmax(Q K^T / sqrt(d) + mask) V for every (sequence, head). `qkv` rows
// hold [q | k | v] for batch * seq_len tokens; the result goes to `context`
// ([tokens, hidden]). When `probabilities` is given ([batch*heads*seq, seq])
// the attention weights are written there.
inline void self_attention(const Matrix& qkv, const Matrix& mask_bias, Eigen::Index batch,
                           Eigen::Index seq_len, Eigen::Index heads, Matrix& context,
                           Matrix& scores_workspace, Matrix* probabilities) {
  const Eigen::Index hidden = context.cols();
  const Eigen::Index d = hidden / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const Eigen::Index tasks = batch * heads;
  BERTPP_PARALLEL_FOR(tasks > 1)
  for (Eigen::Index t = 0; t < tasks; ++t) {
    const Eigen::Index b = t / heads, h = t % heads, first = b * seq_len;
    auto scores = probabilities
                      ? probabilities->block(t * seq_len, 0, seq_len, seq_len)
                      : scores_workspace.block(detail::thread_index() * seq_len, 0, seq_len, seq_len);
    scores.noalias() = qkv.block(first, h * d, seq_len, d) *
                       qkv.block(first, hidden + h * d, seq_len, d).transpose();
    scores *= scale;
    scores.rowwise() += mask_bias.row(b);
    softmax_rows(scores);
    context.block(first, h * d, seq_len, d).noalias() =
        scores * qkv.block(first, 2 * hidden + h * d, seq_len, d);
  }
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

  // hidden <- LN(h + FFN(h)) with h = LN(hidden + Attention(hidden)).
  void forward(Matrix& hidden, const Matrix& mask_bias, Eigen::Index batch, Eigen::Index seq_len,
               EncoderWorkspace& ws, Matrix* probabilities) const {
    qkv.forward(hidden, ws.qkv);
    self_attention(ws.qkv, mask_bias, batch, seq_len, num_heads, ws.context, ws.scores,
                   probabilities);
    attention_output.forward(ws.context, ws.attention_output);
    ws.attention_output += hidden;
    attention_norm.forward_inplace(ws.attention_output);
    intermediate.forward(ws.attention_output, ws.intermediate);
    apply_activation(activation, ws.intermediate);
    output.forward(ws.intermediate, hidden);
    hidden += ws.attention_output;
    output_norm.forward_inplace(hidden);
  }
};

}  // namespace bertpp
