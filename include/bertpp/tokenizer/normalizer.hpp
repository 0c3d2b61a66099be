// BertNormalizer: HuggingFace's text cleanup before WordPiece, keeping for
// every normalized byte the original bytes it came from so token offsets
// point into the caller's text exactly.
#pragma once

#include "bertpp/detail/unicode.hpp"
#include "bertpp/detail/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bertpp {

// A normalized text plus, for each of its bytes, the [begin, end) byte span
// of the original character it came from (offsets into the original text,
// shifted by the `base` given to normalize()).
struct NormalizedText {
  std::string text;
  std::vector<std::uint32_t> begin;
  std::vector<std::uint32_t> end;

  void clear() {
    text.clear();
    begin.clear();
    end.clear();
  }
  // Original span of the normalized byte range [b, e), e > b.
  std::uint32_t original_begin(std::size_t b) const { return begin[b]; }
  std::uint32_t original_end(std::size_t e) const { return end[e - 1]; }
};

class BertNormalizer {
 public:
  // strip_accents unset = follow lowercase, as HF does.
  BertNormalizer(bool clean_text = true, bool handle_chinese_chars = true,
                 std::optional<bool> strip_accents = std::nullopt, bool lowercase = true)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents.value_or(lowercase)),
        lowercase_(lowercase) {}

  // A normalizer that changes nothing (tokenizer.json "normalizer": null).
  static BertNormalizer identity() { return BertNormalizer(false, false, false, false); }

  bool clean_text() const { return clean_text_; }
  bool handle_chinese_chars() const { return handle_chinese_chars_; }
  bool strip_accents() const { return strip_accents_; }
  bool lowercase() const { return lowercase_; }

  // Normalizes `original` (valid UTF-8) into `out` (cleared first). Steps in
  // HF's order: clean_text (drop U+0000, U+FFFD and Cc/Cf/Co controls, map
  // whitespace to ' '), spaces around CJK ideographs, strip accents (NFD then
  // drop Mn marks), lowercase (Rust char::to_lowercase).
  // Note: NFD here decomposes character by character without canonical
  // reordering of combining marks across characters; as accents are stripped
  // right after, this only matters for spacing marks with a non-zero
  // combining class, which do not occur in practice.
  void normalize(std::string_view original, std::size_t base, NormalizedText& out) const {
    out.clear();
    if (!clean_text_ && !handle_chinese_chars_ && !strip_accents_ && !lowercase_) return copy(original, base, out);
    out.text.reserve(original.size() + 8);
    out.begin.reserve(original.size() + 8);
    out.end.reserve(original.size() + 8);
    const auto& ascii = detail::ascii_classes();
    std::size_t i = 0;
    while (i < original.size()) {
      const std::size_t start = i;
      const auto byte = static_cast<unsigned char>(original[i]);
      if (byte < 0x80) {
        ++i;
        const std::uint8_t cls = ascii[byte];
        char ch = static_cast<char>(byte);
        if (clean_text_) {
          if ((cls & detail::kAsciiControl) || byte == 0) continue;
          if (cls & detail::kAsciiWhitespace) ch = ' ';
        }
        if (lowercase_ && (cls & detail::kAsciiUpper)) ch = static_cast<char>(ch + 32);
        emit_byte(out, ch, base + start, base + i);
        continue;
      }
      char32_t c = detail::utf8_decode(original, i);
      normalize_char(c, static_cast<std::uint32_t>(base + start),
                     static_cast<std::uint32_t>(base + i), out);
    }
  }

 private:
  // The identity: the text as it is, each byte spanning its character.
  static void copy(std::string_view original, std::size_t base, NormalizedText& out) {
    const std::size_t n = original.size();
    out.text.assign(original.data(), n);
    out.begin.resize(n);
    out.end.resize(n);
    std::size_t i = 0;
    while (i < n) {
      const std::size_t length = detail::utf8_length(static_cast<unsigned char>(original[i]));
      const auto b = static_cast<std::uint32_t>(base + i), e = static_cast<std::uint32_t>(base + i + length);
      for (std::size_t k = 0; k < length; ++k) {
        out.begin[i + k] = b;
        out.end[i + k] = e;
      }
      i += length;
    }
  }

  static void emit_byte(NormalizedText& out, char ch, std::size_t b, std::size_t e) {
    out.text.push_back(ch);
    out.begin.push_back(static_cast<std::uint32_t>(b));
    out.end.push_back(static_cast<std::uint32_t>(e));
  }

  static void emit(NormalizedText& out, char32_t c, std::uint32_t b, std::uint32_t e) {
    const std::size_t n = detail::utf8_append(out.text, c);
    out.begin.insert(out.begin.end(), n, b);
    out.end.insert(out.end.end(), n, e);
  }

  void normalize_char(char32_t c, std::uint32_t b, std::uint32_t e, NormalizedText& out) const {
    if (clean_text_) {
      if (c == 0xFFFD || detail::is_bert_control(c)) return;
      if (detail::is_rust_whitespace(c)) c = ' ';
    }
    if (handle_chinese_chars_ && detail::is_chinese_char(c)) {
      emit(out, ' ', b, e);
      emit_accents_and_case(c, b, e, out);
      emit(out, ' ', b, e);
      return;
    }
    emit_accents_and_case(c, b, e, out);
  }

  void emit_accents_and_case(char32_t c, std::uint32_t b, std::uint32_t e,
                             NormalizedText& out) const {
    char32_t parts[4];
    std::size_t n_parts = 1;
    parts[0] = c;
    if (strip_accents_) n_parts = detail::canonical_decompose(c, parts);
    for (std::size_t k = 0; k < n_parts; ++k) {
      if (strip_accents_ && detail::is_nonspacing_mark(parts[k])) continue;
      if (!lowercase_) {
        emit(out, parts[k], b, e);
        continue;
      }
      char32_t lower[2];
      const std::size_t n_lower = detail::rust_to_lowercase(parts[k], lower);
      for (std::size_t j = 0; j < n_lower; ++j) emit(out, lower[j], b, e);
    }
  }

  bool clean_text_;
  bool handle_chinese_chars_;
  bool strip_accents_;
  bool lowercase_;
};

}  // namespace bertpp
