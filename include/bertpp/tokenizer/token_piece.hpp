// One piece of a word as a model (WordPiece, BPE) splits it.
#pragma once

#include <cstdint>

namespace bertpp {

// One piece of a word, as any model splits it: its id and its byte span
// within the word.
struct TokenPiece {
  std::int32_t id;
  std::uint32_t begin;
  std::uint32_t end;
};

}  // namespace bertpp
