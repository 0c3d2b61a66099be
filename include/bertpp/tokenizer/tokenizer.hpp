// WordPieceTokenizer: HuggingFace's BertTokenizerFast in C++ — added tokens,
// BertNormalizer, BertPreTokenizer, WordPiece, template post-processing,
// truncation with stride windows, padding and decoding, with offsets into
// the caller's text.
//
//   auto tok = bertpp::WordPieceTokenizer::from_folder("bert-base-uncased");
//   bertpp::Encoding e = tok.encode("Hello, world!");       // [CLS] hello , world ! [SEP]
//   bertpp::EncodeOptions o;
//   o.truncation = bertpp::TruncationOptions{384, bertpp::TruncationStrategy::OnlySecond, 128};
//   auto windows = tok.encode(question, context, o);         // windows.overflowing: more windows
//   std::string text = tok.decode(e.ids);                    // "hello, world!"
//
// Invalid UTF-8 input throws TokenizerError naming the byte position.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/parallel.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/added_tokens.hpp"
#include "bertpp/tokenizer/char_offsets.hpp"
#include "bertpp/tokenizer/decoder.hpp"
#include "bertpp/tokenizer/encoding.hpp"
#include "bertpp/tokenizer/normalizer.hpp"
#include "bertpp/tokenizer/padding.hpp"
#include "bertpp/tokenizer/post_processor.hpp"
#include "bertpp/tokenizer/pre_tokenizer.hpp"
#include "bertpp/tokenizer/truncation.hpp"
#include "bertpp/tokenizer/wordpiece.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {

struct TokenizerOptions {
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset = follow lowercase
  bool handle_chinese_chars = true;
  bool clean_text = true;
  std::size_t max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";
  std::int32_t pad_type_id = 0;
  // Longest input the model accepts (tokenizer_config.json's
  // model_max_length; 512 when the folder does not say). Informational:
  // encode() truncates only when EncodeOptions::truncation is set.
  std::size_t model_max_length = 512;
  // tokenizer_config.json's clean_up_tokenization_spaces (for callers that
  // want to decode as transformers does by default for this model).
  bool clean_up_tokenization_spaces = true;
};

struct EncodeOptions {
  bool add_special_tokens = true;
  std::optional<TruncationOptions> truncation;
  PaddingOptions padding;
};

class WordPieceTokenizer {
 public:
  // tokenizer.json when the folder has one, else vocab.txt with
  // tokenizer_config.json / special_tokens_map.json.
  static WordPieceTokenizer from_folder(const std::string& dir) {
    const std::string json_path = dir + "/tokenizer.json";
    const std::string config_path = dir + "/tokenizer_config.json";
    const std::string map_path = dir + "/special_tokens_map.json";
    if (file_exists(json_path)) {
      WordPieceTokenizer t = from_tokenizer_json(json_path);
      if (file_exists(config_path)) t.apply_config_names(read_json_file(config_path), config_path);
      return t;
    }
    TokenizerOptions options;
    if (file_exists(config_path)) read_config_options(read_json_file(config_path), config_path, options);
    if (file_exists(map_path)) read_special_names(read_json_file(map_path), map_path, options);
    return from_vocab_file(dir + "/vocab.txt", options);
  }

  static WordPieceTokenizer from_vocab_file(const std::string& path, TokenizerOptions options = {}) {
    std::vector<std::string> tokens = WordPiece::read_vocab_lines(path, read_text_file(path));
    WordPieceTokenizer t;
    t.options_ = options;
    t.normalizer_ = BertNormalizer(options.clean_text, options.handle_chinese_chars,
                                   options.strip_accents, options.lowercase);
    t.model_ = WordPiece(std::move(tokens), options.unk_token, options.continuing_subword_prefix,
                         options.max_input_chars_per_word);
    for (const std::string* name : {&options.pad_token, &options.unk_token, &options.cls_token,
                                    &options.sep_token, &options.mask_token}) {
      AddedToken token;
      token.content = *name;
      t.add_token(token);
    }
    t.post_ = TemplateProcessing::bert(options.cls_token, t.require_id(options.cls_token, path),
                                       options.sep_token, t.require_id(options.sep_token, path));
    t.decoder_ = WordPieceDecoder{options.continuing_subword_prefix, true};
    t.finish();
    return t;
  }

