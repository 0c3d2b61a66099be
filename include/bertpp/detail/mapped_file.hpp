// A read-only view of a whole file's bytes: memory-mapped on POSIX systems,
// read into memory elsewhere or when mapping fails. Weights stay zero-copy
// over the mapping for as long as the MappedFile lives.
#pragma once

#include "bertpp/error.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define BERTPP_HAVE_MMAP 1
#endif

namespace bertpp {
namespace detail {

class MappedFile {
 public:
  // Throws LoadError naming the path when the file cannot be opened or read.
  explicit MappedFile(const std::string& path) : path_(path) {
#ifdef BERTPP_HAVE_MMAP
    if (try_map()) return;
#endif
    read_all();
  }
  ~MappedFile() { release(); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_mapped() const { return mapped_; }

  // Drops the whole pages of [begin, begin + bytes) from resident memory
  // when they lie in this read-only mapping (the kernel reads them back from
  // the file if they are touched again). False when nothing was dropped.
  bool drop_pages(const void* begin, std::size_t bytes) const {
#ifdef BERTPP_HAVE_MMAP
    const auto first = reinterpret_cast<std::uintptr_t>(begin);
    const auto base = reinterpret_cast<std::uintptr_t>(data_);
    if (!mapped_ || first < base || bytes > size_ || first - base > size_ - bytes) return false;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const std::uintptr_t from = (first + page - 1) / page * page, to = (first + bytes) / page * page;
    return to > from && ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED) == 0;
#else
    (void)begin;
    (void)bytes;
    return false;
#endif
  }

 private:
#ifdef BERTPP_HAVE_MMAP
  bool try_map() {
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0) detail::throw_error<LoadError>({path_, ": cannot open file"});
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      detail::throw_error<LoadError>({path_, ": not a regular file"});
    }
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ == 0) {  // mmap refuses empty files; an empty view is fine
      ::close(fd);
      data_ = nullptr;
      return true;
    }
    void* address = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);  // the mapping keeps the file alive
    if (address == MAP_FAILED) return false;
    data_ = static_cast<const std::uint8_t*>(address);
    mapped_ = true;
    return true;
  }
#endif

  void read_all() {
    std::ifstream in(path_, std::ios::binary | std::ios::ate);
    if (!in) detail::throw_error<LoadError>({path_, ": cannot open file"});
    const std::streamoff length = in.tellg();
    if (length < 0) detail::throw_error<LoadError>({path_, ": cannot determine file size"});
    // A vector<float> buffer keeps F32 tensors 4-byte aligned in the fallback.
    buffer_.resize((static_cast<std::size_t>(length) + sizeof(float) - 1) / sizeof(float));
    in.seekg(0);
    if (length > 0 && !in.read(reinterpret_cast<char*>(buffer_.data()), length))
      detail::throw_error<LoadError>({path_, ": read failed"});
    size_ = static_cast<std::size_t>(length);
    data_ = reinterpret_cast<const std::uint8_t*>(buffer_.data());
  }

  void release() {
#ifdef BERTPP_HAVE_MMAP
    if (mapped_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
#endif
    mapped_ = false;
  }

  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<float> buffer_;
};

// Hands the free pages of the heap back to the system. Loading frees many
// multi-megabyte buffers (F16 weights converted, then fused or quantised)
// between long-lived ones; glibc keeps such holes resident until asked.
inline void return_free_heap_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace detail
}  // namespace bertpp
