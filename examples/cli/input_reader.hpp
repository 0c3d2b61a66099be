// Streams a command's inputs: positional arguments, or lines of a file or
// stdin, as plain text or JSON Lines. Reads batch by batch so a corpus of
// millions of lines runs in bounded memory.
//
// Every input line becomes exactly one record, in order: an empty or
// whitespace-only line is a valid (empty) text, and a line that cannot be
// read (invalid UTF-8, broken JSON, longer than the line limit) is a record
// carrying its error, for the --on-error policy to handle (records.hpp).
#pragma once

#include <bertpp/detail/json_file.hpp>
#include <bertpp/detail/utf8.hpp>
#include <bertpp/error.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <fstream>
#include <iostream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertpp_cli {

struct InputRecord {
  std::size_t line = 0;  // 1-based line number in the input (argument index for arguments)
  nlohmann::json value;  // a string for plain text; any JSON value for JSON Lines
  std::string error;     // not empty: the line could not be read, and why
};

// Why `text` is not valid UTF-8, or "" when it is.
inline std::string utf8_problem(std::string_view text) {
  const std::size_t at = bertpp::detail::utf8_invalid_position(text);
  if (at == std::string_view::npos) return "";
  return "invalid UTF-8 at byte " + std::to_string(at);
}

class InputReader {
 public:
  // Lines longer than this many bytes (without the line end) are refused by
  // default: a whole-file-on-one-line input should not exhaust memory.
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{1} << 20;

  // `path` empty and `arguments` non-empty: the arguments are the inputs.
  // `path` "-" or empty without arguments: stdin. `max_line_bytes` 0: no limit.
  InputReader(const std::string& path, std::vector<std::string> arguments, bool jsonl,
              std::size_t max_line_bytes = kDefaultMaxLineBytes)
      : arguments_(std::move(arguments)), jsonl_(jsonl), max_line_bytes_(max_line_bytes) {
    if (!arguments_.empty() && path.empty()) {
      source_ = "argument";
      return;
    }
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

  // Where a record came from, for messages: "FILE:LINE" or "argument N".
  std::string where(std::size_t line) const {
    return stream_ ? source_ + ":" + std::to_string(line) : source_ + " " + std::to_string(line);
  }

 private:
  bool next(InputRecord& record) {
    record = InputRecord{};
    std::string text;
    if (!stream_) {
      if (next_argument_ >= arguments_.size()) return false;
      record.line = ++next_argument_;
      text = arguments_[record.line - 1];
    } else {
      bool too_long = false;
      if (!read_line(text, too_long)) return false;
      record.line = ++line_number_;
      if (too_long) {
        record.error = "line longer than " + std::to_string(max_line_bytes_) +
                       " bytes (--max-line-bytes)";
        return true;
      }
    }
    if (!jsonl_) {
      record.error = utf8_problem(text);
      if (record.error.empty()) record.value = std::move(text);
      return true;
    }
    if (text.find_first_not_of(" \t") == std::string::npos) {
      record.error = "empty line (expected a JSON object)";
      return true;
    }
    // The library's parser: the same depth limit and messages as for files.
    // (It refuses invalid UTF-8 and unpaired surrogate escapes in strings.)
    static const std::string kWhat = "line";
    try {
      record.value = bertpp::detail::parse_json_text<bertpp::ArgumentError>(text, kWhat);
    } catch (const bertpp::ArgumentError& e) {
      record.error = std::string(e.what()).substr(kWhat.size() + 2);
    }
    return true;
  }

  // One line without its end ("\n" or "\r\n"); at most max_line_bytes_ of it
  // is kept, the rest is read past and `too_long` set. False at end of input.
  bool read_line(std::string& line, bool& too_long) {
    line.clear();
    std::streambuf* in = stream_->rdbuf();
    bool any = false;
    for (;;) {
      const int c = in->sbumpc();
      if (c == std::char_traits<char>::eof()) break;
      any = true;
      if (c == '\n') break;
      if (max_line_bytes_ != 0 && line.size() >= max_line_bytes_ + 1) {
        too_long = true;  // keep max + 1 bytes: a '\r' may still end the line
        continue;
      }
      line.push_back(static_cast<char>(c));
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (max_line_bytes_ != 0 && line.size() > max_line_bytes_) too_long = true;
    if (too_long) line.clear();
    return any;
  }

  std::vector<std::string> arguments_;
  std::size_t next_argument_ = 0;
  bool jsonl_ = false;
  std::size_t max_line_bytes_ = kDefaultMaxLineBytes;
  std::unique_ptr<std::ifstream> file_;
  std::istream* stream_ = nullptr;
  std::string source_;
  std::size_t line_number_ = 0;
};

}  // namespace bertpp_cli
