// Streams a command's inputs: positional arguments, or lines of a file or
// stdin, as plain text or JSON Lines. Reads batch by batch so a corpus of
// millions of lines runs in bounded memory.
#pragma once

#include <bertpp/detail/json_file.hpp>
#include <bertpp/error.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <fstream>
#include <iostream>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace bertpp_cli {

struct InputRecord {
  std::size_t line = 0;  // 1-based line number in the input (argument index for arguments)
  nlohmann::json value;  // a string for plain text, an object for JSON Lines
};

enum class OnBadLine { Fail, Skip };

class InputReader {
 public:
  // `path` empty and `arguments` non-empty: the arguments are the inputs.
  // `path` "-" or empty without arguments: stdin.
  InputReader(const std::string& path, std::vector<std::string> arguments, bool jsonl,
              OnBadLine on_bad_line)
      : arguments_(std::move(arguments)), jsonl_(jsonl), on_bad_line_(on_bad_line) {
    if (!arguments_.empty() && path.empty()) return;
    if (path.empty() || path == "-") {
      stream_ = &std::cin;
    } else {
      file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
      if (!*file_) throw bertpp::ArgumentError(path + ": cannot open input file");
      stream_ = file_.get();
    }
    source_ = path.empty() || path == "-" ? "<stdin>" : path;
  }

  // Fills `batch` with up to `max_records` records; false when none is left.
  bool next_batch(std::vector<InputRecord>& batch, std::size_t max_records) {
    batch.clear();
    InputRecord record;
    while (batch.size() < max_records && next(record)) batch.push_back(std::move(record));
    return !batch.empty();
  }

  std::size_t skipped_lines() const { return skipped_; }

 private:
  bool next(InputRecord& record) {
    if (!stream_) {
      if (next_argument_ >= arguments_.size()) return false;
      record.line = next_argument_ + 1;
      record.value = arguments_[next_argument_++];
      return true;
    }
    std::string line;
    while (std::getline(*stream_, line)) {
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      record.line = line_number_;
      if (!jsonl_) {
        record.value = std::move(line);
        return true;
      }
      try {  // the library's parser: the same depth limit and messages as for files
        record.value = bertpp::detail::parse_json_text<bertpp::ArgumentError>(line, where());
        if (record.value.is_object() || record.value.is_string()) return true;
        bad_line(where() + ": expected a JSON object or string");
      } catch (const bertpp::ArgumentError& e) {
        bad_line(e.what());
      }
    }
    return false;
  }

  std::string where() const { return source_ + ":" + std::to_string(line_number_); }

  // `message` starts with where(): fatal, or a warning under --on-error skip.
  void bad_line(const std::string& message) {
    if (on_bad_line_ == OnBadLine::Fail)
      throw bertpp::ArgumentError(message + " (use --on-error skip to skip bad lines)");
    std::cerr << "warning: skipped " << message << "\n";
    ++skipped_;
  }

  std::vector<std::string> arguments_;
  std::size_t next_argument_ = 0;
  bool jsonl_ = false;
  OnBadLine on_bad_line_ = OnBadLine::Fail;
  std::unique_ptr<std::ifstream> file_;
  std::istream* stream_ = nullptr;
  std::string source_;
  std::size_t line_number_ = 0;
  std::size_t skipped_ = 0;
};

}  // namespace bertpp_cli
