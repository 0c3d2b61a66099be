// Tokenizer: HuggingFace's fast tokenizers in C++, built as `tokenizers` is:
// added tokens → normalizer → pre-tokenizer → model (WordPiece | BPE) →
// post-processor (templates, offset trimming) → decoder. One loader builds
// the parts from a model folder (tokenizer.json, else vocab.txt or
// vocab.json + merges.txt); one encode runs them; truncation with stride
// windows, padding, offsets and added tokens are the same for every model.
//
//   auto tok = bertpp::Tokenizer::from_folder("bert-base-uncased");   // or "roberta-base"
//   bertpp::Encoding e = tok.encode("Hello, world!");       // [CLS] hello , world ! [SEP]
//   bertpp::EncodeOptions o;
//   o.truncation = bertpp::TruncationOptions{384, bertpp::TruncationStrategy::OnlySecond, 128};
//   o.return_overflowing_tokens = true;
//   auto windows = tok.encode(question, context, o);         // windows.overflowing: more windows
//   std::string text = tok.decode(e.ids, /*skip_special_tokens=*/true);   // "hello, world!"
//
// Invalid UTF-8 input throws TokenizerError naming the byte position.
#pragma once

#include "bertpp/detail/build_mode.hpp"
#include "bertpp/detail/parallel.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/added_tokens.hpp"
#include "bertpp/tokenizer/char_offsets.hpp"
#include "bertpp/tokenizer/decoder.hpp"
#include "bertpp/tokenizer/encoding.hpp"
#include "bertpp/tokenizer/model.hpp"
#include "bertpp/tokenizer/normalizer.hpp"
#include "bertpp/tokenizer/options.hpp"
#include "bertpp/tokenizer/padding.hpp"
#include "bertpp/tokenizer/post_processor.hpp"
#include "bertpp/tokenizer/pre_tokenizer.hpp"
#include "bertpp/tokenizer/truncation.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {
class TokenizerLoader;
}

class Tokenizer {
 public:
  // tokenizer.json when the folder has one, else vocab.txt (WordPiece) or
  // vocab.json + merges.txt (byte-level BPE), with tokenizer_config.json /
  // special_tokens_map.json.
  static Tokenizer from_folder(const std::string& dir);
  // A WordPiece vocabulary (vocab.txt) with BERT's parts, set by `options`.
  static Tokenizer from_vocab_file(const std::string& path, TokenizerOptions options = {});
  // A byte-level BPE vocabulary (vocab.json + merges.txt) with RoBERTa's
  // parts (add_prefix_space, trim_offsets and special tokens from `options`).
  static Tokenizer from_bpe_files(const std::string& vocab_path, const std::string& merges_path,
                                  TokenizerOptions options = TokenizerOptions::roberta());
  static Tokenizer from_tokenizer_json(const std::string& path);

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const {
    return encode_impl(text, nullptr, options);
  }

  Encoding encode(std::string_view text, std::string_view pair, const EncodeOptions& options = {}) const {
    return encode_impl(text, &pair, options);
  }

