// TemplateProcessing: adds [CLS]/[SEP] around one or two sequences and merges
// them (overflowing windows included) exactly as HF's tokenizers does.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/tokenizer/encoding.hpp"

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

namespace detail {

template <typename T>
void append(std::vector<T>& to, std::vector<T>&& from) {
  if (to.empty()) {
    to = std::move(from);
    return;
  }
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

inline void append_fields(Encoding& self, Encoding&& pair) {
  append(self.ids, std::move(pair.ids));
  append(self.type_ids, std::move(pair.type_ids));
  append(self.tokens, std::move(pair.tokens));
  append(self.offsets, std::move(pair.offsets));
  append(self.attention_mask, std::move(pair.attention_mask));
  append(self.special_tokens_mask, std::move(pair.special_tokens_mask));
  append(self.word_ids, std::move(pair.word_ids));
  append(self.sequence_ids, std::move(pair.sequence_ids));
}

// HF's Encoding::merge_with (offsets not shifted): appends `pair` to `self`
// and combines the overflowing windows of both sides.
inline void merge_with(Encoding& self, Encoding pair) {
  if (self.overflowing.empty() && pair.overflowing.empty()) {
    append_fields(self, std::move(pair));
    return;
  }
  std::vector<Encoding> overflowing;
  for (const Encoding& self_o : self.overflowing) {
    Encoding n = self_o;
    merge_with(n, pair);
    overflowing.push_back(std::move(n));
    for (const Encoding& other_o : pair.overflowing) {
      Encoding m = self_o;
      merge_with(m, other_o);
      overflowing.push_back(std::move(m));
    }
  }
  for (const Encoding& other_o : pair.overflowing) {
    Encoding n = self;
    merge_with(n, other_o);
    overflowing.push_back(std::move(n));
  }
  append_fields(self, std::move(pair));
  self.overflowing = std::move(overflowing);
}

inline void set_sequence_id(Encoding& e, std::int32_t id) {
  e.sequence_ids.assign(e.size(), id);
}

}  // namespace detail

class TemplateProcessing {
 public:
  TemplateProcessing() = default;
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                     std::map<std::string, TemplateSpecialToken> specials)
      : single_(std::move(single)), pair_(std::move(pair)), specials_(std::move(specials)) {
    for (const auto* t : {&single_, &pair_})
      for (const TemplatePiece& p : *t)
        if (!p.is_sequence && !specials_.count(p.special))
          throw TokenizerError("post_processor template uses special token '" + p.special +
                               "' which is not defined in its special_tokens");
  }

  // BERT's template: [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1.
  static TemplateProcessing bert(const std::string& cls, std::int32_t cls_id,
                                 const std::string& sep, std::int32_t sep_id) {
    auto special = [](const std::string& key, std::int32_t type) {
      TemplatePiece p;
      p.is_sequence = false;
      p.special = key;
      p.type_id = type;
      return p;
    };
    auto sequence = [](int seq, std::int32_t type) {
      TemplatePiece p;
      p.sequence = seq;
      p.type_id = type;
      return p;
    };
    std::map<std::string, TemplateSpecialToken> specials;
    specials[cls] = TemplateSpecialToken{{cls_id}, {cls}};
    specials[sep] = TemplateSpecialToken{{sep_id}, {sep}};
    return TemplateProcessing({special(cls, 0), sequence(0, 0), special(sep, 0)},
                              {special(cls, 0), sequence(0, 0), special(sep, 0), sequence(1, 1),
                               special(sep, 1)},
                              std::move(specials));
  }

  // No special tokens at all (tokenizer.json "post_processor": null).
  static TemplateProcessing none() {
    TemplatePiece a, b;
    b.sequence = 1;
    b.type_id = 1;
    return TemplateProcessing({a}, {a, b}, {});
  }

  // Number of special tokens the template adds.
  std::size_t added_tokens(bool is_pair) const {
    std::size_t n = 0;
    for (const TemplatePiece& p : is_pair ? pair_ : single_)
      if (!p.is_sequence) n += specials_.at(p.special).ids.size();
    return n;
  }

  // HF's PostProcessor::process + TemplateProcessing::apply_template.
  Encoding process(Encoding a, Encoding* b, bool add_special_tokens) const {
    Encoding* sequences[2] = {&a, b};
    for (int i = 0; i < (b ? 2 : 1); ++i) {
      Encoding& e = *sequences[i];
      detail::set_sequence_id(e, i);
      for (Encoding& o : e.overflowing) detail::set_sequence_id(o, i);
      e.type_ids.assign(e.size(), i);
    }
    Encoding result;
    reserve(result, a.size() + (b ? b->size() : 0) + added_tokens(b != nullptr));
    for (const TemplatePiece& piece : b ? pair_ : single_) {
      if (piece.is_sequence) {
        Encoding& e = *sequences[piece.sequence];
        e.type_ids.assign(e.size(), piece.type_id);
        detail::merge_with(result, std::move(e));
      } else if (add_special_tokens) {
        if (result.overflowing.empty())
          append_special(result, piece);  // plain append, no temporary Encoding
        else
          detail::merge_with(result, special_encoding(piece));
      }
    }
    return result;
  }

 private:
  static void reserve(Encoding& e, std::size_t n) {
    e.ids.reserve(n);
    e.type_ids.reserve(n);
    e.tokens.reserve(n);
    e.offsets.reserve(n);
    e.attention_mask.reserve(n);
    e.special_tokens_mask.reserve(n);
    e.word_ids.reserve(n);
    e.sequence_ids.reserve(n);
  }

  void append_special(Encoding& e, const TemplatePiece& piece) const {
    const TemplateSpecialToken& t = specials_.at(piece.special);
    const std::size_t n = t.ids.size();
    detail::append(e.ids, t.ids);
    detail::append(e.tokens, t.tokens);
    e.type_ids.insert(e.type_ids.end(), n, piece.type_id);
    e.offsets.insert(e.offsets.end(), n, Offset{0, 0});
    e.attention_mask.insert(e.attention_mask.end(), n, 1);
    e.special_tokens_mask.insert(e.special_tokens_mask.end(), n, 1);
    e.word_ids.insert(e.word_ids.end(), n, Encoding::kNone);
    e.sequence_ids.insert(e.sequence_ids.end(), n, Encoding::kNone);
  }

  Encoding special_encoding(const TemplatePiece& piece) const {
    const TemplateSpecialToken& t = specials_.at(piece.special);
    const std::size_t n = t.ids.size();
    Encoding e;
    e.ids = t.ids;
    e.tokens = t.tokens;
    e.type_ids.assign(n, piece.type_id);
    e.offsets.assign(n, Offset{0, 0});
    e.attention_mask.assign(n, 1);
    e.special_tokens_mask.assign(n, 1);
    e.word_ids.assign(n, Encoding::kNone);
    e.sequence_ids.assign(n, Encoding::kNone);
    return e;
  }

  std::vector<TemplatePiece> single_;
  std::vector<TemplatePiece> pair_;
  std::map<std::string, TemplateSpecialToken> specials_;
};

}  // namespace bertpp
