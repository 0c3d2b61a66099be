// Unicode character classes exactly as HuggingFace's Rust tokenizers define
// them for BERT (BertNormalizer / BertPreTokenizer), backed by utf8proc.
#pragma once

#include <utf8proc.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace bertpp {
namespace detail {

inline utf8proc_category_t unicode_category(char32_t c) {
  return static_cast<utf8proc_category_t>(
      utf8proc_category(static_cast<utf8proc_int32_t>(c)));
}

// Rust's char::is_whitespace (the Unicode White_Space property).
inline bool is_rust_whitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// BertNormalizer's is_control: categories Cc, Cf and Co, except \t \n \r
// (which count as whitespace).
inline bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const auto cat = unicode_category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CO;
}

// BertNormalizer's is_chinese_char: the CJK ideograph blocks HF lists
// (including its 0x2B920 lower bound for Extension E/F).
inline bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

inline bool is_nonspacing_mark(char32_t c) {
  return unicode_category(c) == UTF8PROC_CATEGORY_MN;
}

inline bool is_ascii_punctuation(char32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

// BertPreTokenizer's is_bert_punc: ASCII punctuation (which includes symbols
// such as $ + < = > ^ ` | ~) or any Unicode P* category.
inline bool is_bert_punctuation(char32_t c) {
  if (c < 0x80) return is_ascii_punctuation(c);
  switch (unicode_category(c)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

// Rust's char::to_lowercase: the simple lowercase mapping, except U+0130
// (LATIN CAPITAL LETTER I WITH DOT ABOVE) which becomes "i" + U+0307.
// Writes 1 or 2 code points to out and returns the count.
inline std::size_t rust_to_lowercase(char32_t c, char32_t out[2]) {
  if (c < 0x80) {
    out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return 1;
  }
  if (c == 0x130) {
    out[0] = 'i';
    out[1] = 0x307;
    return 2;
  }
  out[0] = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
  return 1;
}

// Canonical decomposition (NFD) of one code point; at most 4 code points for
// any Unicode character. Returns the count written to out.
inline std::size_t canonical_decompose(char32_t c, char32_t out[4]) {
  if (c < 0xC0) {
    out[0] = c;
    return 1;
  }
  utf8proc_int32_t buffer[4];
  const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer, 4,
                                                     UTF8PROC_DECOMPOSE, nullptr);
  if (n <= 0 || n > 4) {
    out[0] = c;
    return 1;
  }
  for (utf8proc_ssize_t k = 0; k < n; ++k) out[k] = static_cast<char32_t>(buffer[k]);
  return static_cast<std::size_t>(n);
}

inline int combining_class(char32_t c) {
  if (c < 0x300) return 0;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

// Per-byte classes of ASCII characters, for the tokenizer's fast paths.
enum AsciiClass : std::uint8_t {
  kAsciiPlain = 0,
  kAsciiWhitespace = 1,   // \t \n \v \f \r and space (Rust's is_whitespace)
  kAsciiControl = 2,      // Cc except \t \n \r (so \v \f too): removed by clean_text
  kAsciiPunctuation = 4,  // isolated by the pre-tokenizer
  kAsciiUpper = 8,
};

inline const std::array<std::uint8_t, 128>& ascii_classes() {
  static const std::array<std::uint8_t, 128> table = [] {
    std::array<std::uint8_t, 128> t{};
    for (char32_t c = 0; c < 128; ++c) {
      std::uint8_t v = kAsciiPlain;
      if (is_rust_whitespace(c)) v |= kAsciiWhitespace;
      if ((c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r') v |= kAsciiControl;
      if (is_ascii_punctuation(c)) v |= kAsciiPunctuation;
      if (c >= 'A' && c <= 'Z') v |= kAsciiUpper;
      t[c] = v;
    }
    return t;
  }();
  return table;
}

}  // namespace detail
}  // namespace bertpp
