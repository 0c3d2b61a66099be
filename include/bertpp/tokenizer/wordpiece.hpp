// The WordPiece model: a vocabulary and HF's greedy longest-match-first
// splitting of a word into pieces ("##" marks a piece inside a word).
#pragma once

#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

inline std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xFF51AFD7ED558CCDULL);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    h = (h ^ chunk) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * 0xC2B2AE3D27D4EB4FULL;
  }
  h ^= h >> 32;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}

// Open-addressing map from byte strings to ids; lookups take a string_view
// and never allocate. Inserting an existing key replaces its id.
class StringIdTable {
 public:
  void reserve(std::size_t n) {
    std::size_t capacity = 16;
    while (capacity < n * 2) capacity <<= 1;
    rehash(capacity);
  }

  void insert(std::string_view key, std::int32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const std::uint64_t h = hash_bytes(key);
    std::size_t pos = h & mask_;
    while (slots_[pos].id >= 0) {
      if (slots_[pos].hash == h && key_of(slots_[pos]) == key) {
        slots_[pos].id = id;
        return;
      }
      pos = (pos + 1) & mask_;
    }
    slots_[pos] = Slot{h, static_cast<std::uint32_t>(arena_.size()),
                       static_cast<std::uint32_t>(key.size()), id};
    arena_.append(key.data(), key.size());
    ++size_;
    if (key.size() > max_key_length_) max_key_length_ = key.size();
  }

  // The id of key, or -1.
  std::int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const std::uint64_t h = hash_bytes(key);
    std::size_t pos = h & mask_;
    while (slots_[pos].id >= 0) {
      const Slot& s = slots_[pos];
      if (s.hash == h && s.length == key.size() &&
          std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)
        return s.id;
      pos = (pos + 1) & mask_;
    }
    return -1;
  }

  std::size_t size() const { return size_; }
  std::size_t max_key_length() const { return max_key_length_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::int32_t id = -1;
  };

  std::string_view key_of(const Slot& s) const {
    return std::string_view(arena_.data() + s.offset, s.length);
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.id < 0) continue;
      std::size_t pos = s.hash & mask_;
      while (slots_[pos].id >= 0) pos = (pos + 1) & mask_;
      slots_[pos] = s;
    }
  }

  std::string arena_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_key_length_ = 0;
};

}  // namespace detail

// One piece of a word, as any model splits it: its id and its byte span
// within the word.
struct TokenPiece {
  std::int32_t id;
  std::uint32_t begin;
  std::uint32_t end;
};
using WordPiecePiece = TokenPiece;

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
      throw LoadError("WordPiece vocabulary: the unknown token '" + unk_token_ +
                      "' is not in the vocabulary");
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
    if (tokens.empty()) throw LoadError(path + ": vocabulary file is empty");
    if (detail::utf8_invalid_position(text) != std::string_view::npos)
      throw LoadError(path + ": vocabulary is not valid UTF-8 (byte " +
                      std::to_string(detail::utf8_invalid_position(text)) + ")");
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
