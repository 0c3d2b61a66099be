// MarianTokenizer (HF transformers' slow tokenizer of the opus-mt models):
// SentencePiece pieces from `source.spm` (source text) or `target.spm`
// (`text_target`), mapped to ids through `vocab.json` — not the .spm's own
// ids — with `</s>` appended. Reading and running the .spm models is
// Google's SentencePiece library's job (Debian: libsentencepiece-dev); link
// the CMake target bertpp::translation to get it.
#pragma once

#if !__has_include(<sentencepiece_processor.h>)
#error "bertpp's translation support needs SentencePiece: install libsentencepiece-dev (bash third_party/install-deps.sh) and link the CMake target bertpp::translation"
#endif

#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/pipelines/detail/python_text.hpp"
#include "bertpp/tokenizer/decoder.hpp"
#include "bertpp/tokenizer/encoding.hpp"

#include <sentencepiece_processor.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {

struct MarianDecodeOptions {
  bool skip_special_tokens = false;  // also drops <unk>, as HF's all_special_ids holds it
  // Unset: tokenizer_config.json's clean_up_tokenization_spaces (true by default).
  std::optional<bool> clean_up_tokenization_spaces;
};

class MarianTokenizer {
 public:
  // A folder with source.spm, target.spm, vocab.json and optionally
  // tokenizer_config.json / special_tokens_map.json.
  static MarianTokenizer from_folder(const std::string& dir) {
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    auto state = std::make_shared<State>();
    State& s = *state;
    s.source = load_spm(base + "source.spm");
    s.target = load_spm(base + "target.spm");
    s.vocab_path = base + "vocab.json";
    read_vocab(s, s.vocab_path);
    const std::string config_path = base + "tokenizer_config.json";
    if (std::ifstream(config_path).good()) read_config(s, detail::read_json_file<LoadError>(config_path), config_path);
    const std::string map_path = base + "special_tokens_map.json";
    if (std::ifstream(map_path).good()) read_config(s, detail::read_json_file<LoadError>(map_path), map_path);
    if (s.separate_vocabs)
      detail::throw_error<LoadError>(
          {config_path, ": separate_vocabs (a target_vocab.json) is not supported"});
    s.unk_id = require_token(s, s.unk_token, "unk_token");
    s.eos_id = require_token(s, s.eos_token, "eos_token");
    s.pad_id = require_token(s, s.pad_token, "pad_token");
    s.specials = {s.eos_token, s.unk_token, s.pad_token};
    MarianTokenizer t;
    t.state_ = std::move(state);
    return t;
  }

  // Source-side pieces, HF's tokenizer.tokenize(text): special tokens written
  // in the text are kept whole (whitespace next to them stripped), a leading
  // ">>xx<<" language code is one token, the rest goes through source.spm.
  std::vector<std::string> tokenize(const std::string& text) const { return tokenize(text, *state_->source); }
  std::vector<std::string> tokenize_target(const std::string& text) const {
    return tokenize(text, *state_->target);
  }

