// The BPE model (GPT-2, RoBERTa): a vocabulary and ranked merges; a word
// starts as its characters and the adjacent pair of lowest rank is merged
// until no listed pair is left, as HF's tokenizers BPE does. Words seen
// before come from a bounded, thread-safe cache.
#pragma once

#include "bertpp/detail/string_id_table.hpp"
#include "bertpp/detail/utf8.hpp"
#include "bertpp/error.hpp"
#include "bertpp/tokenizer/byte_level.hpp"
#include "bertpp/tokenizer/token_piece.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
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

// What a cached word's bytes are: text as the model sees it, or the raw
// bytes a byte-level word stands for. The same bytes give different pieces.
enum class BpeWordKind : std::uint64_t { ModelText = 0, RawBytes = 1 };

// A fixed table of words and their pieces, shared by every thread using the
// model, four-way set-associative. Reads take no lock and write nothing
// (each slot has a version, odd while it is written, read before and after
// the payload), so threads reading the same words do not contend; a write
// that finds its slot being written gives up. All slot memory is atomics,
// so this is race-free under the C++ memory model. A slot's payload holds
// the word's bytes, each piece's begin and end (1 byte each), then the ids
// (4 bytes, 4-aligned).
template <std::size_t kPayloadWords, std::size_t kSets>
class BpeCacheTable {
 public:
  static constexpr std::size_t kPayloadBytes = 8 * kPayloadWords;

  BpeCacheTable() : slots_(kSets * kWays) {}

  // Whether a word of this many bytes with this many pieces fits a slot.
  static bool fits(std::size_t length, std::size_t count) {
    return length > 0 && count > 0 && ids_offset(length, count) + 4 * count <= kPayloadBytes;
  }

  bool get(BpeWordKind kind, std::string_view word, std::uint64_t h, std::vector<TokenPiece>& pieces) const {
    const Slot* set = &slots_[(h & (kSets - 1)) * kWays];
    const std::uint64_t key = key_bits(kind, word.size(), h);
    for (std::size_t way = 0; way < kWays; ++way) {
      const Slot& slot = set[way];
      const std::uint64_t header = slot.header.load(std::memory_order_acquire);
      if ((header & kKeyMask) != key || (header & 1)) continue;
      const std::size_t count = (header >> kCountShift) & 0xFF;
      const std::size_t used = (ids_offset(word.size(), count) + 4 * count + 7) / 8;
      if (count == 0 || used > kPayloadWords) continue;
      std::uint64_t words[kPayloadWords];
      for (std::size_t k = 0; k < used; ++k) words[k] = slot.payload[k].load(std::memory_order_acquire);
      // (The payload loads are acquire, so this load cannot move above them.)
      if (slot.header.load(std::memory_order_relaxed) != header) continue;  // rewritten meanwhile
      const auto* bytes = reinterpret_cast<const unsigned char*>(words);
      if (!same_bytes(bytes, word)) continue;
      const unsigned char* spans = bytes + word.size();
      const unsigned char* ids = bytes + ids_offset(word.size(), count);
      for (std::size_t i = 0; i < count; ++i) {
        std::int32_t id;
        std::memcpy(&id, ids + 4 * i, 4);
        pieces.push_back({id, spans[2 * i], spans[2 * i + 1]});
      }
      return true;
    }
    return false;
  }

  // Precondition: fits(word.size(), pieces.size()).
  void put(BpeWordKind kind, std::string_view word, std::uint64_t h, const std::vector<TokenPiece>& pieces) const {
    const std::size_t count = pieces.size();
    Slot* set = &slots_[(h & (kSets - 1)) * kWays];
    const std::uint64_t key = key_bits(kind, word.size(), h);
    std::size_t way = kWays;
    for (std::size_t w = 0; w < kWays && way == kWays; ++w) {
      const std::uint64_t header = set[w].header.load(std::memory_order_relaxed);
      if ((header & kLengthMask) == 0 || (header & kKeyMask) == key) way = w;  // empty, or maybe this word
    }
    // A full set: the word replaces the entry in a way its hash picks. (Taking
    // the oldest entry instead would make a set of one word too many miss
    // on every word, when they come round in turn.)
    if (way == kWays) way = (h >> 32) & (kWays - 1);
    Slot& slot = set[way];
    std::uint64_t old = slot.header.load(std::memory_order_relaxed);
    if ((old & 1) || !slot.header.compare_exchange_strong(old, old | 1, std::memory_order_acq_rel)) return;
    // Two spare words: GCC 12 vectorises the id copies below into 16-byte
    // stores and, not knowing fits(), warns that the last could overrun.
    std::uint64_t words[kPayloadWords + 2] = {};
    auto* bytes = reinterpret_cast<unsigned char*>(words);
    std::memcpy(bytes, word.data(), word.size());
    unsigned char* spans = bytes + word.size();
    unsigned char* ids = bytes + ids_offset(word.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      spans[2 * i] = static_cast<unsigned char>(pieces[i].begin);
      spans[2 * i + 1] = static_cast<unsigned char>(pieces[i].end);
      std::memcpy(ids + 4 * i, &pieces[i].id, 4);
    }
    const std::size_t used = (ids_offset(word.size(), count) + 4 * count + 7) / 8;
    for (std::size_t k = 0; k < used; ++k) slot.payload[k].store(words[k], std::memory_order_release);
    const std::uint64_t version = ((old & kVersionMask) + 2) & kVersionMask;
    slot.header.store(key | (static_cast<std::uint64_t>(count) << kCountShift) | version, std::memory_order_release);
  }

