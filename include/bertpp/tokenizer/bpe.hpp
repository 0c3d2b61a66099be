// The BPE model (GPT-2, RoBERTa): a vocabulary and ranked merges; a word
// starts as its characters and the adjacent pair of lowest rank is merged
// until no listed pair is left, as HF's tokenizers BPE does. Words seen
// before come from a bounded, thread-safe cache.
#pragma once

#include "bertpp/detail/string_id_table.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/token_piece.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bertpp {
namespace detail {

// Open-addressing map from a pair of token ids to (rank, merged id).
class MergeTable {
 public:
  struct Merge {
    std::uint32_t rank;
    std::int32_t id;
  };

  void reserve(std::size_t n) {
    std::size_t capacity = 16;
    while (capacity < n * 2) capacity <<= 1;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
  }

  // A pair listed again takes the later rank, as HF's merge map does.
  void insert(std::int32_t left, std::int32_t right, Merge merge) {
    const std::uint64_t key = key_of(left, right);
    std::size_t pos = hash(key) & mask_;
    while (slots_[pos].merge.id >= 0 && slots_[pos].key != key) pos = (pos + 1) & mask_;
    slots_[pos] = Slot{key, merge};
  }

  const Merge* find(std::int32_t left, std::int32_t right) const {
    const std::uint64_t key = key_of(left, right);
    std::size_t pos = hash(key) & mask_;
    while (slots_[pos].merge.id >= 0) {
      if (slots_[pos].key == key) return &slots_[pos].merge;
      pos = (pos + 1) & mask_;
    }
    return nullptr;
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    Merge merge{0, -1};
  };
  static std::uint64_t key_of(std::int32_t l, std::int32_t r) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(l)) << 32) | static_cast<std::uint32_t>(r);
  }
  static std::uint64_t hash(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDULL;
    return k ^ (k >> 33);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

// A fixed table of recent words and their pieces, filled as words are seen
// (a word's slot is overwritten by the next word hashing there). Short
// words only; no allocation after construction; striped locks.
class BpeCache {
 public:
  static constexpr std::size_t kMaxWord = 30;    // bytes
  static constexpr std::size_t kMaxPieces = 8;

  BpeCache() : slots_(kSlots) {}

  bool get(std::string_view word, std::uint64_t h, std::vector<TokenPiece>& pieces) const {
    Slot& s = slots_[h & (kSlots - 1)];
    std::lock_guard<std::mutex> lock(locks_[h & (kLocks - 1)]);
    if (s.hash != h || s.length != word.size() || std::memcmp(s.word, word.data(), word.size()) != 0)
      return false;
    std::uint32_t begin = 0;
    for (std::size_t i = 0; i < s.count; ++i) {
      pieces.push_back({s.ids[i], begin, s.ends[i]});
      begin = s.ends[i];
    }
    return true;
  }

  void put(std::string_view word, std::uint64_t h, const std::vector<TokenPiece>& pieces) const {
    if (word.size() > kMaxWord || pieces.size() > kMaxPieces || pieces.empty()) return;
    Slot& s = slots_[h & (kSlots - 1)];
    std::lock_guard<std::mutex> lock(locks_[h & (kLocks - 1)]);
    s.hash = h;
    s.length = static_cast<std::uint8_t>(word.size());
    std::memcpy(s.word, word.data(), word.size());
    std::size_t n = 0;
    for (const TokenPiece& p : pieces) {
      if (n == kMaxPieces) break;  // (checked above; a bound the compiler can see)
      s.ids[n] = p.id;
      s.ends[n++] = static_cast<std::uint8_t>(p.end);
    }
    s.count = static_cast<std::uint8_t>(n);
  }

 private:
  static constexpr std::size_t kSlots = 1 << 14;  // ~1.3 MB
  static constexpr std::size_t kLocks = 64;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint8_t length = 0;
    std::uint8_t count = 0;
    char word[kMaxWord];
    std::uint8_t ends[kMaxPieces];
    std::int32_t ids[kMaxPieces];
  };
  mutable std::vector<Slot> slots_;
  mutable std::array<std::mutex, kLocks> locks_;
};

}  // namespace detail

class Bpe {
 public:
  Bpe() = default;

