// Token embeddings: word + absolute position (+ token type for BERT), then
// LayerNorm. Ids are validated by the caller (the encoder).
#pragma once

#include "bertpp/nn/layers.hpp"
#include "bertpp/nn/parameter.hpp"

#include <cstdint>

namespace bertpp {

struct Embeddings {
  Parameter word;        // [vocab, hidden]
  Parameter position;    // [max_positions, hidden]
  Parameter token_type;  // [type_vocab, hidden]; empty for DistilBERT
  LayerNorm norm;

  // `hidden` becomes [batch * seq_len, hidden]; `type_ids` may be null (all 0).
  void forward(const std::int32_t* ids, const std::int32_t* type_ids, Eigen::Index batch,
               Eigen::Index seq_len, Matrix& hidden) const {
    hidden.resize(batch * seq_len, word.cols);
    const ConstMatrixMap words = word.matrix();
    const ConstMatrixMap positions = position.matrix();
    for (Eigen::Index b = 0; b < batch; ++b) {
      for (Eigen::Index s = 0; s < seq_len; ++s) {
        const Eigen::Index r = b * seq_len + s;
        hidden.row(r) = words.row(ids[r]) + positions.row(s);
        if (!token_type.empty()) hidden.row(r) += token_type.matrix().row(type_ids ? type_ids[r] : 0);
      }
    }
    norm.forward_inplace(hidden);
  }
};

}  // namespace bertpp
