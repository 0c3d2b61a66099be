// Fuzzes Tokenizer::encode (WordPiece and byte-level BPE) on arbitrary
// bytes, single texts and pairs, with truncation, stride, overflow windows
// and padding chosen by the input.
//
// Input layout: byte 0 = flags, byte 1 = max_length, byte 2 = stride (low 4
// bits) + 0x10 byte-level BPE + 0x20 overflowing windows, byte 3 = where the
// text ends (fraction of the rest); the rest is text [+ pair]. The
// vocabularies are the golden bert-base-uncased / roberta-base ones when
// ../shared is present, else small built-in ones (BERTPP_FUZZ_VOCAB: a
// vocab.txt path, or "builtin").
#include "fuzz_support.hpp"

#include "bertpp/tokenizer/tokenizer.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

namespace {

std::string vocab_path() {
  const char* env = std::getenv("BERTPP_FUZZ_VOCAB");
  const bool builtin = env && std::string(env) == "builtin";
  if (env && !builtin) return env;
#ifdef BERTPP_SHARED_DIR
  const std::string golden = std::string(BERTPP_SHARED_DIR) + "/golden/models/bert-random/vocab.txt";
  if (!builtin && std::ifstream(golden).good()) return golden;
#endif
  // Fallback: a tiny synthetic vocabulary.
  const std::string path = bertpp_fuzz::scratch_path("-vocab.txt");
  std::ofstream out(path);
  for (const char* token : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "e", "h",
                            "l", "o", "##a", "##b", "##l", "##lo", "he", "hello", ",", "!", ".",
                            "\xe4\xbd\xa0", "\xc3\xa9", "##\xc3\xa9", "un", "##aff", "##able"})
    out << token << "\n";
  return path;
}

// Tokenizers with each normalizer variant the golden files cover.
const std::vector<bertpp::WordPieceTokenizer>& tokenizers() {
  static const std::vector<bertpp::WordPieceTokenizer> all = [] {
    const std::string path = vocab_path();
    std::vector<bertpp::WordPieceTokenizer> list;
    for (int variant = 0; variant < 4; ++variant) {
      bertpp::TokenizerOptions options;
      options.lowercase = variant != 1;
      if (variant == 2) options.strip_accents = false;
      options.handle_chinese_chars = variant != 3;
      list.push_back(bertpp::WordPieceTokenizer::from_vocab_file(path, options));
    }
    return list;
  }();
  return all;
}

// RoBERTa's byte-level BPE: the golden roberta-base files, or a tiny
// built-in vocabulary (every byte, a few merges).
const bertpp::Tokenizer& bpe_tokenizer() {
  static const bertpp::Tokenizer tokenizer = [] {
    const char* env = std::getenv("BERTPP_FUZZ_VOCAB");
    const bool builtin = env && std::string(env) == "builtin";
#ifdef BERTPP_SHARED_DIR
    const std::string golden = std::string(BERTPP_SHARED_DIR) + "/golden/models/roberta-random";
    if (!builtin && std::ifstream(golden + "/vocab.json").good())
      return bertpp::Tokenizer::from_folder(golden);
#endif
    (void)builtin;
    const auto& alphabet = bertpp::detail::byte_level_alphabet();
    std::string vocab = "{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"<mask>\": 4";
    int id = 5;
    for (int b = 0; b < 256; ++b) {
      std::string c;
      bertpp::detail::utf8_append(c, alphabet.byte_to_char[b]);
      if (c == "\"" || c == "\\") c = "\\" + c;
      vocab += ", \"" + c + "\": " + std::to_string(id++);
    }
    for (const char* merged : {"he", "ll", "hell", "\u0120h"})
      vocab += std::string(", \"") + merged + "\": " + std::to_string(id++);
    vocab += "}";
    const std::string base = bertpp_fuzz::scratch_path("-vocab");
    const std::string vocab_path = base + ".json", merges_path = base + "-merges.txt";
    std::ofstream(vocab_path) << vocab;
    std::ofstream(merges_path) << "#version: 0.2\nh e\nl l\nhe ll\n\xc4\xa0 h\n";
    bertpp::Tokenizer t = bertpp::Tokenizer::from_bpe_files(vocab_path, merges_path);
    std::remove(vocab_path.c_str());
    std::remove(merges_path.c_str());
    return t;
  }();
  return tokenizer;
}

