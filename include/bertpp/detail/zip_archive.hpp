// The directory of a zip archive held in memory (PyTorch's checkpoint
// format): where each entry's bytes lie, for archives whose entries are
// stored uncompressed, as torch.save writes them. Zip64 (which torch.save
// always writes) is read; compressed, encrypted, multi-disk, duplicate,
// overlapping or out-of-bounds entries are refused with a LoadError.
#pragma once

#include "bertpp/error.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace bertpp {
namespace detail {

struct ZipEntry {
  std::string name;
  std::uint64_t header_offset = 0;  // local file header
  std::uint64_t data_offset = 0;    // first byte of the stored data
  std::uint64_t size = 0;
};

class ZipArchive {
 public:
  // `path` names the file in messages.
  ZipArchive(const std::uint8_t* data, std::size_t size, std::string path)
      : data_(data), size_(size), path_(std::move(path)) {
    read_directory();
  }

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  static bool looks_like_zip(const std::uint8_t* data, std::size_t size) {
    return size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
  }

 private:
  static constexpr std::uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50,
                                 kEnd = 0x06054b50, kEnd64 = 0x06064b50, kLocator64 = 0x07064b50;

  [[noreturn]] void fail(std::initializer_list<std::string_view> what) const {
    detail::throw_error<LoadError>({path_, ": zip archive: "}, what);
  }
  [[noreturn]] void fail(std::string_view what) const { fail({what}); }

  std::uint64_t read(std::uint64_t at, int bytes) const {
    if (at > size_ || static_cast<std::uint64_t>(bytes) > size_ - at)
      fail(
          {"a record at byte ", std::to_string(at), " runs past the end of the file (truncated?)"});
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | data_[at + static_cast<std::uint64_t>(i)];
    return value;
  }

  struct Directory {
    std::uint64_t entries = 0, offset = 0, size = 0, end = 0;  // end: where the directory must stop
  };

  Directory find_end() const {
    constexpr std::uint64_t kEndSize = 22, kMaxComment = 0xffff;
    if (size_ < kEndSize) fail("file too short for an end-of-central-directory record");
    const std::uint64_t last = size_ - kEndSize;
    const std::uint64_t first = last > kMaxComment ? last - kMaxComment : 0;
    for (std::uint64_t at = last + 1; at-- > first;) {
      if (read(at, 4) != kEnd) continue;
      if (at + kEndSize + read(at + 20, 2) != size_) continue;  // the comment must end the file
      return read_end(at);
    }
    fail("no end-of-central-directory record (not a zip file, or truncated)");
  }

  Directory read_end(std::uint64_t at) const {
    Directory dir;
    if (read(at + 4, 2) != 0 || read(at + 6, 2) != 0) fail("multi-disk archives are not supported");
    dir.entries = read(at + 10, 2);
    dir.size = read(at + 12, 4);
    dir.offset = read(at + 16, 4);
    dir.end = at;
    if (at >= 20 && read(at - 20, 4) == kLocator64) {  // zip64: the real figures are there
      if (read(at - 20 + 4, 4) != 0 || read(at - 20 + 16, 4) > 1) fail("multi-disk zip64 archives are not supported");
      const std::uint64_t record = read(at - 20 + 8, 8);
      if (record > at - 20 || at - 20 - record < 56)
        fail({"zip64 end record offset ", std::to_string(record), " is not before its locator"});
      if (read(record, 4) != kEnd64) fail({"no zip64 end record at byte ", std::to_string(record)});
      if (read(record + 16, 4) != 0 || read(record + 20, 4) != 0) fail("multi-disk archives are not supported");
      dir.entries = read(record + 32, 8);
      dir.size = read(record + 40, 8);
      dir.offset = read(record + 48, 8);
      dir.end = record;
    }
    if (dir.offset > dir.end || dir.size > dir.end - dir.offset)
      fail({"central directory [", std::to_string(dir.offset), ", +", std::to_string(dir.size),
            ") lies outside the file's ", std::to_string(dir.end), " bytes before its end record"});
    constexpr std::uint64_t kMinEntry = 46;
    if (dir.entries > dir.size / kMinEntry)
      fail({std::to_string(dir.entries), " entries cannot fit in a ", std::to_string(dir.size),
            "-byte central directory"});
    return dir;
  }

