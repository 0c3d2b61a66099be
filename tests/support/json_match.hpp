// Comparing a pipeline's JSON result with HF's golden output: same shape,
// same keys, equal strings and integers, floats within a tolerance.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace bertpp_test {

// Empty when `actual` matches `expected`; else where and how they differ.
inline std::string json_mismatch(const nlohmann::json& expected, const nlohmann::json& actual,
                                 double tolerance, const std::string& path = "$") {
  const auto differ = [&](const std::string& what) {
    return path + ": " + what + " (expected " + expected.dump() + ", got " + actual.dump() + ")";
  };
  if (expected.is_number_float() || (expected.is_number() && actual.is_number_float())) {
    if (!actual.is_number()) return differ("not a number");
    const double diff = std::fabs(expected.get<double>() - actual.get<double>());
    return diff <= tolerance ? std::string() : differ("differs by " + std::to_string(diff));
  }
  if (expected.is_number()) {
    if (!actual.is_number_integer()) return differ("not an integer");
    return expected.get<long long>() == actual.get<long long>() ? std::string() : differ("differs");
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return differ("not a list");
    if (expected.size() != actual.size()) return differ("list length differs");
    for (std::size_t i = 0; i < expected.size(); ++i) {
      std::string m =
          json_mismatch(expected[i], actual[i], tolerance, path + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
    return {};
  }
  if (expected.is_object()) {
    if (!actual.is_object()) return differ("not an object");
    if (expected.size() != actual.size()) return differ("keys differ");
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (!actual.contains(it.key())) return differ("missing key '" + it.key() + "'");
      std::string m =
          json_mismatch(it.value(), actual.at(it.key()), tolerance, path + "." + it.key());
      if (!m.empty()) return m;
    }
    return {};
  }
  return expected == actual ? std::string() : differ("differs");
}

// The largest absolute difference between matching floats of two JSON
// values of the same shape (0 when there are none).
inline double json_max_float_diff(const nlohmann::json& expected, const nlohmann::json& actual) {
  if (expected.is_number_float() && actual.is_number())
    return std::fabs(expected.get<double>() - actual.get<double>());
  double worst = 0.0;
  if (expected.is_array() && actual.is_array() && expected.size() == actual.size())
    for (std::size_t i = 0; i < expected.size(); ++i)
      worst = std::fmax(worst, json_max_float_diff(expected[i], actual[i]));
  if (expected.is_object() && actual.is_object())
    for (auto it = expected.begin(); it != expected.end(); ++it)
      if (actual.contains(it.key()))
        worst = std::fmax(worst, json_max_float_diff(it.value(), actual.at(it.key())));
  return worst;
}

}  // namespace bertpp_test