  static WordPieceTokenizer from_tokenizer_json(const std::string& path) {
    const nlohmann::json root = detail::read_json_file<LoadError>(path);
    if (!root.is_object()) throw LoadError(path + ": expected a JSON object");
    WordPieceTokenizer t;
    t.read_model(root, path);
    t.read_normalizer(root, path);
    t.read_pre_tokenizer(root, path);
    t.read_added_tokens(root, path);
    t.read_post_processor(root, path);
    t.read_decoder(root, path);
    t.finish();
    return t;
  }

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const {
    return encode_impl(text, nullptr, options);
  }

  Encoding encode(std::string_view text, std::string_view pair,
                  const EncodeOptions& options = {}) const {
    return encode_impl(text, &pair, options);
  }

  // Padding Longest pads every encoding to the longest of the batch.
  // Large batches are encoded on all OpenMP threads, as HF encodes batches
  // in parallel. (Pass a std::vector explicitly: a braced list of two
  // strings is ambiguous between the two overloads.)
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                     const EncodeOptions& options = {}) const {
    return encode_all(texts.size(), options, [&](std::size_t i) { return encode(texts[i], options); });
  }

  std::vector<Encoding> encode_batch(const std::vector<std::pair<std::string, std::string>>& pairs,
                                     const EncodeOptions& options = {}) const {
    return encode_all(pairs.size(), options,
                 [&](std::size_t i) { return encode(pairs[i].first, pairs[i].second, options); });
  }

  // As BertTokenizerFast.decode: special tokens skipped on request, "##"
  // pieces glued, then transformers' clean_up_tokenization when asked.
  // Unknown ids are skipped, as HF does.
  std::string decode(const std::vector<std::int32_t>& ids, bool skip_special_tokens = true,
                     bool clean_up_tokenization_spaces = true) const {
    std::vector<std::string_view> tokens;
    tokens.reserve(ids.size());
    for (std::int32_t id : ids) {
      auto added = added_by_id_.find(id);
      if (added != added_by_id_.end()) {
        const AddedToken& t = added_[added->second];
        if (!(skip_special_tokens && t.special)) tokens.push_back(t.content);
        continue;
      }
      if (id >= 0 && static_cast<std::size_t>(id) < model_.size())
        tokens.push_back(model_.id_to_token(id));
    }
    std::string text;
    if (has_decoder_) {
      text = decoder_.decode(tokens);
    } else {
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i) text.push_back(' ');
        text.append(tokens[i].data(), tokens[i].size());
      }
    }
    if (clean_up_tokenization_spaces) detail::cleanup_tokenization(text, false);
    return text;
  }

  // As PreTrainedTokenizerFast.convert_tokens_to_string: the decoder joins
  // the given token strings (no id lookup, nothing skipped, no extra
  // clean-up); without a decoder they are joined with spaces.
  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const {
    std::vector<std::string_view> views(tokens.begin(), tokens.end());
    if (has_decoder_) return decoder_.decode(views);
    std::string text;
    for (std::size_t i = 0; i < views.size(); ++i) {
      if (i) text.push_back(' ');
      text.append(views[i].data(), views[i].size());
    }
    return text;
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
      throw ArgumentError("id_to_token: id " + std::to_string(id) + " is outside the vocabulary (0.." +
                          std::to_string(vocab_size() - 1) + ")");
    return model_.id_to_token(id);
  }

  // Number of ids, added tokens included (Python's len(tokenizer)).
  std::size_t vocab_size() const {
    std::size_t n = model_.size();
    for (const AddedToken& t : added_)
      if (t.id >= 0 && static_cast<std::size_t>(t.id) >= n) n = static_cast<std::size_t>(t.id) + 1;
    return n;
  }

  std::int32_t cls_id() const { return cls_id_; }
  std::int32_t sep_id() const { return sep_id_; }
  std::int32_t pad_id() const { return pad_id_; }
  std::int32_t unk_id() const { return model_.unk_id(); }
  std::int32_t mask_id() const { return mask_id_; }
  const TokenizerOptions& options() const { return options_; }
  const std::vector<AddedToken>& added_tokens() const { return added_; }
  // Special tokens the post-processor adds (2 for one BERT text, 3 for a pair).
  std::size_t num_special_tokens_to_add(bool pair) const { return post_.added_tokens(pair); }

 private:
  struct Scratch {
    NormalizedText normalized;
    std::vector<AddedTokenMatch> raw_matches;
    std::vector<AddedTokenMatch> normalized_matches;
    std::vector<WordPiecePiece> pieces;
  };

  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  static bool file_exists(const std::string& path) {
    std::ifstream in(path);
    return in.good();
  }

  static std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError(path + ": cannot open file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static nlohmann::json read_json_file(const std::string& path) {
    return detail::read_json_file<LoadError>(path);
  }

  // ---- encoding -------------------------------------------------------

  Encoding encode_impl(std::string_view text, const std::string_view* pair,
                       const EncodeOptions& options) const {
    Encoding a = encode_sequence(text, 0, "text");
    Encoding b;
    if (pair) b = encode_sequence(*pair, 1, "pair text");
    if (options.truncation) truncate(a, pair ? &b : nullptr, *options.truncation, options.add_special_tokens);
    Encoding result = post_.process(std::move(a), pair ? &b : nullptr, options.add_special_tokens);
    if (options.padding.strategy != PaddingStrategy::None) {
      const Encoding* one = &result;
      pad_encoding(result, padding_target(options.padding, &one, 1), pad_id_,
                   options_.pad_type_id, options_.pad_token);
    }
    return result;
  }

  void truncate(Encoding& a, Encoding* b, const TruncationOptions& t, bool add_special) const {
    const std::size_t n_added = add_special ? post_.added_tokens(b != nullptr) : 0;
    if (t.max_length < n_added)
      throw TokenizerError("truncation max_length " + std::to_string(t.max_length) +
                           " is smaller than the " + std::to_string(n_added) +
                           " special tokens the tokenizer adds");
    const std::size_t single_added = add_special ? post_.added_tokens(false) : 0;
    if (t.max_length - single_added < t.stride)
      throw TokenizerError("truncation stride " + std::to_string(t.stride) +
                           " is greater than its effective max length " +
                           std::to_string(t.max_length - single_added) + " (max_length " +
                           std::to_string(t.max_length) + " minus " +
                           std::to_string(single_added) + " special tokens)");
    truncate_pair(a, b, t.max_length - n_added, t.strategy, t.stride);
  }

  template <typename EncodeOne>
  std::vector<Encoding> encode_all(std::size_t n, const EncodeOptions& options, EncodeOne&& encode_one) const {
    std::vector<Encoding> out(n);
    std::vector<std::exception_ptr> errors(n);
    const auto count = static_cast<std::ptrdiff_t>(n);
    const int threads = count >= 32 ? detail::max_threads() : 1;
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

  // Tokenizes one text: added tokens, then normalization, pre-tokenization
  // and WordPiece on the pieces between them. Offsets are bytes of `text`.
  Encoding encode_sequence(std::string_view text, std::int32_t type_id, const char* what) const {
    const std::size_t bad = detail::utf8_invalid_position(text);
    if (bad != std::string_view::npos)
      throw TokenizerError(std::string("invalid UTF-8 in the ") + what + " at byte " +
                           std::to_string(bad));
    Scratch& s = scratch();
    Encoding e;
    const std::size_t estimate = text.size() / 3 + 4;
    e.ids.reserve(estimate);
    e.tokens.reserve(estimate);
    e.offsets.reserve(estimate);
    e.word_ids.reserve(estimate);
    std::int32_t word = 0;
    s.raw_matches.clear();
    raw_matcher_.find(text, added_, s.raw_matches);
    std::size_t pos = 0;
    for (const AddedTokenMatch& m : s.raw_matches) {
      if (m.begin > pos) encode_plain(text.substr(pos, m.begin - pos), pos, s, e, word);
      push_token(e, added_[m.token].id, std::string(text.substr(m.begin, m.end - m.begin)),
                 m.begin, m.end, word++);
      pos = m.end;
    }
    if (pos < text.size()) encode_plain(text.substr(pos), pos, s, e, word);
    const std::size_t n = e.ids.size();
    e.type_ids.assign(n, type_id);
    e.attention_mask.assign(n, 1);
    e.special_tokens_mask.assign(n, 0);
    e.sequence_ids.assign(n, type_id);
    return e;
  }

  static void push_token(Encoding& e, std::int32_t id, std::string token, std::size_t begin,
                         std::size_t end, std::int32_t word) {
    e.ids.push_back(id);
    e.tokens.push_back(std::move(token));
    e.offsets.push_back(Offset{begin, end});
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
      if (m.begin > pos) encode_words(text, pos, m.begin, norm, s, e, word);
      push_token(e, added_[m.token].id, std::string(text.substr(m.begin, m.end - m.begin)),
                 norm.original_begin(m.begin), norm.original_end(m.end), word++);
      pos = m.end;
    }
    if (pos < text.size()) encode_words(text, pos, text.size(), norm, s, e, word);
  }

  void encode_words(std::string_view text, std::size_t from, std::size_t to,
                    const NormalizedText& norm, Scratch& s, Encoding& e, std::int32_t& word) const {
    BertPreTokenizer::split(text.substr(from, to - from), [&](std::size_t wb, std::size_t we) {
      const std::size_t word_begin = from + wb;
      model_.tokenize(text.substr(word_begin, we - wb), s.pieces);
      for (const WordPiecePiece& p : s.pieces) {
        e.ids.push_back(p.id);
        e.tokens.push_back(model_.id_to_token(p.id));
        e.offsets.push_back(Offset{norm.original_begin(word_begin + p.begin),
                                   norm.original_end(word_begin + p.end)});
        e.word_ids.push_back(word);
      }
      ++word;
    });
  }

  // ---- construction ---------------------------------------------------

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

  std::int32_t require_id(const std::string& token, const std::string& source) const {
    auto id = token_to_id(token);
    if (!id) throw LoadError(source + ": special token '" + token + "' is not in the vocabulary");
    return *id;
  }

  std::int32_t id_or(const std::string& token, std::int32_t fallback) const {
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
  }

  void read_model(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("model");
    if (it == root.end() || !it->is_object()) throw LoadError(path + ": field 'model' is missing");
    const nlohmann::json& model = *it;
    const std::string type = detail::json_field<std::string, LoadError>(model, "type", "WordPiece", path);
    if (type != "WordPiece")
      throw LoadError(path + ": field 'model.type' is '" + type +
                      "', but only WordPiece tokenizers are supported");
    const auto vocab = model.find("vocab");
    if (vocab == model.end() || !vocab->is_object() || vocab->empty())
      throw LoadError(path + ": field 'model.vocab' is missing or not a non-empty object");
    std::vector<std::string> tokens(vocab->size());
    for (auto entry = vocab->begin(); entry != vocab->end(); ++entry) {
      if (!entry.value().is_number_integer() || entry.value().get<std::int64_t>() < 0)
        throw LoadError(path + ": field 'model.vocab' has a non-integer id for '" + entry.key() + "'");
      const auto id = entry.value().get<std::size_t>();
      // Ids index the token table: a sparse id would size it (10^12 entries).
      if (id >= tokens.size())
        throw LoadError(path + ": field 'model.vocab' gives '" + entry.key() + "' the id " +
                        std::to_string(id) + ", outside 0.." + std::to_string(tokens.size() - 1) +
                        " for its " + std::to_string(tokens.size()) + " tokens");
      tokens[id] = entry.key();
    }
    options_.unk_token = detail::json_field<std::string, LoadError>(model, "unk_token", "[UNK]", path);
    options_.continuing_subword_prefix =
        detail::json_field<std::string, LoadError>(model, "continuing_subword_prefix", "##", path);
    options_.max_input_chars_per_word =
        detail::json_field<std::size_t, LoadError>(model, "max_input_chars_per_word", 100, path);
    try {
      model_ = WordPiece(std::move(tokens), options_.unk_token, options_.continuing_subword_prefix,
                         options_.max_input_chars_per_word);
    } catch (const LoadError& e) {
      throw LoadError(path + ": " + e.what());
    }
  }

  void read_normalizer(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("normalizer");
    if (it == root.end() || it->is_null()) {
      normalizer_ = BertNormalizer::identity();
      options_.clean_text = options_.handle_chinese_chars = options_.lowercase = false;
      options_.strip_accents = false;
      return;
    }
    const std::string type = detail::json_field<std::string, LoadError>(*it, "type", "", path);
    if (type != "BertNormalizer")
      throw LoadError(path + ": field 'normalizer.type' is '" + type +
                      "', but only BertNormalizer is supported");
    options_.clean_text = detail::json_field<bool, LoadError>(*it, "clean_text", true, path);
    options_.handle_chinese_chars =
        detail::json_field<bool, LoadError>(*it, "handle_chinese_chars", true, path);
    options_.lowercase = detail::json_field<bool, LoadError>(*it, "lowercase", true, path);
    const auto strip = it->find("strip_accents");
    if (strip != it->end() && !strip->is_null()) {
      if (!strip->is_boolean())
        throw LoadError(path + ": field 'normalizer.strip_accents' must be true, false or null");
      options_.strip_accents = strip->get<bool>();
    }
    normalizer_ = BertNormalizer(options_.clean_text, options_.handle_chinese_chars,
                                 options_.strip_accents, options_.lowercase);
  }

  static void read_pre_tokenizer(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("pre_tokenizer");
    if (it == root.end() || it->is_null())
      throw LoadError(path + ": field 'pre_tokenizer' is missing (BertPreTokenizer expected)");
    const std::string type = detail::json_field<std::string, LoadError>(*it, "type", "", path);
    if (type != "BertPreTokenizer")
      throw LoadError(path + ": field 'pre_tokenizer.type' is '" + type +
                      "', but only BertPreTokenizer is supported");
  }

  void read_added_tokens(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("added_tokens");
    if (it == root.end() || it->is_null()) return;
    if (!it->is_array()) throw LoadError(path + ": field 'added_tokens' must be an array");
    for (const nlohmann::json& entry : *it) {
      AddedToken t;
      t.content = detail::json_required<std::string, LoadError>(entry, "content", path);
      t.id = detail::json_required<std::int32_t, LoadError>(entry, "id", path);
      t.single_word = detail::json_field<bool, LoadError>(entry, "single_word", false, path);
      t.lstrip = detail::json_field<bool, LoadError>(entry, "lstrip", false, path);
      t.rstrip = detail::json_field<bool, LoadError>(entry, "rstrip", false, path);
      t.normalized = detail::json_field<bool, LoadError>(entry, "normalized", false, path);
      t.special = detail::json_field<bool, LoadError>(entry, "special", false, path);
      if (t.content.empty() || detail::utf8_invalid_position(t.content) != std::string_view::npos)
        throw LoadError(path + ": field 'added_tokens' has an empty or invalid token");
      add_token(std::move(t));
    }
    // tokenizer.json's own padding settings name the pad token; the padding
    // strategy itself is chosen per call (EncodeOptions), as transformers does.
    const auto padding = root.find("padding");
    if (padding != root.end() && padding->is_object()) {
      options_.pad_token = detail::json_field<std::string, LoadError>(*padding, "pad_token", "[PAD]", path);
      options_.pad_type_id = detail::json_field<std::int32_t, LoadError>(*padding, "pad_type_id", 0, path);
    }
  }

  void read_post_processor(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("post_processor");
    if (it == root.end() || it->is_null()) {
      post_ = TemplateProcessing::none();
      return;
    }
    const std::string type = detail::json_field<std::string, LoadError>(*it, "type", "", path);
    if (type == "BertProcessing") {
      const auto sep = it->find("sep");
      const auto cls = it->find("cls");
      auto token_and_id = [&](nlohmann::json::const_iterator field) {
        return field != it->end() && field->is_array() && field->size() == 2 &&
               (*field)[0].is_string() && (*field)[1].is_number_integer();
      };
      if (!token_and_id(sep) || !token_and_id(cls))
        throw LoadError(path + ": fields 'post_processor.cls' / 'post_processor.sep' must be [token, id]");
      options_.sep_token = (*sep)[0].get<std::string>();
      options_.cls_token = (*cls)[0].get<std::string>();
      post_ = TemplateProcessing::bert(
          options_.cls_token, detail::json_integer<std::int32_t, LoadError>((*cls)[1], "post_processor.cls", path),
          options_.sep_token, detail::json_integer<std::int32_t, LoadError>((*sep)[1], "post_processor.sep", path));
      return;
    }
    if (type != "TemplateProcessing")
      throw LoadError(path + ": field 'post_processor.type' is '" + type +
                      "', but only TemplateProcessing and BertProcessing are supported");
    std::map<std::string, TemplateSpecialToken> specials;
    const auto sp = it->find("special_tokens");
    if (sp != it->end() && sp->is_object()) {
      for (auto entry = sp->begin(); entry != sp->end(); ++entry) {
        TemplateSpecialToken t;
        try {
          const std::string field = "post_processor.special_tokens." + entry.key() + ".ids";
          for (const nlohmann::json& id : entry.value().at("ids").get_ref<const nlohmann::json::array_t&>())
            t.ids.push_back(detail::json_integer<std::int32_t, LoadError>(id, field.c_str(), path));
          t.tokens = entry.value().at("tokens").get<std::vector<std::string>>();
        } catch (const nlohmann::json::exception&) {
          throw LoadError(path + ": field 'post_processor.special_tokens." + entry.key() +
                          "' must have 'ids' and 'tokens' arrays");
        }
        if (t.ids.size() != t.tokens.size())
          throw LoadError(path + ": field 'post_processor.special_tokens." + entry.key() +
                          "' has different numbers of ids and tokens");
        specials[entry.key()] = std::move(t);
      }
    }
    std::vector<TemplatePiece> single = read_template(*it, "single", path);
    std::vector<TemplatePiece> pair = read_template(*it, "pair", path);
    try {
      post_ = TemplateProcessing(std::move(single), std::move(pair), std::move(specials));
    } catch (const TokenizerError& e) {
      throw LoadError(path + ": " + e.what());
    }
    // BERT names: the first special of the single template is [CLS], the last [SEP].
    auto first_special = find_special(*it, true);
    auto last_special = find_special(*it, false);
    if (first_special) options_.cls_token = *first_special;
    if (last_special) options_.sep_token = *last_special;
  }

  static std::optional<std::string> find_special(const nlohmann::json& processor, bool first) {
    const auto single = processor.find("single");
    if (single == processor.end() || !single->is_array()) return std::nullopt;
    std::optional<std::string> found;
    for (const nlohmann::json& piece : *single) {
      const auto sp = piece.find("SpecialToken");
      if (sp == piece.end()) continue;
      found = sp->value("id", std::string());
      if (first) break;
    }
    return found;
  }

  static std::vector<TemplatePiece> read_template(const nlohmann::json& processor, const char* key,
                                                  const std::string& path) {
    const auto it = processor.find(key);
    const std::string field = std::string("post_processor.") + key;
    if (it == processor.end() || !it->is_array())
      throw LoadError(path + ": field '" + field + "' must be an array");
    std::vector<TemplatePiece> pieces;
    for (const nlohmann::json& piece : *it) {
      TemplatePiece p;
      try {
        if (piece.contains("Sequence")) {
          const nlohmann::json& s = piece.at("Sequence");
          const std::string id = s.at("id").get<std::string>();
          if (id != "A" && id != "B") throw LoadError(path + ": field '" + field + "' has sequence id '" + id + "'");
          p.sequence = id == "A" ? 0 : 1;
          p.type_id = detail::json_integer<std::int32_t, LoadError>(s.at("type_id"), field.c_str(), path);
        } else if (piece.contains("SpecialToken")) {
          const nlohmann::json& s = piece.at("SpecialToken");
          p.is_sequence = false;
          p.special = s.at("id").get<std::string>();
          p.type_id = detail::json_integer<std::int32_t, LoadError>(s.at("type_id"), field.c_str(), path);
        } else {
          throw LoadError(path + ": field '" + field + "' has an entry that is neither Sequence nor SpecialToken");
        }
      } catch (const nlohmann::json::exception&) {
        throw LoadError(path + ": field '" + field + "' has a malformed entry");
      }
      pieces.push_back(std::move(p));
    }
    return pieces;
  }

  void read_decoder(const nlohmann::json& root, const std::string& path) {
    const auto it = root.find("decoder");
    if (it == root.end() || it->is_null()) {
      has_decoder_ = false;
      return;
    }
    const std::string type = detail::json_field<std::string, LoadError>(*it, "type", "", path);
    if (type != "WordPiece")
      throw LoadError(path + ": field 'decoder.type' is '" + type + "', but only WordPiece is supported");
    decoder_.prefix = detail::json_field<std::string, LoadError>(*it, "prefix", "##", path);
    decoder_.cleanup = detail::json_field<bool, LoadError>(*it, "cleanup", true, path);
    has_decoder_ = true;
  }

  // ---- tokenizer_config.json / special_tokens_map.json ------------------

  // A special token entry is either "text" or {"content": "text", ...}.
  static std::optional<std::string> special_name(const nlohmann::json& config, const char* key,
                                                 const std::string& path) {
    const auto it = config.find(key);
    if (it == config.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && it->at("content").is_string())
      return it->at("content").get<std::string>();
    throw LoadError(path + ": field '" + key + "' must be a string or an object with 'content'");
  }

  static void read_special_names(const nlohmann::json& config, const std::string& path,
                                 TokenizerOptions& options) {
    if (!config.is_object()) throw LoadError(path + ": expected a JSON object");
    if (auto v = special_name(config, "unk_token", path)) options.unk_token = *v;
    if (auto v = special_name(config, "cls_token", path)) options.cls_token = *v;
    if (auto v = special_name(config, "sep_token", path)) options.sep_token = *v;
    if (auto v = special_name(config, "pad_token", path)) options.pad_token = *v;
    if (auto v = special_name(config, "mask_token", path)) options.mask_token = *v;
  }

  static void read_config_options(const nlohmann::json& config, const std::string& path,
                                  TokenizerOptions& options) {
    read_special_names(config, path, options);
    options.lowercase = detail::json_field<bool, LoadError>(config, "do_lower_case", true, path);
    const auto strip = config.find("strip_accents");
    if (strip != config.end() && !strip->is_null()) {
      if (!strip->is_boolean()) throw LoadError(path + ": field 'strip_accents' must be true, false or null");
      options.strip_accents = strip->get<bool>();
    }
    options.handle_chinese_chars =
        detail::json_field<bool, LoadError>(config, "tokenize_chinese_chars", true, path);
    read_common_config(config, path, options);
  }

  // Fields that matter whichever file the vocabulary came from.
  static void read_common_config(const nlohmann::json& config, const std::string& path,
                                 TokenizerOptions& options) {
    const auto max = config.find("model_max_length");
    if (max != config.end() && max->is_number()) {
      // transformers writes 1e30 for "no limit".
      const double v = max->get<double>();
      options.model_max_length = v >= 1e18 || v < 0 ? std::numeric_limits<std::size_t>::max()
                                                    : max->get<std::size_t>();
    }
    options.clean_up_tokenization_spaces =
        detail::json_field<bool, LoadError>(config, "clean_up_tokenization_spaces", true, path);
  }

  void apply_config_names(const nlohmann::json& config, const std::string& path) {
    if (!config.is_object()) throw LoadError(path + ": expected a JSON object");
    read_common_config(config, path, options_);
    if (auto v = special_name(config, "pad_token", path)) options_.pad_token = *v;
    if (auto v = special_name(config, "mask_token", path)) options_.mask_token = *v;
    finish();
  }

  TokenizerOptions options_;
  BertNormalizer normalizer_;
  WordPiece model_;
  std::vector<AddedToken> added_;
  std::unordered_map<std::string, std::size_t> added_by_content_;
  std::unordered_map<std::int32_t, std::size_t> added_by_id_;
  AddedTokenMatcher raw_matcher_;
  AddedTokenMatcher normalized_matcher_;
  TemplateProcessing post_;
  WordPieceDecoder decoder_;
  bool has_decoder_ = true;
  std::int32_t cls_id_ = -1;
  std::int32_t sep_id_ = -1;
  std::int32_t pad_id_ = 0;
  std::int32_t mask_id_ = -1;
};

}  // namespace bertpp
