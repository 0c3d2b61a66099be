// Padding of encodings on the right, as HF's tokenizers pads.
#pragma once

#include "bertpp/tokenizer/encoding.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bertpp {

enum class PaddingStrategy { None, Longest, MaxLength };

struct PaddingOptions {
  PaddingStrategy strategy = PaddingStrategy::None;
  std::size_t max_length = 0;          // target for MaxLength
  std::size_t pad_to_multiple_of = 0;  // 0 = no rounding
};

// Pads `e` and, first, each of its overflowing windows to `length` tokens:
// pad id/type/token, attention 0, special_tokens_mask 1, word and sequence
// ids kNone, offsets {0,0}. Longer encodings are left unchanged.
inline void pad_encoding(Encoding& e, std::size_t length, std::int32_t pad_id,
                         std::int32_t pad_type_id, const std::string& pad_token) {
  for (Encoding& o : e.overflowing) pad_encoding(o, length, pad_id, pad_type_id, pad_token);
  if (e.size() >= length) return;
  const std::size_t n = length - e.size();
  e.ids.insert(e.ids.end(), n, pad_id);
  e.type_ids.insert(e.type_ids.end(), n, pad_type_id);
  e.tokens.insert(e.tokens.end(), n, pad_token);
  e.byte_offsets.insert(e.byte_offsets.end(), n, Offset{0, 0});
  e.attention_mask.insert(e.attention_mask.end(), n, 0);
  e.special_tokens_mask.insert(e.special_tokens_mask.end(), n, 1);
  e.word_ids.insert(e.word_ids.end(), n, Encoding::kNone);
  e.sequence_ids.insert(e.sequence_ids.end(), n, Encoding::kNone);
}

// The length a batch is padded to (HF's pad_encodings): max_length, or the
// longest top-level encoding, rounded up to pad_to_multiple_of.
inline std::size_t padding_target(const PaddingOptions& options, const Encoding* const* encodings,
                                  std::size_t count) {
  std::size_t length = options.max_length;
  if (options.strategy == PaddingStrategy::Longest) {
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = std::max(length, encodings[i]->size());
  }
  const std::size_t m = options.pad_to_multiple_of;
  if (m > 0 && length % m != 0) length += m - length % m;
  return length;
}

}  // namespace bertpp
