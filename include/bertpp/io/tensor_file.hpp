// What every checkpoint reader gives the TensorStore: a list of tensors
// (name, dtype, shape, where their bytes lie) over a file's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace bertpp {

// The dtypes a checkpoint may hold (safetensors' names). Only F32, F16, BF16
// (and F64) can feed a model; the others (e.g. an I64 `position_ids` buffer)
// are listed and skipped.
enum class Dtype { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

namespace detail {

struct DtypeEntry {
  const char* name;
  Dtype dtype;
  std::size_t size;
};

inline const std::vector<DtypeEntry>& dtype_table() {
  static const std::vector<DtypeEntry> table = {
      {"BOOL", Dtype::BOOL, 1},  {"U8", Dtype::U8, 1},   {"I8", Dtype::I8, 1},
      {"F8_E5M2", Dtype::F8_E5M2, 1}, {"F8_E4M3", Dtype::F8_E4M3, 1},
      {"I16", Dtype::I16, 2},    {"U16", Dtype::U16, 2}, {"F16", Dtype::F16, 2},
      {"BF16", Dtype::BF16, 2},  {"I32", Dtype::I32, 4}, {"U32", Dtype::U32, 4},
      {"F32", Dtype::F32, 4},    {"F64", Dtype::F64, 8}, {"I64", Dtype::I64, 8},
      {"U64", Dtype::U64, 8}};
  return table;
}

inline const DtypeEntry* find_dtype(const std::string& name) {
  for (const auto& entry : dtype_table())
    if (name == entry.name) return &entry;
  return nullptr;
}

inline const DtypeEntry& dtype_entry(Dtype dtype) {
  for (const auto& entry : dtype_table())
    if (entry.dtype == dtype) return entry;
  return dtype_table().front();  // unreachable: the table covers the enum
}

// a * b, or false when it would overflow.
inline bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

inline std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace detail

inline const char* dtype_name(Dtype dtype) { return detail::dtype_entry(dtype).name; }
inline std::size_t dtype_size(Dtype dtype) { return detail::dtype_entry(dtype).size; }

struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<std::int64_t> shape;
  // Bytes [begin, end) of the file's data hold every element. Elements are
  // row-major and contiguous unless `strides` (in elements, one per
  // dimension; a PyTorch view) is set: then element (i, j, ...) lies at
  // begin + (i * strides[0] + j * strides[1] + ...) * dtype_size.
  std::size_t begin = 0, end = 0;
  std::vector<std::int64_t> strides;

  std::int64_t element_count() const {
    std::int64_t count = 1;
    for (std::int64_t dim : shape) count *= dim;  // validated not to overflow at load
    return count;
  }
};

// One checkpoint file, mapped and validated: every TensorInfo's bytes lie
// inside it. Implemented by SafetensorsFile and PyTorchCheckpoint.
class TensorFile {
 public:
  virtual ~TensorFile() = default;
  virtual const std::string& path() const = 0;
  virtual const std::vector<TensorInfo>& tensors() const = 0;
  // First byte of the tensor's data (may be unaligned).
  virtual const std::uint8_t* bytes(const TensorInfo& info) const = 0;
  // Drops the whole pages of [begin, begin + bytes) from resident memory
  // when they lie in this file's mapping; false otherwise.
  virtual bool drop_pages(const void* begin, std::size_t bytes) const = 0;
};

}  // namespace bertpp
