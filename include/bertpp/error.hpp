// The bertpp exception family. Catch bertpp::Error for everything, or one of
// the kinds below to react to a particular class of problem. Messages name
// the file, tensor or field, what was expected and what was found.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bertpp {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file could not be read or is malformed (safetensors, vocab, model folder).
class LoadError : public Error {
 public:
  using Error::Error;
};

// config.json (or another JSON settings file) has a missing, wrong-typed or
// unsupported field.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// Text could not be tokenized as asked: invalid UTF-8, a truncation that
// cannot be done, an unknown special token.
class TokenizerError : public Error {
 public:
  using Error::Error;
};

// A call's arguments do not fit: wrong shapes, sequences longer than the
// model accepts, unknown options.
class ArgumentError : public Error {
 public:
  using Error::Error;
};

namespace detail {

// Throws ErrorT with the concatenation of `parts`. Throw sites pass their
// message pieces instead of building the string inline, so the (cold)
// concatenation and its clean-up code exist once, not at each of the
// library's few hundred checks.
template <typename ErrorT>
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] void throw_error(
    std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  std::string message;
  message.reserve(size);
  for (std::string_view part : parts) message.append(part);
  throw ErrorT(message);
}

// The same after a fixed `prefix` (a file name, a record's position).
template <typename ErrorT>
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] void throw_error(
    std::initializer_list<std::string_view> prefix, std::initializer_list<std::string_view> parts) {
  std::string message;
  for (std::string_view part : prefix) message.append(part);
  for (std::string_view part : parts) message.append(part);
  throw ErrorT(message);
}

}  // namespace detail
}  // namespace bertpp
