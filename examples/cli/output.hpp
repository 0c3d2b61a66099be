// Where a command's results go: JSON Lines on stdout or --output FILE, or a
// .npy array. Every write is checked: a full disk or a closed pipe is an
// error (non-zero exit), never a silent partial result.
#pragma once

#include "npy_writer.hpp"

#include <bertpp/error.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace bertpp_cli {

// An error no --on-error policy passes over: the output cannot be written,
// the model gives garbage. Stops the run.
class FatalError : public bertpp::Error {
 public:
  using bertpp::Error::Error;
};

// Receives one result (or one error, under --on-error record) per input record.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void result(const nlohmann::json& value) = 0;
  // An error in place of a result: keeps output lines aligned with input lines.
  virtual void error(std::size_t line, const std::string& message) = 0;
  // After each batch: what was written so far reaches the file, or FatalError.
  virtual void flush() = 0;
  // At the end of the run: everything written and closed, or FatalError.
  virtual void finish() = 0;
};

// stdout ("" or "-") or a file, checked after every flush.
class Output {
 public:
  explicit Output(const std::string& path) {
    if (path.empty() || path == "-") {
      name_ = "<stdout>";
      return;
    }
    name_ = path;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw bertpp::ArgumentError(path + ": cannot create output file");
  }
  std::ostream& stream() { return file_.is_open() ? file_ : std::cout; }

  void flush() {
    errno = 0;
    stream().flush();
    check();
  }

  void close() {
    flush();
    if (file_.is_open()) {
      file_.close();
      check();
    }
  }

 private:
  void check() {
    if (file_.is_open() ? !file_.fail() : !std::cout.fail()) return;
    const int code = errno;
    throw FatalError(name_ + ": write failed" + (code ? std::string(": ") + std::strerror(code) : ""));
  }

  std::string name_;
  std::ofstream file_;
};

// One JSON value per line.
class JsonLinesSink : public ResultSink {
 public:
  explicit JsonLinesSink(const std::string& path) : out_(path) {}
  void result(const nlohmann::json& value) override { write(value); }
  void error(std::size_t line, const std::string& message) override {
    write({{"error", message}, {"line", line}});
  }
  void flush() override { out_.flush(); }
  void finish() override { out_.close(); }

 private:
  void write(const nlohmann::json& value) {
    // Inputs are checked UTF-8, so `replace` never fires on text we read;
    // it keeps an odd token from aborting the whole run.
    out_.stream() << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  Output out_;
};

// Rows of numbers into a float32 [n, dim] .npy file.
class NpySink : public ResultSink {
 public:
  NpySink(const std::string& path, std::size_t dim) : writer_(path, dim), dim_(dim) {}
  void result(const nlohmann::json& value) override {
    row_.clear();
    for (const nlohmann::json& x : value) row_.push_back(x.get<float>());
    if (row_.size() != dim_)
      throw FatalError("internal: an embedding of " + std::to_string(row_.size()) +
                       " numbers for a " + std::to_string(dim_) + "-column .npy file");
    writer_.write_row(row_.data());
  }
  void error(std::size_t, const std::string&) override {
    throw FatalError("internal: --on-error record cannot write into a .npy file");
  }
  void flush() override { writer_.check(); }
  void finish() override { writer_.close(); }

 private:
  NpyWriter writer_;
  std::size_t dim_;
  std::vector<float> row_;
};

}  // namespace bertpp_cli
