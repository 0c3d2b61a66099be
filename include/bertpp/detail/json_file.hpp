// Reading JSON settings files (config.json, tokenizer.json, modules.json, ...)
// with errors that name the file and the field.
#pragma once

#include "bertpp/error.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace bertpp {
namespace detail {

// Parses a whole JSON file. A missing file or broken JSON throws ErrorT
// naming the path and, for broken JSON, the byte where parsing stopped.
template <typename ErrorT = ConfigError>
nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ErrorT(path + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw ErrorT(path + ": invalid JSON: " + e.what());
  }
}

inline std::string json_type_name(const nlohmann::json& value) { return value.type_name(); }

// Reads `object[key]` as T; `fallback` when the key is absent or null.
// A present value of the wrong type throws ErrorT naming file and field.
template <typename T, typename ErrorT = ConfigError>
T json_field(const nlohmann::json& object, const char* key, const T& fallback,
             const std::string& file) {
  if (!object.is_object()) throw ErrorT(file + ": expected a JSON object");
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ErrorT(file + ": field '" + key + "' has the wrong type (" +
                 json_type_name(*it) + ")");
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
