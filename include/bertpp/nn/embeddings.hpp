// Token embeddings: word (times a scale: Marian's sqrt(d_model)) + absolute
// position (+ token type for BERT), then LayerNorm when the model has one.
// Ids are validated by the caller (the encoder).
#pragma once

#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/parameter.hpp"
#include "bertpp/nn/sequence_layout.hpp"

#include <cstdint>

namespace bertpp {

struct Embeddings {
  Parameter word;        // [vocab, hidden]
  Parameter position;    // [max_positions, hidden]
  Parameter token_type;  // [type_vocab, hidden]; empty for DistilBERT
  LayerNorm norm;        // empty for Marian (no embedding LayerNorm)
  float word_scale = 1.0f;

  // `ids`/`type_ids` are the padded [batch, seq_len] input; `hidden` becomes
  // [layout.rows, hidden]. Positions are a token's index in its padded row,
  // as HF's default position_ids, plus `first_position` (a decoder's cached
  // length). `type_ids` may be null (all 0).
  void forward(const std::int32_t* ids, const std::int32_t* type_ids, const SequenceLayout& layout,
               Matrix& hidden, Eigen::Index first_position = 0) const {
    hidden.resize(layout.rows, word.cols);
    const ConstMatrixMap words = word.matrix();
    const ConstMatrixMap positions = position.matrix();
    for (Eigen::Index b = 0; b < layout.batch; ++b) {
      for (Eigen::Index s = 0; s < layout.length[static_cast<std::size_t>(b)]; ++s) {
        const Eigen::Index r = layout.row(b, s), source = b * layout.seq_len + s;
        if (word_scale == 1.0f) hidden.row(r) = words.row(ids[source]) + positions.row(first_position + s);
        else hidden.row(r) = words.row(ids[source]) * word_scale + positions.row(first_position + s);
        if (!token_type.empty())
          hidden.row(r) += token_type.matrix().row(type_ids ? type_ids[source] : 0);
      }
    }
    if (!norm.weight.empty()) norm.forward_inplace(hidden);
  }

  void forward(const std::int32_t* ids, const std::int32_t* type_ids, Eigen::Index batch,
               Eigen::Index seq_len, Matrix& hidden) const {
    forward(ids, type_ids, SequenceLayout::padded(batch, seq_len), hidden);
  }
};

}  // namespace bertpp
