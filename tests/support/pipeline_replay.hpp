// Replaying a golden expected_pipeline.json: every {args, output} entry is
// run through a pipeline's JSON entry point and compared with HF's output
// (strings/ints exactly, floats within a tolerance).
#pragma once

#include "support/golden.hpp"
#include "support/json_match.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <string>

namespace bertpp_test {

// Runs run(args) for each entry of <golden folder>/expected_pipeline.json
// (entries chosen by `accept`, all by default). Returns the number replayed.
inline std::size_t replay_expected_pipeline(
    const std::string& folder, const std::function<nlohmann::json(const nlohmann::json&)>& run,
    double tolerance = 1e-5,
    const std::function<bool(const nlohmann::json&)>& accept = nullptr) {
  const nlohmann::json cases = read_json(golden_path(folder) + "/expected_pipeline.json");
  REQUIRE(cases.is_array());
  std::size_t replayed = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    if (accept && !accept(c.at("args"))) continue;
    INFO(folder << " case " << i << ": args " << c.at("args").dump());
    nlohmann::json got;
    REQUIRE_NOTHROW(got = run(c.at("args")));
    INFO("expected " << c.at("output").dump() << "\n     got " << got.dump());
    CHECK(json_mismatch(c.at("output"), got, tolerance) == "");
    worst = std::max(worst, json_max_float_diff(c.at("output"), got));
    ++replayed;
  }
  std::cout << folder << ": " << replayed << " pipeline cases, worst float difference " << worst
            << std::endl;
  return replayed;
}

}  // namespace bertpp_test
