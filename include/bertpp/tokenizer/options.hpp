// Settings of a tokenizer (what tokenizer_config.json says) and of one
// encode call (HF's tokenizer call keyword arguments).
#pragma once

#include "bertpp/tokenizer/added_tokens.hpp"
#include "bertpp/tokenizer/padding.hpp"
#include "bertpp/tokenizer/truncation.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bertpp {

struct TokenizerOptions {
  // BertNormalizer (WordPiece tokenizers).
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset = follow lowercase
  bool handle_chinese_chars = true;
  bool clean_text = true;
  std::size_t max_input_chars_per_word = 100;
  std::string continuing_subword_prefix = "##";
  // Byte-level BPE (RoBERTa): a space before the first word, and offsets
  // without the spaces tokens start with.
  bool add_prefix_space = false;
  bool trim_offsets = true;
  // Special tokens by name.
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  std::string bos_token;  // empty: none (BERT)
  std::string eos_token;
  // Matching flags of special tokens the config gives as objects
  // ({"__type": "AddedToken", "lstrip": true, ...}), by content.
  std::vector<AddedToken> special_token_flags;
  std::int32_t pad_type_id = 0;
  // Longest input the model accepts (tokenizer_config.json's
  // model_max_length; 512 when the folder does not say). Informational:
  // encode() truncates only when EncodeOptions::truncation is set.
  std::size_t model_max_length = 512;
  // tokenizer_config.json's clean_up_tokenization_spaces: decode()'s default.
  bool clean_up_tokenization_spaces = true;

  // RoBERTa's special token names (<s> </s> <pad> <unk> <mask>).
  static TokenizerOptions roberta() {
    TokenizerOptions o;
    o.lowercase = false;
    o.continuing_subword_prefix.clear();
    o.unk_token = "<unk>";
    o.cls_token = o.bos_token = "<s>";
    o.sep_token = o.eos_token = "</s>";
    o.pad_token = "<pad>";
    o.mask_token = "<mask>";
    return o;
  }
};

struct EncodeOptions {
  bool add_special_tokens = true;
  std::optional<TruncationOptions> truncation;
  // HF's return_overflowing_tokens: also build the windows truncation cut
  // off (Encoding::overflowing, with truncation's stride). Off by default,
  // as in transformers; question answering and long-text windows ask for it.
  bool return_overflowing_tokens = false;
  PaddingOptions padding;
};

}  // namespace bertpp
