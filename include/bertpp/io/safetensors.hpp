// Reader for HuggingFace's safetensors format: an 8-byte little-endian header
// length N, N bytes of JSON describing each tensor (dtype, shape, byte span in
// the data section), then the data section. The file is memory-mapped and
// every header entry is validated before any byte of data is trusted.
#pragma once

#include "bertpp/detail/json_file.hpp"
#include "bertpp/detail/mapped_file.hpp"
#include "bertpp/detail/stable_order.hpp"
#include "bertpp/error.hpp"
#include "bertpp/io/tensor_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bertpp {

class SafetensorsFile final : public TensorFile {
 public:
  // safetensors' own limit on the JSON header (100 MB).
  static constexpr std::uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;

  // Maps and validates `path`; any problem throws LoadError naming the file
  // (and the tensor, when one entry is at fault).
  explicit SafetensorsFile(const std::string& path) : file_(path) { parse_header(); }

  const std::string& path() const override { return file_.path(); }
  // Tensors in data order.
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  const TensorInfo* find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
  }

  // See detail::MappedFile::drop_pages.
  bool drop_pages(const void* begin, std::size_t bytes) const override {
    return file_.drop_pages(begin, bytes);
  }

  // First byte of the tensor's data (may be unaligned).
  const std::uint8_t* bytes(const TensorInfo& info) const override { return data_ + info.begin; }

 private:
  [[noreturn]] void fail(std::initializer_list<std::string_view> what) const {
    detail::throw_error<LoadError>({path(), ": "}, what);
  }
  [[noreturn]] void fail(std::string_view what) const { fail({what}); }
  [[noreturn]] void fail_tensor(const std::string& name,
                                std::initializer_list<std::string_view> what) const {
    detail::throw_error<LoadError>({path(), ": tensor '", name, "': "}, what);
  }
  [[noreturn]] void fail_tensor(const std::string& name, std::string_view what) const {
    fail_tensor(name, {what});
  }

  void parse_header() {
    const std::size_t file_size = file_.size();
    if (file_size < 8)
      fail({"truncated file: ", std::to_string(file_size),
            " bytes, too short for the 8-byte header length"});
    std::uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file_.data()[i];
    if (header_size > kMaxHeaderBytes)
      fail({"header length ", std::to_string(header_size), " exceeds the ",
            std::to_string(kMaxHeaderBytes), "-byte limit"});
    if (header_size > file_size - 8)
      fail({"header length ", std::to_string(header_size), " is larger than the ",
            std::to_string(file_size - 8), " bytes after the length field (truncated file?)"});
    const char* header_begin = reinterpret_cast<const char*>(file_.data() + 8);
    const nlohmann::json header = detail::parse_json_text<LoadError>(
        std::string_view(header_begin, static_cast<std::size_t>(header_size)), path() + ": header");
    if (!header.is_object()) fail("JSON header is not an object");
    data_ = file_.data() + 8 + header_size;
    const std::size_t data_size = file_size - 8 - static_cast<std::size_t>(header_size);
    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        read_metadata(it.value());
        continue;
      }
      tensors_.push_back(read_entry(it.key(), it.value(), data_size));
    }
    check_no_overlap();
    for (std::size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  }

  // __metadata__ is free-form string to string; anything else is ignored.
  void read_metadata(const nlohmann::json& value) {
    if (!value.is_object()) return;
    for (auto it = value.begin(); it != value.end(); ++it)
      if (it.value().is_string()) metadata_[it.key()] = it.value().get<std::string>();
  }

  TensorInfo read_entry(const std::string& name, const nlohmann::json& entry,
                        std::size_t data_size) const {
    if (!entry.is_object()) fail_tensor(name, "header entry is not an object");
    TensorInfo info;
    info.name = name;
    auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string()) fail_tensor(name, "missing or non-string 'dtype'");
    const detail::DtypeEntry* known = detail::find_dtype(dtype->get<std::string>());
    if (!known) fail_tensor(name, {"unknown dtype '", dtype->get<std::string>(), "'"});
    info.dtype = known->dtype;

    auto shape = entry.find("shape");
    if (shape == entry.end() || !shape->is_array()) fail_tensor(name, "missing or non-array 'shape'");
    std::uint64_t bytes = known->size;
    for (const auto& dim : *shape) {
      if (!dim.is_number_unsigned()) fail_tensor(name, "shape entries must be non-negative integers");
      const std::uint64_t extent = dim.get<std::uint64_t>();
      if (extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          !detail::checked_multiply(bytes, extent, bytes))
        fail_tensor(name, {"shape ", shape->dump(), " overflows the byte count"});
      info.shape.push_back(static_cast<std::int64_t>(extent));
    }

    auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail_tensor(name, "'data_offsets' must be two non-negative integers");
    const std::uint64_t begin = (*offsets)[0].get<std::uint64_t>();
    const std::uint64_t end = (*offsets)[1].get<std::uint64_t>();
    if (begin > end)
      fail_tensor(name, {"data_offsets [", std::to_string(begin), ", ", std::to_string(end),
                         "] end before they begin"});
    if (end > data_size)
      fail_tensor(name, {"data_offsets [", std::to_string(begin), ", ", std::to_string(end),
                         "] reach past the ", std::to_string(data_size),
                         "-byte data section (truncated file?)"});
    if (end - begin != bytes)
      fail_tensor(name, {std::string(known->name), " shape ", detail::shape_string(info.shape),
                         " needs ", std::to_string(bytes), " bytes but data_offsets span ",
                         std::to_string(end - begin)});
    info.begin = static_cast<std::size_t>(begin);
    info.end = static_cast<std::size_t>(end);
    return info;
  }

  // Tensors may not share bytes (gaps are tolerated).
  void check_no_overlap() {
    // By begin, then end: stable sorts by the minor key, then the major.
    std::vector<std::size_t> keys;
    for (const TensorInfo& t : tensors_) keys.push_back(t.end);
    detail::apply_order(tensors_, detail::stable_order(keys));
    keys.clear();
    for (const TensorInfo& t : tensors_) keys.push_back(t.begin);
    detail::apply_order(tensors_, detail::stable_order(keys));
    for (std::size_t i = 1; i < tensors_.size(); ++i) {
      const TensorInfo& previous = tensors_[i - 1];
      const TensorInfo& current = tensors_[i];
      const bool empty = current.begin == current.end || previous.begin == previous.end;
      if (!empty && current.begin < previous.end)
        fail({"tensors '", previous.name, "' and '", current.name, "' overlap (bytes [",
              std::to_string(previous.begin), ", ", std::to_string(previous.end), ") and [",
              std::to_string(current.begin), ", ", std::to_string(current.end), "))"});
    }
  }

  detail::MappedFile file_;
  const std::uint8_t* data_ = nullptr;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace bertpp
