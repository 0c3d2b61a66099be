// All tensors of one checkpoint — a single safetensors or PyTorch
// (`pytorch_model.bin`) file, or the shards listed by a
// `model.safetensors.index.json` / `pytorch_model.bin.index.json` — by name,
// as float32 views.
#pragma once

#include "bertpp/detail/half.hpp"
#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/string_suffix.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/pytorch_checkpoint.hpp"
#include "bertpp/io/safetensors.hpp"
#include "bertpp/io/tensor_file.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertpp {

// A float32 view of a tensor. `owner` keeps its memory alive: the mapped
// file, or the float32 copy converted from another dtype.
struct FloatTensor {
  const float* data = nullptr;
  std::vector<std::int64_t> shape;
  std::shared_ptr<const void> owner;
};

class TensorStore {
 public:
  TensorStore() = default;
  // Move-only: one store per loaded checkpoint (views keep what they use alive).
  TensorStore(TensorStore&&) = default;
  TensorStore& operator=(TensorStore&&) = default;
  TensorStore(const TensorStore&) = delete;
  TensorStore& operator=(const TensorStore&) = delete;

  // A .safetensors file, or a PyTorch checkpoint (.bin, .pt, .pth).
  static TensorStore from_file(const std::string& path) {
    TensorStore store;
    store.add_file(open_file(path));
    return store;
  }

  static std::shared_ptr<const TensorFile> open_file(const std::string& path) {
    if (is_pytorch_path(path)) return std::make_shared<const PyTorchCheckpoint>(path);
    return std::make_shared<const SafetensorsFile>(path);
  }

  static bool is_pytorch_path(const std::string& path) {
    for (const char* suffix : {".bin", ".pt", ".pth"})
      if (detail::ends_with(path, suffix)) return true;
    return false;
  }

  // A sharded checkpoint: `weight_map` names the shard of every tensor, each
  // shard path relative to the index file's folder (safetensors or .bin shards).
  static TensorStore from_index(const std::string& index_path) {
    const nlohmann::json index = detail::read_json_file<LoadError>(index_path);
    auto map = index.find("weight_map");
    if (map == index.end() || !map->is_object() || map->empty())
      detail::throw_error<LoadError>({index_path, ": missing or empty 'weight_map' object"});
    const std::string folder = parent_folder(index_path);
    TensorStore store;
    std::unordered_map<std::string, std::size_t> opened;  // shard name -> files_ index
    for (auto it = map->begin(); it != map->end(); ++it) {
      if (!it.value().is_string())
        detail::throw_error<LoadError>(
            {index_path, ": weight_map entry '", it.key(), "' is not a file name"});
      const std::string shard = it.value().get<std::string>();
      if (shard.find("..") != std::string::npos || (!shard.empty() && shard[0] == '/'))
        detail::throw_error<LoadError>(
            {index_path, ": shard name '", shard, "' leaves the model folder"});
      if (!opened.count(shard)) {
        opened.emplace(shard, store.files_.size());
        store.add_file(open_file(folder + shard));
      }
      if (!store.find(it.key()))
        detail::throw_error<LoadError>({index_path, ": tensor '", it.key(), "' is mapped to ",
                                        shard, " but that file does not hold it"});
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

  // The tensor as float32: a pointer into the mapping when stored F32,
  // contiguous and 4-byte aligned, otherwise converted (F16, BF16, F64,
  // unaligned or strided F32) into a buffer shared by this store and the
  // views of it (see release_converted). Other dtypes, and NaN or infinite
  // values (a corrupt or diverged checkpoint), throw LoadError naming the tensor.
  FloatTensor floats(const std::string& name) {
    auto it = entries_.find(name);
    if (it == entries_.end())
      detail::throw_error<LoadError>({"tensor '", name, "' not found in the checkpoint"});
    Entry& entry = it->second;
    const TensorInfo& info = *entry.info;
    const auto& file = files_[entry.file];
    const std::uint8_t* bytes = file->bytes(info);
    FloatTensor view{nullptr, info.shape, nullptr};
    if (info.dtype == Dtype::F32 && info.strides.empty() &&
        reinterpret_cast<std::uintptr_t>(bytes) % alignof(float) == 0) {
      view.data = reinterpret_cast<const float*>(bytes);
      view.owner = file;
    } else if (entry.converted) {
      view.data = entry.converted->data();
      view.owner = entry.converted;
    } else {
      auto converted = std::make_shared<std::vector<float>>();
      decode(*file, info, *converted);
      file->drop_pages(bytes, info.end - info.begin);  // the source bytes are not read again
      entry.converted = converted;
      view.data = converted->data();
      view.owner = std::move(converted);
    }
    if (!entry.checked) {
      check_finite(*file, info, view.data);
      entry.checked = true;
      // The scan is no reason to keep mapped pages resident: forward passes
      // fault in what they read (an embedding table only its used rows).
      if (view.owner == file) file->drop_pages(bytes, info.end - info.begin);
    }
    return view;
  }

  // Drops the store's references to converted copies: each then lives only
  // as long as the views holding it (FloatTensor / Parameter owners), so a
  // copy no layer reads any more (fused, quantised) is freed. A later
  // floats() converts again.
  void release_converted() {
    for (auto& entry : entries_) entry.second.converted.reset();
  }

  // A hint that weights bound from this store will not be read again (the
  // model computes from its own copy of them: fused QKV, int8): their
  // memory-mapped pages leave resident memory. (Converted copies are freed
  // when the views holding them are released.)
  void evict(const float* data, std::size_t count) const {
    for (const auto& file : files_)
      if (file->drop_pages(data, count * sizeof(float))) return;
  }

  // A float32 copy of a tensor, without touching the cache (usable on a
  // const store, e.g. to fetch extra tensors from a loaded model).
  std::vector<float> read_floats(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end())
      detail::throw_error<LoadError>({"tensor '", name, "' not found in the checkpoint"});
    std::vector<float> out;
    decode(*files_[it->second.file], *it->second.info, out);
    return out;
  }

 private:
  struct Entry {
    std::size_t file = 0;
    const TensorInfo* info = nullptr;
    std::shared_ptr<const std::vector<float>> converted;  // cached float32 copy
    bool checked = false;                                 // values known finite
  };

  static std::string parent_folder(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  }

  void add_file(std::shared_ptr<const TensorFile> file) {
    for (const auto& info : file->tensors()) {
      if (entries_.count(info.name))
        detail::throw_error<LoadError>(
            {file->path(), ": tensor '", info.name, "' is also in ", file_of(info.name)});
      entries_.emplace(info.name, Entry{files_.size(), &info, {}, false});
    }
    files_.push_back(std::move(file));
  }

  static void check_finite(const TensorFile& file, const TensorInfo& info, const float* values) {
    const auto count = static_cast<std::size_t>(info.element_count());
    std::uint32_t all = 0;  // any exponent all ones: a NaN or an infinity
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, values + i, sizeof bits);
      all |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    if (!all) return;
    for (std::size_t i = 0; i < count; ++i)
      if (!std::isfinite(values[i]))
        detail::throw_error<LoadError>(
            {file.path(), ": tensor '", info.name, "' holds ",
             (std::isnan(values[i]) ? "NaN" : "an infinite value"), " (element ", std::to_string(i),
             "); the checkpoint is corrupt or was saved from a diverged run"});
  }

