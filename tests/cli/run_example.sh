#!/usr/bin/env bash
# Runs one example program on a golden model folder: it must exit 0 and print something.
# Usage: run_example.sh <program> <golden-model-folder> [args...]
# Without the golden data: prints SKIPPED (ctest reports a skip), or fails under CI=true.
set -uo pipefail
program="$1" model="$2"; shift 2
if [ ! -f "$model/config.json" ]; then
  [ "${CI:-}" = true ] && { echo "CI=true but golden model $model is missing"; exit 1; }
  echo "SKIPPED: golden model $model not found (set BERTPP_SHARED_DIR)"; exit 0
fi
output=$("$program" "$model" "$@") || { echo "$output"; echo "example failed"; exit 1; }
echo "$output"
[ -n "$output" ] || { echo "example printed nothing"; exit 1; }
