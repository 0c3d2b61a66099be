// Converting UTF-8 byte offsets to character (code point) offsets, the unit
// Python and HF's pipelines report.
#pragma once

#include "bertpp/detail/utf8.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bertpp {

// Maps byte offsets of one text to code point offsets in O(1).
class CharIndex {
 public:
  explicit CharIndex(std::string_view text) : chars_before_(text.size() + 1) {
    std::uint32_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      chars_before_[i] = count;
      count += !detail::is_utf8_continuation(static_cast<unsigned char>(text[i]));
    }
    chars_before_[text.size()] = count;
  }

  // Index of the character starting at byte_offset (a byte inside a
  // character maps to the character after it). Offsets past the end clamp.
  std::size_t char_of_byte(std::size_t byte_offset) const {
    if (byte_offset >= chars_before_.size()) return chars_before_.back();
    return chars_before_[byte_offset];
  }
  std::size_t char_count() const { return chars_before_.back(); }

 private:
  std::vector<std::uint32_t> chars_before_;
};

// Character offsets of every token of `e`: tokens of the first sequence are
// measured in `text`, tokens of the second (sequence id 1) in `pair`.
// Special tokens and padding keep {0, 0}.
inline std::vector<Offset> char_offsets(const Encoding& e, std::string_view text,
                                        std::string_view pair = {}) {
  const CharIndex first(text);
  const CharIndex second(pair);
  std::vector<Offset> out(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    const std::int32_t seq = i < e.sequence_ids.size() ? e.sequence_ids[i] : Encoding::kNone;
    if (seq == Encoding::kNone) {
      out[i] = e.byte_offsets[i];
      continue;
    }
    const CharIndex& index = seq == 1 ? second : first;
    out[i] = Offset{index.char_of_byte(e.byte_offsets[i].begin), index.char_of_byte(e.byte_offsets[i].end)};
  }
  return out;
}

}  // namespace bertpp