  // Byte offset (from the tensor's first byte) of each element, row-major.
  template <typename Visit>
  static void for_each_offset(const TensorInfo& info, std::size_t element, Visit&& visit) {
    const auto count = static_cast<std::size_t>(info.element_count());
    if (info.strides.empty()) {
      for (std::size_t i = 0; i < count; ++i) visit(i, i * element);
      return;
    }
    const std::size_t dims = info.shape.size();
    std::vector<std::int64_t> index(dims, 0);
    std::size_t offset = 0;  // in elements; validated to stay inside the storage
    for (std::size_t i = 0; i < count; ++i) {
      visit(i, offset * element);
      for (std::size_t d = dims; d-- > 0;) {  // odometer
        offset += static_cast<std::size_t>(info.strides[d]);
        if (++index[d] < info.shape[d]) break;
        offset -= static_cast<std::size_t>(info.strides[d] * info.shape[d]);
        index[d] = 0;
      }
    }
  }

  // Converts a float tensor of any supported dtype to float32 in `out`.
  static void decode(const TensorFile& file, const TensorInfo& info, std::vector<float>& out) {
    const std::uint8_t* bytes = file.bytes(info);
    const auto count = static_cast<std::size_t>(info.element_count());
    const std::size_t element = dtype_size(info.dtype);
    switch (info.dtype) {
      case Dtype::F32:
        out.resize(count);
        if (info.strides.empty()) {
          if (count) std::memcpy(out.data(), bytes, count * sizeof(float));
          return;
        }
        for_each_offset(info, element, [&](std::size_t i, std::size_t at) {
          std::memcpy(&out[i], bytes + at, sizeof(float));
        });
        return;
      case Dtype::F16:
        out.resize(count);
        for_each_offset(info, element, [&](std::size_t i, std::size_t at) {
          out[i] = detail::f16_to_float(detail::load_u16_le(bytes + at));
        });
        return;
      case Dtype::BF16:
        out.resize(count);
        for_each_offset(info, element, [&](std::size_t i, std::size_t at) {
          out[i] = detail::bf16_to_float(detail::load_u16_le(bytes + at));
        });
        return;
      case Dtype::F64:
        out.resize(count);
        for_each_offset(info, element, [&](std::size_t i, std::size_t at) {
          double value;
          std::memcpy(&value, bytes + at, sizeof value);
          out[i] = static_cast<float>(value);
        });
        return;
      default:
        detail::throw_error<LoadError>({file.path(), ": tensor '", info.name, "' has dtype ",
                                        dtype_name(info.dtype),
                                        "; expected a float type (F32, F16, BF16, F64)"});
    }
  }

  std::vector<std::shared_ptr<const TensorFile>> files_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace bertpp
