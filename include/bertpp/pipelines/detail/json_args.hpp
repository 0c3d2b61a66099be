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
  template <typename T>
  static constexpr bool is_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  template <typename T>
  struct is_integer_list : std::false_type {};
  template <typename T>
  struct is_integer_list<std::vector<T>> : std::bool_constant<is_integer_v<T>> {};
  template <typename T>
  static constexpr bool is_integer_list_v = is_integer_list<T>::value;

 public:
  JsonArgs(const nlohmann::json& args, std::string task) : args_(args), task_(std::move(task)) {
    if (!args_.is_object())
      detail::throw_error<ArgumentError>(
          {task_, ": arguments must be a JSON object, got ", args_.type_name()});
  }

  // True when the key is present (even as null: HF treats top_k=None as given).
  bool has(const char* key) {
    used_.insert(key);
    return args_.contains(key);
  }

  // The value at key; throws when absent.
  const nlohmann::json& required(const char* key) {
    if (!has(key))
      detail::throw_error<ArgumentError>({task_, ": missing argument '", std::string(key), "'"});
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
    static_assert(!is_integer_v<T> && !is_integer_list_v<T>,
                  "read integer arguments with count() / to_count() / integer_list()");
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      detail::throw_error<ArgumentError>(
          {task_, ": argument '", key, "' has the wrong type (", value.type_name(), ")"});
    }
  }

  // Largest integer argument accepted: far above any real count, small
  // enough that sums and products of a few of them cannot overflow size_t.
  static constexpr std::size_t kMaxInteger = 2147483647;
  static constexpr std::int64_t kMaxIntegerSigned = 2147483647;

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
  std::int64_t to_integer(const nlohmann::json& value, const char* key, std::int64_t min,
                          std::int64_t max) const {
    const auto refuse = [&](const std::string& got) {
      return ArgumentError(task_ + ": argument '" + key + "' must be an integer from " +
                           std::to_string(min) + " to " + std::to_string(max) + ", got " + got);
    };
    if (value.is_number_unsigned()) {
      const std::uint64_t v = value.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(max) || static_cast<std::int64_t>(v) < min)
        throw refuse(std::to_string(v));
      return static_cast<std::int64_t>(v);
    }
    if (value.is_number_integer()) {
      const std::int64_t v = value.get<std::int64_t>();
      if (v < min || v > max) throw refuse(std::to_string(v));
      return v;
    }
    const std::string text = value.dump();
    throw refuse(std::string(value.type_name()) + " " +
                 (text.size() > 40 ? text.substr(0, 40) + "..." : text));
  }

  // A count (non-negative integer argument) within [min, max].
  std::size_t to_count(const nlohmann::json& value, const char* key, std::size_t min = 0,
                       std::size_t max = kMaxInteger) const {
    return static_cast<std::size_t>(to_integer(value, key, static_cast<std::int64_t>(min),
                                               static_cast<std::int64_t>(max)));
  }

  // A list of integers at key (each within int's range), or fallback when
  // absent or null.
  std::vector<int> integer_list(const char* key, const std::vector<int>& fallback) {
    if (!has(key) || args_.at(key).is_null()) return fallback;
    const nlohmann::json& value = args_.at(key);
    if (!value.is_array())
      detail::throw_error<ArgumentError>(
          {task_, ": argument '", key, "' must be a list of integers, got ", value.type_name()});
    std::vector<int> out;
    for (const nlohmann::json& item : value)
      out.push_back(static_cast<int>(to_integer(item, key, -kMaxIntegerSigned, kMaxIntegerSigned)));
    return out;
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
        detail::throw_error<ArgumentError>({task_, ": unknown argument '", it.key(), "'"});
  }

  const std::string& task() const { return task_; }

 private:
  const nlohmann::json& args_;
  std::string task_;
  std::set<std::string> used_;
};

}  // namespace detail
}  // namespace bertpp