// Field sizes agree and offsets stay inside the text they point into.
void check_encoding(const bertpp::Encoding& e, std::string_view text, std::string_view pair,
                    bool top_level = true) {
  const std::size_t n = e.ids.size();
  BERTPP_FUZZ_CHECK(e.type_ids.size() == n && e.tokens.size() == n && e.byte_offsets.size() == n);
  BERTPP_FUZZ_CHECK(e.attention_mask.size() == n && e.special_tokens_mask.size() == n);
  BERTPP_FUZZ_CHECK(e.word_ids.size() == n && e.sequence_ids.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    const bertpp::Offset o = e.byte_offsets[i];
    const std::size_t limit = e.sequence_ids[i] == 1 ? pair.size() : text.size();
    BERTPP_FUZZ_CHECK(o.begin <= o.end && o.end <= limit);
  }
  (void)bertpp::char_offsets(e, text, pair);
  if (top_level)
    for (const bertpp::Encoding& window : e.overflowing)
      check_encoding(window, text, pair, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::uint8_t flags = data[0];
  const std::size_t max_length = data[1];
  const std::size_t stride = data[2] % 16;
  const bool byte_level = data[2] & 0x10;
  const std::string_view rest(reinterpret_cast<const char*>(data + 4), size - 4);
  const std::size_t split = rest.size() * data[3] / 255;
  const bool use_pair = flags & 0x04;
  const std::string_view text = use_pair ? rest.substr(0, split) : rest;
  const std::string_view pair = use_pair ? rest.substr(split) : std::string_view();

  const bertpp::Tokenizer& tokenizer = byte_level ? bpe_tokenizer() : tokenizers()[flags & 0x03];
  bertpp::EncodeOptions options;
  options.return_overflowing_tokens = data[2] & 0x20;
  options.add_special_tokens = !(flags & 0x08);
  const bool truncate = flags & 0x10;
  if (truncate)
    options.truncation = bertpp::TruncationOptions{
        max_length, static_cast<bertpp::TruncationStrategy>((flags >> 5) % 3), stride};
  if (flags & 0x80) {
    options.padding.strategy = bertpp::PaddingStrategy::Longest;
    options.padding.pad_to_multiple_of = stride;
  }

  const bool valid = bertpp::detail::utf8_invalid_position(text) == std::string_view::npos &&
                     bertpp::detail::utf8_invalid_position(pair) == std::string_view::npos;
  try {
    const bertpp::Encoding e =
        use_pair ? tokenizer.encode(text, pair, options) : tokenizer.encode(text, options);
    BERTPP_FUZZ_CHECK(valid);  // invalid UTF-8 must be refused
    // Truncation bounds the real tokens (padding to a multiple may add more).
    // Overflow windows are not bounded: when a sequence gets no room at all,
    // HF moves it whole into one window.
    const auto real = std::count(e.attention_mask.begin(), e.attention_mask.end(), 1);
    BERTPP_FUZZ_CHECK(!truncate || static_cast<std::size_t>(real) <= max_length);
    check_encoding(e, text, pair);
    const std::string decoded = tokenizer.decode(e.ids);
    BERTPP_FUZZ_CHECK(bertpp::detail::utf8_invalid_position(decoded) == std::string_view::npos);
    (void)tokenizer.decode(e.ids, false, false);
  } catch (const bertpp::TokenizerError&) {
    // invalid UTF-8, or a truncation HF refuses too
  }
  return 0;
}
