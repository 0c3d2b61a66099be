// Reading a pipeline call's arguments given as JSON (HF's keyword arguments,
// e.g. {"inputs": [...], "top_k": null}), with errors naming task and key.
#pragma once

#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace bertpp {
namespace detail {

class JsonArgs {
 public:
  JsonArgs(const nlohmann::json& args, std::string task) : args_(args), task_(std::move(task)) {
    if (!args_.is_object())
      throw ArgumentError(task_ + ": arguments must be a JSON object, got " + args_.type_name());
  }

  // True when the key is present (even as null: HF treats top_k=None as given).
  bool has(const char* key) {
    used_.insert(key);
    return args_.contains(key);
  }

  // The value at key; throws when absent.
  const nlohmann::json& required(const char* key) {
    if (!has(key)) throw ArgumentError(task_ + ": missing argument '" + std::string(key) + "'");
    return args_.at(key);
  }

  // The value at key as T, or fallback when absent or null.
  template <typename T>
  T get(const char* key, const T& fallback) {
    if (!has(key) || args_.at(key).is_null()) return fallback;
    return as<T>(args_.at(key), key);
  }

  template <typename T>
  T as(const nlohmann::json& value, const char* key) const {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw ArgumentError(task_ + ": argument '" + key + "' has the wrong type (" +
                          value.type_name() + ")");
    }
  }

  // A non-negative integer at key (top_k, batch_size, ...), or fallback when
  // absent or null.
  std::size_t count(const char* key, std::size_t fallback) {
    if (!has(key) || args_.at(key).is_null()) return fallback;
    const nlohmann::json& value = args_.at(key);
    if (!value.is_number_integer() || value.get<long long>() < 0)
      throw ArgumentError(task_ + ": argument '" + key + "' must be a non-negative integer, got " +
                          value.dump());
    return value.get<std::size_t>();
  }

  // A string or a list of strings, as one list.
  std::vector<std::string> string_list(const nlohmann::json& value, const char* key) const {
    if (value.is_string()) return {value.get<std::string>()};
    return as<std::vector<std::string>>(value, key);
  }

  // Call after reading every supported key: unknown keys are mistakes.
  void reject_unknown() const {
    for (auto it = args_.begin(); it != args_.end(); ++it)
      if (!used_.count(it.key()))
        throw ArgumentError(task_ + ": unknown argument '" + it.key() + "'");
  }

  const std::string& task() const { return task_; }

 private:
  const nlohmann::json& args_;
  std::string task_;
  std::set<std::string> used_;
};

}  // namespace detail
}  // namespace bertpp
