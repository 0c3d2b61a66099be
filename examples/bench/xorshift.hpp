// The benchmarks' random weights and inputs: a deterministic generator, the
// same sequence on every platform and compiler (unlike <random>'s
// distributions), so every run times the same model.
#pragma once

#include <cstdint>

namespace bertpp_bench {

struct XorShift {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  float uniform(float scale) {  // in [-scale, scale)
    return scale * (static_cast<float>(next() >> 40) / static_cast<float>(1 << 23) - 1.0f);
  }
};

}  // namespace bertpp_bench
