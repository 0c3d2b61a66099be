// The post-processor: special tokens around one or two sequences from a
// template (HF's TemplateProcessing; BertProcessing and RobertaProcessing are
// fixed templates), byte-level offset trimming (RobertaProcessing's
// trim_offsets), and the overflow windows of a truncated input, combined in
// HF's order.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/tokenizer/byte_level.hpp"
#include "bertpp/tokenizer/encoding.hpp"
#include "bertpp/tokenizer/truncation.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

// One element of a template: a sequence ($A / $B) or a special token, each
// with the type id its tokens get.
struct TemplatePiece {
  bool is_sequence = true;
  int sequence = 0;           // 0 = A, 1 = B (when is_sequence)
  std::string special;        // key into the special token table (otherwise)
  std::int32_t type_id = 0;
};

// A special token of a template (HF allows several ids per entry).
struct TemplateSpecialToken {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;
};

class TemplateProcessing {
 public:
  TemplateProcessing() = default;
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                     std::map<std::string, TemplateSpecialToken> specials)
      : single_(std::move(single)), pair_(std::move(pair)), specials_(std::move(specials)) {
    for (const auto* t : {&single_, &pair_})
      for (const TemplatePiece& p : *t)
        if (!p.is_sequence && !specials_.count(p.special))
          detail::throw_error<TokenizerError>({"post_processor template uses special token '",
                                               p.special,
                                               "' which is not defined in its special_tokens"});
  }

  // BERT's template: [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1.
  static TemplateProcessing bert(const std::string& cls, std::int32_t cls_id,
                                 const std::string& sep, std::int32_t sep_id) {
    return TemplateProcessing(
        {special(cls, 0), sequence(0, 0), special(sep, 0)},
        {special(cls, 0), sequence(0, 0), special(sep, 0), sequence(1, 1), special(sep, 1)},
        specials_of(cls, cls_id, sep, sep_id));
  }

  // RoBERTa's template: <s> $A </s> / <s> $A </s> </s> $B </s>, type 0
  // throughout (as HF's RobertaProcessing).
  static TemplateProcessing roberta(const std::string& cls, std::int32_t cls_id,
                                    const std::string& sep, std::int32_t sep_id) {
    return TemplateProcessing(
        {special(cls, 0), sequence(0, 0), special(sep, 0)},
        {special(cls, 0), sequence(0, 0), special(sep, 0), special(sep, 0), sequence(1, 0),
         special(sep, 0)},
        specials_of(cls, cls_id, sep, sep_id));
  }

  // No special tokens at all (tokenizer.json "post_processor": null).
  static TemplateProcessing none() { return TemplateProcessing({sequence(0, 0)}, {sequence(0, 0), sequence(1, 1)}, {}); }

  // Byte-level offset trimming (HF's ByteLevel process_offsets): offsets
  // leave out the spaces a token starts or ends with.
  void set_trim_offsets(bool trim, bool add_prefix_space) {
    trim_offsets_ = trim;
    add_prefix_space_ = add_prefix_space;
  }
  bool trim_offsets() const { return trim_offsets_; }

  // Number of special tokens the template adds.
  std::size_t added_tokens(bool is_pair) const {
    std::size_t n = 0;
    for (const TemplatePiece& p : is_pair ? pair_ : single_)
      if (!p.is_sequence) n += specials_.at(p.special).ids.size();
    return n;
  }

  // Applies the template to the windows `plan` selects of `a` (and `b`).
  // The sequences hold ids, tokens, byte_offsets and word_ids; their tokens
  // are moved out when no window needs them twice. Overflowing windows come
  // in HF's order (Encoding::merge_with over the template): every overflow
  // window of A with each window of B, then A's first window with B's
  // overflow windows.
  Encoding process(Encoding& a, Encoding* b, const TruncationPlan& plan, bool add_special_tokens) const {
    using Combination = std::array<std::size_t, 2>;  // window of A, window of B
    const std::vector<TokenWindow>* windows[2] = {&plan.first, &plan.second};
    Combination main{0, 0};
    std::vector<Combination> overflowing;
    bool seen[2] = {false, false};
    for (const TemplatePiece& piece : b ? pair_ : single_) {
      if (!piece.is_sequence || seen[piece.sequence]) continue;
      seen[piece.sequence] = true;
      const std::size_t n = windows[piece.sequence]->size();
      std::vector<Combination> next;
      next.reserve(overflowing.size() * n + n);
      for (const Combination& o : overflowing)
        for (std::size_t w = 0; w < n; ++w) {
          next.push_back(o);
          next.back()[piece.sequence] = w;
        }
      for (std::size_t w = 1; w < n; ++w) {
        next.push_back(main);
        next.back()[piece.sequence] = w;
      }
      overflowing = std::move(next);
    }
    const bool reuse = overflowing.empty();
    Encoding* sequences[2] = {&a, b};
    Encoding result = build(sequences, windows, main, add_special_tokens, reuse);
    result.overflowing.reserve(overflowing.size());
    for (const Combination& o : overflowing)
      result.overflowing.push_back(build(sequences, windows, o, add_special_tokens, false));
    return result;
  }

 private:
  static TemplatePiece special(const std::string& key, std::int32_t type) {
    TemplatePiece p;
    p.is_sequence = false;
    p.special = key;
    p.type_id = type;
    return p;
  }

  static TemplatePiece sequence(int seq, std::int32_t type) {
    TemplatePiece p;
    p.sequence = seq;
    p.type_id = type;
    return p;
  }

  static std::map<std::string, TemplateSpecialToken> specials_of(const std::string& cls, std::int32_t cls_id,
                                                                const std::string& sep, std::int32_t sep_id) {
    std::map<std::string, TemplateSpecialToken> specials;
    specials[cls] = TemplateSpecialToken{{cls_id}, {cls}};
    specials[sep] = TemplateSpecialToken{{sep_id}, {sep}};
    return specials;
  }

  Encoding build(Encoding* const* sequences, const std::vector<TokenWindow>* const* windows,
                 const std::array<std::size_t, 2>& combination, bool add_special_tokens, bool reuse) const {
    const bool pair = sequences[1] != nullptr;
    std::size_t n = add_special_tokens ? added_tokens(pair) : 0;
    for (int s = 0; s < (pair ? 2 : 1); ++s) n += (*windows[s])[combination[s]].size();
    Encoding e;
    e.ids.reserve(n);
    e.type_ids.reserve(n);
    e.tokens.reserve(n);
    e.byte_offsets.reserve(n);
    e.attention_mask.assign(n, 1);
    e.special_tokens_mask.reserve(n);
    e.word_ids.reserve(n);
    e.sequence_ids.reserve(n);
    for (const TemplatePiece& piece : pair ? pair_ : single_) {
      if (piece.is_sequence) {
        append_window(e, *sequences[piece.sequence], (*windows[piece.sequence])[combination[piece.sequence]],
                      piece, reuse);
      } else if (add_special_tokens) {
        append_special(e, piece);
      }
    }
    return e;
  }

  void append_window(Encoding& e, Encoding& from, const TokenWindow& w, const TemplatePiece& piece,
                     bool reuse) const {
    const auto b = static_cast<std::ptrdiff_t>(w.begin);
    const auto end = static_cast<std::ptrdiff_t>(w.end);
    const std::size_t first = e.size();
    e.ids.insert(e.ids.end(), from.ids.begin() + b, from.ids.begin() + end);
    if (reuse)
      e.tokens.insert(e.tokens.end(), std::make_move_iterator(from.tokens.begin() + b),
                      std::make_move_iterator(from.tokens.begin() + end));
    else
      e.tokens.insert(e.tokens.end(), from.tokens.begin() + b, from.tokens.begin() + end);
    e.byte_offsets.insert(e.byte_offsets.end(), from.byte_offsets.begin() + b, from.byte_offsets.begin() + end);
    e.word_ids.insert(e.word_ids.end(), from.word_ids.begin() + b, from.word_ids.begin() + end);
    e.type_ids.insert(e.type_ids.end(), w.size(), piece.type_id);
    e.special_tokens_mask.insert(e.special_tokens_mask.end(), w.size(), 0);
    e.sequence_ids.insert(e.sequence_ids.end(), w.size(), piece.sequence);
    // Trimming counts positions from the start of each window, as HF does
    // on each (overflowing) encoding before merging.
    if (trim_offsets_)
      for (std::size_t i = first; i < e.size(); ++i)
        detail::trim_byte_level_offset(e.tokens[i], e.byte_offsets[i], i == first, add_prefix_space_);
  }

  void append_special(Encoding& e, const TemplatePiece& piece) const {
    const TemplateSpecialToken& t = specials_.at(piece.special);
    const std::size_t n = t.ids.size();
    e.ids.insert(e.ids.end(), t.ids.begin(), t.ids.end());
    e.tokens.insert(e.tokens.end(), t.tokens.begin(), t.tokens.end());
    e.type_ids.insert(e.type_ids.end(), n, piece.type_id);
    e.byte_offsets.insert(e.byte_offsets.end(), n, Offset{0, 0});
    e.special_tokens_mask.insert(e.special_tokens_mask.end(), n, 1);
    e.word_ids.insert(e.word_ids.end(), n, Encoding::kNone);
    e.sequence_ids.insert(e.sequence_ids.end(), n, Encoding::kNone);
  }

  std::vector<TemplatePiece> single_;
  std::vector<TemplatePiece> pair_;
  std::map<std::string, TemplateSpecialToken> specials_;
  bool trim_offsets_ = false;
  bool add_prefix_space_ = false;
};

}  // namespace bertpp
