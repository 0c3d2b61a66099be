// Reading a pipeline call's arguments given as JSON (HF's keyword arguments,
// e.g. {"inputs": [...], "top_k": null}), with errors naming task and key.
#pragma once

#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
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

  // Integers go through count()/to_count(): nlohmann's get<size_t> would
  // wrap -1 and turn 1e300 into garbage (undefined behaviour on the way).
  template <typename T>
  T as(const nlohmann::json& value, const char* key) const {
    static_assert(!std::is_integral_v<T> || std::is_same_v<T, bool>,
                  "read integer arguments with count() / to_count()");
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw ArgumentError(task_ + ": argument '" + key + "' has the wrong type (" +
                          value.type_name() + ")");
    }
  }

  // Largest integer argument accepted: far above any real count, small
  // enough that sums and products of a few of them cannot overflow size_t.
  static constexpr std::size_t kMaxInteger = 2147483647;

  // An integer argument at key (top_k, batch_size, doc_stride, ...) within
  // [min, max], or fallback when absent or null.
  std::size_t count(const char* key, std::size_t fallback, std::size_t min = 0,
                    std::size_t max = kMaxInteger) {
    if (!has(key) || args_.at(key).is_null()) return fallback;
    return to_count(args_.at(key), key, min, max);
  }

  // The same, nullopt when absent or null (HF's "None = computed default").
  std::optional<std::size_t> optional_count(const char* key, std::size_t min = 0,
                                            std::size_t max = kMaxInteger) {
    if (!has(key) || args_.at(key).is_null()) return std::nullopt;
    return to_count(args_.at(key), key, min, max);
  }

  // The one checked conversion of a JSON value to an integer argument: it
  // must be a JSON integer (not a float, string or bool) within [min, max].
  std::size_t to_count(const nlohmann::json& value, const char* key, std::size_t min = 0,
                       std::size_t max = kMaxInteger) const {
    const auto refuse = [&](const std::string& why) {
      return ArgumentError(task_ + ": argument '" + key + "' must be an integer from " +
                           std::to_string(min) + " to " + std::to_string(max) + ", got " +
                           why);
    };
    if (value.is_number_unsigned()) {
      const std::uint64_t v = value.get<std::uint64_t>();
      if (v < min || v > max) throw refuse(std::to_string(v));
      return static_cast<std::size_t>(v);
    }
    if (value.is_number_integer()) {  // signed: only negatives get here
      const std::int64_t v = value.get<std::int64_t>();
      if (v < 0 || static_cast<std::uint64_t>(v) < min || static_cast<std::uint64_t>(v) > max)
        throw refuse(std::to_string(v));
      return static_cast<std::size_t>(v);
    }
    const std::string text = value.dump();
    throw refuse(std::string(value.type_name()) + " " +
                 (text.size() > 40 ? text.substr(0, 40) + "..." : text));
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
