// The bertpp exception family. Catch bertpp::Error for everything, or one of
// the kinds below to react to a particular class of problem. Messages name
// the file, tensor or field, what was expected and what was found.
#pragma once

#include <stdexcept>
#include <string>

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

}  // namespace bertpp
