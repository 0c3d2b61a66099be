#!/usr/bin/env bash
# Installs bertpp from <build-dir> into a scratch prefix, then builds and runs
# the consumer app with find_package(bertpp) and with add_subdirectory, header-only
# and against bertpp::compiled.
# Usage: check.sh <bertpp-source-dir> <bertpp-build-dir> <scratch-dir>
set -euo pipefail
src="$1"; build="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null

build_and_run() {  # build_and_run <name> <cmake args...>
  local dir="$work/$1"; shift
  cmake -S "$src/tests/consumer/app" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" >/dev/null
  "$dir/consumer" "$dir/vocab.txt"
  "$dir/consumer_compiled" "$dir/vocab_compiled.txt"
}
echo "find_package:";     build_and_run installed -DCMAKE_PREFIX_PATH="$work/prefix"
echo "add_subdirectory:"; build_and_run subdir -DBERTPP_SOURCE_DIR="$src"
