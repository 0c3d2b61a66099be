#!/usr/bin/env bash
# Builds the concurrency tests (tests/unit/concurrency_*.cpp, the thread
# pool and the parallel loops of tests/unit/nn_parallel.cpp) with ThreadSanitizer and runs
# them; fails on any data race.
#   Usage: tests/run-tsan.sh        BERTPP_TSAN_BUILD: build dir (default build/tsan)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BERTPP_TSAN_BUILD:-$root/build/tsan}"
flags="-fsanitize=thread -g -O1"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBERTPP_BUILD_EXAMPLES=OFF -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -Wno-dev >/dev/null
targets=(test_unit_nn_parallel test_unit_thread_pool)
for source in "$root"/tests/unit/concurrency_*.cpp; do
  targets+=("test_unit_$(basename "$source" .cpp)")
done
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
for target in "${targets[@]}"; do
  echo "== $target (ThreadSanitizer)"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$build/tests/$target"
done
