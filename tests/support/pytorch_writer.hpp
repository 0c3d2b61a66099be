// Builds PyTorch checkpoints (valid or deliberately broken) for the loader's
// tests, byte for byte as torch.save lays them out: a protocol-2 pickle of
// the state_dict (the opcodes torch emits), then either a zip archive of
// stored, 64-byte-aligned entries with a zip64 end record, or the legacy
// stream (magic, protocol 1001, system info, pickle, keys, storages).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace bertpp_test {

inline void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Raw pickle opcodes, for hand-made (hostile) pickles.
class PickleBytes {
 public:
  PickleBytes& proto() { return op("\x80\x02"); }
  PickleBytes& op(const std::string& bytes) {
    data_ += bytes;
    return *this;
  }
  PickleBytes& mark() { return op("("); }
  PickleBytes& str(const std::string& text) {
    data_ += 'X';
    put_le(data_, text.size(), 4);
    data_ += text;
    return *this;
  }
  PickleBytes& integer(std::int64_t value) {
    if (value >= 0 && value < 256) {
      data_ += 'K';
      put_le(data_, static_cast<std::uint64_t>(value), 1);
    } else if (value >= 0 && value < 65536) {
      data_ += 'M';
      put_le(data_, static_cast<std::uint64_t>(value), 2);
    } else if (value >= INT32_MIN && value <= INT32_MAX) {
      data_ += 'J';
      put_le(data_, static_cast<std::uint64_t>(value), 4);
    } else {
      data_ += "\x8a\x08";
      put_le(data_, static_cast<std::uint64_t>(value), 8);
    }
    return *this;
  }
  PickleBytes& global(const std::string& module, const std::string& name) {
    return op("c" + module + "\n" + name + "\n");
  }
  PickleBytes& tuple() { return op("t"); }
  PickleBytes& reduce() { return op("R"); }
  PickleBytes& stop() { return op("."); }
  const std::string& bytes() const { return data_; }

 private:
  std::string data_;
};

// One tensor of a state_dict as torch pickles it.
struct PtTensor {
  std::string name;
  std::string storage_type = "FloatStorage";
  std::string key;          // storage key ("0", "1", ...)
  std::int64_t numel = 0;   // the storage's element count
  std::int64_t offset = 0;  // storage offset
  std::vector<std::int64_t> shape, stride;
};

// The state_dict pickle: {name: _rebuild_tensor_v2((storage id), offset,
// size, stride, False, OrderedDict())} — legacy ids carry a 6th None.
inline std::string state_dict_pickle(const std::vector<PtTensor>& tensors, bool legacy) {
  PickleBytes p;
  p.proto().op("}").mark();
  for (const PtTensor& t : tensors) {
    p.str(t.name).global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark().str("storage").global("torch", t.storage_type).str(t.key).str("cpu").integer(t.numel);
    if (legacy) p.op("N");
    p.tuple().op("Q").integer(t.offset);
    p.mark();
    for (auto d : t.shape) p.integer(d);
    p.tuple().mark();
    for (auto s : t.stride) p.integer(s);
    p.tuple().op("\x89").global("collections", "OrderedDict").op(")").reduce().tuple().reduce();
  }
  p.op("u").stop();
  return p.bytes();
}

struct ZipItem {
  std::string name, data;
  std::uint16_t method = 0, flags = 0;
};

