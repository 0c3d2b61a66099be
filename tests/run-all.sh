#!/usr/bin/env bash
# Builds bertpp and runs every test: a Release build, then an ASan+UBSan build.
# Installs the Debian packages it needs first. Usage: bash tests/run-all.sh
# The Release suite includes the server tests (tests/server, needs cpp-httplib) and the Dask
# scale-out test (tests/distributed, needs /usr/bin/python3 with Dask); install-deps.sh installs both.
#   BERTPP_SANITIZE=0  skip the sanitizer build
#   BERTPP_SHARED_DIR  where the golden data lives (default: ../shared)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash third_party/install-deps.sh ccache
jobs="$(nproc)"
# ccache: a rerun, or a fresh clone on a machine that built bertpp before,
# recompiles only what changed. Paths are rewritten relative to the folder
# holding the checkout (and ../shared), so clones in other folders hit too.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$(dirname "$root")"
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
fi

# Translation (SentencePiece, installed above) must be built and tested here.
run_suite() {  # run_suite <build-dir> <cmake args...>
  local dir="$1"; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DBERTPP_REQUIRE_TRANSLATION=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

echo "== Release build and tests"
run_suite build/release
if [ "${BERTPP_SANITIZE:-1}" != 0 ]; then
  echo "== ASan+UBSan build and tests"
  # What must run under the sanitizers: every unit test (loaders, hostile
  # files and texts, kernels, threads) and the parity tests that walk buffers
  # with computed indices (tokenizers on ~1,000 texts, windows, beam search).
  # The remaining parity tests repeat the same code paths on other weights.
  # -O1: ASan's advice, and it builds far faster than -O3.
  sanitized_tests='^(unit/.*|parity/(tokenizer_golden|marian_tokenizer|marian_generation|pipeline_qa|pipeline_ner_stride|pipeline_cross_encoder|pipeline_sentence_windows))$'
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build/sanitize -DBERTPP_SANITIZE=ON -DBERTPP_BUILD_EXAMPLES=OFF \
              "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
              "-DBERTPP_TEST_FILTER=$sanitized_tests"
fi

# ---- Reliability (tests/fuzz, tests/run-tsan.sh) ----------------------------
#   BERTPP_FUZZ_SECONDS  seconds per fuzz target (default 45; 0 skips fuzzing)
#   BERTPP_TSAN=0        skip the ThreadSanitizer build of the concurrency tests
if [ "${BERTPP_TSAN:-1}" != 0 ]; then
  echo "== ThreadSanitizer: concurrency tests"
  bash tests/run-tsan.sh
fi
if [ "${BERTPP_FUZZ_SECONDS:-45}" != 0 ]; then
  echo "== libFuzzer targets (clang, ASan+UBSan)"
  bash third_party/install-deps.sh clang libclang-rt-dev
  bash tests/fuzz/run.sh "${BERTPP_FUZZ_SECONDS:-45}"
fi
