// Python's str.strip() and str.lower() on UTF-8, for the text preparation
// sentence-transformers does before tokenizing.
#pragma once

#include "bertpp/error.hpp"

#include <utf8proc.h>

#include <string>
#include <string_view>

namespace bertpp {
namespace detail {

// Python's str.isspace() code points (Unicode White_Space plus the ASCII
// separators \x1c..\x1f).
inline bool python_space(utf8proc_int32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
         c == 0x202f || c == 0x205f || c == 0x3000;
}

// Decodes the code point at byte `pos`; returns its length (throws on invalid UTF-8).
inline std::size_t decode_at(std::string_view text, std::size_t pos, utf8proc_int32_t& cp) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data()) + pos;
  const utf8proc_ssize_t n =
      utf8proc_iterate(bytes, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (n <= 0)
    detail::throw_error<TokenizerError>(
        {"invalid UTF-8 at byte ", std::to_string(pos), " of the input text"});
  return static_cast<std::size_t>(n);
}

inline std::string python_strip(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  utf8proc_int32_t cp = 0;
  while (begin < end) {
    const std::size_t n = decode_at(text, begin, cp);
    if (!python_space(cp)) break;
    begin += n;
  }
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    decode_at(text, start, cp);
    if (!python_space(cp)) break;
    end = start;
  }
  return std::string(text.substr(begin, end - begin));
}

// Simple per-code-point lowercase (utf8proc), with Python's one multi-char
// case, U+0130 -> "i" + U+0307. Python's final-sigma rule is not applied.
inline std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  utf8proc_uint8_t buffer[4];
  for (std::size_t pos = 0; pos < text.size();) {
    utf8proc_int32_t cp = 0;
    pos += decode_at(text, pos, cp);
    if (cp == 0x130) {
      out += "i\xCC\x87";
      continue;
    }
    const utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(cp), buffer);
    out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace detail
}  // namespace bertpp
