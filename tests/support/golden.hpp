// Access to ../shared/golden, the HuggingFace-generated reference data.
//
// On a user's machine the folder may be absent: tests that need it print a
// "SKIPPED: <why>" line (ctest reports them as skipped). Under CI=true a
// missing folder is a failure, so CI can never pass by skipping.
#pragma once

#include "support/paths.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace bertpp_test {

inline std::string shared_dir() {
  if (const char* env = std::getenv("BERTPP_SHARED_DIR")) return env;
  return compiled_shared_dir();
}

inline std::string golden_path(const std::string& relative) {
  return shared_dir() + "/golden/" + relative;
}

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

inline bool file_exists(const std::string& path) {
  std::ifstream in(path);
  return in.good();
}

// True when `relative` (under golden/) exists. Otherwise reports a skip, or
// fails the test under CI=true. Use as: if (!bertpp_test::have_golden("x")) return;
inline bool have_golden(const std::string& relative) {
  const std::string path = golden_path(relative);
  if (file_exists(path) || file_exists(path + "/config.json")) return true;
  const std::string why = "golden data " + path +
                          " not found (set BERTPP_SHARED_DIR to the shared/ folder)";
  if (in_ci()) FAIL("CI=true but " << why);
  std::cout << "SKIPPED: " << why << std::endl;
  WARN("SKIPPED: " << why);
  return false;
}

// Calls fn(json, line_number) for each line of a JSON Lines file.
inline void for_each_jsonl(const std::string& path,
                           const std::function<void(const nlohmann::json&, int)>& fn) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    fn(nlohmann::json::parse(line), number);
  }
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace bertpp_test
