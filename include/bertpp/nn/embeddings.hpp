// Token embeddings: word (times a scale: Marian's sqrt(d_model)) + absolute
// position (+ token type where the family has them), then LayerNorm when the
// model has one. Ids are validated by the caller (the encoder).
#pragma once

#include "bertpp/io/model_family.hpp"
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
  PositionScheme positions = PositionScheme::Index;
  std::int32_t padding_idx = 0;  // PositionScheme::AfterPadding: the pad id, and pads' position

  // The position id of each token of one padded row of `seq_len` ids.
  // AfterPadding follows the ids, not the attention mask, as HF does: a pad
  // id inside the text also sits at padding_idx and does not advance the count.
  template <typename Visit>
  void for_each_position(const std::int32_t* row, Eigen::Index seq_len, Visit&& visit) const {
    Eigen::Index counted = 0;
    for (Eigen::Index s = 0; s < seq_len; ++s) {
      if (positions == PositionScheme::Index) {
        visit(s, s);
      } else if (row[s] == padding_idx) {
        visit(s, Eigen::Index{padding_idx});
      } else {
        visit(s, Eigen::Index{padding_idx} + ++counted);
      }
    }
  }

  // `ids`/`type_ids` are the padded [batch, seq_len] input; `hidden` becomes
  // [layout.rows, hidden]. `type_ids` may be null (all 0). `first_position`
  // shifts Index positions (a decoder's cached length).
  void forward(const std::int32_t* ids, const std::int32_t* type_ids, const SequenceLayout& layout,
               Matrix& hidden, Eigen::Index first_position = 0) const {
    hidden.resize(layout.rows, word.cols);
    const ConstMatrixMap words = word.matrix();
    const ConstMatrixMap position_table = position.matrix();
    for (Eigen::Index b = 0; b < layout.batch; ++b) {
      const std::int32_t* row = ids + b * layout.seq_len;
      for_each_position(row, layout.length[static_cast<std::size_t>(b)], [&](Eigen::Index s, Eigen::Index p) {
        const Eigen::Index r = layout.row(b, s), source = b * layout.seq_len + s;
        if (word_scale == 1.0f) hidden.row(r) = words.row(row[s]) + position_table.row(first_position + p);
        else hidden.row(r) = words.row(row[s]) * word_scale + position_table.row(first_position + p);
        if (!token_type.empty())
          hidden.row(r) += token_type.matrix().row(type_ids ? type_ids[source] : 0);
      });
    }
    if (!norm.weight.empty()) norm.forward_inplace(hidden);
  }

  void forward(const std::int32_t* ids, const std::int32_t* type_ids, Eigen::Index batch,
               Eigen::Index seq_len, Matrix& hidden) const {
    forward(ids, type_ids, SequenceLayout::padded(batch, seq_len), hidden);
  }
};

}  // namespace bertpp