// A zip archive as PyTorch's writer makes it: local headers padded so data
// starts on 64 bytes, central directory, zip64 end record + locator, end
// record. `header_offsets` (when set, one per item) overrides where each
// central record points, to build broken archives.
inline std::string zip_bytes(const std::vector<ZipItem>& items,
                             const std::vector<std::uint64_t>* header_offsets = nullptr,
                             bool zip64 = true) {
  std::string out;
  std::vector<std::uint64_t> offsets;
  for (const ZipItem& item : items) {
    offsets.push_back(out.size());
    const std::size_t unpadded = out.size() + 30 + item.name.size();
    const std::size_t pad = (64 - (unpadded + 4) % 64) % 64 + 4;  // extra field >= 4 bytes
    put_le(out, 0x04034b50, 4);
    put_le(out, 20, 2);
    put_le(out, item.flags, 2);
    put_le(out, item.method, 2);
    put_le(out, 0, 4);  // time, date
    put_le(out, 0, 4);  // crc (not checked)
    put_le(out, item.data.size(), 4);
    put_le(out, item.data.size(), 4);
    put_le(out, item.name.size(), 2);
    put_le(out, pad, 2);
    out += item.name;
    put_le(out, 0x1234, 2);  // padding extra field
    put_le(out, pad - 4, 2);
    out.append(pad - 4, 'Z');
    out += item.data;
  }
  const std::uint64_t directory = out.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const ZipItem& item = items[i];
    put_le(out, 0x02014b50, 4);
    put_le(out, 0x031e, 2);
    put_le(out, 20, 2);
    put_le(out, item.flags, 2);
    put_le(out, item.method, 2);
    put_le(out, 0, 8);  // time, date, crc
    put_le(out, item.data.size(), 4);
    put_le(out, item.data.size(), 4);
    put_le(out, item.name.size(), 2);
    put_le(out, 0, 2);  // extra
    put_le(out, 0, 2);  // comment
    put_le(out, 0, 2);  // disk
    put_le(out, 0, 2);  // internal attributes
    put_le(out, 0, 4);  // external attributes
    put_le(out, header_offsets ? (*header_offsets)[i] : offsets[i], 4);
    out += item.name;
  }
  const std::uint64_t directory_size = out.size() - directory;
  if (zip64) {
    const std::uint64_t record = out.size();
    put_le(out, 0x06064b50, 4);
    put_le(out, 44, 8);
    put_le(out, 0x031e, 2);
    put_le(out, 45, 2);
    put_le(out, 0, 8);  // disks
    put_le(out, items.size(), 8);
    put_le(out, items.size(), 8);
    put_le(out, directory_size, 8);
    put_le(out, directory, 8);
    put_le(out, 0x07064b50, 4);
    put_le(out, 0, 4);
    put_le(out, record, 8);
    put_le(out, 1, 4);
  }
  put_le(out, 0x06054b50, 4);
  put_le(out, 0, 4);
  put_le(out, items.size(), 2);
  put_le(out, items.size(), 2);
  put_le(out, directory_size, 4);
  put_le(out, directory, 4);
  put_le(out, 0, 2);
  return out;
}

// A torch.save zip checkpoint: <stem>/data.pkl, <stem>/data/<key>, <stem>/version.
inline std::string pytorch_zip(const std::string& stem, const std::string& pickle,
                               const std::vector<std::pair<std::string, std::string>>& storages) {
  std::vector<ZipItem> items{{stem + "/data.pkl", pickle}};
  for (const auto& storage : storages) items.push_back({stem + "/data/" + storage.first, storage.second});
  items.push_back({stem + "/version", "3\n"});
  return zip_bytes(items);
}

// The legacy stream; `storages` in the order torch writes them (sorted keys),
// each preceded by `counts` (the element count; defaults to bytes / element).
inline std::string pytorch_legacy(const std::string& pickle,
                                  const std::vector<std::pair<std::string, std::string>>& storages,
                                  const std::vector<std::int64_t>& counts) {
  std::string out = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  out += std::string("\x80\x02M\xe9\x03.", 6);  // 1001
  out += PickleBytes().proto().op("}").str("protocol_version").integer(1001).op("s")
             .str("little_endian").op("\x88").op("s").stop().bytes();
  out += pickle;
  PickleBytes keys;
  keys.proto().op("]").mark();
  for (const auto& storage : storages) keys.str(storage.first);
  keys.op("e").stop();
  out += keys.bytes();
  for (std::size_t i = 0; i < storages.size(); ++i) {
    put_le(out, static_cast<std::uint64_t>(counts[i]), 8);
    out += storages[i].second;
  }
  return out;
}

inline std::string float_bytes(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(&out[0], values.data(), out.size());
  return out;
}

inline std::string u16_bytes(const std::vector<std::uint16_t>& values) {
  std::string out;
  for (auto v : values) put_le(out, v, 2);
  return out;
}

}  // namespace bertpp_test
