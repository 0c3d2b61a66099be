// What goes into and comes out of a model: a padded batch of token ids and
// the encoder's hidden states.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/models/load_options.hpp"
#include "bertpp/nn/tensor.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bertpp {

// A padded batch, row-major [batch, seq]. Empty token_type_ids means all 0;
// empty attention_mask means every position is attended.
struct ModelInput {
  Eigen::Index batch_size = 0, seq_len = 0;
  std::vector<std::int32_t> input_ids, token_type_ids, attention_mask;

  // Pads every encoding to the longest one (ids with pad_id, type 0, mask 0).
  static ModelInput from_encodings(const std::vector<Encoding>& encodings, std::int32_t pad_id = 0) {
    std::vector<const Encoding*> rows;
    rows.reserve(encodings.size());
    for (const Encoding& encoding : encodings) rows.push_back(&encoding);
    return from_encodings(rows, pad_id);
  }

  // The same for encodings held elsewhere (a batch picked out of a larger list).
  static ModelInput from_encodings(const std::vector<const Encoding*>& encodings,
                                   std::int32_t pad_id = 0) {
    ModelInput input;
    input.batch_size = static_cast<Eigen::Index>(encodings.size());
    std::size_t longest = 0;
    for (const Encoding* encoding : encodings) longest = std::max(longest, encoding->ids.size());
    input.seq_len = static_cast<Eigen::Index>(longest);
    const std::size_t total = encodings.size() * longest;
    input.input_ids.assign(total, pad_id);
    input.token_type_ids.assign(total, 0);
    input.attention_mask.assign(total, 0);
    for (std::size_t b = 0; b < encodings.size(); ++b) {
      const Encoding& encoding = *encodings[b];
      const std::size_t row = b * longest, n = encoding.ids.size();
      std::copy(encoding.ids.begin(), encoding.ids.end(), input.input_ids.begin() + row);
      if (encoding.type_ids.size() == n)
        std::copy(encoding.type_ids.begin(), encoding.type_ids.end(), input.token_type_ids.begin() + row);
      if (encoding.attention_mask.size() == n)
        std::copy(encoding.attention_mask.begin(), encoding.attention_mask.end(),
                  input.attention_mask.begin() + row);
      else
        std::fill_n(input.attention_mask.begin() + row, n, 1);
    }
    return input;
  }

  // One unpadded sequence.
  static ModelInput single(std::vector<std::int32_t> ids, std::vector<std::int32_t> type_ids = {}) {
    ModelInput input;
    input.batch_size = 1;
    input.seq_len = static_cast<Eigen::Index>(ids.size());
    input.input_ids = std::move(ids);
    input.token_type_ids = std::move(type_ids);
    input.attention_mask.assign(input.input_ids.size(), 1);
    return input;
  }

  Eigen::Index tokens() const { return batch_size * seq_len; }
};

struct ForwardOptions {
  bool output_hidden_states = false;
  bool output_attentions = false;
  // Run the layers on the real tokens only (a right-padded batch is packed
  // back to back): same results at every real position, padding rows of the
  // outputs are zero instead of HF's (meaningless) values there. What the
  // pipelines use; off by default so outputs equal HF's everywhere.
  // Ignored with output_attentions or a mask that is not right padding.
  bool skip_padding = false;
};

struct EncoderOutput {
  Matrix last_hidden_state;           // [batch*seq, hidden]
  std::vector<Matrix> hidden_states;  // embeddings + each layer, when asked
  std::vector<Matrix> attentions;     // per layer [batch*heads*seq, seq], when asked
  Matrix pooler_output;               // [batch, hidden] (BERT with a pooler; else empty)
};

struct QuestionAnsweringLogits {
  Matrix start, end;  // each [batch, seq]
};

enum class HeadKind { MaskedLM, SequenceClassification, TokenClassification, QuestionAnswering };

inline const char* head_kind_name(HeadKind kind) {
  switch (kind) {
    case HeadKind::MaskedLM: return "masked-LM";
    case HeadKind::SequenceClassification: return "sequence-classification";
    case HeadKind::TokenClassification: return "token-classification";
    case HeadKind::QuestionAnswering: return "question-answering";
  }
  return "unknown";
}

}  // namespace bertpp
