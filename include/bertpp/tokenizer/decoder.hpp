// Turning WordPiece tokens back into text, as HF's WordPiece decoder and
// transformers' clean_up_tokenization do.
#pragma once

#include <string>
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

}  // namespace bertpp