  void read_directory() {
    const Directory dir = find_end();
    std::uint64_t at = dir.offset;
    const std::uint64_t stop = dir.offset + dir.size;
    for (std::uint64_t i = 0; i < dir.entries; ++i) {
      if (stop - at < 46 || read(at, 4) != kCentralHeader)
        fail({"central directory entry ", std::to_string(i), " at byte ", std::to_string(at),
              " is malformed"});
      const std::uint64_t flags = read(at + 8, 2), method = read(at + 10, 2);
      std::uint64_t compressed = read(at + 20, 4), size = read(at + 24, 4);
      const std::uint64_t name_length = read(at + 28, 2), extra_length = read(at + 30, 2),
                          comment_length = read(at + 32, 2);
      std::uint64_t header = read(at + 42, 4);
      const std::uint64_t record = 46 + name_length + extra_length + comment_length;
      if (record > stop - at)
        fail({"central directory entry ", std::to_string(i), " runs past the directory"});
      ZipEntry entry;
      entry.name.assign(reinterpret_cast<const char*>(data_ + at + 46), static_cast<std::size_t>(name_length));
      const std::string what = "entry '" + entry.name + "'";
      if (read(at + 34, 2) != 0) fail({what, " is on another disk"});
      read_zip64_extra(at + 46 + name_length, extra_length, compressed, size, header, what);
      if (flags & 1) fail({what, " is encrypted"});
      if (method != 0)
        fail({what, " is compressed (method ", std::to_string(method),
              (method == 8 ? ", deflate" : ""),
              "); PyTorch checkpoints store entries uncompressed: re-save it with torch.save"});
      if (compressed != size)
        fail({what, " is stored but its sizes differ (", std::to_string(compressed), " vs ",
              std::to_string(size), ")"});
      entry.header_offset = header;
      entry.size = size;
      entry.data_offset = local_data(entry, dir.offset);
      if (!index_.emplace(entry.name, entries_.size()).second) fail({what, " appears twice"});
      entries_.push_back(std::move(entry));
      at += record;
    }
    check_no_overlap();
  }

  // Zip64 extended information (tag 1) replaces the fields saturated at 0xFFFFFFFF, in this order.
  void read_zip64_extra(std::uint64_t at, std::uint64_t length, std::uint64_t& compressed,
                        std::uint64_t& size, std::uint64_t& header, const std::string& what) const {
    constexpr std::uint64_t kSaturated = 0xffffffffu;
    const std::uint64_t end = at + length;
    bool found = false;
    while (end - at >= 4) {
      const std::uint64_t tag = read(at, 2), field = read(at + 2, 2);
      if (field > end - at - 4) fail({what, ": extra field runs past its record"});
      if (tag == 1 && !found) {
        found = true;
        std::uint64_t cursor = at + 4;
        const std::uint64_t field_end = cursor + field;
        for (std::uint64_t* value : {&size, &compressed, &header}) {
          if (*value != kSaturated) continue;
          if (field_end - cursor < 8) fail({what, ": zip64 extra field is too short"});
          *value = read(cursor, 8);
          cursor += 8;
        }
      }
      at += 4 + field;
    }
    if (!found && (size == kSaturated || compressed == kSaturated || header == kSaturated))
      fail({what, ": sizes or offset need a zip64 extra field and there is none"});
  }

  // Checks the local header and returns where the entry's data begins.
  std::uint64_t local_data(const ZipEntry& entry, std::uint64_t directory) const {
    const std::string what = "entry '" + entry.name + "'";
    const std::uint64_t at = entry.header_offset;
    if (at > directory || directory - at < 30 || read(at, 4) != kLocalHeader)
      fail({what, ": no local header at byte ", std::to_string(at)});
    const std::uint64_t name_length = read(at + 26, 2), extra_length = read(at + 28, 2);
    const std::uint64_t data = at + 30 + name_length + extra_length;
    if (data > directory || entry.size > directory - data)
      fail({what, ": data [", std::to_string(data), ", +", std::to_string(entry.size),
            ") runs past the start of the central directory at byte ", std::to_string(directory)});
    if (name_length != entry.name.size() ||
        std::string(reinterpret_cast<const char*>(data_ + at + 30), static_cast<std::size_t>(name_length)) != entry.name)
      fail({what, ": the local header names another file"});
    return data;
  }

  // Each entry's local header and data must not share bytes with another's.
  void check_no_overlap() const {
    std::vector<const ZipEntry*> order;
    for (const ZipEntry& entry : entries_) order.push_back(&entry);
    std::sort(order.begin(), order.end(),
              [](const ZipEntry* a, const ZipEntry* b) { return a->header_offset < b->header_offset; });
    for (std::size_t i = 1; i < order.size(); ++i)
      if (order[i]->header_offset < order[i - 1]->data_offset + order[i - 1]->size)
        fail({"entries '", order[i - 1]->name, "' and '", order[i]->name, "' overlap"});
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::string path_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace detail
}  // namespace bertpp
