// Truncation of encodings to a maximum length, with stride windows kept in
// Encoding::overflowing, exactly as HF's tokenizers (Rust) does.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };

struct TruncationOptions {
  std::size_t max_length = 512;  // total length, special tokens included
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  std::size_t stride = 0;  // tokens shared by consecutive overflow windows
};

namespace detail {

template <typename T>
std::vector<T> slice(const std::vector<T>& v, std::size_t begin, std::size_t end) {
  return std::vector<T>(v.begin() + static_cast<std::ptrdiff_t>(begin),
                        v.begin() + static_cast<std::ptrdiff_t>(end));
}

inline Encoding slice_encoding(const Encoding& e, std::size_t begin, std::size_t end) {
  Encoding out;
  out.ids = slice(e.ids, begin, end);
  out.type_ids = slice(e.type_ids, begin, end);
  out.tokens = slice(e.tokens, begin, end);
  out.offsets = slice(e.offsets, begin, end);
  out.attention_mask = slice(e.attention_mask, begin, end);
  out.special_tokens_mask = slice(e.special_tokens_mask, begin, end);
  out.word_ids = slice(e.word_ids, begin, end);
  out.sequence_ids = slice(e.sequence_ids, begin, end);
  return out;
}

}  // namespace detail

// Keeps the first max_len tokens of `e`; the rest goes to e.overflowing as
// windows of max_len tokens starting every (max_len - stride) tokens (HF's
// Encoding::truncate, direction right). max_len 0 moves everything to
// overflowing. Throws TokenizerError when stride >= max_len > 0.
inline void truncate_encoding(Encoding& e, std::size_t max_len, std::size_t stride) {
  const std::size_t len = e.size();
  if (max_len >= len) return;
  if (max_len == 0) {
    Encoding whole = std::move(e);
    e = Encoding{};
    e.overflowing.push_back(std::move(whole));
    return;
  }
  if (stride >= max_len)
    throw TokenizerError("truncation: stride " + std::to_string(stride) +
                         " must be smaller than the length left for the sequence (" +
                         std::to_string(max_len) + " tokens)");
  const std::size_t step = max_len - stride;
  std::vector<std::pair<std::size_t, std::size_t>> windows;
  for (std::size_t start = 0; start < len; start += step) {
    const std::size_t stop = std::min(start + max_len, len);
    windows.emplace_back(start, stop);
    if (stop == len) break;
  }
  Encoding first = detail::slice_encoding(e, windows[0].first, windows[0].second);
  for (std::size_t w = 1; w < windows.size(); ++w)
    first.overflowing.push_back(detail::slice_encoding(e, windows[w].first, windows[w].second));
  e = std::move(first);
}

// HF's truncate_encodings: fits `a` (+ `b`) into max_length tokens (special
// tokens already subtracted by the caller). LongestFirst shares the budget;
// OnlyFirst / OnlySecond cut one sequence and refuse (TokenizerError) when
// that sequence is too short to absorb the excess.
inline void truncate_pair(Encoding& a, Encoding* b, std::size_t max_length,
                          TruncationStrategy strategy, std::size_t stride) {
  if (max_length == 0) {
    truncate_encoding(a, 0, stride);
    if (b) truncate_encoding(*b, 0, stride);
    return;
  }
  const std::size_t total = a.size() + (b ? b->size() : 0);
  if (total <= max_length) return;
  const std::size_t to_remove = total - max_length;
  if (strategy == TruncationStrategy::LongestFirst) {
    if (!b) {
      truncate_encoding(a, max_length, stride);
      return;
    }
    std::size_t n1 = a.size(), n2 = b->size();
    const bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
    if (n1 + n2 > max_length) {
      n1 = max_length / 2;
      n2 = n1 + max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    truncate_encoding(a, n1, stride);
    truncate_encoding(*b, n2, stride);
    return;
  }
  const bool first = strategy == TruncationStrategy::OnlyFirst;
  if (!first && !b)
    throw TokenizerError("truncation only_second needs a text pair, but only one text was given");
  Encoding& target = first ? a : *b;
  if (target.size() <= to_remove)
    throw TokenizerError(std::string("truncation ") + (first ? "only_first" : "only_second") +
                         ": the " + (first ? "first" : "second") + " sequence has " +
                         std::to_string(target.size()) + " tokens but " +
                         std::to_string(to_remove) +
                         " must be removed to fit max_length (the other sequence alone is too long)");
  truncate_encoding(target, target.size() - to_remove, stride);
}

}  // namespace bertpp
