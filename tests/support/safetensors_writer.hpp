// Builds safetensors files (valid or deliberately broken) and throwaway
// folders for the loader's tests.
#pragma once

#include <bertpp/io/safetensors_writer.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace bertpp_test {

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bertpp-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  // Writes `bytes` to file `name` in the folder and returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// 8-byte little-endian length, the header text, then the data section.
inline std::string safetensors_bytes(const std::string& header, const std::string& data,
                                     std::uint64_t declared_length) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>((declared_length >> (8 * i)) & 0xff);
  return bytes + header + data;
}
inline std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return safetensors_bytes(header, data, header.size());
}

// bertpp::SafetensorsWriter plus deterministic pattern-filled tensors.
class SafetensorsBuilder {
 public:
  SafetensorsBuilder& add(const std::string& name, std::vector<std::int64_t> shape,
                          const std::vector<float>& values) {
    writer_.add(name, std::move(shape), values);
    return *this;
  }
  SafetensorsBuilder& add_raw(const std::string& name, const std::string& dtype,
                              std::vector<std::int64_t> shape, const std::string& bytes) {
    writer_.add_raw(name, dtype, std::move(shape), bytes);
    return *this;
  }
  // A tensor of `shape` filled with a deterministic pattern.
  SafetensorsBuilder& add_pattern(const std::string& name, std::vector<std::int64_t> shape,
                                  float scale = 0.1f) {
    std::int64_t count = 1;
    for (auto d : shape) count *= d;
    std::vector<float> values(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < values.size(); ++i)
      values[i] = scale * static_cast<float>(static_cast<int>((i * 7919 + name.size() * 31) % 23) - 11) / 11.0f;
    return add(name, std::move(shape), values);
  }
  bool has(const std::string& name) const { return writer_.has(name); }

  std::string header() const { return writer_.header(); }
  std::string bytes() const { return writer_.bytes(); }
  void write(const std::string& path) const { writer_.write(path); }

 private:
  bertpp::SafetensorsWriter writer_;
};

}  // namespace bertpp_test
