// Writer for the safetensors format, laid out as HF's save_file does: 8-byte
// little-endian header length, the JSON header padded with spaces to a
// multiple of 8 (so F32 data stays aligned for zero-copy mmap loading), then
// each tensor's bytes in the order added. Float data may be produced while
// writing, so multi-GB files (benchmark models) need little memory.
#pragma once

#include "bertpp/error.hpp"
#include "bertpp/io/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bertpp {

class SafetensorsWriter {
 public:
  // Fills the next `count` values of a tensor; called chunk by chunk, in order.
  using Generator = std::function<void(float* values, std::size_t count)>;

  SafetensorsWriter& add(const std::string& name, std::vector<std::int64_t> shape,
                         const std::vector<float>& values) {
    std::string bytes(values.size() * sizeof(float), '\0');
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return add_raw(name, "F32", std::move(shape), std::move(bytes));
  }

  SafetensorsWriter& add(const std::string& name, std::vector<std::int64_t> shape,
                         Generator generate) {
    const std::uint64_t count = element_count(name, shape);
    return append(name, "F32", std::move(shape), count * sizeof(float), {}, std::move(generate));
  }

  // Any dtype the format defines, as raw little-endian bytes.
  SafetensorsWriter& add_raw(const std::string& name, const std::string& dtype,
                             std::vector<std::int64_t> shape, std::string bytes) {
    const detail::DtypeEntry* entry = detail::find_dtype(dtype);
    if (!entry)
      detail::throw_error<ArgumentError>(
          {"safetensors writer: tensor '", name, "': unknown dtype '", dtype, "'"});
    const std::uint64_t expected = element_count(name, shape) * entry->size;
    if (bytes.size() != expected)
      detail::throw_error<ArgumentError>(
          {"safetensors writer: tensor '", name, "': ", std::to_string(bytes.size()),
           " bytes for a shape that needs ", std::to_string(expected)});
    return append(name, dtype, std::move(shape), expected, std::move(bytes), {});
  }

  // A string entry of the header's "__metadata__" (save_file's metadata=).
  SafetensorsWriter& metadata(const std::string& key, const std::string& value) {
    header_["__metadata__"][key] = value;
    return *this;
  }

  bool has(const std::string& name) const { return name != "__metadata__" && header_.contains(name); }

  // The JSON header as written (padded to a multiple of 8 bytes).
  std::string header() const {
    std::string text = header_.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
  }

  void write(std::ostream& out) const {
    const std::string text = header();
    char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((std::uint64_t{text.size()} >> (8 * i)) & 0xff);
    out.write(length, 8);
    out << text;
    std::vector<float> chunk;
    for (const Tensor& t : tensors_) {
      if (!t.generate) {
        out.write(t.bytes.data(), static_cast<std::streamsize>(t.bytes.size()));
        continue;
      }
      for (std::uint64_t left = t.size / sizeof(float); left > 0;) {
        chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 16)));
        t.generate(chunk.data(), chunk.size());
        out.write(reinterpret_cast<const char*>(chunk.data()),
                  static_cast<std::streamsize>(chunk.size() * sizeof(float)));
        left -= chunk.size();
      }
    }
  }

  void write(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    if (out) write(out);
    if (!out) throw Error(path + ": cannot write the safetensors file");
  }

  // The whole file in memory.
  std::string bytes() const {
    std::ostringstream out;
    write(out);
    return out.str();
  }

 private:
  struct Tensor {
    std::uint64_t size;
    std::string bytes;
    Generator generate;
  };

  static std::uint64_t element_count(const std::string& name, const std::vector<std::int64_t>& shape) {
    std::uint64_t count = 1;
    for (std::int64_t d : shape) {
      if (d < 0)
        detail::throw_error<ArgumentError>(
            {"safetensors writer: tensor '", name, "' has a negative dimension"});
      count *= static_cast<std::uint64_t>(d);
    }
    return count;
  }

  SafetensorsWriter& append(const std::string& name, const std::string& dtype,
                            std::vector<std::int64_t> shape, std::uint64_t size, std::string bytes,
                            Generator generate) {
    if (header_.contains(name))
      detail::throw_error<ArgumentError>(
          {"safetensors writer: tensor name '", name, "' is already used"});
    header_[name] = {{"dtype", dtype}, {"shape", std::move(shape)}, {"data_offsets", {offset_, offset_ + size}}};
    offset_ += size;
    tensors_.push_back({size, std::move(bytes), std::move(generate)});
    return *this;
  }

  nlohmann::json header_ = nlohmann::json::object();
  std::vector<Tensor> tensors_;
  std::uint64_t offset_ = 0;
};

}  // namespace bertpp
