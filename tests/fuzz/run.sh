#!/usr/bin/env bash
# Builds bertpp's libFuzzer targets with clang (ASan+UBSan) and runs each for
# <seconds> from its committed seed corpus in tests/fuzz/corpus/<target>/.
# The corpus is copied to a temp dir, so the repository is never written.
# Exits non-zero when any target crashes, leaks, hangs or trips a sanitizer;
# the crashing input is kept in the printed artifacts folder.
#   Usage: tests/fuzz/run.sh [seconds-per-target=45] [target ...]
#   BERTPP_FUZZ_BUILD  build dir (default: build/fuzz)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-45}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors pytorch config tokenizer_json encode pipeline_json marian_config)
build="${BERTPP_FUZZ_BUILD:-$root/build/fuzz}"

CXX="${BERTPP_FUZZ_CXX:-clang++}" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBERTPP_FUZZ=ON -DBERTPP_USE_OPENMP=OFF -DBERTPP_BUILD_EXAMPLES=OFF -Wno-dev >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

work="$(mktemp -d "${TMPDIR:-/tmp}/bertpp-fuzz-XXXXXX")"
failed=0
for target in "${targets[@]}"; do
  corpus="$work/corpus-$target" artifacts="$work/artifacts-$target/"
  mkdir -p "$corpus" "$artifacts"
  cp "$here/corpus/$target/"* "$corpus/"
  log="$work/$target.log"
  dict=()
  [ -f "$here/$target.dict" ] && dict=(-dict="$here/$target.dict")
  echo "== fuzz_$target for ${seconds}s"
  # 2 GB RSS cap, 512 MB per allocation: a "huge allocation" is a finding.
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/tests/fuzz/fuzz_$target" "$corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$artifacts" "${dict[@]}" >"$log" 2>&1; then
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
  else
    failed=1
    echo "!! fuzz_$target FAILED; log: $log; inputs: $artifacts"
    grep -E "ERROR|runtime error|invariant failed|Test unit written" "$log" | head -20 || true
  fi
done
if [ "$failed" = 0 ]; then rm -rf "$work"; echo "fuzzing passed"; else exit 1; fi
