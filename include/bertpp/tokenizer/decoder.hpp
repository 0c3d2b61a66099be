// Turning tokens back into text, as HF's decoders (WordPiece, ByteLevel)
// and transformers' clean_up_tokenization do.
#pragma once

#include "bertpp/tokenizer/byte_level.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace bertpp {
namespace detail {

inline void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// HF's WordPiece decoder cleanup (applied to each token) and transformers'
// clean_up_tokenization (applied to the whole text): spaces before
// punctuation and English contractions.
inline void cleanup_tokenization(std::string& s, bool with_do_not) {
  replace_all(s, " .", ".");
  replace_all(s, " ?", "?");
  replace_all(s, " !", "!");
  replace_all(s, " ,", ",");
  replace_all(s, " ' ", "'");
  replace_all(s, " n't", "n't");
  replace_all(s, " 'm", "'m");
  if (with_do_not) replace_all(s, " do not", " don't");
  replace_all(s, " 's", "'s");
  replace_all(s, " 've", "'ve");
  replace_all(s, " 're", "'re");
}

}  // namespace detail

struct WordPieceDecoder {
  std::string prefix = "##";
  bool cleanup = true;

  // Joins tokens: a token starting with the prefix is glued to the previous
  // one (prefix removed), any other token after the first gets a space.
  std::string decode(const std::vector<std::string_view>& tokens) const {
    std::string out;
    std::string piece;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string_view t = tokens[i];
      piece.clear();
      if (i != 0) {
        if (t.substr(0, prefix.size()) == prefix)
          t.remove_prefix(prefix.size());
        else
          piece.push_back(' ');
      }
      piece.append(t.data(), t.size());
      if (cleanup) detail::cleanup_tokenization(piece, true);
      out += piece;
    }
    return out;
  }
};

// The tokenizer's decoder (tokenizer.json "decoder"): none (tokens joined
// with spaces), WordPiece or ByteLevel.
class Decoder {
 public:
  enum class Kind { None, WordPiece, ByteLevel };

  Decoder() = default;
  static Decoder none() { return Decoder(); }
  static Decoder wordpiece(WordPieceDecoder d) {
    Decoder out;
    out.kind_ = Kind::WordPiece;
    out.wordpiece_ = std::move(d);
    return out;
  }
  static Decoder byte_level() {
    Decoder out;
    out.kind_ = Kind::ByteLevel;
    return out;
  }

  Kind kind() const { return kind_; }

  std::string decode(const std::vector<std::string_view>& tokens) const {
    if (kind_ == Kind::WordPiece) return wordpiece_.decode(tokens);
    if (kind_ == Kind::ByteLevel) return ByteLevelDecoder().decode(tokens);
    std::string text;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) text.push_back(' ');
      text.append(tokens[i].data(), tokens[i].size());
    }
    return text;
  }

 private:
  Kind kind_ = Kind::None;
  WordPieceDecoder wordpiece_;
};

}  // namespace bertpp
