// Writes a float32 matrix [rows, dim] as a .npy file (NumPy format 1.0)
// row by row, so embeddings stream to disk without being held in memory.
// The row count is patched into the header when the file is closed.
#pragma once

#include <bertpp/error.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace bertpp_cli {

class NpyWriter {
 public:
  NpyWriter(const std::string& path, std::size_t dim) : path_(path), dim_(dim) {
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_) throw bertpp::ArgumentError(path + ": cannot create output file");
    write_header();
  }
  // Never throws (it may run while an exception unwinds): a run that ends
  // without close() has failed anyway, and says so itself.
  ~NpyWriter() noexcept {
    if (!out_.is_open()) return;
    try {
      out_.seekp(0);
      write_header();
      out_.close();
    } catch (...) {
    }
  }
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void write_row(const float* values) {
    out_.write(reinterpret_cast<const char*>(values),
               static_cast<std::streamsize>(dim_ * sizeof(float)));
    ++rows_;
  }

  // The rows written so far reached the file (flushed), else throws.
  void check() {
    out_.flush();
    if (out_.fail()) throw bertpp::Error(path_ + ": write failed");
  }

  void close() {
    check();
    out_.seekp(0);
    write_header();
    out_.close();
    if (out_.fail()) throw bertpp::Error(path_ + ": write failed");
  }

 private:
  // Fixed 128-byte header: the row count can be rewritten in place.
  void write_header() {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows_) + ", " + std::to_string(dim_) + "), }";
    const std::size_t total = 128;
    const std::size_t preamble = 10;  // magic(6) + version(2) + header length(2)
    dict.append(total - preamble - dict.size() - 1, ' ');
    dict.push_back('\n');
    const std::uint16_t length = static_cast<std::uint16_t>(dict.size());
    out_.write("\x93NUMPY\x01\x00", 8);
    const char length_bytes[2] = {static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
    out_.write(length_bytes, 2);
    out_.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  }

  std::string path_;
  std::size_t dim_;
  std::size_t rows_ = 0;
  std::ofstream out_;
};

}  // namespace bertpp_cli
