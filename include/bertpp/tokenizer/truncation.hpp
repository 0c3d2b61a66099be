// Truncation of one text or a text pair to a maximum length, with stride
// windows for the overflow, exactly as HF's tokenizers (Rust) cuts them.
// Truncation only plans token windows; the post-processor copies each window
// once, so the work is linear in the input and in the windows asked for.
#pragma once

#include "bertpp/error.hpp"

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

// A half-open range [begin, end) of one sequence's tokens.
struct TokenWindow {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  friend bool operator==(const TokenWindow& a, const TokenWindow& b) {
    return a.begin == b.begin && a.end == b.end;
  }
};

// The windows of each sequence after truncation: [0] is the part kept, the
// rest (only when overflowing windows were asked for) are HF's
// `overflowing` parts, in order.
struct TruncationPlan {
  std::vector<TokenWindow> first;
  std::vector<TokenWindow> second;  // empty for a single text
};

// Windows of one sequence of `len` tokens cut to `max_len` (HF's
// Encoding::truncate, direction right): the first max_len tokens, then, if
// `overflowing`, windows of max_len tokens starting every max_len - stride
// tokens. max_len 0 keeps nothing and overflows everything as one window.
// Throws TokenizerError when stride >= max_len > 0.
inline std::vector<TokenWindow> truncation_windows(std::size_t len, std::size_t max_len,
                                                   std::size_t stride, bool overflowing) {
  if (max_len >= len) return {TokenWindow{0, len}};
  if (max_len == 0) {
    if (!overflowing) return {TokenWindow{0, 0}};
    return {TokenWindow{0, 0}, TokenWindow{0, len}};
  }
  if (stride >= max_len)
    detail::throw_error<TokenizerError>({"truncation: stride ", std::to_string(stride),
                                         " must be smaller than the length left for the sequence (",
                                         std::to_string(max_len), " tokens)"});
  std::vector<TokenWindow> windows{TokenWindow{0, max_len}};
  if (!overflowing) return windows;
  const std::size_t step = max_len - stride;
  for (std::size_t start = step;; start += step) {
    const std::size_t stop = std::min(start + max_len, len);
    windows.push_back(TokenWindow{start, stop});
    if (stop == len) break;
  }
  return windows;
}

// HF's truncate_encodings: fits a sequence of `first` tokens (+ one of
// `*second`) into max_length tokens (special tokens already subtracted by the
// caller). LongestFirst shares the budget; OnlyFirst / OnlySecond cut one
// sequence and refuse (TokenizerError) when that sequence is too short to
// absorb the excess.
inline TruncationPlan plan_truncation(std::size_t first, const std::size_t* second,
                                      std::size_t max_length, TruncationStrategy strategy,
                                      std::size_t stride, bool overflowing) {
  TruncationPlan plan;
  plan.first = {TokenWindow{0, first}};
  if (second) plan.second = {TokenWindow{0, *second}};
  if (max_length == 0) {
    plan.first = truncation_windows(first, 0, stride, overflowing);
    if (second) plan.second = truncation_windows(*second, 0, stride, overflowing);
    return plan;
  }
  const std::size_t total = first + (second ? *second : 0);
  if (total <= max_length) return plan;
  const std::size_t to_remove = total - max_length;
  if (strategy == TruncationStrategy::LongestFirst) {
    if (!second) {
      plan.first = truncation_windows(first, max_length, stride, overflowing);
      return plan;
    }
    std::size_t n1 = first, n2 = *second;
    const bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
    if (n1 + n2 > max_length) {
      n1 = max_length / 2;
      n2 = n1 + max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    plan.first = truncation_windows(first, n1, stride, overflowing);
    plan.second = truncation_windows(*second, n2, stride, overflowing);
    return plan;
  }
  const bool cut_first = strategy == TruncationStrategy::OnlyFirst;
  if (!cut_first && !second)
    throw TokenizerError("truncation only_second needs a text pair, but only one text was given");
  const std::size_t target = cut_first ? first : *second;
  if (target <= to_remove)
    detail::throw_error<TokenizerError>(
        {std::string("truncation "), (cut_first ? "only_first" : "only_second"), ": the ",
         (cut_first ? "first" : "second"), " sequence has ", std::to_string(target), " tokens but ",
         std::to_string(to_remove),
         " must be removed to fit max_length (the other sequence alone is too long)"});
  (cut_first ? plan.first : plan.second) =
      truncation_windows(target, target - to_remove, stride, overflowing);
  return plan;
}

}  // namespace bertpp
