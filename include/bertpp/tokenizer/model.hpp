// The tokenizer's model: WordPiece or BPE behind one interface (vocabulary
// lookups and the split of one pre-tokenized word into pieces).
#pragma once

#include "bertpp/tokenizer/bpe.hpp"
#include "bertpp/tokenizer/wordpiece.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bertpp {

class TokenizerModel {
 public:
  TokenizerModel() = default;
  TokenizerModel(WordPiece model) : model_(std::move(model)) {}  // NOLINT: implicit on purpose
  TokenizerModel(Bpe model) : model_(std::move(model)) {}        // NOLINT

  bool is_wordpiece() const { return model_.index() == 0; }
  bool is_bpe() const { return model_.index() == 1; }
  const WordPiece* wordpiece() const { return std::get_if<WordPiece>(&model_); }
  const Bpe* bpe() const { return std::get_if<Bpe>(&model_); }

  std::size_t size() const {
    return std::visit([](const auto& m) { return m.size(); }, model_);
  }
  // -1 when the model has no unknown token.
  std::int32_t unk_id() const {
    return std::visit([](const auto& m) { return m.unk_id(); }, model_);
  }
  // The id of a vocabulary token, or -1.
  std::int32_t token_to_id(std::string_view token) const {
    return std::visit([&](const auto& m) { return m.token_to_id(token); }, model_);
  }
  // Precondition: 0 <= id < size().
  const std::string& id_to_token(std::int32_t id) const {
    return std::visit([&](const auto& m) -> const std::string& { return m.id_to_token(id); }, model_);
  }
  // The mark of a piece inside a word ("##" for WordPiece; none for BPE).
  std::string continuing_subword_prefix() const {
    if (const WordPiece* w = wordpiece()) return w->continuing_subword_prefix();
    return {};
  }

  void tokenize(std::string_view word, std::vector<TokenPiece>& pieces) const {
    if (const WordPiece* w = wordpiece()) return w->tokenize(word, pieces);
    std::get<Bpe>(model_).tokenize(word, pieces);
  }

 private:
  std::variant<WordPiece, Bpe> model_;
};

}  // namespace bertpp
