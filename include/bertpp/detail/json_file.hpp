// Reading JSON settings files (config.json, tokenizer.json, modules.json, ...)
// with errors that name the file and the field.
#pragma once

#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace bertpp {
namespace detail {

// Deepest nesting accepted in any JSON we read: serde_json's limit, so every
// file HF's Rust code (tokenizers, safetensors) reads is accepted. Deeper
// input is refused before parsing: nlohmann::json copies and dumps values
// recursively, so a hostile file could otherwise overflow the stack.
constexpr std::size_t kMaxJsonDepth = 128;

// True when the [ / { nesting of `text` (brackets inside strings ignored)
// never exceeds kMaxJsonDepth. Linear and allocation-free.
inline bool json_depth_ok(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// Parses JSON text; `what` names its source in the ErrorT thrown for broken
// or too deeply nested JSON.
template <typename ErrorT = ConfigError>
nlohmann::json parse_json_text(std::string_view text, const std::string& what) {
  if (!json_depth_ok(text))
    throw ErrorT(what + ": invalid JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                 " levels");
  try {
    // nlohmann's parse() also instantiates its callback parser (a runtime
    // branch on the absent callback); the DOM SAX parser alone is what it
    // runs, with the same checks and error messages.
    using Input = nlohmann::detail::iterator_input_adapter<const char*>;
    nlohmann::json result;
    nlohmann::detail::json_sax_dom_parser<nlohmann::json> dom(result, /*allow_exceptions=*/true);
    nlohmann::detail::parser<nlohmann::json, Input>(Input(text.data(), text.data() + text.size()))
        .sax_parse(&dom, /*strict=*/true);
    return result;
  } catch (const nlohmann::json::exception& e) {
    throw ErrorT(what + ": invalid JSON: " + e.what());
  }
}

// Parses a whole JSON file. A missing file or broken JSON throws ErrorT
// naming the path and, for broken JSON, the byte where parsing stopped.
template <typename ErrorT = ConfigError>
nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ErrorT(path + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text<ErrorT>(text.str(), path);
}

inline std::string json_type_name(const nlohmann::json& value) { return value.type_name(); }

// A JSON number as the integer type T. nlohmann's get<T>() would cast a
// fraction or an out-of-range value silently (undefined behaviour for
// 1e300), so both are refused here.
// The checks are written once over 64-bit bounds and a thrower; the
// templates below only fix T and the error type, so each (T, ErrorT) pair
// the library reads adds no more than a call.
using JsonFail = void (*)(std::initializer_list<std::string_view> message);

// The value's bits as a uint64 (two's complement for negatives) once it is
// known to lie in [min, max].
inline std::uint64_t json_integer_bits(const nlohmann::json& value, const char* key,
                                       const std::string& file, std::int64_t min,
                                       std::uint64_t max, JsonFail fail) {
  const std::string field = file + ": field '" + key + "'";
  if (value.is_number_float()) fail({field, " must be an integer, found ", value.dump()});
  if (!value.is_number()) fail({field, " has the wrong type (", json_type_name(value), ")"});
  const bool fits = value.is_number_unsigned()
                        ? value.get<std::uint64_t>() <= max
                        : value.get<std::int64_t>() >= min &&
                              (value.get<std::int64_t>() < 0 ||
                               static_cast<std::uint64_t>(value.get<std::int64_t>()) <= max);
  if (!fits) fail({field, " is out of range, found ", value.dump()});
  return value.is_number_unsigned() ? value.get<std::uint64_t>()
                                    : static_cast<std::uint64_t>(value.get<std::int64_t>());
}

template <typename T, typename ErrorT>
T json_integer(const nlohmann::json& value, const char* key, const std::string& file) {
  const std::int64_t min = std::is_unsigned<T>::value
                               ? 0
                               : static_cast<std::int64_t>(std::numeric_limits<T>::min());
  return static_cast<T>(json_integer_bits(value, key, file, min,
                                          static_cast<std::uint64_t>(std::numeric_limits<T>::max()),
                                          &throw_error<ErrorT>));
}

template <typename T>
T json_field_or(const nlohmann::json& object, const char* key, const T& fallback,
                const std::string& file, JsonFail fail) {
  if (!object.is_object()) fail({file, ": expected a JSON object"});
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  T value{};
  try {
    value = it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    fail({file, ": field '", key, "' has the wrong type (", json_type_name(*it), ")"});
  }
  if constexpr (std::is_floating_point<T>::value) {
    if (!std::isfinite(value))
      fail({file, ": field '", key, "' is not a finite number: ", it->dump()});
  }
  return value;
}

// Reads `object[key]` as T; `fallback` when the key is absent or null.
// A present value of the wrong type throws ErrorT naming file and field, as
// does a non-integral or out-of-range value for an integer T and a
// non-finite one for a floating-point T.
template <typename T, typename ErrorT = ConfigError>
T json_field(const nlohmann::json& object, const char* key, const T& fallback,
             const std::string& file) {
  if constexpr (std::is_integral<T>::value && !std::is_same<T, bool>::value) {
    if (!object.is_object()) throw ErrorT(file + ": expected a JSON object");
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    return json_integer<T, ErrorT>(*it, key, file);
  } else {
    return json_field_or<T>(object, key, fallback, file, &throw_error<ErrorT>);
  }
}

// Reads a required `object[key]` as T; absent or wrong-typed throws ErrorT.
template <typename T, typename ErrorT = ConfigError>
T json_required(const nlohmann::json& object, const char* key, const std::string& file) {
  if (!object.is_object()) throw ErrorT(file + ": expected a JSON object");
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    throw ErrorT(file + ": required field '" + key + "' is missing");
  return json_field<T, ErrorT>(object, key, T{}, file);
}

}  // namespace detail
}  // namespace bertpp