  // `tokens[id]` is the token with that id; `merges` are (left, right)
  // token strings by rank. `unk_token` may be empty (no unknown token:
  // characters outside the vocabulary are dropped, as HF does).
  Bpe(std::vector<std::string> tokens, const std::vector<std::pair<std::string, std::string>>& merges,
      std::string unk_token, bool fuse_unk, bool ignore_merges, const std::string& source)
      : tokens_(std::move(tokens)),
        unk_token_(std::move(unk_token)),
        fuse_unk_(fuse_unk),
        ignore_merges_(ignore_merges),
        cache_(std::make_shared<detail::BpeCache>()) {
    vocab_.reserve(tokens_.size());
    for (std::size_t id = 0; id < tokens_.size(); ++id) vocab_.insert(tokens_[id], static_cast<std::int32_t>(id));
    merges_.reserve(merges.size());
    std::string joined;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
      const auto& m = merges[rank];
      const std::int32_t left = vocab_.find(m.first), right = vocab_.find(m.second);
      joined = m.first + m.second;
      const std::int32_t id = vocab_.find(joined);
      if (left < 0 || right < 0 || id < 0)
        detail::throw_error<LoadError>({source, ": merge ", std::to_string(rank + 1), " ('",
                                        m.first, " ", m.second,
                                        "') uses a token that is not in the vocabulary ('",
                                        (left < 0    ? m.first
                                         : right < 0 ? m.second
                                                     : joined),
                                        "')"});
      merges_.insert(left, right, {static_cast<std::uint32_t>(rank), id});
    }
    if (!unk_token_.empty()) {
      unk_id_ = vocab_.find(unk_token_);
      if (unk_id_ < 0)
        detail::throw_error<LoadError>(
            {source, ": the unknown token '", unk_token_, "' is not in the vocabulary"});
    }
    // Characters below U+0800 (every byte-level character) by direct lookup.
    small_chars_.assign(0x800, -1);
    std::string ch;
    for (char32_t c = 0; c < 0x800; ++c) {
      ch.clear();
      detail::utf8_append(ch, c);
      small_chars_[c] = vocab_.find(ch);
    }
  }

  std::size_t size() const { return tokens_.size(); }
  std::int32_t unk_id() const { return unk_id_; }
  const std::string& unk_token() const { return unk_token_; }
  std::int32_t token_to_id(std::string_view token) const { return vocab_.find(token); }
  // Precondition: 0 <= id < size().
  const std::string& id_to_token(std::int32_t id) const { return tokens_[id]; }

  // Splits one word (valid UTF-8) into `pieces` (cleared first), with
  // their byte spans in the word.
  void tokenize(std::string_view word, std::vector<TokenPiece>& pieces) const {
    pieces.clear();
    if (word.empty()) return;
    if (ignore_merges_) {
      const std::int32_t id = vocab_.find(word);
      if (id >= 0) {
        pieces.push_back({id, 0, static_cast<std::uint32_t>(word.size())});
        return;
      }
    }
    const bool cacheable = word.size() <= detail::BpeCache::kMaxWord;
    const std::uint64_t h = cacheable ? detail::hash_bytes(word) : 0;
    if (cacheable && cache_->get(word, h, pieces)) return;
    merge_word(word, pieces);
    if (cacheable) cache_->put(word, h, pieces);
  }

 private:
  struct Symbol {
    std::int32_t id;
    std::uint32_t begin;
    std::uint32_t end;  // 0 = merged into its left neighbour
    std::int32_t prev;
    std::int32_t next;
  };
  struct Candidate {
    std::uint32_t rank;
    std::uint32_t pos;
    std::int32_t id;
    // std heap is a max-heap: the lowest rank, then leftmost, on top.
    bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  struct Scratch {
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
  };

  std::int32_t char_id(std::string_view word, std::size_t begin, std::size_t end) const {
    std::size_t i = begin;
    const char32_t c = detail::utf8_decode(word, i);
    if (c < small_chars_.size()) return small_chars_[c];
    return vocab_.find(word.substr(begin, end - begin));
  }

  void push_candidate(Scratch& s, std::size_t pos) const {
    const Symbol& left = s.symbols[pos];
    const Symbol& right = s.symbols[static_cast<std::size_t>(left.next)];
    if (const auto* m = merges_.find(left.id, right.id)) {
      s.heap.push_back({m->rank, static_cast<std::uint32_t>(pos), m->id});
      std::push_heap(s.heap.begin(), s.heap.end());
    }
  }

  void merge_word(std::string_view word, std::vector<TokenPiece>& pieces) const {
    thread_local Scratch s;
    s.symbols.clear();
    s.heap.clear();
    struct ReleaseAfterHugeWord {  // buffers grow with the word: do not keep a huge one's
      Scratch& s;
      bool huge;
      ~ReleaseAfterHugeWord() {
        if (huge) s = Scratch();
      }
    } release{s, word.size() > (std::size_t{1} << 16)};
    std::size_t i = 0;
    while (i < word.size()) {
      const std::size_t begin = i;
      i += detail::utf8_length(static_cast<unsigned char>(word[i]));
      std::int32_t id = char_id(word, begin, i);
      if (id < 0) {
        if (unk_id_ < 0) continue;  // dropped, as HF does without an unknown token
        if (fuse_unk_ && !s.symbols.empty() && s.symbols.back().id == unk_id_) {
          s.symbols.back().end = static_cast<std::uint32_t>(i);
          continue;
        }
        id = unk_id_;
      }
      const auto n = static_cast<std::int32_t>(s.symbols.size());
      s.symbols.push_back({id, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i), n - 1, n + 1});
    }
    if (s.symbols.empty()) return;
    s.symbols.back().next = -1;
    for (std::size_t p = 0; p + 1 < s.symbols.size(); ++p) push_candidate(s, p);
    while (!s.heap.empty()) {
      std::pop_heap(s.heap.begin(), s.heap.end());
      const Candidate top = s.heap.back();
      s.heap.pop_back();
      Symbol& left = s.symbols[top.pos];
      if (left.end == 0 || left.next < 0) continue;
      Symbol& right = s.symbols[static_cast<std::size_t>(left.next)];
      const auto* m = merges_.find(left.id, right.id);
      if (!m || m->id != top.id) continue;  // a stale candidate
      left.id = top.id;
      left.end = right.end;
      left.next = right.next;
      right.end = 0;
      if (left.next >= 0) s.symbols[static_cast<std::size_t>(left.next)].prev = static_cast<std::int32_t>(top.pos);
      if (left.prev >= 0) push_candidate(s, static_cast<std::size_t>(left.prev));
      if (left.next >= 0) push_candidate(s, top.pos);
    }
    for (const Symbol& sym : s.symbols)
      if (sym.end != 0) pieces.push_back({sym.id, sym.begin, sym.end});
  }

  std::vector<std::string> tokens_;
  std::string unk_token_;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::int32_t unk_id_ = -1;
  detail::StringIdTable vocab_;
  detail::MergeTable merges_;
  std::vector<std::int32_t> small_chars_;
  std::shared_ptr<detail::BpeCache> cache_;
};

}  // namespace bertpp