 private:
  static_assert((kSets & (kSets - 1)) == 0, "a power of two");
  static_assert(kPayloadBytes < 256, "spans and lengths are bytes");
  static constexpr std::size_t kWays = 4;
  // Header: version (bits 0-31, odd while written), piece count (32-39),
  // word length (40-47), kind (48), hash tag (49-63).
  static constexpr std::uint64_t kVersionMask = 0xFFFFFFFFULL;
  static constexpr int kCountShift = 32;
  static constexpr std::uint64_t kLengthMask = 0xFFULL << 40;
  static constexpr std::uint64_t kKeyMask = ~0ULL << 40;  // length, kind, tag

  // memcmp inline: the words are short, a library call costs more.
  static bool same_bytes(const unsigned char* cached, std::string_view word) {
    std::size_t i = 0;
    for (; i + 8 <= word.size(); i += 8) {
      std::uint64_t a, b;
      std::memcpy(&a, cached + i, 8);
      std::memcpy(&b, word.data() + i, 8);
      if (a != b) return false;
    }
    for (; i < word.size(); ++i)
      if (cached[i] != static_cast<unsigned char>(word[i])) return false;
    return true;
  }
  static constexpr std::size_t ids_offset(std::size_t length, std::size_t count) {
    return (length + 2 * count + 3) & ~std::size_t{3};
  }
  static std::uint64_t key_bits(BpeWordKind kind, std::size_t length, std::uint64_t h) {
    return (static_cast<std::uint64_t>(length) << 40) | (static_cast<std::uint64_t>(kind) << 48) |
           (h & (~0ULL << 49));
  }

  struct alignas(64) Slot {
    std::atomic<std::uint64_t> header{0};
    std::atomic<std::uint64_t> payload[kPayloadWords] = {};
  };
  mutable std::vector<Slot> slots_;
};

// The model's cache of words seen before: a table of one cache line per
// word for the many short words (up to 50 bytes), and a smaller one for the
// longer words and words of many pieces (up to 242 bytes in all).
class BpeCache {
 public:
  static bool fits_word(std::size_t bytes) { return Long::fits(bytes, 1); }

  bool get(BpeWordKind kind, std::string_view word, std::uint64_t h, std::vector<TokenPiece>& pieces) const {
    return (Short::fits(word.size(), 1) && short_.get(kind, word, h, pieces)) || long_.get(kind, word, h, pieces);
  }

  void put(BpeWordKind kind, std::string_view word, std::uint64_t h, const std::vector<TokenPiece>& pieces) const {
    if (Short::fits(word.size(), pieces.size())) short_.put(kind, word, h, pieces);
    else if (Long::fits(word.size(), pieces.size())) long_.put(kind, word, h, pieces);
  }

