// Byte-level BPE's text handling (GPT-2, RoBERTa), as HF's ByteLevel
// pre-tokenizer / post-processor / decoder: the GPT-2 split into words, the
// mapping of every byte to a printable character, offset trimming and the
// way back from tokens to text.
#pragma once

#include "bertpp/detail/unicode.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertpp {
namespace detail {

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
// the other 68 bytes for U+0100.. in byte order.
struct ByteLevelAlphabet {
  std::array<char32_t, 256> byte_to_char{};
  std::array<std::array<char, 2>, 256> utf8{};  // each character is 1 or 2 UTF-8 bytes
  std::array<std::uint8_t, 256> utf8_length{};
  std::array<std::int16_t, 0x144> char_to_byte{};  // -1: not a byte character

  ByteLevelAlphabet() {
    char_to_byte.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const char32_t c = printable ? static_cast<char32_t>(b) : next++;
      byte_to_char[b] = c;
      char_to_byte[c] = static_cast<std::int16_t>(b);
      std::string s;
      utf8_length[b] = static_cast<std::uint8_t>(utf8_append(s, c));
      utf8[b] = {s[0], s.size() > 1 ? s[1] : '\0'};
    }
  }

  // The byte a character stands for, or -1.
  int byte_of(char32_t c) const { return c < char_to_byte.size() ? char_to_byte[c] : -1; }
};

inline const ByteLevelAlphabet& byte_level_alphabet() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

// The classes GPT-2's pattern distinguishes.
enum class Gpt2Class : std::uint8_t { Letter, Number, Space, Other };

inline Gpt2Class gpt2_class(char32_t c) {
  if (c < 0x80) {
    if ((c | 32) >= 'a' && (c | 32) <= 'z') return Gpt2Class::Letter;
    if (c >= '0' && c <= '9') return Gpt2Class::Number;
    if (c == ' ' || (c >= 9 && c <= 13)) return Gpt2Class::Space;
    return Gpt2Class::Other;
  }
  if (is_rust_whitespace(c)) return Gpt2Class::Space;
  const auto cat = unicode_category(c);
  if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) return Gpt2Class::Letter;
  if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) return Gpt2Class::Number;
  return Gpt2Class::Other;
}

// Decodes the character at `i` (valid UTF-8), advancing i.
inline char32_t next_char(std::string_view s, std::size_t& i) {
  const auto byte = static_cast<unsigned char>(s[i]);
  if (byte < 0x80) {
    ++i;
    return byte;
  }
  return utf8_decode(s, i);
}

// HF's ByteLevel process_offsets: offsets leave out the spaces ('Ġ', or real
// whitespace in an added token) a token starts or ends with; the prefix
// space of the first token stays when add_prefix_space put it there.
// Offsets are bytes: a 'Ġ' stands for one byte, real whitespace for its own.
inline void trim_byte_level_offset(std::string_view token, Offset& offset, bool first_in_sequence,
                                   bool add_prefix_space) {
  if (token.empty()) return;
  auto space_bytes = [](char32_t c) -> std::size_t {
    if (c == 0x120) return 1;
    if (is_rust_whitespace(c)) return utf8_encoded_length(c);
    return 0;
  };
  std::size_t leading = 0, leading_count = 0, i = 0;
  while (i < token.size()) {
    const std::size_t n = space_bytes(next_char(token, i));
    if (!n) break;
    leading += n;
    ++leading_count;
  }
  std::size_t trailing = 0, j = token.size();
  while (j > 0) {
    std::size_t k = j - 1;
    while (k > 0 && is_utf8_continuation(static_cast<unsigned char>(token[k]))) --k;
    std::size_t at = k;
    const std::size_t n = space_bytes(next_char(token, at));
    if (!n) break;
    trailing += n;
    j = k;
  }
  if (leading > 0) {
    const bool is_first = first_in_sequence || offset.begin == 0;
    if (is_first && add_prefix_space && leading_count == 1) leading = 0;
    offset.begin = std::min(offset.begin + leading, offset.end);
  }
  if (trailing > 0 && offset.end >= trailing) offset.end = std::max(offset.end - trailing, offset.begin);
}

}  // namespace detail

