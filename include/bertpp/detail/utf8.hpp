// UTF-8 decoding, encoding and validation for the tokenizer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bertpp {
namespace detail {

// Number of bytes of the UTF-8 sequence that starts with `lead` (1 for
// continuation bytes, so a scan always advances).
inline std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

inline bool is_utf8_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Decodes the code point at `s[i]`, which must be valid UTF-8 (checked
// beforehand by utf8_invalid_position). Advances i past it.
inline char32_t utf8_decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  const std::size_t n = utf8_length(b0);
  char32_t c = b0 & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return c;
}

// Appends the UTF-8 encoding of c; returns the number of bytes written.
inline std::size_t utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
    return 1;
  }
  if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    return 2;
  }
  if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    return 3;
  }
  out.push_back(static_cast<char>(0xF0 | (c >> 18)));
  out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  return 4;
}

inline std::size_t utf8_encoded_length(char32_t c) {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

// Byte position of the first invalid UTF-8 sequence (truncated, overlong,
// surrogate, beyond U+10FFFF, stray continuation byte), or npos when the
// whole text is valid.
inline std::size_t utf8_invalid_position(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: 8 ASCII bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t chunk = 0;
      for (int k = 0; k < 8; ++k)
        chunk |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i + k])) << (8 * k);
      if (chunk & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    char32_t min;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    char32_t c = b0 & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (!is_utf8_continuation(b)) return i;
      c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

// Number of code points in valid UTF-8 text.
inline std::size_t utf8_count(std::string_view s) {
  std::size_t count = 0;
  for (char ch : s) count += !is_utf8_continuation(static_cast<unsigned char>(ch));
  return count;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid; then
// `subpart` is the length of its maximal invalid subpart (at least 1).
inline std::size_t utf8_valid_length(std::string_view s, std::size_t i, std::size_t& subpart) {
  const auto lead = static_cast<unsigned char>(s[i]);
  subpart = 1;
  if (lead < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) len = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return 0;
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
    subpart = k + 1;
  }
  return len;
}

// Rust's String::from_utf8_lossy: every maximal invalid subpart becomes
// U+FFFD.
inline std::string utf8_replace_invalid(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t subpart;
    const std::size_t len = utf8_valid_length(s, i, subpart);
    if (len) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      i += subpart;
    }
  }
  return out;
}

}  // namespace detail
}  // namespace bertpp
