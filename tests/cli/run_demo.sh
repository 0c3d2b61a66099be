#!/usr/bin/env bash
# Runs examples/run-demo.sh with downloads disabled on an already built `bertpp`:
# every step must run (none skipped) and print a result; the demo must finish.
# Usage: run_demo.sh <bertpp> <repository root>
# Without the golden models (and no models/): prints SKIPPED, or fails under CI=true.
set -uo pipefail
bertpp="$1" root="$2"
golden="${BERTPP_SHARED_DIR:-$root/../shared}/golden/models"
if [ ! -d "$golden" ]; then
  [ "${CI:-}" = true ] && { echo "CI=true but the golden models ($golden) are missing"; exit 1; }
  echo "SKIPPED: golden models $golden not found (set BERTPP_SHARED_DIR)"; exit 0
fi
output=$(BERTPP_DEMO_OFFLINE=1 BERTPP_CLI="$bertpp" bash "$root/examples/run-demo.sh" 2>&1)
status=$?
echo "$output"
fail() { echo "demo test: $1"; exit 1; }
[ "$status" = 0 ] || fail "the demo exited with status $status"
grep -q "^BERTPP_DEMO_OFFLINE=1: no downloads" <<<"$output" || fail "downloads were not disabled"
! grep -q "(skipped" <<<"$output" || fail "a step was skipped"
steps=$(grep -c "^== " <<<"$output")
runs=$(grep -c '^\$ bertpp ' <<<"$output")
[ "$steps" -ge 9 ] && [ "$steps" = "$runs" ] || fail "$steps steps, $runs of them ran"
# Every step printed something after its command line.
missing=$(awk '/^\$ bertpp /{if (pending) bad++; pending=1; next} pending && NF {pending=0} END {print bad + pending}' <<<"$output")
[ "$missing" = 0 ] || fail "$missing step(s) printed nothing"
grep -q '"error":"invalid UTF-8 at byte 4","line":3' <<<"$output" || fail "the --on-error record step did not keep line 3"
grep -q "^Demo done" <<<"$output" || fail "the demo did not finish"
echo "demo test: $steps steps ran"
