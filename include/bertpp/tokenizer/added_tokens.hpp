// Added tokens ([CLS], [MASK], user tokens): found in the text before the
// model sees it and kept whole, as HF's AddedVocabulary does.
#pragma once

#include "bertpp/detail/stable_order.hpp"
#include "bertpp/detail/unicode.hpp"
#include "bertpp/detail/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertpp {

// One entry of tokenizer.json's "added_tokens" (flags as HF defines them).
struct AddedToken {
  std::string content;
  std::int32_t id = -1;
  bool single_word = false;  // only match when not inside a word
  bool lstrip = false;       // also swallow whitespace on the left
  bool rstrip = false;       // also swallow whitespace on the right
  bool normalized = false;   // match on the normalized text instead of the original
  bool special = true;       // skipped by decode(skip_special_tokens=true)
};

// A match of an added token in a text: byte span and index into the token list.
struct AddedTokenMatch {
  std::size_t begin;
  std::size_t end;
  std::size_t token;
};

namespace detail {

inline bool is_word_char(char32_t c) {
  if (c == '_') return true;
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
  const auto cat = unicode_category(c);
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

inline char32_t last_char(std::string_view s) {
  std::size_t i = s.size();
  while (i > 0 && is_utf8_continuation(static_cast<unsigned char>(s[i - 1]))) --i;
  if (i > 0) --i;
  return utf8_decode(s, i);
}

inline char32_t first_char(std::string_view s) {
  std::size_t i = 0;
  return utf8_decode(s, i);
}

}  // namespace detail

// Finds the added tokens of one kind (normalized or not) in a text:
// leftmost-longest, non-overlapping, like HF's Aho-Corasick search.
class AddedTokenMatcher {
 public:
  // `patterns[i]` is the text to look for token i (normalized content for
  // normalized tokens); empty patterns are ignored.
  void build(const std::vector<AddedToken>& tokens, const std::vector<std::string>& patterns,
             bool normalized) {
    candidates_.clear();
    first_bytes_.fill(false);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].normalized != normalized || patterns[i].empty()) continue;
      candidates_.push_back({patterns[i], i});
      first_bytes_[static_cast<unsigned char>(patterns[i][0])] = true;
    }
    // Longest first, so the first hit at a position is the longest.
    std::vector<std::size_t> lengths;
    for (const Candidate& c : candidates_) lengths.push_back(c.pattern.size());
    detail::apply_order(candidates_, detail::stable_order(lengths, /*descending=*/true));
  }

  bool empty() const { return candidates_.empty(); }

  // Appends the matches in `text`, applying single_word / lstrip / rstrip.
  void find(std::string_view text, const std::vector<AddedToken>& tokens,
            std::vector<AddedTokenMatch>& out) const {
    if (candidates_.empty()) return;
    std::size_t consumed = 0;  // end of the previous kept match
    std::size_t i = 0;
    while (i < text.size()) {
      if (!first_bytes_[static_cast<unsigned char>(text[i])]) {
        ++i;
        continue;
      }
      const Candidate* hit = nullptr;
      for (const Candidate& c : candidates_) {
        if (text.compare(i, c.pattern.size(), c.pattern) == 0) {
          hit = &c;
          break;
        }
      }
      if (!hit) {
        ++i;
        continue;
      }
      std::size_t begin = i;
      std::size_t end = i + hit->pattern.size();
      i = end;  // the search resumes after this match, kept or not
      const AddedToken& token = tokens[hit->token];
      if (token.single_word) {
        const bool word_before = begin > 0 && detail::is_word_char(detail::last_char(text.substr(0, begin)));
        const bool word_after = end < text.size() && detail::is_word_char(detail::first_char(text.substr(end)));
        if (word_before || word_after) continue;
      }
      if (token.lstrip) begin = std::max(strip_left(text, begin), consumed);
      if (token.rstrip) end = strip_right(text, end);
      out.push_back({begin, end, hit->token});
      consumed = end;
      if (i < end) i = end;
    }
  }

 private:
  struct Candidate {
    std::string pattern;
    std::size_t token;
  };

  // Start of the whitespace run that ends at `pos`.
  static std::size_t strip_left(std::string_view text, std::size_t pos) {
    while (pos > 0) {
      std::size_t p = pos - 1;
      while (p > 0 && detail::is_utf8_continuation(static_cast<unsigned char>(text[p]))) --p;
      std::size_t q = p;
      if (!detail::is_rust_whitespace(detail::utf8_decode(text, q))) break;
      pos = p;
    }
    return pos;
  }

  // End of the whitespace run that starts at `pos`.
  static std::size_t strip_right(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
      std::size_t q = pos;
      if (!detail::is_rust_whitespace(detail::utf8_decode(text, q))) break;
      pos = q;
    }
    return pos;
  }

  std::vector<Candidate> candidates_;
  std::array<bool, 256> first_bytes_{};
};

}  // namespace bertpp
