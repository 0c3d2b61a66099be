// BertPreTokenizer: splits normalized text into words on whitespace
// (removed) and punctuation (each punctuation character is its own word).
#pragma once

#include "bertpp/detail/unicode.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/tokenizer/byte_level.hpp"

#include <cstddef>
#include <string_view>

namespace bertpp {

struct BertPreTokenizer {
  // Calls on_word(begin, end) with the byte span of each word of `text`
  // (valid UTF-8), in order. Whitespace is Rust's char::is_whitespace;
  // punctuation is ASCII punctuation or any Unicode P* category.
  template <typename OnWord>
  static void split(std::string_view text, OnWord&& on_word) {
    const auto& ascii = detail::ascii_classes();
    std::size_t word_begin = 0;
    bool in_word = false;
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t start = i;
      const auto byte = static_cast<unsigned char>(text[i]);
      bool space, punct;
      if (byte < 0x80) {
        ++i;
        space = ascii[byte] & detail::kAsciiWhitespace;
        punct = ascii[byte] & detail::kAsciiPunctuation;
      } else {
        const char32_t c = detail::utf8_decode(text, i);
        space = detail::is_rust_whitespace(c);
        punct = !space && detail::is_bert_punctuation(c);
      }
      if (!space && !punct) {
        if (!in_word) {
          word_begin = start;
          in_word = true;
        }
        continue;
      }
      if (in_word) {
        on_word(word_begin, start);
        in_word = false;
      }
      if (punct) on_word(start, i);
    }
    if (in_word) on_word(word_begin, text.size());
  }
};

// The tokenizer's pre-tokenizer (tokenizer.json "pre_tokenizer"):
// BertPreTokenizer or ByteLevel.
struct PreTokenizer {
  enum class Kind { Bert, ByteLevel };
  Kind kind = Kind::Bert;
  ByteLevelPreTokenizer byte_level;  // settings when kind is ByteLevel

  static PreTokenizer bert() { return PreTokenizer(); }
  static PreTokenizer byte_level_split(bool add_prefix_space, bool use_regex = true) {
    PreTokenizer p;
    p.kind = Kind::ByteLevel;
    p.byte_level.add_prefix_space = add_prefix_space;
    p.byte_level.use_regex = use_regex;
    return p;
  }
};

}  // namespace bertpp
