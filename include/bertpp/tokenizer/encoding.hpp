// The result of tokenizing one text or text pair, field for field what
// HuggingFace's tokenizers::Encoding holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bertpp {

// A half-open [begin, end) span in the text a token came from (for a pair's
// second text, relative to that text): UTF-8 bytes in Encoding::byte_offsets,
// code points from char_offsets() (the unit Python reports). Special tokens
// and padding have {0, 0}.
struct Offset {
  std::size_t begin = 0;
  std::size_t end = 0;
  friend bool operator==(const Offset& a, const Offset& b) {
    return a.begin == b.begin && a.end == b.end;
  }
  friend bool operator!=(const Offset& a, const Offset& b) { return !(a == b); }
};

struct Encoding {
  // HF's `null` in word_ids / sequence_ids.
  static constexpr std::int32_t kNone = -1;

  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<Offset> byte_offsets;  // UTF-8 bytes; char_offsets() gives code points
  std::vector<std::int32_t> attention_mask;
  std::vector<std::int32_t> special_tokens_mask;
  std::vector<std::int32_t> word_ids;      // kNone for special tokens and padding
  std::vector<std::int32_t> sequence_ids;  // 0, 1, or kNone
  // Further windows of a truncated input (stride overlap), as HF's
  // `overflowing` / `return_overflowing_tokens`.
  std::vector<Encoding> overflowing;

  std::size_t size() const { return ids.size(); }
};

}  // namespace bertpp