  // tokenizer(text)['input_ids'] (and its tokens): pieces -> vocab.json ids,
  // </s> appended.
  Encoding encode(const std::string& text) const { return encode_pieces(tokenize(text)); }
  // tokenizer(text_target=text): the same through target.spm.
  Encoding encode_target(const std::string& text) const { return encode_pieces(tokenize_target(text)); }

  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts) const {
    std::vector<Encoding> out;
    out.reserve(texts.size());
    for (const std::string& text : texts) out.push_back(encode(text));
    return out;
  }

  // tokenizer.decode(ids): runs of ordinary pieces through target.spm,
  // special tokens verbatim followed by a space, then stripped and (by
  // default) clean_up_tokenization.
  std::string decode(const std::vector<std::int32_t>& ids, const MarianDecodeOptions& options = {}) const {
    const State& s = *state_;
    std::vector<std::string> run;
    std::string out;
    for (std::int32_t id : ids) {
      if (options.skip_special_tokens && is_special_id(id)) continue;
      const std::string& piece = id_to_token(id);
      if (is_special_token(piece)) {
        out += decode_run(run) + piece + " ";
        run.clear();
      } else {
        run.push_back(piece);
      }
    }
    out += decode_run(run);
    out = detail::python_strip(out);
    if (options.clean_up_tokenization_spaces.value_or(s.clean_up_tokenization_spaces))
      detail::cleanup_tokenization(out, false);
    return out;
  }

  std::vector<std::string> batch_decode(const std::vector<std::vector<std::int32_t>>& sequences,
                                        const MarianDecodeOptions& options = {}) const {
    std::vector<std::string> out;
    out.reserve(sequences.size());
    for (const auto& ids : sequences) out.push_back(decode(ids, options));
    return out;
  }

  // vocab.json's piece for `id`; "<unk>" for an id it does not hold (as HF).
  const std::string& id_to_token(std::int32_t id) const {
    auto it = state_->id_to_piece.find(id);
    return it == state_->id_to_piece.end() ? state_->unk_token : it->second;
  }
  // vocab.json's id for `piece`; the <unk> id for a piece it does not hold.
  std::int32_t token_to_id(const std::string& piece) const {
    auto it = state_->piece_to_id.find(piece);
    return it == state_->piece_to_id.end() ? state_->unk_id : it->second;
  }

  std::int32_t eos_id() const { return state_->eos_id; }
  std::int32_t pad_id() const { return state_->pad_id; }
  std::int32_t unk_id() const { return state_->unk_id; }
  const std::string& eos_token() const { return state_->eos_token; }
  const std::string& pad_token() const { return state_->pad_token; }
  const std::string& unk_token() const { return state_->unk_token; }
  std::size_t vocab_size() const { return state_->piece_to_id.size(); }
  std::size_t model_max_length() const { return state_->model_max_length; }
  const std::string& source_lang() const { return state_->source_lang; }
  const std::string& target_lang() const { return state_->target_lang; }
  bool clean_up_tokenization_spaces() const { return state_->clean_up_tokenization_spaces; }
  bool is_special_id(std::int32_t id) const {
    return id == state_->eos_id || id == state_->unk_id || id == state_->pad_id;
  }

 private:
  struct State {
    std::unique_ptr<sentencepiece::SentencePieceProcessor> source, target;
    std::string vocab_path;
    std::unordered_map<std::string, std::int32_t> piece_to_id;
    std::unordered_map<std::int32_t, std::string> id_to_piece;
    std::string unk_token = "<unk>", eos_token = "</s>", pad_token = "<pad>";
    std::vector<std::string> specials;
    std::int32_t unk_id = -1, eos_id = -1, pad_id = -1;
    std::size_t model_max_length = 512;
    bool clean_up_tokenization_spaces = true;
    bool separate_vocabs = false;
    std::string source_lang, target_lang;
  };

  MarianTokenizer() = default;

  static std::unique_ptr<sentencepiece::SentencePieceProcessor> load_spm(const std::string& path) {
    if (!std::ifstream(path).good())
      detail::throw_error<LoadError>({path, ": cannot open SentencePiece model"});
    auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = processor->Load(path);
    if (!status.ok())
      detail::throw_error<LoadError>(
          {path, ": not a SentencePiece model (", status.ToString(), ")"});
    return processor;
  }

  static void read_vocab(State& s, const std::string& path) {
    const nlohmann::json vocab = detail::read_json_file<LoadError>(path);
    if (!vocab.is_object() || vocab.empty())
      detail::throw_error<LoadError>(
          {path, ": expected a non-empty JSON object mapping pieces to ids"});
    s.piece_to_id.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const auto id = detail::json_integer<std::int32_t, LoadError>(it.value(), it.key().c_str(), path);
      if (id < 0)
        detail::throw_error<LoadError>({path, ": piece '", it.key(), "' has a negative id"});
      s.piece_to_id[it.key()] = id;
      s.id_to_piece[id] = it.key();  // HF's decoder dict: a later duplicate id wins
    }
  }

  // Token names may be plain strings or {"content": ...} objects.
  static std::optional<std::string> token_name(const nlohmann::json& config, const char* key,
                                               const std::string& path) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && it->at("content").is_string())
      return it->at("content").get<std::string>();
    detail::throw_error<LoadError>(
        {path, ": field '", key, "' must be a string or an object with 'content'"});
  }

  static void read_config(State& s, const nlohmann::json& config, const std::string& path) {
    if (!config.is_object()) detail::throw_error<LoadError>({path, ": expected a JSON object"});
    if (auto v = token_name(config, "unk_token", path)) s.unk_token = *v;
    if (auto v = token_name(config, "eos_token", path)) s.eos_token = *v;
    if (auto v = token_name(config, "pad_token", path)) s.pad_token = *v;
    const auto max = config.find("model_max_length");
    if (max != config.end() && max->is_number()) {
      const double v = max->get<double>();  // transformers writes 1e30 for "no limit"
      s.model_max_length = v >= 1e18 || v < 1 ? std::numeric_limits<std::size_t>::max()
                                              : static_cast<std::size_t>(v);
    }
    s.clean_up_tokenization_spaces = detail::json_field<bool, LoadError>(
        config, "clean_up_tokenization_spaces", s.clean_up_tokenization_spaces, path);
    s.separate_vocabs = detail::json_field<bool, LoadError>(config, "separate_vocabs", s.separate_vocabs, path);
    s.source_lang = detail::json_field<std::string, LoadError>(config, "source_lang", s.source_lang, path);
    s.target_lang = detail::json_field<std::string, LoadError>(config, "target_lang", s.target_lang, path);
  }

  static std::int32_t require_token(const State& s, const std::string& token, const char* what) {
    auto it = s.piece_to_id.find(token);
    if (it == s.piece_to_id.end())
      detail::throw_error<LoadError>(
          {s.vocab_path, ": ", what, " '", token, "' is not in the vocabulary"});
    return it->second;
  }

  bool is_special_token(const std::string& piece) const {
    for (const std::string& special : state_->specials)
      if (piece == special) return true;
    return false;
  }

  static void check_utf8(const std::string& text) {
    for (std::size_t pos = 0; pos < text.size();) {
      utf8proc_int32_t cp = 0;
      pos += detail::decode_at(text, pos, cp);
    }
  }

  // Python's str.lstrip() / str.rstrip().
  static std::string_view lstrip(std::string_view text) {
    std::size_t begin = 0;
    while (begin < text.size()) {
      utf8proc_int32_t cp = 0;
      const std::size_t n = detail::decode_at(text, begin, cp);
      if (!detail::python_space(cp)) break;
      begin += n;
    }
    return text.substr(begin);
  }
  static std::string_view rstrip(std::string_view text) {
    std::size_t end = text.size();
    while (end > 0) {
      std::size_t start = end - 1;
      while (start > 0 && detail::is_utf8_continuation(static_cast<unsigned char>(text[start]))) --start;
      utf8proc_int32_t cp = 0;
      detail::decode_at(text, start, cp);
      if (!detail::python_space(cp)) break;
      end = start;
    }
    return text.substr(0, end);
  }

  // The text split around the special tokens written in it (leftmost match;
  // none of </s>, <unk>, <pad> is a prefix of another), each chunk
  // flagged special or not.
  std::vector<std::pair<std::string_view, bool>> split_specials(std::string_view text) const {
    std::vector<std::pair<std::string_view, bool>> chunks;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t best = std::string_view::npos, best_len = 0;
      for (const std::string& special : state_->specials) {
        const std::size_t at = text.find(special, pos);
        if (at < best || (at == best && special.size() > best_len)) {
          best = at;
          best_len = special.size();
        }
      }
      if (best == std::string_view::npos) {
        chunks.emplace_back(text.substr(pos), false);
        break;
      }
      chunks.emplace_back(text.substr(pos, best - pos), false);
      chunks.emplace_back(text.substr(best, best_len), true);
      pos = best + best_len;
    }
    // HF strips whitespace on both sides of a special token (plain-string specials).
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (!chunks[i].second) continue;
      if (i > 0 && !chunks[i - 1].second) chunks[i - 1].first = rstrip(chunks[i - 1].first);
      if (i + 1 < chunks.size() && !chunks[i + 1].second) chunks[i + 1].first = lstrip(chunks[i + 1].first);
    }
    return chunks;
  }

  // transformers 4.31's language-code rule, the regex ">>.+<<": a match at
  // the start is kept as one token, and every match is removed from the text
  // ('.' stops at a newline; the match is greedy, so it ends at the last
  // "<<" of the line).
  static std::size_t language_code_end(std::string_view text, std::size_t at) {
    if (text.compare(at, 2, ">>") != 0) return std::string_view::npos;
    std::size_t line_end = text.find('\n', at);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (line_end < at + 5) return std::string_view::npos;
    const std::size_t close = text.rfind("<<", line_end - 2);
    if (close == std::string_view::npos || close < at + 3) return std::string_view::npos;
    return close + 2;
  }

  std::vector<std::string> language_code_split(std::string_view text,
                                               const sentencepiece::SentencePieceProcessor& spm) const {
    std::vector<std::string> pieces;
    const std::size_t first = language_code_end(text, 0);
    if (first != std::string_view::npos) pieces.emplace_back(text.substr(0, first));
    std::string rest;
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t end = language_code_end(text, i);
      if (end != std::string_view::npos) {
        i = end;
      } else {
        rest.push_back(text[i]);
        ++i;
      }
    }
    std::vector<std::string> spm_pieces;
    const auto status = spm.Encode(rest, &spm_pieces);
    if (!status.ok())
      detail::throw_error<TokenizerError>(
          {"SentencePiece could not encode the text: ", status.ToString()});
    for (std::string& piece : spm_pieces) pieces.push_back(std::move(piece));
    return pieces;
  }

  std::vector<std::string> tokenize(const std::string& text,
                                    const sentencepiece::SentencePieceProcessor& spm) const {
    check_utf8(text);
    std::vector<std::string> pieces;
    for (const auto& [chunk, special] : split_specials(text)) {
      if (chunk.empty()) continue;
      if (special) {
        pieces.emplace_back(chunk);
        continue;
      }
      for (std::string& piece : language_code_split(chunk, spm)) pieces.push_back(std::move(piece));
    }
    return pieces;
  }

  // `tokens` are the vocabulary's pieces for the ids (HF's
  // convert_ids_to_tokens): a piece vocab.json lacks shows as <unk>.
  Encoding encode_pieces(std::vector<std::string> pieces) const {
    Encoding e;
    pieces.push_back(state_->eos_token);
    e.ids.reserve(pieces.size());
    for (const std::string& piece : pieces) {
      e.ids.push_back(token_to_id(piece));
      e.tokens.push_back(id_to_token(e.ids.back()));
      e.special_tokens_mask.push_back(e.ids.back() == state_->eos_id || e.ids.back() == state_->pad_id);
    }
    e.attention_mask.assign(e.ids.size(), 1);
    e.type_ids.assign(e.ids.size(), 0);
    return e;
  }

  // A run of ordinary pieces through target.spm (pieces it does not know
  // come out verbatim, as SentencePiece's DecodePieces does).
  std::string decode_run(const std::vector<std::string>& run) const {
    if (run.empty()) return "";
    std::string text;
    const auto status = state_->target->Decode(run, &text);
    if (!status.ok())
      detail::throw_error<TokenizerError>({"SentencePiece could not decode: ", status.ToString()});
    return text;
  }

  std::shared_ptr<const State> state_;
};

}  // namespace bertpp