 private:
  using Short = BpeCacheTable<7, 1 << 13>;  // 8,192 sets of 4 slots of 64 bytes: 2 MB
  using Long = BpeCacheTable<31, 1 << 9>;   // 512 sets of 4 slots of 256 bytes: 512 KB
  Short short_;
  Long long_;
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
    const auto& alphabet = detail::byte_level_alphabet();
    for (int b = 0; b < 256; ++b) byte_ids_[static_cast<std::size_t>(b)] = small_chars_[alphabet.byte_to_char[b]];
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
    constexpr auto kind = detail::BpeWordKind::ModelText;
    const bool cacheable = detail::BpeCache::fits_word(word.size());
    const std::uint64_t h = cacheable ? detail::hash_bytes(word) : 0;
    if (cacheable && cache_->get(kind, word, h, pieces)) return;
    const ScratchLease lease = scratch(word.size());
    Scratch& s = lease.s;
    std::size_t i = 0;
    while (i < word.size()) {
      const std::size_t begin = i;
      i += detail::utf8_length(static_cast<unsigned char>(word[i]));
      push_char(s.symbols, char_id(word, begin, i), begin, i);
    }
    merge_symbols(s, pieces);
    if (cacheable) cache_->put(kind, word, h, pieces);
  }

  // The pieces of a byte-level word given as its raw bytes (each byte
  // standing for its character of GPT-2's byte alphabet), with spans in
  // bytes of `raw`: the pieces tokenize() gives for the mapped word, without
  // building it (but on a cache miss with ignore_merges).
  void tokenize_byte_level(std::string_view raw, std::vector<TokenPiece>& pieces) const {
    pieces.clear();
    if (raw.empty()) return;
    constexpr auto kind = detail::BpeWordKind::RawBytes;
    const bool cacheable = detail::BpeCache::fits_word(raw.size());
    const std::uint64_t h = cacheable ? detail::hash_bytes(raw) : 0;
    if (cacheable && cache_->get(kind, raw, h, pieces)) return;
    if (ignore_merges_ && whole_byte_level_word(raw, pieces)) {
      if (cacheable) cache_->put(kind, raw, h, pieces);
      return;
    }
    const ScratchLease lease = scratch(raw.size());
    Scratch& s = lease.s;
    for (std::size_t i = 0; i < raw.size(); ++i)
      push_char(s.symbols, byte_ids_[static_cast<unsigned char>(raw[i])], i, i + 1);
    merge_symbols(s, pieces);
    if (cacheable) cache_->put(kind, raw, h, pieces);
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

  // The calling thread's buffers, cleared. They grow with the word: a
  // huge word's are given back when the lease ends rather than kept.
  struct ScratchLease {
    Scratch& s;
    bool huge;
    ~ScratchLease() {
      if (huge) s = Scratch();
    }
  };
  static ScratchLease scratch(std::size_t word_size) {
    thread_local Scratch s;
    s.symbols.clear();
    s.heap.clear();
    return ScratchLease{s, word_size > (std::size_t{1} << 16)};
  }

  std::int32_t char_id(std::string_view word, std::size_t begin, std::size_t end) const {
    std::size_t i = begin;
    const char32_t c = detail::utf8_decode(word, i);
    if (c < small_chars_.size()) return small_chars_[c];
    return vocab_.find(word.substr(begin, end - begin));
  }

  // Appends the word's character [begin, end) with vocabulary id `id` (-1:
  // not in the vocabulary, so the unknown token, fused with an unknown just
  // before it when fuse_unk, or dropped when there is none, as HF does).
  void push_char(std::vector<Symbol>& symbols, std::int32_t id, std::size_t begin, std::size_t end) const {
    if (id < 0) {
      if (unk_id_ < 0) return;
      if (fuse_unk_ && !symbols.empty() && symbols.back().id == unk_id_) {
        symbols.back().end = static_cast<std::uint32_t>(end);
        return;
      }
      id = unk_id_;
    }
    const auto n = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({id, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end), n - 1, n + 1});
  }

  // With ignore_merges, a byte-level word that is itself a token is that
  // token.
  bool whole_byte_level_word(std::string_view raw, std::vector<TokenPiece>& pieces) const {
    thread_local std::string mapped;
    mapped.clear();
    ByteLevelPreTokenizer::map_bytes(raw, mapped);
    const std::int32_t id = vocab_.find(mapped);
    if (mapped.capacity() > (std::size_t{1} << 16)) std::string().swap(mapped);
    if (id < 0) return false;
    pieces.push_back({id, 0, static_cast<std::uint32_t>(raw.size())});
    return true;
  }

  void push_candidate(Scratch& s, std::size_t pos) const {
    const Symbol& left = s.symbols[pos];
    const Symbol& right = s.symbols[static_cast<std::size_t>(left.next)];
    if (const auto* m = merges_.find(left.id, right.id)) {
      s.heap.push_back({m->rank, static_cast<std::uint32_t>(pos), m->id});
      std::push_heap(s.heap.begin(), s.heap.end());
    }
  }

  // Merges s.symbols (a word's characters) pair by pair, lowest rank first,
  // and appends what is left to `pieces`.
  void merge_symbols(Scratch& s, std::vector<TokenPiece>& pieces) const {
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
  std::array<std::int32_t, 256> byte_ids_{};  // id of each byte's byte-level character, or -1
  std::shared_ptr<detail::BpeCache> cache_;
};

}  // namespace bertpp
