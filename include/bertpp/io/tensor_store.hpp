// All tensors of one checkpoint — a single safetensors file or the shards
// listed by a `model.safetensors.index.json` — by name, as float32 views.
#pragma once

#include "bertpp/detail/half.hpp"
#include "bertpp/detail/json_file.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/safetensors.hpp"

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {

// A float32 view of a tensor; the memory belongs to the TensorStore.
struct FloatTensor {
  const float* data = nullptr;
  std::vector<std::int64_t> shape;
};

class TensorStore {
 public:
  TensorStore() = default;
  // Move-only: cached views point into buffers this object owns.
  TensorStore(TensorStore&&) = default;
  TensorStore& operator=(TensorStore&&) = default;
  TensorStore(const TensorStore&) = delete;
  TensorStore& operator=(const TensorStore&) = delete;

  static TensorStore from_file(const std::string& path) {
    TensorStore store;
    store.add_file(std::make_shared<const SafetensorsFile>(path));
    return store;
  }

  // A sharded checkpoint: `weight_map` names the shard of every tensor, each
  // shard path relative to the index file's folder.
  static TensorStore from_index(const std::string& index_path) {
    const nlohmann::json index = detail::read_json_file<LoadError>(index_path);
    auto map = index.find("weight_map");
    if (map == index.end() || !map->is_object() || map->empty())
      throw LoadError(index_path + ": missing or empty 'weight_map' object");
    const std::string folder = parent_folder(index_path);
    TensorStore store;
    std::unordered_map<std::string, std::size_t> opened;  // shard name -> files_ index
    for (auto it = map->begin(); it != map->end(); ++it) {
      if (!it.value().is_string())
        throw LoadError(index_path + ": weight_map entry '" + it.key() + "' is not a file name");
      const std::string shard = it.value().get<std::string>();
      if (shard.find("..") != std::string::npos || (!shard.empty() && shard[0] == '/'))
        throw LoadError(index_path + ": shard name '" + shard + "' leaves the model folder");
      if (!opened.count(shard)) {
        opened.emplace(shard, store.files_.size());
        store.add_file(std::make_shared<const SafetensorsFile>(folder + shard));
      }
      if (!store.find(it.key()))
        throw LoadError(index_path + ": tensor '" + it.key() + "' is mapped to " + shard +
                        " but that file does not hold it");
    }
    return store;
  }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  const TensorInfo* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : it->second.info;
  }

  // The file holding `name` (for messages); empty when absent.
  std::string file_of(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? std::string() : files_[it->second.file]->path();
  }

  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& file : files_)
      for (const auto& info : file->tensors()) result.push_back(info.name);
    return result;
  }

  // The tensor as float32: a pointer into the mapping when stored F32 and
  // 4-byte aligned, otherwise converted (F16, BF16, F64, unaligned F32) into a
  // buffer this store owns. Other dtypes throw LoadError.
  FloatTensor floats(const std::string& name) {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw LoadError("tensor '" + name + "' not found in the checkpoint");
    Entry& entry = it->second;
    const TensorInfo& info = *entry.info;
    if (!entry.floats) entry.floats = convert(*files_[entry.file], info);
    return FloatTensor{entry.floats, info.shape};
  }

  // A hint that weights bound from this store will not be read again (the
  // model computes from its own copy of them: fused QKV, int8): their
  // memory-mapped pages leave resident memory. Converted copies are kept.
  void evict(const float* data, std::size_t count) const {
    for (const auto& file : files_)
      if (file->drop_pages(data, count * sizeof(float))) return;
  }

  // A float32 copy of a tensor, without touching the cache (usable on a
  // const store, e.g. to fetch extra tensors from a loaded model).
  std::vector<float> read_floats(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw LoadError("tensor '" + name + "' not found in the checkpoint");
    std::vector<float> out;
    decode(*files_[it->second.file], *it->second.info, out);
    return out;
  }

 private:
  struct Entry {
    std::size_t file = 0;
    const TensorInfo* info = nullptr;
    const float* floats = nullptr;  // cached float32 view
  };

  static std::string parent_folder(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  }

  void add_file(std::shared_ptr<const SafetensorsFile> file) {
    for (const auto& info : file->tensors()) {
      if (entries_.count(info.name))
        throw LoadError(file->path() + ": tensor '" + info.name + "' is also in " +
                        file_of(info.name));
      entries_.emplace(info.name, Entry{files_.size(), &info, nullptr});
    }
    files_.push_back(std::move(file));
  }

  const float* convert(const SafetensorsFile& file, const TensorInfo& info) {
    const std::uint8_t* bytes = file.bytes(info);
    if (info.dtype == Dtype::F32 && reinterpret_cast<std::uintptr_t>(bytes) % alignof(float) == 0)
      return reinterpret_cast<const float*>(bytes);
    std::vector<float>& out = owned_.emplace_back();
    decode(file, info, out);
    return out.data();
  }

  // Converts a float tensor of any supported dtype to float32 in `out`.
  static void decode(const SafetensorsFile& file, const TensorInfo& info, std::vector<float>& out) {
    const std::uint8_t* bytes = file.bytes(info);
    const auto count = static_cast<std::size_t>(info.element_count());
    switch (info.dtype) {
      case Dtype::F32:
        out.resize(count);
        if (count) std::memcpy(out.data(), bytes, count * sizeof(float));
        return;
      case Dtype::F16:
        out.resize(count);
        for (std::size_t i = 0; i < count; ++i) out[i] = detail::f16_to_float(detail::load_u16_le(bytes + 2 * i));
        return;
      case Dtype::BF16:
        out.resize(count);
        for (std::size_t i = 0; i < count; ++i) out[i] = detail::bf16_to_float(detail::load_u16_le(bytes + 2 * i));
        return;
      case Dtype::F64:
        out.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
          double value;
          std::memcpy(&value, bytes + 8 * i, sizeof value);
          out[i] = static_cast<float>(value);
        }
        return;
      default:
        throw LoadError(file.path() + ": tensor '" + info.name + "' has dtype " +
                        dtype_name(info.dtype) + "; expected a float type (F32, F16, BF16, F64)");
    }
  }

  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::vector<float>> owned_;  // deque: element addresses stay put
};

}  // namespace bertpp