// The ByteLevel pre-tokenizer's split: GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matched by hand (leftmost alternative wins, as Oniguruma does).
struct ByteLevelPreTokenizer {
  bool add_prefix_space = false;
  bool use_regex = true;

  // Calls on_word(begin, end) with the byte span of each word of `text`
  // (valid UTF-8), in order; the words cover the whole text.
  template <typename OnWord>
  void split(std::string_view text, OnWord&& on_word) const {
    if (!use_regex) {
      if (!text.empty()) on_word(std::size_t{0}, text.size());
      return;
    }
    using detail::Gpt2Class;
    const std::size_t n = text.size();
    // End of the run of characters of class `cls` starting at `i`.
    auto run_end = [&](std::size_t i, Gpt2Class cls) {
      while (i < n) {
        std::size_t j = i;
        if (detail::gpt2_class(detail::next_char(text, j)) != cls) break;
        i = j;
      }
      return i;
    };
    std::size_t i = 0;
    while (i < n) {
      if (text[i] == '\'' && i + 1 < n) {
        const char c1 = text[i + 1];
        std::size_t len = 0;
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') len = 2;
        else if (i + 2 < n && ((c1 == 'r' && text[i + 2] == 'e') || (c1 == 'v' && text[i + 2] == 'e') ||
                               (c1 == 'l' && text[i + 2] == 'l')))
          len = 3;
        if (len) {
          on_word(i, i + len);
          i += len;
          continue;
        }
      }
      std::size_t j = i;
      const char32_t c = detail::next_char(text, j);
      Gpt2Class cls = detail::gpt2_class(c);
      if (c == ' ' && j < n) {
        std::size_t k = j;
        const Gpt2Class next = detail::gpt2_class(detail::next_char(text, k));
        if (next != Gpt2Class::Space) {  // " ?" joins the run that follows
          const std::size_t end = run_end(k, next);
          on_word(i, end);
          i = end;
          continue;
        }
      }
      if (cls != Gpt2Class::Space) {
        const std::size_t end = run_end(j, cls);
        on_word(i, end);
        i = end;
        continue;
      }
      // Whitespace: \s+(?!\S) leaves the last space to the word after it;
      // a single space before a word is matched by \s+.
      const std::size_t end = run_end(j, Gpt2Class::Space);
      if (end < n) {
        std::size_t last = end - 1;
        while (detail::is_utf8_continuation(static_cast<unsigned char>(text[last]))) --last;
        if (last > i) {
          on_word(i, last);
          i = last;
          continue;
        }
      }
      on_word(i, end);
      i = end;
    }
  }

  // Appends the byte-level form of `word` to `mapped`, and (when `source`
  // is given) for each byte of it the index of the word byte it stands for.
  static void map_bytes(std::string_view word, std::string& mapped,
                        std::vector<std::uint32_t>* source = nullptr) {
    const auto& alphabet = detail::byte_level_alphabet();
    for (std::size_t i = 0; i < word.size(); ++i) {
      const auto b = static_cast<unsigned char>(word[i]);
      const std::size_t len = alphabet.utf8_length[b];
      mapped.append(alphabet.utf8[b].data(), len);
      if (!source) continue;
      source->push_back(static_cast<std::uint32_t>(i));
      if (len == 2) source->push_back(static_cast<std::uint32_t>(i));
    }
  }
};

// HF's ByteLevel decoder: every character of a token back to its byte (a
// token with a character outside the alphabet, such as an added token,
// keeps its own bytes), then the bytes as UTF-8 with invalid sequences
// replaced by U+FFFD.
struct ByteLevelDecoder {
  std::string decode(const std::vector<std::string_view>& tokens) const {
    const auto& alphabet = detail::byte_level_alphabet();
    std::string bytes;
    for (std::string_view t : tokens) {
      const std::size_t start = bytes.size();
      std::size_t i = 0;
      bool all_mapped = true;
      while (i < t.size()) {
        const int b = alphabet.byte_of(detail::next_char(t, i));
        if (b < 0) {
          all_mapped = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!all_mapped) {
        bytes.resize(start);
        bytes.append(t.data(), t.size());
      }
    }
    return detail::utf8_replace_invalid(bytes);
  }
};

}  // namespace bertpp