  // Padding Longest pads every encoding to the longest of the batch. A batch
  // with enough text is encoded on the library's worker threads, as HF
  // encodes batches in parallel. (Pass a std::vector explicitly: a braced
  // list of two strings is ambiguous between the two overloads.)
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                     const EncodeOptions& options = {}) const {
    std::size_t bytes = 0;
    for (const std::string& t : texts) bytes += t.size();
    return encode_all(texts.size(), bytes, options, [&](std::size_t i) { return encode(texts[i], options); });
  }

  std::vector<Encoding> encode_batch(const std::vector<std::pair<std::string, std::string>>& pairs,
                                     const EncodeOptions& options = {}) const {
    std::size_t bytes = 0;
    for (const auto& p : pairs) bytes += p.first.size() + p.second.size();
    return encode_all(pairs.size(), bytes, options,
                      [&](std::size_t i) { return encode(pairs[i].first, pairs[i].second, options); });
  }

  // As PreTrainedTokenizerFast.decode: special tokens kept unless asked,
  // the decoder joins the tokens, then transformers' clean_up_tokenization
  // when asked — by default as the tokenizer's
  // clean_up_tokenization_spaces says. Unknown ids are skipped, as HF does.
  std::string decode(const std::vector<std::int32_t>& ids, bool skip_special_tokens = false,
                     std::optional<bool> clean_up_tokenization_spaces = std::nullopt) const {
    std::vector<std::string_view> tokens;
    tokens.reserve(ids.size());
    for (std::int32_t id : ids) {
      auto added = added_by_id_.find(id);
      if (added != added_by_id_.end()) {
        const AddedToken& t = added_[added->second];
        if (!(skip_special_tokens && t.special)) tokens.push_back(t.content);
        continue;
      }
      if (id >= 0 && static_cast<std::size_t>(id) < model_.size()) tokens.push_back(model_.id_to_token(id));
    }
    std::string text = decoder_.decode(tokens);
    if (clean_up_tokenization_spaces.value_or(options_.clean_up_tokenization_spaces))
      detail::cleanup_tokenization(text, false);
    return text;
  }

  // As PreTrainedTokenizerFast.convert_tokens_to_string: the decoder joins
  // the given token strings (no id lookup, nothing skipped, no extra
  // clean-up); without a decoder they are joined with spaces.
  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const {
    std::vector<std::string_view> views(tokens.begin(), tokens.end());
    return decoder_.decode(views);
  }

  std::optional<std::int32_t> token_to_id(std::string_view token) const {
    auto added = added_by_content_.find(std::string(token));
    if (added != added_by_content_.end()) return added_[added->second].id;
    const std::int32_t id = model_.token_to_id(token);
    if (id < 0) return std::nullopt;
    return id;
  }

  const std::string& id_to_token(std::int32_t id) const {
    auto added = added_by_id_.find(id);
    if (added != added_by_id_.end()) return added_[added->second].content;
    if (id < 0 || static_cast<std::size_t>(id) >= model_.size())
      detail::throw_error<ArgumentError>({"id_to_token: id ", std::to_string(id),
                                          " is outside the vocabulary (0..",
                                          std::to_string(vocab_size() - 1), ")"});
    return model_.id_to_token(id);
  }

  // Number of ids, added tokens included (Python's len(tokenizer)).
  std::size_t vocab_size() const {
    std::size_t n = model_.size();
    for (const AddedToken& t : added_)
      if (t.id >= 0 && static_cast<std::size_t>(t.id) >= n) n = static_cast<std::size_t>(t.id) + 1;
    return n;
  }

  // Ids of the special tokens (-1 when the tokenizer has none).
  std::int32_t cls_id() const { return cls_id_; }
  std::int32_t sep_id() const { return sep_id_; }
  std::int32_t pad_id() const { return pad_id_; }
  std::int32_t unk_id() const { return unk_id_; }
  std::int32_t mask_id() const { return mask_id_; }
  std::int32_t bos_id() const { return bos_id_; }
  std::int32_t eos_id() const { return eos_id_; }
  const TokenizerOptions& options() const { return options_; }
  const std::vector<AddedToken>& added_tokens() const { return added_; }
  // Special tokens the post-processor adds (2 for one BERT text, 3 for a
  // pair; 2 and 4 for RoBERTa).
  std::size_t num_special_tokens_to_add(bool pair) const { return post_.added_tokens(pair); }
  // The mark of a piece inside a word ("##" for WordPiece; empty for BPE,
  // whose pieces mark the start of a word instead), for HF's subword
  // heuristics in token classification and question answering.
  std::string continuing_subword_prefix() const { return model_.continuing_subword_prefix(); }
  const TokenizerModel& model() const { return model_; }
  const PreTokenizer& pre_tokenizer() const { return pre_tokenizer_; }

 private:
  friend class detail::TokenizerLoader;

  struct Scratch {
    NormalizedText normalized;
    NormalizedText prefixed;
    std::vector<AddedTokenMatch> raw_matches;
    std::vector<AddedTokenMatch> normalized_matches;
    std::vector<TokenPiece> pieces;
    std::string mapped;
    std::vector<std::uint32_t> mapped_source;
    Encoding sequences[2];  // the text's and the pair's tokens before the template
  };

  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  // ---- encoding -------------------------------------------------------

  Encoding encode_impl(std::string_view text, const std::string_view* pair, const EncodeOptions& options) const {
    Scratch& s = scratch();
    // The buffers grow with the text (tokens: some 60 bytes each): after a
    // long one, give them back rather than keep them for the thread's lifetime.
    struct ReleaseAfterLongText {
      Scratch& s;
      bool long_text;
      ~ReleaseAfterLongText() {
        if (long_text) s = Scratch();
      }
    } release{s, text.size() + (pair ? pair->size() : 0) > (std::size_t{1} << 18)};
    Encoding& a = s.sequences[0];
    Encoding& b = s.sequences[1];
    encode_sequence(text, "text", s, a);
    if (pair) encode_sequence(*pair, "pair text", s, b);
    const std::size_t b_size = pair ? b.size() : 0;
    TruncationPlan plan;
    if (options.truncation) {
      plan = plan_truncation_for(a.size(), pair ? &b_size : nullptr, *options.truncation,
                                 options.add_special_tokens, options.return_overflowing_tokens);
    } else {
      plan.first = {TokenWindow{0, a.size()}};
      if (pair) plan.second = {TokenWindow{0, b_size}};
    }
    Encoding result = post_.process(a, pair ? &b : nullptr, plan, options.add_special_tokens);
    if (options.padding.strategy != PaddingStrategy::None) {
      const Encoding* one = &result;
      pad_encoding(result, padding_target(options.padding, &one, 1), pad_id_, options_.pad_type_id,
                   options_.pad_token);
    }
    return result;
  }

  TruncationPlan plan_truncation_for(std::size_t a, const std::size_t* b, const TruncationOptions& t,
                                     bool add_special, bool overflowing) const {
    const std::size_t n_added = add_special ? post_.added_tokens(b != nullptr) : 0;
    if (t.max_length < n_added)
      detail::throw_error<TokenizerError>({"truncation max_length ", std::to_string(t.max_length),
                                           " is smaller than the ", std::to_string(n_added),
                                           " special tokens the tokenizer adds"});
    const std::size_t single_added = add_special ? post_.added_tokens(false) : 0;
    if (t.max_length - single_added < t.stride)
      detail::throw_error<TokenizerError>({"truncation stride ", std::to_string(t.stride),
                                           " is greater than its effective max length ",
                                           std::to_string(t.max_length - single_added),
                                           " (max_length ", std::to_string(t.max_length), " minus ",
                                           std::to_string(single_added), " special tokens)"});
    return plan_truncation(a, b, t.max_length - n_added, t.strategy, t.stride, overflowing);
  }

  template <typename EncodeOne>
  std::vector<Encoding> encode_all(std::size_t n, std::size_t bytes, const EncodeOptions& options,
                                   EncodeOne&& encode_one) const {
    std::vector<Encoding> out(n);
    std::vector<std::exception_ptr> errors(n);
    const auto count = static_cast<std::ptrdiff_t>(n);
    // Worth a thread from a few kilobytes of text on (a few hundred tokens).
    const int threads = n >= 2 && bytes >= 4096 ? detail::max_threads() : 1;
    detail::parallel_ranges(count, threads, 1, [&](std::ptrdiff_t begin, std::ptrdiff_t end) {
      for (std::ptrdiff_t i = begin; i < end; ++i) {
        // Kept per input, so the first failing input (in order) is reported.
        try {
          out[static_cast<std::size_t>(i)] = encode_one(static_cast<std::size_t>(i));
        } catch (...) {
          errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
      }
    });
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
    pad_batch(out, options.padding);
    return out;
  }

  void pad_batch(std::vector<Encoding>& batch, const PaddingOptions& padding) const {
    if (padding.strategy == PaddingStrategy::None || batch.empty()) return;
    std::vector<const Encoding*> pointers;
    pointers.reserve(batch.size());
    for (const Encoding& e : batch) pointers.push_back(&e);
    const std::size_t target = padding_target(padding, pointers.data(), pointers.size());
    for (Encoding& e : batch) pad_encoding(e, target, pad_id_, options_.pad_type_id, options_.pad_token);
  }

  // Tokenizes one text into e's ids, tokens, byte_offsets and word_ids
  // (cleared first): added tokens, then normalization, pre-tokenization and
  // the model on the pieces between them. Offsets are bytes of `text`.
  void encode_sequence(std::string_view text, const char* what, Scratch& s, Encoding& e) const {
    const std::size_t bad = detail::utf8_invalid_position(text);
    if (bad != std::string_view::npos)
      detail::throw_error<TokenizerError>(
          {std::string("invalid UTF-8 in the "), what, " at byte ", std::to_string(bad)});
    e.ids.clear();
    e.tokens.clear();
    e.byte_offsets.clear();
    e.word_ids.clear();
    const std::size_t estimate = text.size() / 3 + 4;
    e.ids.reserve(estimate);
    e.tokens.reserve(estimate);
    e.byte_offsets.reserve(estimate);
    e.word_ids.reserve(estimate);
    std::int32_t word = 0;
    s.raw_matches.clear();
    raw_matcher_.find(text, added_, s.raw_matches);
    std::size_t pos = 0;
    for (const AddedTokenMatch& m : s.raw_matches) {
      if (m.begin > pos) encode_plain(text.substr(pos, m.begin - pos), pos, s, e, word);
      push_token(e, added_[m.token].id, std::string(text.substr(m.begin, m.end - m.begin)), m.begin, m.end,
                 word++);
      pos = m.end;
    }
    if (pos < text.size()) encode_plain(text.substr(pos), pos, s, e, word);
  }

  static void push_token(Encoding& e, std::int32_t id, std::string token, std::size_t begin, std::size_t end,
                         std::int32_t word) {
    e.ids.push_back(id);
    e.tokens.push_back(std::move(token));
    e.byte_offsets.push_back(Offset{begin, end});
    e.word_ids.push_back(word);
  }

  // A stretch of text without raw added tokens: normalize, find normalized
  // added tokens, split the rest into words and words into pieces.
  void encode_plain(std::string_view segment, std::size_t base, Scratch& s, Encoding& e,
                    std::int32_t& word) const {
    normalizer_.normalize(segment, base, s.normalized);
    const NormalizedText& norm = s.normalized;
    std::string_view text = norm.text;
    if (text.empty()) return;
    s.normalized_matches.clear();
    normalized_matcher_.find(text, added_, s.normalized_matches);
    std::size_t pos = 0;
    for (const AddedTokenMatch& m : s.normalized_matches) {
      if (m.begin > pos) encode_words(norm, pos, m.begin, s, e, word);
      push_token(e, added_[m.token].id, std::string(text.substr(m.begin, m.end - m.begin)),
                 norm.original_begin(m.begin), norm.original_end(m.end), word++);
      pos = m.end;
    }
    if (pos < text.size()) encode_words(norm, pos, text.size(), s, e, word);
  }

  // Pre-tokenizes norm.text[from, to) and runs the model on every word.
  void encode_words(const NormalizedText& norm, std::size_t from, std::size_t to, Scratch& s, Encoding& e,
                    std::int32_t& word) const {
    if (pre_tokenizer_.kind == PreTokenizer::Kind::Bert) {
      const std::string_view text = norm.text;
      BertPreTokenizer::split(text.substr(from, to - from), [&](std::size_t wb, std::size_t we) {
        const std::size_t word_begin = from + wb;
        model_.tokenize(text.substr(word_begin, we - wb), s.pieces);
        for (const TokenPiece& p : s.pieces)
          push_piece(e, p.id, norm.original_begin(word_begin + p.begin), norm.original_end(word_begin + p.end),
                     word);
        ++word;
      });
      return;
    }
    // Byte level: HF prepends the space to every stretch between added
    // tokens that does not start with one; it stands where the first
    // character does.
    const NormalizedText* source = &norm;
    if (pre_tokenizer_.byte_level.add_prefix_space && norm.text[from] != ' ') {
      NormalizedText& p = s.prefixed;
      p.clear();
      p.text.reserve(to - from + 1);
      p.text.push_back(' ');
      p.text.append(norm.text, from, to - from);
      p.begin.push_back(norm.begin[from]);
      p.begin.insert(p.begin.end(), norm.begin.begin() + static_cast<std::ptrdiff_t>(from),
                     norm.begin.begin() + static_cast<std::ptrdiff_t>(to));
      p.end.push_back(norm.end[from]);
      p.end.insert(p.end.end(), norm.end.begin() + static_cast<std::ptrdiff_t>(from),
                   norm.end.begin() + static_cast<std::ptrdiff_t>(to));
      source = &p;
      to = p.text.size();
      from = 0;
    }
    const NormalizedText& n = *source;
    const std::string_view text = n.text;
    const Bpe* bpe = model_.bpe();
    pre_tokenizer_.byte_level.split(text.substr(from, to - from), [&](std::size_t wb, std::size_t we) {
      const std::size_t word_begin = from + wb;
      if (bpe) {  // BPE takes the raw bytes: piece spans are bytes of the word
        bpe->tokenize_byte_level(text.substr(word_begin, we - wb), s.pieces);
        for (const TokenPiece& p : s.pieces)
          push_piece(e, p.id, n.original_begin(word_begin + p.begin), n.original_end(word_begin + p.end), word);
        ++word;
        return;
      }
      s.mapped.clear();
      s.mapped_source.clear();
      ByteLevelPreTokenizer::map_bytes(text.substr(word_begin, we - wb), s.mapped, &s.mapped_source);
      model_.tokenize(s.mapped, s.pieces);
      for (const TokenPiece& p : s.pieces)
        push_piece(e, p.id, n.original_begin(word_begin + s.mapped_source[p.begin]),
                   n.original_end(word_begin + s.mapped_source[p.end - 1] + 1), word);
      ++word;
    });
  }

  void push_piece(Encoding& e, std::int32_t id, std::size_t begin, std::size_t end, std::int32_t word) const {
    e.ids.push_back(id);
    e.tokens.push_back(model_.id_to_token(id));
    e.byte_offsets.push_back(Offset{begin, end});
    e.word_ids.push_back(word);
  }

  // ---- construction (the loader fills the parts, then calls finish) ----

  // Registers an added token; its id is the vocabulary's when the content is
  // in the vocabulary, else the next free id (unless given).
  void add_token(AddedToken token) {
    if (added_by_content_.count(token.content)) return;
    if (token.id < 0) {
      const std::int32_t in_vocab = model_.token_to_id(token.content);
      token.id = in_vocab >= 0 ? in_vocab : static_cast<std::int32_t>(vocab_size());
    }
    added_by_content_[token.content] = added_.size();
    added_by_id_[token.id] = added_.size();
    added_.push_back(std::move(token));
  }

  std::int32_t id_or(const std::string& token, std::int32_t fallback) const {
    if (token.empty()) return fallback;
    auto id = token_to_id(token);
    return id ? *id : fallback;
  }

  // Builds the matchers and caches special ids once everything is loaded.
  void finish() {
    std::vector<std::string> patterns;
    patterns.reserve(added_.size());
    for (const AddedToken& t : added_) {
      if (!t.normalized) {
        patterns.push_back(t.content);
        continue;
      }
      NormalizedText n;
      normalizer_.normalize(t.content, 0, n);
      patterns.push_back(n.text);
    }
    raw_matcher_.build(added_, patterns, false);
    normalized_matcher_.build(added_, patterns, true);
    cls_id_ = id_or(options_.cls_token, -1);
    sep_id_ = id_or(options_.sep_token, -1);
    pad_id_ = id_or(options_.pad_token, 0);
    mask_id_ = id_or(options_.mask_token, -1);
    bos_id_ = id_or(options_.bos_token, -1);
    eos_id_ = id_or(options_.eos_token, -1);
    unk_id_ = model_.unk_id() >= 0 ? model_.unk_id() : id_or(options_.unk_token, -1);
  }

  TokenizerOptions options_;
  BertNormalizer normalizer_ = BertNormalizer::identity();
  PreTokenizer pre_tokenizer_;
  TokenizerModel model_;
  std::vector<AddedToken> added_;
  std::unordered_map<std::string, std::size_t> added_by_content_;
  std::unordered_map<std::int32_t, std::size_t> added_by_id_;
  AddedTokenMatcher raw_matcher_;
  AddedTokenMatcher normalized_matcher_;
  TemplateProcessing post_;
  Decoder decoder_;
  std::int32_t cls_id_ = -1;
  std::int32_t sep_id_ = -1;
  std::int32_t pad_id_ = 0;
  std::int32_t unk_id_ = -1;
  std::int32_t mask_id_ = -1;
  std::int32_t bos_id_ = -1;
  std::int32_t eos_id_ = -1;
};

// The name this class had when it knew WordPiece only.
using WordPieceTokenizer = Tokenizer;

}  // namespace bertpp

#if BERTPP_HEADER_ONLY
#include "bertpp/tokenizer/tokenizer-inl.hpp"
#endif
