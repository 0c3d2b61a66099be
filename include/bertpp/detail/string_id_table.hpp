// Open-addressing map from byte strings to ids, for the models'
// vocabularies: lookups take a string_view and never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
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
}  // namespace bertpp
