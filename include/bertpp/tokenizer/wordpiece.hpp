// The WordPiece model: a vocabulary and HF's greedy longest-match-first
// splitting of a word into pieces ("##" marks a piece inside a word).
#pragma once

#include "bertpp/detail/string_id_table.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/token_piece.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertpp {

using WordPiecePiece = TokenPiece;  // its name when only WordPiece had pieces

class WordPiece {
 public:
  WordPiece() = default;

  // `tokens[id]` is the token with that id (as vocab.txt lists them). A token
  // listed twice keeps its last id, as HF does.
  WordPiece(std::vector<std::string> tokens, std::string unk_token,
            std::string continuing_subword_prefix, std::size_t max_input_chars_per_word)
      : tokens_(std::move(tokens)),
        unk_token_(std::move(unk_token)),
        prefix_(std::move(continuing_subword_prefix)),
        max_input_chars_per_word_(max_input_chars_per_word) {
    word_start_.reserve(tokens_.size());
    for (std::size_t id = 0; id < tokens_.size(); ++id)
      word_start_.insert(tokens_[id], static_cast<std::int32_t>(id));
    for (std::size_t id = 0; id < tokens_.size(); ++id) {
      const std::string& t = tokens_[id];
      if (t.size() >= prefix_.size() && t.compare(0, prefix_.size(), prefix_) == 0 &&
          word_start_.find(t) == static_cast<std::int32_t>(id))
        continuation_.insert(std::string_view(t).substr(prefix_.size()),
                             static_cast<std::int32_t>(id));
    }
    unk_id_ = word_start_.find(unk_token_);
    if (unk_id_ < 0)
      detail::throw_error<LoadError>(
          {"WordPiece vocabulary: the unknown token '", unk_token_, "' is not in the vocabulary"});
  }

  // Reads vocab.txt: one token per line, id = line number; trailing
  // whitespace (including \r) is dropped, as HF does.
  static std::vector<std::string> read_vocab_lines(const std::string& path, const std::string& text) {
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::size_t end = nl;
      while (end > pos && (text[end - 1] == ' ' || text[end - 1] == '\t' ||
                           text[end - 1] == '\r' || text[end - 1] == '\v' || text[end - 1] == '\f'))
        --end;
      tokens.emplace_back(text, pos, end - pos);
      pos = nl + 1;
    }
    if (tokens.empty()) detail::throw_error<LoadError>({path, ": vocabulary file is empty"});
    if (detail::utf8_invalid_position(text) != std::string_view::npos)
      detail::throw_error<LoadError>({path, ": vocabulary is not valid UTF-8 (byte ",
                                      std::to_string(detail::utf8_invalid_position(text)), ")"});
    return tokens;
  }

  std::size_t size() const { return tokens_.size(); }
  const std::string& unk_token() const { return unk_token_; }
  std::int32_t unk_id() const { return unk_id_; }
  const std::string& continuing_subword_prefix() const { return prefix_; }
  std::size_t max_input_chars_per_word() const { return max_input_chars_per_word_; }

  // The id of a vocabulary token, or -1.
  std::int32_t token_to_id(std::string_view token) const { return word_start_.find(token); }
  // Precondition: 0 <= id < size().
  const std::string& id_to_token(std::int32_t id) const { return tokens_[id]; }

  // Splits one word (valid UTF-8, no whitespace) into `pieces` (cleared
  // first): greedy longest match from the left, continuation pieces looked up
  // with the prefix. A word longer than max_input_chars_per_word characters,
  // or one that cannot be covered, becomes a single unknown token.
  void tokenize(std::string_view word, std::vector<WordPiecePiece>& pieces) const {
    pieces.clear();
    const auto n = static_cast<std::uint32_t>(word.size());
    if (word.size() > max_input_chars_per_word_ &&
        detail::utf8_count(word) > max_input_chars_per_word_) {
      pieces.push_back({unk_id_, 0, n});
      return;
    }
    std::uint32_t start = 0;
    while (start < n) {
      const detail::StringIdTable& table = start == 0 ? word_start_ : continuation_;
      std::uint32_t end = n;
      if (end - start > table.max_key_length()) {
        end = start + static_cast<std::uint32_t>(table.max_key_length());
        while (end > start && detail::is_utf8_continuation(static_cast<unsigned char>(word[end])))
          --end;
      }
      std::int32_t id = -1;
      while (end > start) {
        id = table.find(word.substr(start, end - start));
        if (id >= 0) break;
        --end;
        while (end > start && detail::is_utf8_continuation(static_cast<unsigned char>(word[end])))
          --end;
      }
      if (id < 0) {
        pieces.clear();
        pieces.push_back({unk_id_, 0, n});
        return;
      }
      pieces.push_back({id, start, end});
      start = end;
    }
  }

 private:
  std::vector<std::string> tokens_;
  std::string unk_token_;
  std::string prefix_;
  std::size_t max_input_chars_per_word_ = 100;
  std::int32_t unk_id_ = -1;
  detail::StringIdTable word_start_;
  detail::StringIdTable continuation_;
};

}  // namespace bertpp
